/* Unit tests for the kvmclock glue (MSR handlers, publish before KVM_RUN) on a fake clock. */
#include "core/exit.h"
#include "clock/kvmclock.h"
#include "probe_abi.h"
#include "test_util.h"
#include "kvmclock_fixture.h"

START_TEST(test_enable_publishes_before_run)
{
	struct pvclock_vcpu_time_info t;
	uint64_t before;

	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME_NEW, GPA | 1), MSR_OK);
	ck_assert_uint_eq(rd(0, MSR_KVM_SYSTEM_TIME_NEW), GPA | 1);
	ck_assert_uint_eq(rd(0, MSR_KVM_SYSTEM_TIME), GPA | 1); /* one state, two MSRs */
	ck_assert_uint_eq(at(GPA).version, 0);			/* nothing until the next entry */
	before = fake_tsc_now;
	kvmclock_before_run(&kc, 0);
	t = at(GPA);
	ck_assert_uint_eq(t.version, 2);
	ck_assert_uint_gt(t.tsc_timestamp, before);
	ck_assert_uint_le(t.tsc_timestamp, fake_tsc_now);
	ck_assert_uint_eq(t.system_time, t.tsc_timestamp + 5000000); /* MONOTONIC there */
	ck_assert_uint_eq(kc.vcpu[0].stats.best_sample_ns, 10);
	ck_assert_uint_eq(t.tsc_to_system_mul, 1u << 31); /* 1 ns per tick */
	ck_assert_int_eq(t.tsc_shift, 1);
	ck_assert_uint_eq(t.flags, PVCLOCK_TSC_STABLE_BIT);
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(at(GPA).version, 4);
	ck_assert_uint_gt(at(GPA).tsc_timestamp, t.tsc_timestamp);
	ck_assert_uint_eq(kc.vcpu[0].stats.publishes, 2);
	ck_assert_uint_eq(kc.vcpu[0].stats.msr_writes, 1);
}
END_TEST

START_TEST(test_disable_and_move)
{
	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME, GPA | 1), MSR_OK);
	kvmclock_before_run(&kc, 0);
	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME, GPA + 0x100 + 1), MSR_OK);
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(at(GPA).version, 2); /* old address no longer written */
	ck_assert_uint_eq(at(GPA + 0x100).version, 4);
	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME, 0), MSR_OK);
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(at(GPA + 0x100).version, 4);
	ck_assert_uint_eq(rd(0, MSR_KVM_SYSTEM_TIME), 0);
	/* The enable bit clear with an address: also off. */
	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME, GPA), MSR_OK);
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(at(GPA).version, 2);
}
END_TEST

START_TEST(test_refused_addresses)
{
	const uint64_t bad[] = { MEM_SIZE - 16, 0x400ff0, 0x10000, 0xffffffffffff0000ull };

	for (unsigned int i = 0; i < 4; i++) {
		ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME_NEW, bad[i] | 1), MSR_OK);
		ck_assert_uint_eq(rd(0, MSR_KVM_SYSTEM_TIME_NEW), bad[i] | 1);
		kvmclock_before_run(&kc, 0);
		ck_assert_ptr_null(kc.vcpu[0].time_info);
	}
	ck_assert_uint_eq(kc.vcpu[0].stats.bad_addresses, 4);
	ck_assert_uint_eq(kc.vcpu[0].stats.publishes, 0);
	/* Logged once per vCPU, naming the MSR, value and reason. */
	ck_assert_logged("vCPU 0: WRMSR 0x4b564d01 value 0x7ffff1: struct at GPA 0x7ffff0 (+32) "
			 "lies outside guest RAM; clock left off");
	ck_assert_ptr_null(strstr(test_logged(), "crosses a page boundary"));
	ck_assert_uint_eq(at(0x400ff0).version, 0);
}
END_TEST

START_TEST(test_refusal_reasons)
{
	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME_NEW, 0x400ff0 | 1), MSR_OK);
	ck_assert_logged("struct at GPA 0x400ff0 (+32) crosses a page boundary");
	teardown();
	setup();
	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME_NEW, 0x10000 | 1), MSR_OK);
	ck_assert_logged("overlaps the VMM's page tables and boot data");
}
END_TEST

/* On the PC machine the guest owns low RAM too: a struct there is published to. */
START_TEST(test_low_ram_is_the_guests_on_a_pc)
{
	mem.vmm_end = 0;
	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME_NEW, 0x900c | 1), MSR_OK);
	kvmclock_before_run(&kc, 0);
	ck_assert_ptr_nonnull(kc.vcpu[0].time_info);
	ck_assert_uint_eq(at(0x900c).version, 2);
	ck_assert_uint_eq(kc.vcpu[0].stats.bad_addresses, 0);
}
END_TEST

START_TEST(test_wall_clock)
{
	struct pvclock_wall_clock wc;
	uint64_t boot;

	ck_assert_int_eq(wr(0, MSR_KVM_WALL_CLOCK_NEW, 0x700004), MSR_OK);
	ck_assert_uint_eq(rd(0, MSR_KVM_WALL_CLOCK_NEW), 0x700004);
	memcpy(&wc, guest_mem_ptr(&mem, 0x700004, sizeof(wc)), sizeof(wc));
	boot = (uint64_t)wc.sec * 1000000000ull + wc.nsec;
	ck_assert_uint_eq(wc.version, 2);
	/* CLOCK_REALTIME at kvmclock 0: the fake's REALTIME - MONOTONIC. */
	ck_assert_uint_eq(boot, REAL_OFFSET);
	ck_assert_int_eq(wr(0, MSR_KVM_WALL_CLOCK, 0x700004), MSR_OK);
	memcpy(&wc, guest_mem_ptr(&mem, 0x700004, sizeof(wc)), sizeof(wc));
	ck_assert_uint_eq(wc.version, 4);
	ck_assert_int_eq(wr(0, MSR_KVM_WALL_CLOCK, MEM_SIZE), MSR_OK); /* refused, no #GP */
	ck_assert_uint_eq(kc.vcpu[0].stats.bad_addresses, 1);
}
END_TEST

static struct pvclock_wall_clock wall_at(uint64_t gpa)
{
	struct pvclock_wall_clock wc;

	memcpy(&wc, guest_mem_ptr(&mem, gpa, sizeof(wc)), sizeof(wc));
	return wc;
}

static uint64_t wall_ns(struct pvclock_wall_clock wc)
{
	return (uint64_t)wc.sec * 1000000000ull + wc.nsec;
}

/* FOLLOW: a step rewrites each registered struct once; system_time does not move with it. */
START_TEST(test_wall_clock_follows_steps)
{
	struct pvclock_vcpu_time_info before;

	teardown();
	setup_n(3);
	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME_NEW, GPA | 1), MSR_OK);
	kvmclock_before_run(&kc, 0);
	kvmclock_after_run(&kc, 0);
	before = at(GPA);
	ck_assert_int_eq(wr(0, MSR_KVM_WALL_CLOCK_NEW, 0x700004), MSR_OK);
	ck_assert_int_eq(wr(1, MSR_KVM_WALL_CLOCK_NEW, 0x700004), MSR_OK); /* the same struct */
	ck_assert_int_eq(wr(2, MSR_KVM_WALL_CLOCK_NEW, 0x700104), MSR_OK);
	ck_assert_uint_eq(wall_at(0x700004).version, 4); /* one version counter for all */
	real_step = 10000000000ll;			 /* date --set: +10 s */
	kvmclock_wall_step(&kc);
	ck_assert_uint_gt(wall_at(0x700004).version, 4);
	ck_assert_uint_eq(wall_at(0x700004).version % 2, 0);
	/* A struct two vCPUs registered is written once per step, by the first of them. */
	ck_assert_uint_eq(kc.vcpu[0].stats.wall_writes, 2);
	ck_assert_uint_eq(kc.vcpu[1].stats.wall_writes, 1);
	ck_assert_uint_eq(wall_ns(wall_at(0x700004)), REAL_OFFSET + 10000000000ull);
	ck_assert_uint_eq(wall_ns(wall_at(0x700104)), REAL_OFFSET + 10000000000ull);
	real_step = 0;
	kvmclock_wall_step(&kc);
	ck_assert_uint_eq(wall_ns(wall_at(0x700104)), REAL_OFFSET);
	/* The time struct is untouched: a wall-clock step is not a step of kvmclock. */
	ck_assert_mem_eq(&before, guest_mem_ptr(&mem, GPA, sizeof(before)), sizeof(before));
	ck_assert_uint_eq(kc.vcpu[2].stats.wall_writes, 3);
}
END_TEST

/* Only FOLLOW watches CLOCK_REALTIME: BOOT writes the struct on the MSR write alone, as KVM. */
START_TEST(test_wall_clock_watch_only_when_following)
{
	ck_assert_int_eq(kvmclock_start(&kc), 0);
	ck_assert(!kc.wall_watching);
	kvmclock_stop(&kc);
	kc.stop_threads = 0;
	kc.wall_mode = KVMCLOCK_WALL_FOLLOW;
	ck_assert_int_eq(kvmclock_start(&kc), 0);
	ck_assert(kc.wall_watching);
	ck_assert_int_ge(kc.wall_watch.timer_fd, 0);
	kvmclock_stop(&kc);
	ck_assert(!kc.wall_watching);
}
END_TEST

START_TEST(test_tsc_write_moves_offset)
{
	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME_NEW, GPA | 1), MSR_OK);
	next_offset = 123456;
	ck_assert_int_eq(wr(0, MSR_IA32_TSC_ADJUST, 123456), MSR_OK);
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(at(GPA).system_time, at(GPA).tsc_timestamp - 123456 + 5000000);
	ck_assert_uint_eq(at(GPA).flags, PVCLOCK_TSC_STABLE_BIT); /* one vCPU: still stable */
}
END_TEST

START_TEST(test_smp_stable_only_while_offsets_agree)
{
	teardown();
	setup_n(2);
	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME_NEW, GPA | 1), MSR_OK);
	ck_assert_int_eq(wr(1, MSR_KVM_SYSTEM_TIME_NEW, (GPA + 0x40) | 1), MSR_OK);
	kvmclock_before_run(&kc, 1); /* no anchor yet: a sync (no one inside to kick) */
	ck_assert_uint_eq(kc.vcpu[1].stats.syncs, 1);
	kvmclock_before_run(&kc, 0); /* the anchor exists: vCPU 0 only publishes it */
	ck_assert_uint_eq(kc.vcpu[0].stats.syncs, 0);
	ck_assert_uint_eq(kicks, 0);
	/* Both publish the one shared anchor. */
	ck_assert_uint_eq(at(GPA).tsc_timestamp, at(GPA + 0x40).tsc_timestamp);
	ck_assert_uint_eq(at(GPA).system_time, at(GPA + 0x40).system_time);
	ck_assert_uint_eq(at(GPA).flags, PVCLOCK_TSC_STABLE_BIT);
	kvmclock_after_run(&kc, 1);
	/* vCPU 1 moves its TSC while vCPU 0 runs: the new flags come in a sync that kicks it. */
	next_offset = 99;
	ck_assert_int_eq(wr(1, MSR_IA32_TSC, 0), MSR_OK);
	ck_assert_uint_eq(kicks, 1);
	ck_assert_uint_eq(kc.vcpu[1].stats.syncs, 2);
	kvmclock_before_run(&kc, 0);
	kvmclock_before_run(&kc, 1);
	ck_assert_uint_eq(at(GPA).flags, 0);
	ck_assert_uint_eq(at(GPA + 0x40).flags, 0);
	ck_assert_uint_eq(at(GPA + 0x40).tsc_timestamp, at(GPA).tsc_timestamp + 99);
	kvmclock_after_run(&kc, 0);
	kvmclock_after_run(&kc, 1);
}
END_TEST

/* The model of MONOTONIC, @offset_ns off the published line at the TSC now. */
static void model_off_line(int64_t offset_ns)
{
	struct pvclock_line model = kc.line;

	model.tsc = fake_tsc_now;
	model.ns = pvclock_line_at(&kc.line, fake_tsc_now) + offset_ns;
	kvmclock_set_model(&kc, &model, 1.0L);
}

START_TEST(test_smp_anchor_moves_only_when_the_error_needs_it)
{
	uint64_t anchor;

	teardown();
	setup_n(2);
	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME_NEW, GPA | 1), MSR_OK);
	kvmclock_before_run(&kc, 0);
	kvmclock_after_run(&kc, 0);
	anchor = at(GPA).tsc_timestamp;
	/* 10 s later, the model agrees with the line to 100 ns: no sync, no new anchor. */
	fake_tsc_now += 10000000000ull;
	model_off_line(100);
	kvmclock_before_run(&kc, 0);
	kvmclock_after_run(&kc, 0);
	ck_assert_uint_eq(kc.vcpu[0].stats.syncs, 1);
	ck_assert_uint_eq(at(GPA).tsc_timestamp, anchor);
	/* 5 us off, past the bound (half the widest sample taken, 125 ns here): a sync, at the
	 * vCPU's next check (at most one per sampler period, 1 ms). */
	fake_tsc_now += 1000000;
	model_off_line(5000);
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(kc.vcpu[0].stats.syncs, 2);
	ck_assert_uint_gt(at(GPA).tsc_timestamp, anchor);
	kvmclock_after_run(&kc, 0);
	/* At most every 100 ms, however far off: 50 ms later, none. */
	fake_tsc_now += 50000000;
	model_off_line(-5000);
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(kc.vcpu[0].stats.syncs, 2);
	kvmclock_after_run(&kc, 0);
}
END_TEST

/* A struct's ns for 10^9 ticks. */
static uint64_t per_second(struct pvclock_vcpu_time_info t)
{
	return pvclock_scale_delta(1000000000, t.tsc_to_system_mul, t.tsc_shift);
}

/* @ms of the sampler's steps, a millisecond apart. */
static void sample_for(unsigned int ms)
{
	for (unsigned int i = 0; i < ms; i++) {
		fake_tsc_now += 1000000;
		kvmclock_sampler_step(&kc);
	}
}

/*
 * The host's MONOTONIC starts a -500 ppm slew just after a sync: the sampler follows the new
 * rate within tens of ms, kicks every vCPU (an idle guest may not exit for seconds), and the
 * next entry syncs onto the new rate though the last sync was under 100 ms ago.
 */
START_TEST(test_smp_rate_change_kicks_and_resyncs)
{
	struct pvclock_vcpu_time_info before;
	unsigned int ms = 0;

	teardown();
	setup_n(2);
	ck_assert_int_eq(wr(0, MSR_KVM_SYSTEM_TIME_NEW, GPA | 1), MSR_OK);
	ck_assert_int_eq(wr(1, MSR_KVM_SYSTEM_TIME_NEW, (GPA + 0x40) | 1), MSR_OK);
	sample_for(1000);
	kvmclock_before_run(&kc, 0); /* the first anchor, on the rate measured for 1 s */
	kvmclock_after_run(&kc, 0);
	before = at(GPA);
	ck_assert_uint_eq(kc.vcpu[0].stats.syncs, 1);
	fake_slew_from = fake_tsc_now;
	fake_slew_ppm = -500;
	test_log_capture();
	while (!kc.rate.changes && ms < 100)
		sample_for(1), ms++;
	printf("rate change seen %u ms into a -500 ppm slew: %s", ms, test_logged());
	ck_assert_uint_ge(kc.rate.changes, 1);
	ck_assert_logged("clock: MONOTONIC's rate moved: now -");
	ck_assert_logged("(change 1); every vCPU re-anchors");
	test_log_release();
	ck_assert_uint_lt(ms, 60);
	ck_assert_uint_eq(kicks, 2);
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(kc.vcpu[0].stats.syncs, 2);
	/* Both structs (the sync writes each) carry a slower scale than before the slew. */
	ck_assert_uint_lt(per_second(at(GPA)), per_second(before) - 450000); /* ns per 1e9 ticks */
	ck_assert_uint_eq(at(GPA + 0x40).tsc_to_system_mul, at(GPA).tsc_to_system_mul);
	ck_assert_uint_eq(at(GPA + 0x40).tsc_timestamp, at(GPA).tsc_timestamp);
	kvmclock_after_run(&kc, 0);
	/* Once on the new rate, the 100 ms spacing holds again: no sync 1 ms later. */
	sample_for(1);
	kvmclock_before_run(&kc, 0);
	ck_assert_uint_eq(kc.vcpu[0].stats.syncs, 2 + (kc.rate.changes > 1));
	kvmclock_after_run(&kc, 0);
}
END_TEST

/*
 * threshold: the kick after a rate change re-anchors though the error then is still below the
 * bound: the old slope would take the guest 500 us a second off, and an idle guest may not
 * exit again for seconds. Then the bound rules again: no anchor at the next entry.
 */
static void threshold_follows_rate_change(unsigned int nr_vcpus)
{
	struct pvclock_vcpu_time_info before;
	uint64_t anchors;

	teardown();
	setup_policy(nr_vcpus, "threshold:100us");
	for (unsigned int i = 0; i < nr_vcpus; i++)
		ck_assert_int_eq(wr(i, MSR_KVM_SYSTEM_TIME_NEW, (GPA + 0x40 * i) | 1), MSR_OK);
	sample_for(1000);
	kvmclock_before_run(&kc, 0); /* the first anchor, on the rate measured for 1 s */
	kvmclock_after_run(&kc, 0);
	before = at(GPA);
	anchors = kc.vcpu[0].stats.anchors;
	fake_slew_from = fake_tsc_now;
	fake_slew_ppm = -500;
	for (unsigned int ms = 0; !kc.rate.changes && ms < 100; ms++)
		sample_for(1);
	ck_assert_uint_ge(kc.rate.changes, 1);
	ck_assert_uint_eq(kicks, nr_vcpus);
	ck_assert(fabsl(pvclock_line_at(&kc.line, fake_tsc_now) -
			kvmclock_model_ns(&kc, fake_tsc_now)) < 100000); /* under the bound */
	kvmclock_before_run(&kc, 0);
	kvmclock_after_run(&kc, 0);
	ck_assert_uint_eq(kc.vcpu[0].stats.anchors, anchors + 1);
	ck_assert_uint_lt(per_second(at(GPA)), per_second(before) - 450000); /* the new rate */
	fake_tsc_now += 150000000; /* past the 100 ms spacing of syncs */
	kvmclock_before_run(&kc, 0);
	kvmclock_after_run(&kc, 0);
	ck_assert_uint_eq(kc.vcpu[0].stats.anchors, anchors + 1);
}

START_TEST(test_threshold_follows_a_rate_change)
{
	threshold_follows_rate_change(1);
	threshold_follows_rate_change(2);
}
END_TEST

static int probe(uint64_t first, uint64_t last, uint32_t kind)
{
	struct clock_probe p = { .kind = kind, .first = first, .last = last };
	uint64_t gpa = 0x700100;
	uint8_t data[8];
	struct io_access a = { .addr = MEMMAP_DOORBELL + DOORBELL_PROBE,
			       .offset = DOORBELL_PROBE,
			       .size = 8,
			       .write = true,
			       .data = data };

	memcpy(data, &gpa, sizeof(gpa));
	memcpy(guest_mem_ptr(&mem, gpa, sizeof(p)), &p, sizeof(p));
	return doorbell_io(&db, &a);
}

START_TEST(test_probe_window)
{
	uint64_t entry;

	ck_assert_int_eq(probe(0, 0, CLOCK_PROBE_MONO), VM_RUNNING); /* arms the probe */
	kvmclock_before_run(&kc, 0);
	entry = kc.vcpu[0].entry_ns;
	ck_assert_uint_gt(entry, 0);
	fake_tsc_now += 100; /* the guest ran for 100 ns */
	ck_assert_int_eq(probe(entry, entry + 5, CLOCK_PROBE_MONO), VM_RUNNING);
	ck_assert_uint_eq(kc.vcpu[0].stats.probe_violations, 0);
	ck_assert_int_eq(probe(entry - 1, entry, CLOCK_PROBE_MONO), VM_RUNNING);
	ck_assert_int_eq(probe(entry, entry + 1000000, CLOCK_PROBE_MONO), VM_RUNNING);
	ck_assert_uint_eq(kc.vcpu[0].stats.probe_violations, 2);
	ck_assert_logged("outside the host's window");
	ck_assert_int_eq(probe(0, fake_real(NULL) + 2000, CLOCK_PROBE_WALL), VM_RUNNING);
	ck_assert_uint_ge(kc.vcpu[0].stats.max_wall_error_ns, 1990);
	ck_assert_int_eq(probe(0, 0, 99), VM_STOP_GUEST_ERROR);
	ck_assert_logged("vCPU 0: clock probe of unknown kind 99");
}
END_TEST

TEST_SUITE("kvmclock_host",
	   { .name = "core",
	     .setup = setup,
	     .teardown = teardown,
	     .tests = TESTS(test_enable_publishes_before_run, test_disable_and_move,
			    test_refused_addresses, test_refusal_reasons,
			    test_low_ram_is_the_guests_on_a_pc, test_wall_clock,
			    test_tsc_write_moves_offset, test_smp_stable_only_while_offsets_agree,
			    test_wall_clock_follows_steps,
			    test_wall_clock_watch_only_when_following,
			    test_smp_anchor_moves_only_when_the_error_needs_it,
			    test_smp_rate_change_kicks_and_resyncs,
			    test_threshold_follows_a_rate_change, test_probe_window) })
