/*
 * Unit tests for the SMP entry path and its syncs (clock/kvmclock_sync.c): many vCPU threads
 * go through kvmclock_before_run / a pretend KVM_RUN / kvmclock_after_run on a fake clock while
 * another thread keeps moving the model of MONOTONIC, so anchors move over and over. While a
 * vCPU is "running", every vCPU's struct, running or not, must hold the very same anchor (the
 * promise PVCLOCK_TSC_STABLE_BIT makes: a guest may read any vCPU's struct, as Linux's vDSO
 * reads vCPU 0's on every CPU), and no thread may hang.
 */
#include <pthread.h>

#include "clock/kvmclock.h"
#include "test_util.h"

#define NR_THREADS   16 /* more than this machine's CPUs: preemption at every step */
#define ROUNDS	     10000
#define MEM_SIZE     0x800000
#define STRUCTS_GPA  0x400000
#define MODEL_PERIOD 20000 /* ns between model moves */

static uint64_t fake_now = 1000000;

/* A 1 GHz TSC that every thread advances; MONOTONIC equals it. */
static uint64_t fake_tsc(void *ctx)
{
	return __atomic_add_fetch(&fake_now, 7, __ATOMIC_SEQ_CST);
}

static uint64_t fake_mono(void *ctx)
{
	return __atomic_load_n(&fake_now, __ATOMIC_SEQ_CST);
}

static const struct pvclock_clock fake = { fake_tsc, fake_tsc, fake_mono, fake_mono, NULL };

static struct kvmclock kc;
static struct guest_mem mem;
static struct msr_table msrs;
static struct doorbell db;
static int kicked[NR_THREADS], done;
static unsigned long violations, checks;

static void kick(void *opaque, unsigned int vcpu)
{
	__atomic_store_n(&kicked[vcpu], 1, __ATOMIC_SEQ_CST);
}

static int no_tsc_write(void *opaque, unsigned int vcpu, uint32_t msr, uint64_t v, uint64_t *off)
{
	return -1;
}

static const struct pvclock_vcpu_time_info *time_info(unsigned int vcpu)
{
	return guest_mem_ptr(&mem, STRUCTS_GPA + vcpu * 64, sizeof(struct pvclock_vcpu_time_info));
}

static bool same_anchor(const struct pvclock_vcpu_time_info *a,
			const struct pvclock_vcpu_time_info *b)
{
	return a->tsc_timestamp == b->tsc_timestamp && a->system_time == b->system_time &&
	       a->tsc_to_system_mul == b->tsc_to_system_mul && a->tsc_shift == b->tsc_shift &&
	       a->flags == b->flags && !(a->version & 1) && !(b->version & 1);
}

/* What a guest could see while this vCPU runs: every vCPU's struct on this vCPU's anchor. */
static void check_running(unsigned int id)
{
	for (unsigned int j = 0; j < NR_THREADS; j++) {
		if (j == id)
			continue;
		__atomic_add_fetch(&checks, 1, __ATOMIC_RELAXED);
		if (!same_anchor(time_info(id), time_info(j)))
			__atomic_add_fetch(&violations, 1, __ATOMIC_RELAXED);
	}
}

/* KVM_RUN: a short while, or until kicked (a kick before it makes it return at once). */
static void pretend_run(unsigned int id, unsigned int spins)
{
	for (unsigned int i = 0; i < spins && !__atomic_load_n(&kicked[id], __ATOMIC_SEQ_CST); i++)
		__asm__ volatile("pause");
}

static void *vcpu_thread(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;

	for (unsigned int r = 0; r < ROUNDS; r++) {
		__atomic_store_n(&kicked[id], 0, __ATOMIC_SEQ_CST);
		kvmclock_before_run(&kc, id);
		check_running(id);
		pretend_run(id, 50 + (r * 37 + id * 11) % 400);
		check_running(id);
		kvmclock_after_run(&kc, id);
	}
	return NULL;
}

/* The sampler's part: a model that is alternately on the line and 2 us off it. */
static void *model_thread(void *arg)
{
	struct pvclock_line model = { .valid = true };
	struct timespec pause = { 0, MODEL_PERIOD };

	ck_assert_int_eq(pvclock_scale_from_hz(1000000000, &model.scale), 0);
	for (unsigned int i = 0; !__atomic_load_n(&done, __ATOMIC_ACQUIRE); i++) {
		model.tsc = fake_mono(NULL);
		model.ns = model.tsc + (i & 1) * 2000;
		kvmclock_set_model(&kc, &model, 1.0L);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

START_TEST(test_no_vcpu_ever_runs_on_another_anchor)
{
	const struct kvmclock_ops ops = { kick, no_tsc_write, NULL };
	pthread_t threads[NR_THREADS], model;
	struct kvmclock_stats total;
	struct clock_policy policy;

	ck_assert_int_eq(guest_mem_alloc(&mem, MEM_SIZE), 0);
	ck_assert_int_eq(clock_policy_parse("every-entry", &policy), 0);
	doorbell_init(&db);
	ck_assert_int_eq(kvmclock_init(&kc, &mem, &fake, NR_THREADS, 1000000000, &ops, &policy), 0);
	ck_assert_int_eq(kvmclock_register(&kc, &msrs, &db), 0);
	kc.resync_ticks = kc.check_ticks = 0; /* as often as the error asks: many syncs */
	for (unsigned int i = 0; i < NR_THREADS; i++) {
		const struct msr_handler *h = msr_table_find(&msrs, MSR_KVM_SYSTEM_TIME_NEW);

		ck_assert_int_eq(h->write(h->opaque, i, MSR_KVM_SYSTEM_TIME_NEW,
					  (STRUCTS_GPA + i * 64) | KVM_SYSTEM_TIME_ENABLE),
				 MSR_OK);
	}
	ck_assert_int_eq(pthread_create(&model, NULL, model_thread, NULL), 0);
	for (unsigned int i = 0; i < NR_THREADS; i++)
		ck_assert_int_eq(
			pthread_create(&threads[i], NULL, vcpu_thread, (void *)(uintptr_t)i), 0);
	for (unsigned int i = 0; i < NR_THREADS; i++)
		pthread_join(threads[i], NULL);
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	pthread_join(model, NULL);
	kvmclock_total_stats(&kc, &total);
	printf("%lu syncs, %lu anchors, %lu publishes, %lu cross-vCPU checks, %lu violations\n",
	       total.syncs, total.anchors, total.publishes, checks, violations);
	ck_assert_uint_eq(violations, 0);
	ck_assert_uint_gt(checks, 1000);
	ck_assert_uint_ge(total.syncs, 20); /* and the anchor moved under them, often */
	ck_assert_uint_gt(total.publishes, total.syncs);
	kvmclock_destroy(&kc);
	guest_mem_free(&mem);
}
END_TEST

/* 16 threads on this machine's CPUs: a loaded host stretches the run past Check's 4 s. */
TEST_SUITE("kvmclock_sync", { .name = "core",
			      .tests = TESTS(test_no_vcpu_ever_runs_on_another_anchor),
			      TEST_LOG_FIXTURE,
			      .timeout = 120 })
