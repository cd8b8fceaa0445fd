/*
 * The thread of conform's adversarial modes (clock/adversary.h): each round it holds every
 * struct odd, re-anchors as the live policy does, lets the mode shape the shared line and each
 * vCPU's struct, and writes them the mode's way. For a legal mode every vCPU's clock stays
 * monotonic and the host's own probe checks the published time against its model of
 * MONOTONIC after each round (kvmclock_stats.max_adversary_error_ns).
 */
#include "clock/kvmclock_internal.h"

#include <stddef.h>
#include <string.h>

#include "clock/adversary.h"

#define TORN_SPIN  2000		 /* ADVERSARY_NO_VERSION: pauses between the fields it rewrites */
#define GARBAGE_NS 1000000000ull /* ADVERSARY_HOLD_ODD: the body says 1 s ahead meanwhile */

/* For a legal mode: lift @line, if rounding left it below what @v was given, at @tsc on. */
static void adversary_keep_monotonic(const struct kvmclock_vcpu *v, uint64_t tsc,
				     struct pvclock_line *line)
{
	uint64_t before, now;

	if (!v->adversary_line.valid)
		return;
	before = pvclock_line_at(&v->adversary_line, tsc);
	now = pvclock_line_at(line, tsc);
	if (now < before)
		line->ns += before - now;
}

/* The host's probe: how far vCPU @v's struct is from the model, at the TSC now. */
static void adversary_check_bound(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	uint64_t tsc = kc->clk->read_tsc(kc->clk->ctx);
	long double model = kvmclock_model_ns(kc, tsc);
	long double err;

	if (model < 0)
		return;
	err = (long double)pvclock_line_at(&v->adversary_line, tsc) - model;
	if (err < 0)
		err = -err;
	if ((uint64_t)err > v->stats.max_adversary_error_ns)
		v->stats.max_adversary_error_ns = (uint64_t)err;
}

/* Hold the version odd over a body that says 1 s ahead (a reader that ignores it sees that). */
static void adversary_write_garbage(struct kvmclock_vcpu *v)
{
	char *d = v->time_info;
	uint64_t ns = v->adversary_line.ns + GARBAGE_NS;

	memcpy(d + offsetof(struct pvclock_vcpu_time_info, system_time), &ns, sizeof(ns));
}

/* Field by field, the version untouched, with pauses: what the ABI forbids. */
static void adversary_write_torn(struct kvmclock_vcpu *v, const struct pvclock_line *line,
				 uint8_t flags)
{
	struct pvclock_vcpu_time_info t = {
		.tsc_timestamp = line->tsc + v->tsc_offset,
		.system_time = line->ns,
		.tsc_to_system_mul = line->scale.mul,
		.tsc_shift = line->scale.shift,
		.flags = flags,
	};
	char *d = v->time_info;

	memcpy(d + offsetof(struct pvclock_vcpu_time_info, tsc_timestamp), &t.tsc_timestamp, 8);
	for (volatile int i = 0; i < TORN_SPIN; i++)
		;
	memcpy(d + offsetof(struct pvclock_vcpu_time_info, system_time), &t.system_time, 8);
	memcpy(d + offsetof(struct pvclock_vcpu_time_info, tsc_to_system_mul), &t.tsc_to_system_mul,
	       8);
}

/* vCPU @i's struct for round @n, into v->adversary_line and *flags. */
static void adversary_shape(struct kvmclock *kc, const struct clock_adversary *a, uint64_t n,
			    uint64_t round_tsc, unsigned int i, uint8_t *flags)
{
	struct kvmclock_vcpu *v = &kc->vcpu[i];
	struct adversary_view view = { kc->line, kc->flags };

	if (a->shape_vcpu)
		a->shape_vcpu(&kc->policy, n, i, &view);
	if (a->legal)
		adversary_keep_monotonic(v, round_tsc, &view.line);
	v->adversary_line = view.line;
	*flags = view.flags;
}

static void adversary_round(struct kvmclock *kc, const struct clock_adversary *a, uint64_t n)
{
	uint8_t flags[MEMMAP_MAX_VCPUS];
	uint64_t gen = kc->gen, round_tsc;

	if (a->write != ADVERSARY_NO_VERSION)
		for (unsigned int i = 0; kc->line.valid && i < kc->nr_vcpus; i++)
			if (kc->vcpu[i].time_info)
				pvclock_publish_hold(&kc->vcpu[i].writer, kc->vcpu[i].time_info);
	kvmclock_reanchor(kc, &kc->vcpu[0]);
	if (kc->gen == gen) { /* no new anchor (a wide sample): release what each vCPU had */
		for (unsigned int i = 0; i < kc->nr_vcpus; i++)
			if (kc->vcpu[i].time_info && a->write != ADVERSARY_NO_VERSION)
				pvclock_publish(&kc->vcpu[i].writer, kc->vcpu[i].time_info,
						&kc->vcpu[i].adversary_line, kc->vcpu[i].tsc_offset,
						kc->flags);
		return;
	}
	round_tsc = kc->line.tsc;
	if (a->shape_line)
		a->shape_line(&kc->policy, n, &kc->line);
	for (unsigned int i = 0; i < kc->nr_vcpus; i++)
		if (kc->vcpu[i].time_info)
			adversary_shape(kc, a, n, round_tsc, i, &flags[i]);
	if (a->write == ADVERSARY_HOLD_ODD) {
		for (unsigned int i = 0; i < kc->nr_vcpus; i++)
			if (kc->vcpu[i].time_info)
				adversary_write_garbage(&kc->vcpu[i]);
		kvmclock_sleep_ns(kc->policy.param_ns);
	}
	for (unsigned int i = 0; i < kc->nr_vcpus; i++) {
		struct kvmclock_vcpu *v = &kc->vcpu[i];

		if (!v->time_info)
			continue;
		if (a->write == ADVERSARY_NO_VERSION)
			adversary_write_torn(v, &v->adversary_line, flags[i]);
		else
			pvclock_publish(&v->writer, v->time_info, &v->adversary_line, v->tsc_offset,
					flags[i]);
		v->published_gen = kc->gen;
		v->stats.publishes++;
		if (a->legal)
			adversary_check_bound(kc, v);
	}
}

void kvmclock_adversary_round(struct kvmclock *kc, uint64_t n)
{
	pthread_mutex_lock(&kc->lock);
	adversary_round(kc, kc->policy.ops->adversary, n);
	pthread_mutex_unlock(&kc->lock);
}

void *kvmclock_adversary_thread(void *arg)
{
	struct kvmclock *kc = arg;
	const struct clock_adversary *a = kc->policy.ops->adversary;

	for (uint64_t n = 0; !kvmclock_threads_stopping(kc); n++) {
		kvmclock_sleep_ns(a->period_ns);
		kvmclock_adversary_round(kc, n);
	}
	return NULL;
}
