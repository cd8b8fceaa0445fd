/* Integration tests: the bundled guests run through the VMM library on /dev/kvm. */
#include <time.h>

#include "guest_run.h"

START_TEST(test_hello_prints_and_exits_zero)
{
	run_guest("hello", 0, NULL, 1, 20000000000ull);
	ck_assert_int_eq(res.stop, VM_STOP_DONE);
	ck_assert_int_eq(res.guest_exit_code, 0);
	ck_assert_int_eq(vmm_exit_status(&res), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "hello from the guest (debug console)\n"));
	ck_assert_ptr_nonnull(
		strstr(out_text, "hello from pvclock-vmm guest: 1 vCPU(s), 64 MiB RAM"));
	ck_assert_uint_ge(res.nr_exits, 2);
}
END_TEST

START_TEST(test_assert_fail_aborts_with_values)
{
	run_guest("assert_fail", 0, NULL, 1, 20000000000ull);
	ck_assert_int_eq(res.stop, VM_STOP_ABORT);
	ck_assert_int_eq(vmm_exit_status(&res), VMM_EXIT_ABORT);
	ck_assert_logged("guest assertion failed at ");
	ck_assert_logged("assert_fail.c:9: answer == 41");
	ck_assert_logged("left:  42 (0x2a)");
	ck_assert_logged("right: 41 (0x29)");
}
END_TEST

START_TEST(test_args_reach_the_guest)
{
	char *argv[] = { NULL, "one", "two words", "", "4" };

	run_guest("args", 5, argv, 1, 20000000000ull);
	ck_assert_int_eq(res.stop, VM_STOP_DONE);
	ck_assert_int_eq(res.guest_exit_code, 4);
	ck_assert_ptr_nonnull(strstr(out_text, "/args.elf\nargv[1]=one"));
	ck_assert_ptr_nonnull(strstr(out_text, "argc=5\nargv[0]="));
	ck_assert_ptr_nonnull(strstr(out_text, "argv[1]=one\nargv[2]=two words\n"
					       "argv[3]=\nargv[4]=4\n"));
}
END_TEST

START_TEST(test_watchdog_stops_spinning_guest)
{
	struct timespec t0, t1;
	double elapsed;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_guest("spin", 0, NULL, 1, 300000000ull);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	elapsed = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_int_eq(res.stop, VM_STOP_TIMEOUT);
	ck_assert_int_eq(vmm_exit_status(&res), VMM_EXIT_TIMEOUT);
	ck_assert_logged("guest still running after the 0.300 s timeout: stopped");
	ck_assert_msg(elapsed >= 0.3 && elapsed < 10, "stopped after %.3f s", elapsed);
}
END_TEST

START_TEST(test_triple_fault_is_a_crash)
{
	run_guest("triple_fault", 0, NULL, 1, 20000000000ull);
	ck_assert_int_eq(res.stop, VM_STOP_CRASH);
	ck_assert_int_eq(vmm_exit_status(&res), VMM_EXIT_CRASH);
	ck_assert_logged("guest triple fault (KVM_EXIT_SHUTDOWN)");
	ck_assert_logged("vCPU 0 registers:");
}
END_TEST

START_TEST(test_two_vcpus_stop_together)
{
	run_guest("hello", 0, NULL, 2, 20000000000ull);
	ck_assert_int_eq(res.stop, VM_STOP_DONE);
	ck_assert_ptr_nonnull(strstr(out_text, "2 vCPU(s)"));
}
END_TEST

START_TEST(test_many_runs_in_one_process)
{
	for (int i = 0; i < 20; i++) {
		run_guest("hello", 0, NULL, 1, 20000000000ull);
		ck_assert_int_eq(res.stop, VM_STOP_DONE);
	}
}
END_TEST

TEST_KVM_SUITE("guests",
	       { .name = "run",
		 GUEST_RUN_FIXTURE,
		 .timeout = 60,
		 .tests = TESTS(test_hello_prints_and_exits_zero,
				test_assert_fail_aborts_with_values, test_args_reach_the_guest,
				test_watchdog_stops_spinning_guest, test_triple_fault_is_a_crash,
				test_two_vcpus_stop_together, test_many_runs_in_one_process) })
