/* Unit tests for the host-clock page: each register's load, every misuse named, the bracket. */
#include "dev/host_clock.h"
#include "core/stop.h"
#include "pvclock_clock.h"
#include "test_util.h"

static uint64_t fake_mono = 5000000000ull, fake_real = 1764000000123456789ull;
static unsigned int mono_reads, real_reads;

static uint64_t read_mono(void *ctx)
{
	mono_reads++;
	return fake_mono;
}

static uint64_t read_real(void *ctx)
{
	real_reads++;
	return fake_real;
}

static uint64_t no_tsc(void *ctx)
{
	ck_abort_msg("the host-clock page read the TSC");
	return 0;
}

static const struct pvclock_clock fake = { no_tsc, no_tsc, read_mono, read_real, NULL };

static void setup(void)
{
	test_log_capture();
	mono_reads = real_reads = 0;
}

static int load(uint64_t offset, uint32_t size, bool write, uint64_t *value)
{
	uint8_t data[8] = { 0 };
	struct io_access a = { .addr = MEMMAP_HOST_CLOCK + offset,
			       .offset = offset,
			       .size = size,
			       .write = write,
			       .data = data,
			       .vcpu_id = 1 };
	int ret;

	memcpy(data, value, sizeof(*value));
	ret = host_clock_io((void *)&fake, &a);
	memcpy(value, data, sizeof(*value));
	return ret;
}

START_TEST(test_registers_answer_the_host_clocks)
{
	uint64_t v = 0;

	ck_assert_int_eq(load(HOST_CLOCK_MAGIC, 8, false, &v), VM_RUNNING);
	ck_assert_uint_eq(v, HOST_CLOCK_MAGIC_VALUE);
	ck_assert_mem_eq(&v, "PVHCLK\1\0", 8); /* version 1, 16 bits, little-endian */
	ck_assert_int_eq(load(HOST_CLOCK_REALTIME, 8, false, &v), VM_RUNNING);
	ck_assert_uint_eq(v, fake_real);
	ck_assert_int_eq(load(HOST_CLOCK_MONOTONIC, 8, false, &v), VM_RUNNING);
	ck_assert_uint_eq(v, fake_mono);
	/* Each load reads its clock at that exit: a later load, a later reading. */
	fake_mono += 1234;
	ck_assert_int_eq(load(HOST_CLOCK_MONOTONIC, 8, false, &v), VM_RUNNING);
	ck_assert_uint_eq(v, fake_mono);
	ck_assert_uint_eq(mono_reads, 2);
	ck_assert_uint_eq(real_reads, 1);
	ck_assert_str_eq(test_logged(), "");
}
END_TEST

START_TEST(test_store_is_refused_naming_the_value)
{
	uint64_t v = 0xdeadbeef;

	ck_assert_int_eq(load(HOST_CLOCK_REALTIME, 8, true, &v), VM_STOP_GUEST_ERROR);
	ck_assert_logged("vCPU 1: guest store of 0xdeadbeef (size 8) to the host-clock page at "
			 "0xfe001008: the page only takes loads");
	ck_assert_uint_eq(real_reads, 0);
}
END_TEST

START_TEST(test_wrong_size_is_refused)
{
	uint64_t v = 0;

	ck_assert_int_eq(load(HOST_CLOCK_MONOTONIC, 4, false, &v), VM_STOP_GUEST_ERROR);
	ck_assert_logged("guest load (size 4) of host-clock register monotonic: it takes 8-byte "
			 "loads");
	ck_assert_int_eq(load(HOST_CLOCK_MAGIC, 1, false, &v), VM_STOP_GUEST_ERROR);
	ck_assert_logged("(size 1) of host-clock register magic");
	ck_assert_uint_eq(mono_reads, 0);
}
END_TEST

START_TEST(test_no_register_there)
{
	uint64_t v = 0;

	ck_assert_int_eq(load(HOST_CLOCK_NR_REGS * 8, 8, false, &v), VM_STOP_GUEST_ERROR);
	ck_assert_logged("guest load (size 8) from the host-clock page at 0xfe001018: no register "
			 "at offset 0x18");
	ck_assert_int_eq(load(HOST_CLOCK_REALTIME + 4, 4, false, &v), VM_STOP_GUEST_ERROR);
	ck_assert_logged("at 0xfe00100c: no register at offset 0xc");
	ck_assert_int_eq(load(0xff8, 8, false, &v), VM_STOP_GUEST_ERROR);
	ck_assert_logged("no register at offset 0xff8");
	ck_assert_uint_eq(real_reads + mono_reads, 0);
}
END_TEST

START_TEST(test_bracket_gives_offset_and_bound)
{
	struct host_clock_offset o;

	/* Host read at 1000; guest read 900 before and 1300 after: guest runs 100 ahead +- 200. */
	ck_assert_int_eq(host_clock_bracket(1900, 1000, 2300, &o), 0);
	ck_assert_int_eq(o.offset_ns, 1100);
	ck_assert_uint_eq(o.bound_ns, 200);
	/* Guest behind: negative; an odd width rounds the bound up, so it still covers. */
	ck_assert_int_eq(host_clock_bracket(100, 10000000000ull, 103, &o), 0);
	ck_assert_int_eq(o.offset_ns, 101 - 10000000000ll);
	ck_assert_uint_eq(o.bound_ns, 2);
	ck_assert_int_le(o.offset_ns - (int64_t)o.bound_ns, 100 - 10000000000ll);
	ck_assert_int_ge(o.offset_ns + (int64_t)o.bound_ns, 103 - 10000000000ll);
	/* A zero-width bracket is exact. */
	ck_assert_int_eq(host_clock_bracket(7, 7, 7, &o), 0);
	ck_assert_int_eq(o.offset_ns, 0);
	ck_assert_uint_eq(o.bound_ns, 0);
	/* Near the top of the range, no overflow. */
	ck_assert_int_eq(host_clock_bracket(UINT64_MAX - 10, UINT64_MAX - 20, UINT64_MAX, &o), 0);
	ck_assert_int_eq(o.offset_ns, 15);
	ck_assert_uint_eq(o.bound_ns, 5);
	/* A guest clock that went back across the load gives no bound. */
	ck_assert_int_eq(host_clock_bracket(500, 400, 499, &o), -1);
}
END_TEST

TEST_SUITE("host_clock",
	   { .name = "core",
	     .setup = setup,
	     .teardown = test_log_release,
	     .tests = TESTS(test_registers_answer_the_host_clocks,
			    test_store_is_refused_naming_the_value, test_wrong_size_is_refused,
			    test_no_register_there, test_bracket_gives_offset_and_bound) })
