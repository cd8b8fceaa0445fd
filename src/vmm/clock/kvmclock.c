/*
 * kvmclock host glue. Every vCPU publishes the same anchor (the shared timeline in kc->line),
 * so readings agree across vCPUs and PVCLOCK_TSC_STABLE_BIT is honest. The anchor only moves
 * while no vCPU is inside KVM_RUN: with one vCPU that is every entry, for free; with several,
 * the vCPU that finds the anchor stale kicks the others out and re-anchors once all are out
 * (KVM's "master clock" update does the same). A vCPU still running on an old anchor could
 * otherwise read a later time than another vCPU that already has the new, slower line.
 *
 * When a new anchor is taken is the policy's choice (policy.h). A sampler thread measures
 * MONOTONIC's rate against the TSC once per millisecond; anchors take their slope from it.
 */
#include "clock/kvmclock.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "core/stop.h"
#include "probe_abi.h"
#include "pvclock_sample.h"
#include "core/log.h"
#include <math.h>

#define KVMCLOCK_SAMPLE_TRIES 3
/*
 * Refuse (TSC, MONOTONIC) pairs wider than 250 ns, or than 4x this host's typical width where
 * that is larger (slow or emulated hosts), so a preempted sample never becomes an anchor.
 */
#define KVMCLOCK_SAMPLE_MAX_NS 250
#define KVMCLOCK_WIDTH_FACTOR 4
#define KVMCLOCK_RESYNC_NS 100000000ull	/* SMP: re-anchor every 100 ms */
#define KVMCLOCK_SAMPLER_PERIOD_NS 1000000ull	/* the sampler thread's period: 1 ms */
#define KVMCLOCK_RATE_MIN_SPAN_S 0.05
#define KVMCLOCK_RATE_HALF_LIFE_S 60.0
#define KVMCLOCK_PROBE_LOG_MAX 5
#define KVMCLOCK_REKICK_NS 100000000	/* SMP sync: re-kick vCPUs still inside after 100 ms */

static uint64_t ns_to_ticks(const struct kvmclock *kc, uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * kc->tsc_hz / 1000000000u);
}

uint64_t kvmclock_ticks_to_ns(const struct kvmclock *kc, uint64_t ticks)
{
	return (uint64_t)((unsigned __int128)ticks * 1000000000u / kc->tsc_hz);
}

static uint64_t pack_scale(struct pvclock_scale sc)
{
	return sc.mul | (uint64_t)(uint8_t)sc.shift << 32;
}

static struct pvclock_scale unpack_scale(uint64_t v)
{
	return (struct pvclock_scale){ (uint32_t)v, (int8_t)(uint8_t)(v >> 32) };
}

static int kvmclock_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int ret;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);	/* timed waits in kvmclock_wait */
	ret = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return ret;
}

int kvmclock_init(struct kvmclock *kc, const struct guest_mem *mem,
		  const struct pvclock_clock *clk, unsigned int nr_vcpus, uint64_t tsc_hz,
		  const struct kvmclock_ops *ops, const struct clock_policy *policy)
{
	struct pvclock_scale nominal;
	int ret;

	memset(kc, 0, sizeof(*kc));
	if (!tsc_hz || nr_vcpus == 0 || nr_vcpus > MEMMAP_MAX_VCPUS) {
		pr_err("kvmclock: bad set-up: TSC %" PRIu64 " Hz, %u vCPUs", tsc_hz, nr_vcpus);
		return -EINVAL;
	}
	kc->mem = mem;
	kc->clk = clk;
	kc->ops = *ops;
	kc->policy = *policy;
	kc->nr_vcpus = nr_vcpus;
	kc->tsc_hz = tsc_hz;
	kc->min_bound_ticks = ns_to_ticks(kc, KVMCLOCK_SAMPLE_MAX_NS);
	kc->max_sample_ticks = kc->min_bound_ticks;
	kc->resync_ticks = ns_to_ticks(kc, KVMCLOCK_RESYNC_NS);
	/* A live publisher moves the line while other vCPUs run: no cross-vCPU promise then. */
	kc->flags = policy->ops->live && nr_vcpus > 1 ? 0 : PVCLOCK_TSC_STABLE_BIT;
	pvclock_rate_init(&kc->rate, tsc_hz, KVMCLOCK_RATE_MIN_SPAN_S, KVMCLOCK_RATE_HALF_LIFE_S);
	if (pvclock_scale_from_hz(tsc_hz, &nominal)) {
		pr_err("kvmclock: no scale for a %" PRIu64 " Hz TSC", tsc_hz);
		return -EINVAL;
	}
	kc->rate_scale = pack_scale(nominal);
	kc->start_ns = clk->read_mono_ns(clk->ctx);
	ret = pthread_mutex_init(&kc->lock, NULL);
	if (!ret)
		ret = kvmclock_cond_init(&kc->cond);
	return -ret;
}

void kvmclock_destroy(struct kvmclock *kc)
{
	kvmclock_stop(kc);
	pthread_cond_destroy(&kc->cond);
	pthread_mutex_destroy(&kc->lock);
}

static uint64_t sample_bound(const struct kvmclock *kc)
{
	return __atomic_load_n(&kc->max_sample_ticks, __ATOMIC_RELAXED);
}

/* Track the host's typical sample width (mean over ~16 samples) and derive the bound. */
static void kvmclock_track_width(struct kvmclock *kc, uint64_t width)
{
	uint64_t bound;

	if (width == UINT64_MAX)
		return;	/* no usable pair at all this round */
	kc->typical_width = kc->typical_width ? (kc->typical_width * 15 + width) / 16 : width;
	bound = kc->typical_width * KVMCLOCK_WIDTH_FACTOR;
	if (bound < kc->min_bound_ticks)
		bound = kc->min_bound_ticks;
	__atomic_store_n(&kc->max_sample_ticks, bound, __ATOMIC_RELAXED);
}

void kvmclock_sampler_step(struct kvmclock *kc)
{
	struct pvclock_scale scale;
	struct pvclock_sample s;
	int ret = pvclock_sample_take(kc->clk, KVMCLOCK_SAMPLE_TRIES, sample_bound(kc), &s);

	kvmclock_track_width(kc, s.width);
	if (ret)
		return;
	pvclock_rate_add(&kc->rate, &s);
	if (pvclock_rate_settled(&kc->rate) && !kc->settled_ns)
		__atomic_store_n(&kc->settled_ns, s.mono_ns, __ATOMIC_RELEASE);
	if (pvclock_rate_scale(&kc->rate, &scale))
		return;
	__atomic_store_n(&kc->rate_scale, pack_scale(scale), __ATOMIC_RELAXED);
	kvmclock_set_model(kc, &(struct pvclock_line){ s.tsc, s.mono_ns, scale, true },
			   pvclock_rate_ns_per_tick(&kc->rate));
}

/* The model is a seqlock: odd seq while the (single) writer is in the middle of an update. */
void kvmclock_set_model(struct kvmclock *kc, const struct pvclock_line *line,
			long double ns_per_tick)
{
	uint32_t seq = __atomic_load_n(&kc->model.seq, __ATOMIC_RELAXED);

	__atomic_store_n(&kc->model.seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	kc->model.line = *line;
	kc->model.ns_per_tick = ns_per_tick;
	__atomic_store_n(&kc->model.seq, seq + 2, __ATOMIC_RELEASE);
}

bool kvmclock_get_model(const struct kvmclock *kc, struct pvclock_line *line,
			long double *ns_per_tick)
{
	uint32_t seq;

	do {
		seq = __atomic_load_n(&kc->model.seq, __ATOMIC_ACQUIRE);
		*line = kc->model.line;
		if (ns_per_tick)	/* x87 copies are slow: only for those who ask */
			*ns_per_tick = kc->model.ns_per_tick;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((seq & 1) || seq != __atomic_load_n(&kc->model.seq, __ATOMIC_RELAXED));
	return line->valid;
}

long double kvmclock_model_ns(const struct kvmclock *kc, uint64_t tsc)
{
	struct pvclock_line m;
	long double ns_per_tick;

	if (!kvmclock_get_model(kc, &m, &ns_per_tick))
		return -1;
	return (long double)m.ns + ((long double)tsc - (long double)m.tsc) * ns_per_tick;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec t = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	nanosleep(&t, NULL);
}

static bool threads_stopping(struct kvmclock *kc)
{
	return __atomic_load_n(&kc->stop_threads, __ATOMIC_ACQUIRE);
}

static void *kvmclock_sampler_thread(void *arg)
{
	struct kvmclock *kc = arg;

	while (!threads_stopping(kc)) {
		kvmclock_sampler_step(kc);
		sleep_ns(KVMCLOCK_SAMPLER_PERIOD_NS);
	}
	return NULL;
}

static void kvmclock_live_publish(struct kvmclock *kc);

static void *kvmclock_live_thread(void *arg)
{
	struct kvmclock *kc = arg;

	while (!threads_stopping(kc)) {
		sleep_ns(kc->policy.param_ns);
		kvmclock_live_publish(kc);
	}
	return NULL;
}

int kvmclock_start(struct kvmclock *kc)
{
	int ret = pthread_create(&kc->sampler, NULL, kvmclock_sampler_thread, kc);

	if (ret) {
		pr_err("kvmclock: cannot start the sampler thread: %s", strerror(ret));
		return -ret;
	}
	kc->sampler_started = true;
	if (!kc->policy.ops->live)
		return 0;
	ret = pthread_create(&kc->live, NULL, kvmclock_live_thread, kc);
	if (ret) {
		pr_err("kvmclock: cannot start the live publisher thread: %s", strerror(ret));
		return -ret;
	}
	kc->live_started = true;
	return 0;
}

void kvmclock_stop(struct kvmclock *kc)
{
	__atomic_store_n(&kc->stop_threads, 1, __ATOMIC_RELEASE);
	if (kc->sampler_started)
		pthread_join(kc->sampler, NULL);
	if (kc->live_started)
		pthread_join(kc->live, NULL);
	kc->sampler_started = kc->live_started = false;
}

uint64_t kvmclock_calibrate(struct kvmclock *kc, uint64_t ns)
{
	uint64_t t0 = kc->clk->read_mono_ns(kc->clk->ctx), now = t0;

	/* The whole time, not just until the fit is in use: its error keeps falling with span. */
	while (now - t0 < ns) {
		sleep_ns(KVMCLOCK_SAMPLER_PERIOD_NS);
		now = kc->clk->read_mono_ns(kc->clk->ctx);
	}
	return now - t0;
}

/* A guest-chosen struct address: in RAM, within one page, clear of the VMM's structures. */
static void *kvmclock_translate(struct kvmclock *kc, unsigned int vcpu, uint32_t msr,
				uint64_t value, uint64_t gpa, uint64_t len)
{
	struct kvmclock_vcpu *v = &kc->vcpu[vcpu];
	void *ptr = guest_mem_ptr(kc->mem, gpa, len);
	const char *why = NULL;

	if (!ptr)
		why = "lies outside guest RAM";
	else if ((gpa & (GUEST_PAGE_SIZE - 1)) + len > GUEST_PAGE_SIZE)
		why = "crosses a page boundary";
	else if (guest_mem_overlaps_vmm(kc->mem, gpa, len))
		why = "overlaps the VMM's page tables and boot data";
	if (!why)
		return ptr;
	v->stats.bad_addresses++;
	if (!v->warned_bad_address)
		pr_warn("vCPU %u: WRMSR 0x%x value 0x%" PRIx64 ": struct at GPA 0x%" PRIx64
			" (+%" PRIu64 ") %s; clock left off (logged once per vCPU)", vcpu, msr,
			value, gpa, len, why);
	v->warned_bad_address = true;
	return NULL;
}

/* Take a sample for a new anchor; -EAGAIN if too wide (the first anchor takes it anyway). */
static int kvmclock_sample(struct kvmclock *kc, struct kvmclock_vcpu *v, struct pvclock_sample *s)
{
	int ret = pvclock_sample_take(kc->clk, KVMCLOCK_SAMPLE_TRIES, sample_bound(kc), s);
	uint64_t width_ns = kvmclock_ticks_to_ns(kc, s->width);

	if (!v->stats.best_sample_ns || width_ns < v->stats.best_sample_ns)
		v->stats.best_sample_ns = width_ns;
	if (ret && kc->line.valid) {
		v->stats.wide_samples++;
		return ret;
	}
	return 0;
}

/*
 * A new anchor at the TSC now. Its MONOTONIC comes from the sampler's model (a tight sample at
 * most ~1 ms old, extended at the fitted rate), not from a clock_gettime right after KVM_RUN
 * returned, which is slow and biased on some hosts; before the model exists, from a direct
 * sample.
 */
static void kvmclock_reanchor(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	struct pvclock_reanchor res;
	struct pvclock_sample s;
	struct pvclock_line model;
	struct pvclock_scale rate;

	if (kvmclock_get_model(kc, &model, NULL)) {
		s.tsc = kc->clk->read_tsc_fast(kc->clk->ctx);
		s.mono_ns = pvclock_line_at(&model, s.tsc);
		rate = model.scale;
	} else if (kvmclock_sample(kc, v, &s)) {
		return;	/* keep the current anchor: it is still a valid line */
	} else {
		rate = unpack_scale(__atomic_load_n(&kc->rate_scale, __ATOMIC_RELAXED));
	}
	pvclock_line_reanchor(&kc->line, &s, &rate, &res);
	kc->gen++;
	v->stats.anchors++;
	v->stats.clamps += res.clamped;
}

static void kvmclock_publish(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	pvclock_publish(&v->writer, v->time_info, &kc->line, v->tsc_offset, kc->flags);
	v->published_gen = kc->gen;
	v->stats.publishes++;
}

/* Publish if this vCPU's struct does not hold the current anchor yet. */
static void kvmclock_publish_current(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	if (v->time_info && kc->line.valid && v->published_gen != kc->gen)
		kvmclock_publish(kc, v);
}

static bool kvmclock_reanchor_due(const struct kvmclock *kc)
{
	return !kc->line.valid || kc->policy.ops->reanchor_due(&kc->policy, kc);
}

static bool kvmclock_any_on(const struct kvmclock *kc)
{
	for (unsigned int i = 0; i < kc->nr_vcpus; i++)
		if (kc->vcpu[i].time_info)
			return true;
	return false;
}

/* With kc->lock held: wait for a change, or KVMCLOCK_REKICK_NS (then ETIMEDOUT). */
static int kvmclock_wait(struct kvmclock *kc)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_nsec += KVMCLOCK_REKICK_NS;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return pthread_cond_timedwait(&kc->cond, &kc->lock, &t);
}

/*
 * SMP, with kc->lock held: stop the world, move the anchor, restart the world. Kicks are not
 * lost (vcpu.c), but the wait re-kicks every KVMCLOCK_REKICK_NS all the same, as the stop path
 * does, so no host that drops one can hold every vCPU here for good.
 */
static void kvmclock_sync_update(struct kvmclock *kc, unsigned int id)
{
	kc->updating = true;
	kc->ops.kick_others(kc->ops.opaque, id);
	while (kc->inside)
		if (kvmclock_wait(kc) == ETIMEDOUT && kc->inside)
			kc->ops.kick_others(kc->ops.opaque, id);
	kvmclock_reanchor(kc, &kc->vcpu[id]);
	kc->vcpu[id].stats.syncs++;
	kc->updating = false;
	pthread_cond_broadcast(&kc->cond);
}

/* SMP: anchors move in a stop-the-world sync, so at most once per resync interval. */
static bool kvmclock_sync_due(const struct kvmclock *kc)
{
	if (!kvmclock_any_on(kc) || kc->policy.ops->live)
		return false;
	if (!kc->line.valid)
		return true;
	return kc->clk->read_tsc_fast(kc->clk->ctx) - kc->line.tsc > kc->resync_ticks &&
	       kc->policy.ops->reanchor_due(&kc->policy, kc);
}

static void kvmclock_before_run_smp(struct kvmclock *kc, unsigned int id)
{
	pthread_mutex_lock(&kc->lock);
	while (kc->updating)
		pthread_cond_wait(&kc->cond, &kc->lock);
	if (kvmclock_sync_due(kc))
		kvmclock_sync_update(kc, id);
	if (!kc->policy.ops->live)
		kvmclock_publish_current(kc, &kc->vcpu[id]);
	kc->inside++;
	pthread_mutex_unlock(&kc->lock);
}

static void kvmclock_before_run_up(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	if (kvmclock_reanchor_due(kc))
		kvmclock_reanchor(kc, v);
	kvmclock_publish_current(kc, v);
}

void kvmclock_before_run(struct kvmclock *kc, unsigned int id)
{
	struct kvmclock_vcpu *v = &kc->vcpu[id];
	uint64_t t0 = 0;

	if (kc->measure && v->time_info)
		t0 = kc->clk->read_tsc(kc->clk->ctx);
	if (kc->nr_vcpus > 1)
		kvmclock_before_run_smp(kc, id);
	else if (v->time_info && !kc->policy.ops->live)
		kvmclock_before_run_up(kc, v);
	if (t0)
		clock_measure_add_publish(kc->measure, kc->clk->read_tsc(kc->clk->ctx) - t0);
	if (__atomic_load_n(&kc->probing, __ATOMIC_RELAXED))
		v->entry_ns = kc->clk->read_mono_ns(kc->clk->ctx);
}

/* The live policy's thread: a new anchor, written into every struct while the vCPUs run. */
static void kvmclock_live_publish(struct kvmclock *kc)
{
	pthread_mutex_lock(&kc->lock);
	if (kvmclock_any_on(kc)) {
		kvmclock_reanchor(kc, &kc->vcpu[0]);
		for (unsigned int i = 0; i < kc->nr_vcpus; i++)
			kvmclock_publish_current(kc, &kc->vcpu[i]);
	}
	pthread_mutex_unlock(&kc->lock);
}

void kvmclock_after_run(struct kvmclock *kc, unsigned int id)
{
	if (kc->nr_vcpus == 1)
		return;
	pthread_mutex_lock(&kc->lock);
	kc->inside--;
	if (kc->updating && !kc->inside)
		pthread_cond_broadcast(&kc->cond);
	pthread_mutex_unlock(&kc->lock);
}

static enum msr_result kvmclock_write_system_time(void *opaque, unsigned int id, uint32_t msr,
						  uint64_t value)
{
	struct kvmclock *kc = opaque;
	struct kvmclock_vcpu *v = &kc->vcpu[id];
	uint64_t gpa = value & ~KVM_SYSTEM_TIME_ENABLE;

	void *ptr = NULL;

	v->stats.msr_writes++;
	v->system_msr = value;
	/* Like KVM: the WRMSR always succeeds; a refused address just leaves the clock off. */
	if (value & KVM_SYSTEM_TIME_ENABLE)
		ptr = kvmclock_translate(kc, id, msr, value, gpa,
					 sizeof(struct pvclock_vcpu_time_info));
	/* The lock keeps a live publisher from writing to an address the guest just gave up. */
	pthread_mutex_lock(&kc->lock);
	v->time_info = ptr;
	v->gpa = ptr ? gpa : 0;
	v->published_gen = UINT64_MAX;	/* a new struct gets the current anchor at once */
	pthread_mutex_unlock(&kc->lock);
	return MSR_OK;
}

static enum msr_result kvmclock_read_system_time(void *opaque, unsigned int id, uint32_t msr,
						 uint64_t *value)
{
	struct kvmclock *kc = opaque;

	*value = kc->vcpu[id].system_msr;
	return MSR_OK;
}

static enum msr_result kvmclock_write_wall_clock(void *opaque, unsigned int id, uint32_t msr,
						 uint64_t value)
{
	struct kvmclock *kc = opaque;
	void *ptr;
	uint64_t tsc, real, guest_now;

	kc->wall_msr = value;
	ptr = kvmclock_translate(kc, id, msr, value, value, sizeof(struct pvclock_wall_clock));
	if (!ptr)
		return MSR_OK;
	/* Written now, before the guest resumes: it reads the struct on its next instructions. */
	pthread_mutex_lock(&kc->lock);
	tsc = kc->clk->read_tsc(kc->clk->ctx);
	real = kc->clk->read_real_ns(kc->clk->ctx);
	guest_now = kc->line.valid ? pvclock_line_at(&kc->line, tsc)
				   : kc->clk->read_mono_ns(kc->clk->ctx);
	pvclock_publish_wall_clock(&kc->wall_writer, ptr, real - guest_now);
	pthread_mutex_unlock(&kc->lock);
	return MSR_OK;
}

static enum msr_result kvmclock_read_wall_clock(void *opaque, unsigned int id, uint32_t msr,
						uint64_t *value)
{
	struct kvmclock *kc = opaque;

	*value = kc->wall_msr;
	return MSR_OK;
}

/* The STABLE bit promises cross-vCPU monotonicity: only true while all TSC offsets agree. */
static void kvmclock_update_flags(struct kvmclock *kc)
{
	bool same = true;

	for (unsigned int i = 1; i < kc->nr_vcpus; i++)
		same &= kc->vcpu[i].tsc_offset == kc->vcpu[0].tsc_offset;
	uint8_t flags = same && !(kc->policy.ops->live && kc->nr_vcpus > 1) ? PVCLOCK_TSC_STABLE_BIT
									      : 0;

	if (flags == kc->flags)
		return;
	kc->flags = flags;
	for (unsigned int i = 0; i < kc->nr_vcpus; i++)
		kc->vcpu[i].published_gen = UINT64_MAX;	/* every struct gets the new flags */
}

static enum msr_result kvmclock_write_tsc(void *opaque, unsigned int id, uint32_t msr,
					  uint64_t value)
{
	struct kvmclock *kc = opaque;
	uint64_t offset;

	if (kc->ops.write_tsc_msr(kc->ops.opaque, id, msr, value, &offset))
		return MSR_INJECT_GP;
	pthread_mutex_lock(&kc->lock);
	kc->vcpu[id].tsc_offset = offset;
	kc->vcpu[id].published_gen = UINT64_MAX;	/* republish in the new TSC domain */
	kvmclock_update_flags(kc);
	pthread_mutex_unlock(&kc->lock);
	return MSR_OK;
}

/*
 * A measurement sample: the guest's reading against MONOTONIC at the guest's TSC, from a fresh
 * tight sample taken now and the host's rate, back to the moment of the read (microseconds).
 */
static void kvmclock_judge_sample(struct kvmclock *kc, unsigned int id, const struct clock_probe *p)
{
	struct kvmclock_vcpu *v = &kc->vcpu[id];
	uint64_t host_tsc = p->last - v->tsc_offset;
	struct pvclock_sample s;
	struct pvclock_line model;
	long double ns_per_tick, mono;

	if (!kc->measure)
		return;
	/* The narrowest of five, no early stop: the first clock read after an exit can be slow. */
	(void)pvclock_sample_take(kc->clk, 5, 0, &s);
	if (!kvmclock_get_model(kc, &model, &ns_per_tick))
		ns_per_tick = 1e9L / kc->tsc_hz;
	mono = (long double)s.mono_ns - ((long double)s.tsc - (long double)host_tsc) * ns_per_tick;
	clock_measure_add(kc->measure, &(struct clock_sample){
		.host_ns = s.mono_ns, .error_ns = (int64_t)llroundl((long double)p->first - mono),
		.guest_ns = p->first, .vcpu = id, .retries = p->retries, .exit_cycles = p->extra,
	});
}

static int kvmclock_probe_ring(void *opaque, unsigned int vcpu_id, uint64_t gpa)
{
	struct kvmclock *kc = opaque;
	struct kvmclock_vcpu *v = &kc->vcpu[vcpu_id];
	uint64_t mono = kc->clk->read_mono_ns(kc->clk->ctx);
	uint64_t real = kc->clk->read_real_ns(kc->clk->ctx);
	const struct clock_probe *src;
	struct clock_probe p;

	src = guest_mem_ptr(kc->mem, gpa, sizeof(p));
	if (!src) {
		pr_err("vCPU %u: clock probe at GPA 0x%" PRIx64 " lies outside guest RAM", vcpu_id,
		       gpa);
		return VM_STOP_GUEST_ERROR;
	}
	memcpy(&p, src, sizeof(p));
	if (p.kind == CLOCK_PROBE_MONO) {
		if (!__atomic_exchange_n(&kc->probing, true, __ATOMIC_RELAXED))
			return VM_RUNNING;	/* no entry time recorded yet for this run */
		v->stats.probes++;
		if (p.first >= v->entry_ns && p.first <= p.last && p.last <= mono)
			return VM_RUNNING;
		if (v->stats.probe_violations++ < KVMCLOCK_PROBE_LOG_MAX)
			pr_err("vCPU %u: guest clock readings %" PRIu64 "..%" PRIu64 " outside the "
			       "host's window %" PRIu64 "..%" PRIu64 " (MONOTONIC at entry, at exit)",
			       vcpu_id, p.first, p.last, v->entry_ns, mono);
	} else if (p.kind == CLOCK_PROBE_WALL) {
		uint64_t err = p.last > real ? p.last - real : real - p.last;

		v->stats.probes++;
		if (err > v->stats.max_wall_error_ns)
			v->stats.max_wall_error_ns = err;
		if (err <= CLOCK_PROBE_WALL_BOUND_NS)
			return VM_RUNNING;
		if (v->stats.probe_violations++ < KVMCLOCK_PROBE_LOG_MAX)
			pr_err("vCPU %u: guest wall clock %" PRIu64 " is %" PRIu64 " ns from "
			       "CLOCK_REALTIME %" PRIu64, vcpu_id, p.last, err, real);
	} else if (p.kind == CLOCK_PROBE_SAMPLE) {
		kvmclock_judge_sample(kc, vcpu_id, &p);
	} else if (p.kind == CLOCK_PROBE_READ_COST) {
		if (kc->measure)
			clock_measure_add_reads(kc->measure, p.first, p.last);
	} else {
		pr_err("vCPU %u: clock probe of unknown kind %u", vcpu_id, p.kind);
		return VM_STOP_GUEST_ERROR;
	}
	return VM_RUNNING;
}

int kvmclock_register(struct kvmclock *kc, struct msr_table *msrs, struct doorbell *db)
{
	const struct msr_handler handlers[] = {
		{ MSR_KVM_SYSTEM_TIME, "kvm-system-time", kvmclock_read_system_time,
		  kvmclock_write_system_time, kc },
		{ MSR_KVM_SYSTEM_TIME_NEW, "kvm-system-time-new", kvmclock_read_system_time,
		  kvmclock_write_system_time, kc },
		{ MSR_KVM_WALL_CLOCK, "kvm-wall-clock", kvmclock_read_wall_clock,
		  kvmclock_write_wall_clock, kc },
		{ MSR_KVM_WALL_CLOCK_NEW, "kvm-wall-clock-new", kvmclock_read_wall_clock,
		  kvmclock_write_wall_clock, kc },
		{ MSR_IA32_TSC, "ia32-tsc", NULL, kvmclock_write_tsc, kc },
		{ MSR_IA32_TSC_ADJUST, "ia32-tsc-adjust", NULL, kvmclock_write_tsc, kc },
	};
	int ret = 0;

	/* The kernel policy traps nothing: KVM's own kvmclock answers the guest. */
	for (size_t i = 0; !kc->policy.ops->in_kernel && !ret && i < sizeof(handlers) /
	     sizeof(handlers[0]); i++)
		ret = msr_table_register(msrs, &handlers[i]);
	if (!ret)
		ret = doorbell_connect(db, DOORBELL_PROBE, "clock-probe", kvmclock_probe_ring, kc);
	return ret;
}

void kvmclock_total_stats(const struct kvmclock *kc, struct kvmclock_stats *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < kc->nr_vcpus; i++) {
		const struct kvmclock_stats *s = &kc->vcpu[i].stats;

		t->msr_writes += s->msr_writes;
		t->publishes += s->publishes;
		t->anchors += s->anchors;
		t->clamps += s->clamps;
		t->bad_addresses += s->bad_addresses;
		t->wide_samples += s->wide_samples;
		t->syncs += s->syncs;
		t->probes += s->probes;
		t->probe_violations += s->probe_violations;
		if (s->max_wall_error_ns > t->max_wall_error_ns)
			t->max_wall_error_ns = s->max_wall_error_ns;
		if (s->best_sample_ns && (!t->best_sample_ns || s->best_sample_ns < t->best_sample_ns))
			t->best_sample_ns = s->best_sample_ns;
	}
}
