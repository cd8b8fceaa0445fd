/* Unit tests for the exit dispatcher, fed fabricated struct kvm_run exits (no /dev/kvm). */
#include "core/exit.h"
#include "test_util.h"

#define RUN_SIZE 4096
#define DATA_OFF 1024

static union {
	struct kvm_run run;
	uint8_t bytes[RUN_SIZE];
} page;
static struct kvm_run *run = &page.run;
static struct io_bus pio, mmio;
static struct msr_table msrs;
static struct exit_ctx ctx;

struct recorded {
	int calls;
	struct io_access last;
	uint8_t seen[16]; /* data as the handler saw it on entry, per call */
	int stop;
	uint8_t reply;
};
static struct recorded rec;

static int record_io(void *opaque, struct io_access *a)
{
	struct recorded *r = opaque;

	if (r->calls < (int)sizeof(r->seen))
		r->seen[r->calls] = a->data[0];
	r->calls++;
	r->last = *a;
	if (!a->write)
		memset(a->data, r->reply, a->size);
	return r->stop;
}

static uint64_t msr_value;

static enum msr_result msr_read(void *opaque, unsigned int vcpu, uint32_t index, uint64_t *v)
{
	*v = msr_value;
	return MSR_OK;
}

static enum msr_result msr_write(void *opaque, unsigned int vcpu, uint32_t index, uint64_t v)
{
	if (v == 0xbad)
		return MSR_INJECT_GP;
	msr_value = v;
	return MSR_OK;
}

static void setup(void)
{
	struct msr_handler h = { 0x4b564d01, "test", msr_read, msr_write, NULL };

	test_log_capture();
	memset(&page, 0, sizeof(page));
	memset(&rec, 0, sizeof(rec));
	memset(&msrs, 0, sizeof(msrs));
	io_bus_init(&pio, "port", 0x10000);
	io_bus_init(&mmio, "MMIO", UINT64_MAX);
	ck_assert_int_eq(io_bus_register(&pio, 0x3f8, 8, "uart", record_io, &rec), 0);
	ck_assert_int_eq(io_bus_register(&mmio, 0xfee00000, 0x1000, "apic", record_io, &rec), 0);
	ck_assert_int_eq(msr_table_register(&msrs, &h), 0);
	ctx = (struct exit_ctx){
		.pio = &pio, .mmio = &mmio, .msrs = &msrs, .vcpu_id = 3, .run_size = RUN_SIZE
	};
	msr_value = 0;
}

static void teardown(void)
{
	test_log_release();
}

static void fake_io(uint16_t port, int out, uint8_t size, uint32_t count)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.size = size;
	run->io.port = port;
	run->io.count = count;
	run->io.data_offset = DATA_OFF;
}

START_TEST(test_out_reaches_device_with_offset)
{
	fake_io(0x3fb, 1, 1, 1);
	page.bytes[DATA_OFF] = 0x5a;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
	ck_assert_int_eq(rec.calls, 1);
	ck_assert_uint_eq(rec.last.offset, 3);
	ck_assert_uint_eq(rec.last.addr, 0x3fb);
	ck_assert(rec.last.write);
	ck_assert_uint_eq(rec.seen[0], 0x5a);
	ck_assert_uint_eq(rec.last.vcpu_id, 3);
}
END_TEST

START_TEST(test_in_is_zero_filled_before_device)
{
	fake_io(0x3f8, 0, 4, 1);
	memset(page.bytes + DATA_OFF, 0xff, 4);
	rec.reply = 0x11;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
	ck_assert_uint_eq(rec.seen[0], 0);
	ck_assert_uint_eq(page.bytes[DATA_OFF + 3], 0x11);
}
END_TEST

START_TEST(test_string_io_calls_once_per_element)
{
	fake_io(0x3f8, 1, 1, 3);
	memcpy(page.bytes + DATA_OFF, "abc", 3);
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
	ck_assert_int_eq(rec.calls, 3);
	ck_assert_int_eq(memcmp(rec.seen, "abc", 3), 0);
}
END_TEST

START_TEST(test_device_stop_ends_string_io)
{
	fake_io(0x3f8, 1, 1, 3);
	rec.stop = VM_STOP_DONE;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_DONE);
	ck_assert_int_eq(rec.calls, 1);
}
END_TEST

START_TEST(test_unclaimed_out_is_guest_error)
{
	fake_io(0x80, 1, 1, 1);
	page.bytes[DATA_OFF] = 0x42;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_GUEST_ERROR);
	ck_assert_logged("vCPU 3: guest port write of 0x42 (size 1) to 0x80: no device there");
	ck_assert_int_eq(rec.calls, 0);
}
END_TEST

START_TEST(test_unclaimed_in_is_guest_error)
{
	fake_io(0x61, 0, 2, 1);
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_GUEST_ERROR);
	ck_assert_logged("guest port read (size 2) from 0x61: no device there");
}
END_TEST

START_TEST(test_unclaimed_ports_can_be_ignored)
{
	ctx.ignore_unclaimed_ports = true;
	fake_io(0x61, 0, 2, 3);
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
	for (int i = 0; i < 6; i++)
		ck_assert_uint_eq(page.bytes[DATA_OFF + i], 0xff);
	fake_io(0x80, 1, 1, 1);
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
	ck_assert_int_eq(rec.calls, 0);
	ck_assert_str_eq(test_logged(), "");
}
END_TEST

/* The same option covers MMIO: nothing decodes the address, reads are all-ones. */
START_TEST(test_unclaimed_mmio_can_be_ignored)
{
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = 0xfed00000; /* an HPET a guest probes for */
	run->mmio.len = 8;
	run->mmio.is_write = 0;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_GUEST_ERROR);
	ck_assert_logged("guest MMIO read (size 8) from 0xfed00000: no device there");
	ctx.ignore_unclaimed_ports = true;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(run->mmio.data[i], 0xff);
	run->mmio.is_write = 1;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
	ck_assert_int_eq(rec.calls, 0);
}
END_TEST

START_TEST(test_access_straddling_device_end_is_unclaimed)
{
	fake_io(0x3fe, 1, 4, 1);
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_GUEST_ERROR);
	ck_assert_int_eq(rec.calls, 0);
}
END_TEST

START_TEST(test_malformed_io_exit)
{
	fake_io(0x3f8, 1, 1, 1);
	run->io.data_offset = RUN_SIZE - 1;
	run->io.count = 2;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_VMM_ERROR);
	ck_assert_logged("malformed KVM_EXIT_IO");
	fake_io(0x3f8, 1, 3, 1);
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_VMM_ERROR);
	ck_assert_int_eq(rec.calls, 0);
}
END_TEST

START_TEST(test_mmio_read_and_write)
{
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = 0xfee000b0;
	run->mmio.len = 4;
	run->mmio.is_write = 0;
	memset(run->mmio.data, 0x77, sizeof(run->mmio.data));
	rec.reply = 0x22;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
	ck_assert_uint_eq(rec.seen[0], 0);
	ck_assert_uint_eq(rec.last.offset, 0xb0);
	ck_assert_uint_eq(run->mmio.data[3], 0x22);
	run->mmio.is_write = 1;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
	ck_assert(rec.last.write);
}
END_TEST

START_TEST(test_unmapped_mmio_names_address)
{
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = 0xd0000000;
	run->mmio.len = 8;
	run->mmio.is_write = 1;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_GUEST_ERROR);
	ck_assert_logged("guest MMIO write of 0x0 (size 8) to 0xd0000000");
	run->mmio.len = 9;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_VMM_ERROR);
}
END_TEST

START_TEST(test_rdmsr_handled)
{
	msr_value = 0x1234;
	run->exit_reason = KVM_EXIT_X86_RDMSR;
	run->msr.index = 0x4b564d01;
	run->msr.error = 1;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
	ck_assert_uint_eq(run->msr.data, 0x1234);
	ck_assert_uint_eq(run->msr.error, 0);
}
END_TEST

START_TEST(test_wrmsr_handled_and_gp)
{
	run->exit_reason = KVM_EXIT_X86_WRMSR;
	run->msr.index = 0x4b564d01;
	run->msr.data = 0x5001;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
	ck_assert_uint_eq(msr_value, 0x5001);
	ck_assert_uint_eq(run->msr.error, 0);
	run->msr.data = 0xbad;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
	ck_assert_uint_eq(run->msr.error, 1);
}
END_TEST

START_TEST(test_unknown_msr_injects_gp)
{
	run->exit_reason = KVM_EXIT_X86_RDMSR;
	run->msr.index = 0xc0000080;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
	ck_assert_uint_eq(run->msr.error, 1);
	ck_assert_logged("RDMSR of MSR 0xc0000080 has no handler: injecting #GP");
}
END_TEST

START_TEST(test_hlt_parks_the_vcpu)
{
	run->exit_reason = KVM_EXIT_HLT;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VCPU_HALTED);
}
END_TEST

START_TEST(test_shutdown_is_crash)
{
	run->exit_reason = KVM_EXIT_SHUTDOWN;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_CRASH);
	ck_assert_logged("triple fault");
}
END_TEST

START_TEST(test_fail_entry_is_vmm_error)
{
	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = 0x21;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_VMM_ERROR);
	ck_assert_logged("hardware entry failure reason 0x21");
}
END_TEST

START_TEST(test_internal_error_is_crash)
{
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->internal.ndata = 1000; /* clamped, never read past data[] */
	run->internal.data[0] = 0xabc;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_CRASH);
	ck_assert_logged("suberror 1 (emulation failure)");
	ck_assert_logged("data[0] = 0xabc");
}
END_TEST

/* PVM's emulator on CLAC (kvm-unit-tests' smap): the fetched bytes name the instruction. */
START_TEST(test_emulation_failure_names_bytes)
{
	static const uint8_t clac[] = { 0x0f, 0x01, 0xca, 0x0f, 0x20, 0xe7 };

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = 3;
	run->emulation_failure.flags = KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = sizeof(clac);
	memcpy(run->emulation_failure.insn_bytes, clac, sizeof(clac));
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_CRASH);
	ck_assert_logged("the 6 bytes fetched there: 0f 01 ca 0f 20 e7");

	/* A size past the 15-byte field is clamped; no flag, no bytes claimed. */
	run->emulation_failure.insn_size = 200;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_CRASH);
	ck_assert_logged("the 15 bytes fetched there: 0f 01 ca");
	test_log_release();
	test_log_capture();
	run->emulation_failure.flags = 0;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_CRASH);
	ck_assert_ptr_null(strstr(test_logged(), "bytes fetched there"));
}
END_TEST

START_TEST(test_unknown_exit_is_named)
{
	run->exit_reason = KVM_EXIT_DEBUG;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_CRASH);
	ck_assert_logged("unhandled exit reason 4 (DEBUG)");
	run->exit_reason = 9999;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_STOP_CRASH);
	ck_assert_logged("unhandled exit reason 9999 (unknown to this VMM)");
}
END_TEST

START_TEST(test_intr_continues)
{
	run->exit_reason = KVM_EXIT_INTR;
	ck_assert_int_eq(exit_dispatch(&ctx, run), VM_RUNNING);
}
END_TEST

TEST_SUITE("exit_dispatch",
	   { .name = "core",
	     .setup = setup,
	     .teardown = teardown,
	     .tests = TESTS(test_out_reaches_device_with_offset,
			    test_in_is_zero_filled_before_device,
			    test_string_io_calls_once_per_element, test_device_stop_ends_string_io,
			    test_unclaimed_out_is_guest_error, test_unclaimed_in_is_guest_error,
			    test_unclaimed_ports_can_be_ignored, test_unclaimed_mmio_can_be_ignored,
			    test_access_straddling_device_end_is_unclaimed, test_malformed_io_exit,
			    test_mmio_read_and_write, test_unmapped_mmio_names_address,
			    test_rdmsr_handled, test_wrmsr_handled_and_gp,
			    test_unknown_msr_injects_gp, test_hlt_parks_the_vcpu,
			    test_shutdown_is_crash, test_fail_entry_is_vmm_error,
			    test_internal_error_is_crash, test_emulation_failure_names_bytes,
			    test_unknown_exit_is_named, test_intr_continues) })
