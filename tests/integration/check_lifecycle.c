/*
 * Integration tests: resource hygiene and the stop path. 1,000 VMs (vCPUs, RAM, kvmclock
 * threads) built and torn down in one process leave no fds and no memory behind; the kick
 * protocol survives delays injected at each of its steps; a vCPU that does not stop is named,
 * and given up on after a bound; a failure injected at every checked ioctl of the set-up
 * unwinds cleanly (the sanitizer build checks for leaks).
 */

#include <time.h>

#include "guest_run.h"
#include "core/kvm_util.h"
#include "machine/vcpu.h"

#ifdef __SANITIZE_ADDRESS__
/* ASan keeps freed memory in a 256 MB quarantine, which would read as growth here. */
#define RSS_GROWTH_LIMIT_KIB 32768 /* its allocator still keeps per-thread caches */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=0:thread_local_quarantine_size_kb=0";
}
#else
#define RSS_GROWTH_LIMIT_KIB 4096
#endif

static long resident_kib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	ck_assert_int_eq(fscanf(f, "%ld %ld", &pages, &rss), 2);
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* vCPU 0 reports DONE at once; vCPU 1 halts, or with @ap_spin never leaves the guest. */
/*
 * Tests that prove no kick is lost let a stop wait this long before its next kick: only a lost
 * kick needs one, while a vCPU thread a busy host has not scheduled yet still stops in time.
 */
#define LOST_KICK_WAIT_NS 20000000000ull

static struct vmm_config never_ending(char *path, char **argv, bool ap_spin)
{
	snprintf(path, 512, "%s/exit_loop.elf", GUEST_DIR);
	argv[0] = path;
	argv[1] = "0";
	argv[2] = ap_spin ? "ap-spin" : NULL;
	return (struct vmm_config){ .image_path = path,
				    .argc = ap_spin ? 3 : 2,
				    .argv = argv,
				    .console = out,
				    .nr_vcpus = 2,
				    .mem_size = 16ull << 20,
				    .timeout_ns = GUEST_RUN_TIMEOUT_NS };
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* xorshift per thread: which race points delay, and for how long (0-127 us). */
static __thread uint64_t race_rng;
static unsigned int race_mask; /* the points that may delay, one bit each */

static void random_delay_hook(enum vcpu_race_point point, unsigned int vcpu_id)
{
	uint64_t x = race_rng ? race_rng : (uint64_t)(uintptr_t)&race_rng ^ now_ns();

	x ^= x << 13, x ^= x >> 7, x ^= x << 17;
	race_rng = x;
	if ((race_mask >> point) & 1 && x & 1)
		usleep((useconds_t)((x >> 8) & 127));
}

/*
 * Every step of start, kick and stop delayed at random, one point at a time and all at once,
 * with vCPU 1 spinning in the guest so that only a kick gets it out: every run must end by its
 * first kicks (no re-kick needed), never by the stop path's safety net or not at all.
 */
START_TEST(test_kick_races)
{
	char path[512], *argv[4] = { 0 };
	struct vmm_config cfg = never_ending(path, argv, true);
	unsigned long runs = 0, rekicks = 0;
	uint64_t worst = 0;

	cfg.stop_rekick_ns = LOST_KICK_WAIT_NS;
	vcpu_race_hook = random_delay_hook;
	for (unsigned int point = 0; point <= VCPU_RACE_NR_POINTS; point++) {
		race_mask = point < VCPU_RACE_NR_POINTS ? 1u << point : ~0u;
		for (int i = 0; i < 40; i++, runs++) {
			uint64_t t0 = now_ns(), took;

			ck_assert_int_eq(vmm_run(&cfg, &res), 0);
			took = now_ns() - t0;
			worst = took > worst ? took : worst;
			ck_assert_int_eq(res.stop, VM_STOP_DONE);
			rekicks += res.stop_rekicks;
		}
	}
	vcpu_race_hook = NULL;
	printf("kick races: %lu two-vCPU runs with delays at each race point, slowest %.1f ms, "
	       "%lu re-kicks needed\n",
	       runs, worst / 1e6, rekicks);
	ck_assert_uint_eq(rekicks, 0);
}
END_TEST

/*
 * Forced interleavings: vCPU 1's thread (or, at VCPU_RACE_CREATED, the thread creating it) is
 * held at @forced_point until the stop has been requested, and 2 ms more, so the stop's kick
 * lands exactly in that window: before the thread is kickable, between its stop check and
 * KVM_RUN, or before its creator has even returned from pthread_create.
 */
static enum vcpu_race_point forced_point;
static int stop_requested, forced_armed;

static void forced_hook(enum vcpu_race_point point, unsigned int vcpu_id)
{
	if (point == VCPU_RACE_STOP) {
		__atomic_store_n(&stop_requested, 1, __ATOMIC_RELEASE);
		return;
	}
	if (point != forced_point || vcpu_id != 1 ||
	    !__atomic_exchange_n(&forced_armed, 0, __ATOMIC_ACQ_REL))
		return;
	for (int i = 0; i < 10000 && !__atomic_load_n(&stop_requested, __ATOMIC_ACQUIRE); i++)
		usleep(100);
	usleep(2000);
}

START_TEST(test_kick_forced_interleavings)
{
	static const enum vcpu_race_point points[] = { VCPU_RACE_CREATED, VCPU_RACE_THREAD_START,
						       VCPU_RACE_BEFORE_RUN };
	char path[512], *argv[4] = { 0 };
	struct vmm_config cfg = never_ending(path, argv, true);
	unsigned long rekicks = 0, forced = 0;

	cfg.stop_rekick_ns = LOST_KICK_WAIT_NS;
	argv[1] = "100"; /* vCPU 0 exits a little first, so vCPU 1 is in its loop */
	vcpu_race_hook = forced_hook;
	for (size_t p = 0; p < ARRAY_SIZE(points); p++) {
		for (int i = 0; i < 10; i++) {
			forced_point = points[p];
			stop_requested = 0;
			forced_armed = 1;
			ck_assert_int_eq(vmm_run(&cfg, &res), 0);
			ck_assert_int_eq(res.stop, VM_STOP_DONE);
			forced += !forced_armed;
			rekicks += res.stop_rekicks;
		}
	}
	vcpu_race_hook = NULL;
	printf("kick forced interleavings: %lu of 30 runs held vCPU 1 in a window, %lu re-kicks "
	       "needed\n",
	       forced, rekicks);
	ck_assert_uint_ge(forced, 20);
	ck_assert_uint_eq(rekicks, 0);
}
END_TEST

/* vCPU 1's thread held in the VMM as it starts, once, for @hold_us: a vCPU that does not stop. */
static unsigned int hold_us;
static int hold_armed;

static void hold_vcpu1_hook(enum vcpu_race_point point, unsigned int vcpu_id)
{
	if (point == VCPU_RACE_THREAD_START && vcpu_id == 1 &&
	    __atomic_exchange_n(&hold_armed, 0, __ATOMIC_ACQ_REL))
		usleep(hold_us);
}

START_TEST(test_stuck_vcpu_is_named)
{
	char path[512], *argv[4] = { 0 };
	struct vmm_config cfg = never_ending(path, argv, true);

	hold_us = 1500000;
	hold_armed = 1;
	vcpu_race_hook = hold_vcpu1_hook;
	ck_assert_int_eq(vmm_run(&cfg, &res), 0);
	vcpu_race_hook = NULL;
	ck_assert_int_eq(res.stop, VM_STOP_DONE);
	ck_assert_logged("vCPU 1 (thread ");
	/* Named once a second has passed: at the first re-kick after it (1.0 s, later if busy). */
	ck_assert_logged("has not stopped 1.");
	ck_assert_logged(" s after the run ended: in the VMM between KVM_RUNs");
	ck_assert_uint_ge(res.stop_rekicks, 10);
}
END_TEST

START_TEST(test_stop_gives_up_on_a_stuck_vcpu)
{
	char path[512], *argv[4] = { 0 };
	struct vmm_config cfg = never_ending(path, argv, true);
	uint64_t t0 = now_ns();

	hold_us = 6000000;
	hold_armed = 1;
	vcpu_race_hook = hold_vcpu1_hook;
	ck_assert_int_eq(vmm_run(&cfg, &res), -ETIMEDOUT);
	ck_assert_uint_lt(now_ns() - t0, 8000000000ull); /* 5 s, then the next re-kick */
	ck_assert_logged("giving up on the vCPUs above after 5.");
	usleep(1500000); /* let the held thread finish with the VM it was left */
	vcpu_race_hook = NULL;
}
END_TEST

START_TEST(test_thousand_vms)
{
	char path[512], *spin_argv[4] = { 0 }, *halt_argv[4] = { 0 };
	struct vmm_config spin = never_ending(path, spin_argv, true);
	struct vmm_config halt = never_ending(path, halt_argv, false);
	int fds_before = 0;
	long rss_before = 0;

	spin.stop_rekick_ns = halt.stop_rekick_ns = LOST_KICK_WAIT_NS;
	for (int i = 0; i < 1010; i++) {
		if (i == 10) { /* after warm-up: libc, libelf and thread caches are in place */
			fds_before = test_count_fds();
			rss_before = resident_kib();
		}
		/* vCPU 1 spins in the guest (must be kicked) or halts (parked) in turn. */
		ck_assert_int_eq(vmm_run(i & 1 ? &spin : &halt, &res), 0);
		ck_assert_int_eq(res.stop, VM_STOP_DONE);
		ck_assert_uint_eq(res.stop_rekicks, 0);
	}
	printf("1000 VMs with 2 vCPUs and 16 MiB each: fds %d -> %d, resident %ld -> %ld KiB\n",
	       fds_before, test_count_fds(), rss_before, resident_kib());
	ck_assert_int_eq(test_count_fds(), fds_before);
	ck_assert_int_le(resident_kib() - rss_before, RSS_GROWTH_LIMIT_KIB);
}
END_TEST

/* Fail the 1st, 2nd, ... checked ioctl until a run of @cfg gets through all of its set-up. */
static int inject_every_setup_failure(const struct vmm_config *cfg)
{
	int fds = test_count_fds(), failures = 0;

	for (unsigned int n = 1; n < 200; n++) {
		int ret;

		kvm_inject_ioctl_failure(n, EIO);
		ret = vmm_run(cfg, &res);
		kvm_inject_ioctl_failure(0, 0);
		ck_assert_int_eq(test_count_fds(), fds);
		if (!ret)
			break;
		ck_assert_int_eq(ret, -EIO);
		failures++;
	}
	ck_assert_logged("(injected)");
	return failures;
}

START_TEST(test_every_setup_ioctl_failure_unwinds)
{
	char path[512], *argv[4] = { 0 };
	struct vmm_config cfg = never_ending(path, argv, false);
	int failures = inject_every_setup_failure(&cfg);

	printf("set-up failure injected at each of %d checked ioctls: all unwound\n", failures);
	ck_assert_int_gt(failures, 10);
}
END_TEST

/* The PC machine adds the irqchip, the PIT and vCPUs that wait for SIPI. */
START_TEST(test_every_multiboot_setup_ioctl_failure_unwinds)
{
	char path[512], *argv[2] = { path, NULL };
	struct vmm_config cfg = { .image_path = path,
				  .argc = 1,
				  .argv = argv,
				  .console = out,
				  .nr_vcpus = 2,
				  .timeout_ns = GUEST_RUN_TIMEOUT_NS };
	int failures;

	snprintf(path, sizeof(path), "%s/mb_hello32.elf", GUEST_DIR);
	failures = inject_every_setup_failure(&cfg);
	printf("multiboot set-up failure injected at each of %d checked ioctls: all unwound\n",
	       failures);
	ck_assert_int_gt(failures, 10);
	ck_assert_int_eq(res.stop, VM_STOP_DEBUG_EXIT);
	ck_assert_int_eq(res.guest_exit_code, 43);
}
END_TEST

#define LIFECYCLE_CASE GUEST_RUN_FIXTURE, .timeout = 600

/* Three cases, so CK_RUN_CASE can pick one: hygiene, kicks and stop, set-up failures. */
TEST_KVM_SUITE("lifecycle",
	       { .name = "hygiene", LIFECYCLE_CASE, .tests = TESTS(test_thousand_vms) },
	       { .name = "kicks",
		 LIFECYCLE_CASE,
		 .tests = TESTS(test_kick_races, test_kick_forced_interleavings,
				test_stuck_vcpu_is_named, test_stop_gives_up_on_a_stuck_vcpu) },
	       { .name = "setup-failures",
		 LIFECYCLE_CASE,
		 .tests = TESTS(test_every_setup_ioctl_failure_unwinds,
				test_every_multiboot_setup_ioctl_failure_unwinds) })
