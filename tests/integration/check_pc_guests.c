/*
 * Integration tests: the bundled multiboot image on the PC machine (in-kernel irqchip, INIT/SIPI,
 * UART, isa-debug-exit, fw_cfg), with 1 and 2 vCPUs, through the VMM library.
 */
#include <time.h>

#include "guest_run.h"

#define PC_TIMEOUT_NS	60000000000ull
#define DEBUG_EXIT_PASS 1 /* main returned 0: (0 << 1) | 1 */
#define DEBUG_EXIT_FAIL 3 /* a failed assertion exits 1 */

static void host_time(char *buf, size_t size)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, size, "%lld.%09ld", (long long)ts.tv_sec, ts.tv_nsec);
}

static void run_mb_kvmclock(unsigned int vcpus, const char *reads, const char *time_arg)
{
	char now[64];
	char *argv[] = { NULL, (char *)reads, now };

	if (time_arg)
		snprintf(now, sizeof(now), "%s", time_arg);
	else
		host_time(now, sizeof(now));
	run_guest("mb_kvmclock", 3, argv, vcpus, PC_TIMEOUT_NS);
}

static void expect_pass(unsigned int vcpus)
{
	char line[128];

	ck_assert_msg(res.stop == VM_STOP_DEBUG_EXIT && res.guest_exit_code == DEBUG_EXIT_PASS,
		      "stop %s, status %d; output:\n%s", vm_stop_name(res.stop),
		      res.guest_exit_code, out_text);
	ck_assert_int_eq(vmm_exit_status(&res), DEBUG_EXIT_PASS);
	snprintf(line, sizeof(line), "mb_kvmclock: %u CPUs (fw_cfg present)", vcpus);
	ck_assert_ptr_nonnull(strstr(out_text, line));
	snprintf(line, sizeof(line), "INIT/SIPI: %u of %u other CPUs started", vcpus - 1,
		 vcpus - 1);
	ck_assert_ptr_nonnull(strstr(out_text, line));
	ck_assert_ptr_nonnull(strstr(out_text, ": 0 warps, 0 stalls, "));
	ck_assert_ptr_nonnull(strstr(out_text, " 0 without STABLE\nPASS\n"));
	/* Every vCPU registered its own struct and was published to. */
	for (unsigned int i = 0; i < vcpus; i++) {
		ck_assert_uint_ge(res.vcpu_clock[i].msr_writes, 1);
		ck_assert_uint_ge(res.vcpu_clock[i].publishes, 1);
		ck_assert_uint_eq(res.vcpu_clock[i].bad_addresses, 0);
	}
}

START_TEST(test_one_vcpu_passes)
{
	run_mb_kvmclock(1, "5000", NULL);
	expect_pass(1);
}
END_TEST

START_TEST(test_two_vcpus_start_by_sipi_and_pass)
{
	run_mb_kvmclock(2, "5000", NULL);
	expect_pass(2);
}
END_TEST

/* The wall clock is really checked: a host time 100 s in the past, or 5 s ahead, fails it. */
START_TEST(test_wrong_host_time_fails)
{
	char past[64];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(past, sizeof(past), "%lld", (long long)ts.tv_sec - 100);
	run_mb_kvmclock(1, "10", past);
	ck_assert_int_eq(res.stop, VM_STOP_DEBUG_EXIT);
	ck_assert_int_eq(res.guest_exit_code, DEBUG_EXIT_FAIL);
	ck_assert_ptr_nonnull(strstr(out_text, "FAIL: "));
	ck_assert_ptr_nonnull(strstr(out_text, "diff >= -WALL_EARLY_NS && diff <= WALL_LATE_NS"));
	snprintf(past, sizeof(past), "%lld", (long long)ts.tv_sec + 5);
	run_mb_kvmclock(1, "10", past);
	ck_assert_int_eq(res.guest_exit_code, DEBUG_EXIT_FAIL);
}
END_TEST

/* Four vCPUs: three APs by one broadcast SIPI; each parks in HLT when done, and still stops. */
START_TEST(test_four_vcpus_pass)
{
	run_mb_kvmclock(4, "10", NULL);
	expect_pass(4);
}
END_TEST

/* 8, 16 and 64 CPUs started by one broadcast SIPI; a short warp test on each. */
static const unsigned int many_vcpus[] = { 8, 16, 64 };

/*
 * The machine kvm-unit-tests expect: PCI host bridge, pc-testdev (an IRQ into the LAPIC), the
 * ACPI tables and the PM timer against kvmclock (mb_machine checks them from inside).
 */
START_TEST(test_machine_devices)
{
	char *argv[] = { NULL };
	unsigned int vcpus = (unsigned int)_i + 1;

	run_guest("mb_machine", 1, argv, vcpus, PC_TIMEOUT_NS);
	ck_assert_msg(res.stop == VM_STOP_DEBUG_EXIT && res.guest_exit_code == DEBUG_EXIT_PASS,
		      "stop %s, status %d; output:\n%s", vm_stop_name(res.stop),
		      res.guest_exit_code, out_text);
	ck_assert_ptr_nonnull(strstr(out_text, "pci: 00:00.0 12378086 class 060000\n"));
	ck_assert_ptr_nonnull(strstr(
		out_text, "pc-testdev: IRQ 10 reached the LAPIC as vector 0x50 and was taken"));
	ck_assert_ptr_nonnull(strstr(out_text, "acpi: RSDP at 0xf8000, 2 tables in the RSDT"));
	ck_assert_ptr_nonnull(strstr(out_text, "pm timer: "));
	ck_assert_ptr_nonnull(strstr(out_text, "PASS\n"));
}
END_TEST

START_TEST(test_many_vcpus_pass)
{
	run_mb_kvmclock(many_vcpus[_i], "10", NULL);
	expect_pass(many_vcpus[_i]);
}
END_TEST

TEST_KVM_SUITE("pc_guests",
	       { .name = "core",
		 GUEST_RUN_FIXTURE,
		 .timeout = 120,
		 .tests = TESTS(test_one_vcpu_passes, test_two_vcpus_start_by_sipi_and_pass,
				test_wrong_host_time_fails, test_four_vcpus_pass),
		 .loop = test_machine_devices,
		 .loops = 2 },
	       { .name = "many_vcpus",
		 GUEST_RUN_FIXTURE,
		 .timeout = 300,
		 .loop = test_many_vcpus_pass,
		 .loops = ARRAY_SIZE(many_vcpus) })
