/* Unit tests for the doorbell page: only a 64-bit store to a register rings it. */
#include "dev/doorbell.h"
#include "core/exit.h"
#include "test_util.h"

static struct doorbell db;
static uint64_t rung_value;
static unsigned int rung_vcpu, rings;

static int record_ring(void *opaque, unsigned int vcpu_id, uint64_t value)
{
	rung_vcpu = vcpu_id;
	rung_value = value;
	rings++;
	return *(int *)opaque;
}

static int answer = VM_RUNNING;

static void setup(void)
{
	test_log_capture();
	doorbell_init(&db);
	rings = 0;
	answer = VM_RUNNING;
	ck_assert_int_eq(doorbell_connect(&db, DOORBELL_REPORT, "report", record_ring, &answer), 0);
}

static void teardown(void)
{
	test_log_release();
}

static int access_at(uint64_t offset, uint32_t size, bool write, uint64_t value)
{
	uint8_t data[8] = { 0 };
	struct io_access a = { .addr = MEMMAP_DOORBELL + offset,
			       .offset = offset,
			       .size = size,
			       .write = write,
			       .data = data,
			       .vcpu_id = 3 };

	memcpy(data, &value, sizeof(value));
	return doorbell_io(&db, &a);
}

START_TEST(test_store_rings_the_register)
{
	ck_assert_int_eq(access_at(DOORBELL_REPORT, 8, true, 0x123456789abcull), VM_RUNNING);
	ck_assert_uint_eq(rings, 1);
	ck_assert_uint_eq(rung_vcpu, 3);
	ck_assert_uint_eq(rung_value, 0x123456789abcull); /* all 64 bits */
	answer = VM_STOP_DONE;
	ck_assert_int_eq(access_at(DOORBELL_REPORT, 8, true, 1), VM_STOP_DONE);
}
END_TEST

START_TEST(test_null_register_does_nothing)
{
	ck_assert_int_eq(access_at(DOORBELL_NULL, 8, true, 0xdead), VM_RUNNING);
	ck_assert_uint_eq(rings, 0);
	ck_assert_str_eq(test_logged(), "");
}
END_TEST

START_TEST(test_read_is_refused)
{
	ck_assert_int_eq(access_at(DOORBELL_REPORT, 8, false, 0), VM_STOP_GUEST_ERROR);
	ck_assert_logged("vCPU 3: guest read (size 8) of the doorbell at 0xfe000000: the doorbell "
			 "only takes stores");
	ck_assert_uint_eq(rings, 0);
}
END_TEST

START_TEST(test_wrong_size_is_refused)
{
	ck_assert_int_eq(access_at(DOORBELL_REPORT, 4, true, 0x1000), VM_STOP_GUEST_ERROR);
	ck_assert_logged("guest store of 0x1000 (size 4) to doorbell register report: it takes "
			 "8-byte stores");
	ck_assert_int_eq(access_at(DOORBELL_NULL, 1, true, 0x7), VM_STOP_GUEST_ERROR);
	ck_assert_logged("(size 1) to doorbell register null");
	ck_assert_uint_eq(rings, 0);
}
END_TEST

START_TEST(test_no_register_there)
{
	/* Past the registers, between them, and a register with no service connected. */
	ck_assert_int_eq(access_at(0x800, 8, true, 0x42), VM_STOP_GUEST_ERROR);
	ck_assert_logged("guest store of 0x42 (size 8) to the doorbell at 0xfe000800: no register");
	ck_assert_int_eq(access_at(DOORBELL_REPORT + 4, 8, true, 1), VM_STOP_GUEST_ERROR);
	ck_assert_logged("to the doorbell at 0xfe000004: no register there");
	ck_assert_int_eq(access_at(DOORBELL_PROBE, 8, true, 1), VM_STOP_GUEST_ERROR);
	ck_assert_logged("to the doorbell at 0xfe000008: no register there");
	ck_assert_uint_eq(rings, 0);
}
END_TEST

START_TEST(test_connect_checks)
{
	ck_assert_int_eq(doorbell_connect(&db, DOORBELL_REPORT, "other", record_ring, &answer),
			 -EBUSY);
	ck_assert_logged("doorbell: register 0x0 is report's, not other's");
	ck_assert_int_eq(doorbell_connect(&db, DOORBELL_NR_REGS * 8, "x", record_ring, NULL),
			 -EINVAL);
	ck_assert_int_eq(doorbell_connect(&db, 4, "x", record_ring, NULL), -EINVAL);
	ck_assert_int_eq(doorbell_connect(&db, DOORBELL_PROBE, "x", NULL, NULL), -EINVAL);
	ck_assert_int_eq(doorbell_connect(&db, DOORBELL_PROBE, "probe", record_ring, &answer), 0);
	ck_assert_int_eq(access_at(DOORBELL_PROBE, 8, true, 9), VM_RUNNING);
	ck_assert_uint_eq(rung_value, 9);
}
END_TEST

TEST_SUITE("doorbell",
	   { .name = "core",
	     .setup = setup,
	     .teardown = teardown,
	     .tests = TESTS(test_store_rings_the_register, test_null_register_does_nothing,
			    test_read_is_refused, test_wrong_size_is_refused,
			    test_no_register_there, test_connect_checks) })
