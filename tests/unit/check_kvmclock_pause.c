/*
 * Unit tests for the guest clock across a pause and a restore (kvmclock_pause.c), on the fake
 * clock: no backward step, no jump under freeze, GUEST_STOPPED exactly once per pause and kept
 * until the guest clears it, and a new anchor that hides a TSC jump.
 */
#include "kvmclock_fixture.h"
#include "pvclock_abi.h"

/* What a guest reads from the struct at GPA when its TSC shows @tsc (offset 0). */
static uint64_t guest_read(uint64_t tsc)
{
	struct pvclock_vcpu_time_info t = at(GPA);

	return t.system_time +
	       pvclock_scale_delta(tsc - t.tsc_timestamp, t.tsc_to_system_mul, t.tsc_shift);
}

static void enable_and_run(void)
{
	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME_NEW, GPA | 1), MSR_OK);
	kvmclock_before_run(&kc, 0);
}

static void clear_stopped_as_linux_does(void)
{
	struct pvclock_vcpu_time_info *t = guest_mem_ptr(&mem, GPA, sizeof(*t));

	t->flags &= (uint8_t)~PVCLOCK_GUEST_STOPPED;
}

START_TEST(test_freeze_resumes_where_it_stopped)
{
	uint64_t before, paused_at, after;

	enable_and_run();
	before = guest_read(fake_tsc_now);
	paused_at = kvmclock_held_guest_ns(&kc);
	ck_assert_uint_ge(paused_at, before); /* at or past every reading */
	fake_tsc_now += 3000000000ull;	      /* a 3 s pause */
	kvmclock_resume_at(&kc, paused_at, true);
	kvmclock_before_run(&kc, 0);
	after = guest_read(fake_tsc_now);
	ck_assert_uint_ge(after, paused_at);
	/* No jump: only the few fake ticks the host's reads cost since the resume. */
	ck_assert_uint_lt(after - paused_at, 1000);
	ck_assert_int_lt(kc.guest_offset_ns, -2999000000ll);
}
END_TEST

START_TEST(test_continue_jumps_by_the_pause)
{
	uint64_t paused_at, after;

	enable_and_run();
	paused_at = kvmclock_held_guest_ns(&kc);
	fake_tsc_now += 3000000000ull;
	kvmclock_resume_at(&kc, paused_at + 3000000000ull,
			   true); /* what vm_resume asks under continue */
	kvmclock_before_run(&kc, 0);
	after = guest_read(fake_tsc_now);
	ck_assert_uint_ge(after - paused_at, 3000000000ull);
	ck_assert_uint_lt(after - paused_at, 3000001000ull);
}
END_TEST

START_TEST(test_guest_stopped_once_per_pause)
{
	enable_and_run();
	ck_assert_uint_eq(at(GPA).flags & PVCLOCK_GUEST_STOPPED, 0);
	kvmclock_resume_at(&kc, kvmclock_held_guest_ns(&kc), true);
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(at(GPA).flags, PVCLOCK_TSC_STABLE_BIT | PVCLOCK_GUEST_STOPPED);
	/* Not acknowledged: every rewrite keeps it (KVM's rule). */
	kvmclock_before_run(&kc, 0);
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(at(GPA).flags, PVCLOCK_TSC_STABLE_BIT | PVCLOCK_GUEST_STOPPED);
	clear_stopped_as_linux_does();
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(at(GPA).flags, PVCLOCK_TSC_STABLE_BIT); /* never set twice */
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(at(GPA).flags, PVCLOCK_TSC_STABLE_BIT);
	/* The next pause sets it again, once. */
	kvmclock_resume_at(&kc, kvmclock_held_guest_ns(&kc), true);
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(at(GPA).flags & PVCLOCK_GUEST_STOPPED, PVCLOCK_GUEST_STOPPED);
}
END_TEST

/* --test-no-guest-stopped: the resume moves the anchor as ever, but the flag stays down. */
START_TEST(test_guest_stopped_withheld)
{
	uint32_t version;

	enable_and_run();
	version = at(GPA).version;
	kvmclock_resume_at(&kc, kvmclock_held_guest_ns(&kc), false);
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_gt(at(GPA).version, version);
	ck_assert_uint_eq(at(GPA).flags, PVCLOCK_TSC_STABLE_BIT);
}
END_TEST

/* A vCPU whose clock is off is not told; one that enables it later is not either. */
START_TEST(test_guest_stopped_only_for_enabled_vcpus)
{
	kvmclock_resume_at(&kc, kvmclock_held_guest_ns(&kc), true);
	enable_and_run();
	ck_assert_uint_eq(at(GPA).flags & PVCLOCK_GUEST_STOPPED, 0);
}
END_TEST

/*
 * A restore: new process, new TSC (here 1000 s earlier: another host, or a reboot). The saved
 * registration comes back, and the guest reads on from the snapshot's time.
 */
START_TEST(test_restore_hides_a_tsc_jump)
{
	struct kvmclock_saved_vcpu saved;
	struct pvclock_vcpu_time_info ram;
	uint64_t snap_ns, after;
	uint32_t version;

	enable_and_run();
	kvmclock_before_run(&kc, 0);
	snap_ns = kvmclock_held_guest_ns(&kc);
	kvmclock_save_vcpu(&kc, 0, &saved);
	version = at(GPA).version;
	ck_assert_uint_eq(saved.system_msr, GPA | 1);
	ck_assert_uint_eq(saved.version, version);
	ram = at(GPA);
	teardown();
	fake_tsc_now -= 1000000000000ull / 2;
	setup_n(1); /* the new VMM: a fresh host, the same RAM */
	memcpy(guest_mem_ptr(&mem, GPA, sizeof(ram)), &ram, sizeof(ram));
	kvmclock_restore_vcpu(&kc, 0, &saved);
	kvmclock_resume_at(&kc, snap_ns, true);
	kvmclock_before_run(&kc, 0);
	after = guest_read(fake_tsc_now);
	ck_assert_uint_ge(after, snap_ns);
	ck_assert_uint_lt(after - snap_ns, 1000);
	ck_assert_uint_gt(at(GPA).version, version); /* a reader caught mid-read retries */
	ck_assert_uint_eq(at(GPA).version % 2, 0);
	ck_assert_uint_eq(at(GPA).flags & PVCLOCK_GUEST_STOPPED, PVCLOCK_GUEST_STOPPED);
}
END_TEST

START_TEST(test_pause_mode_parse)
{
	enum kvmclock_pause_mode m = KVMCLOCK_PAUSE_CONTINUE;

	ck_assert_int_eq(kvmclock_pause_mode_parse(NULL, &m), 0);
	ck_assert_int_eq(m, KVMCLOCK_PAUSE_FREEZE);
	ck_assert_int_eq(kvmclock_pause_mode_parse("continue", &m), 0);
	ck_assert_int_eq(m, KVMCLOCK_PAUSE_CONTINUE);
	ck_assert_str_eq(kvmclock_pause_mode_name(m), "continue");
	ck_assert_int_eq(kvmclock_pause_mode_parse("thaw", &m), -EINVAL);
	ck_assert_logged("invalid pause-clock mode 'thaw' (freeze or continue)");
}
END_TEST

TEST_SUITE("kvmclock_pause",
	   { .name = "pause",
	     .setup = setup,
	     .teardown = teardown,
	     .tests = TESTS(test_freeze_resumes_where_it_stopped, test_continue_jumps_by_the_pause,
			    test_guest_stopped_once_per_pause, test_guest_stopped_withheld,
			    test_guest_stopped_only_for_enabled_vcpus,
			    test_restore_hides_a_tsc_jump, test_pause_mode_parse) })
