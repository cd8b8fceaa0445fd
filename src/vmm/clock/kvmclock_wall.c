/*
 * The wall clock: struct pvclock_wall_clock = CLOCK_REALTIME at the instant kvmclock read 0,
 * written when the guest writes the wall-clock MSR (KVM's behaviour) and, with
 * --wall-clock follow, again whenever CLOCK_REALTIME steps (wall_watch.c notices the step).
 * The wall-clock MSRs' handlers, and their value's restore.
 */
#include "clock/kvmclock_internal.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"

int kvmclock_wall_mode_parse(const char *text, enum kvmclock_wall_mode *mode)
{
	if (!text || !strcmp(text, "boot")) {
		*mode = KVMCLOCK_WALL_BOOT;
		return 0;
	}
	if (!strcmp(text, "follow")) {
		*mode = KVMCLOCK_WALL_FOLLOW;
		return 0;
	}
	pr_err("invalid wall-clock mode '%s' (follow or boot)", text);
	return -EINVAL;
}

/* With kc->lock held: write @v's struct, the guest's time now taken from @guest_now_ns. */
static void kvmclock_wall_write(struct kvmclock *kc, struct kvmclock_vcpu *v, uint64_t guest_now_ns)
{
	uint64_t real = kc->clk->read_real_ns(kc->clk->ctx);

	pvclock_publish_wall_clock(&kc->wall_writer, v->wall_info, real - guest_now_ns);
	v->stats.wall_writes++;
}

/* vCPU @id wrote the wall-clock MSR: its struct (NULL: refused) is written at once. */
static void kvmclock_wall_set(struct kvmclock *kc, unsigned int id, void *wall_info)
{
	struct kvmclock_vcpu *v = &kc->vcpu[id];
	uint64_t tsc, guest_now;

	/* Written now, before the guest resumes: it reads the struct on its next instructions. */
	pthread_mutex_lock(&kc->lock);
	v->wall_info = wall_info;
	if (wall_info) {
		tsc = kc->clk->read_tsc(kc->clk->ctx);
		guest_now = kc->line.valid ? pvclock_line_at(&kc->line, tsc)
					   : kc->clk->read_mono_ns(kc->clk->ctx) +
						     (uint64_t)kvmclock_guest_offset(kc);
		kvmclock_wall_write(kc, v, guest_now);
	}
	pthread_mutex_unlock(&kc->lock);
}

static enum msr_result kvmclock_write_wall_clock(void *opaque, unsigned int id, uint32_t msr,
						 uint64_t value)
{
	struct kvmclock *kc = opaque;

	__atomic_store_n(&kc->wall_msr, value, __ATOMIC_RELAXED);
	kvmclock_wall_set(
		kc, id,
		kvmclock_translate(kc, id, msr, value, value, sizeof(struct pvclock_wall_clock)));
	return MSR_OK;
}

/* RDMSR: the value last written, per VM as in KVM. */
static enum msr_result kvmclock_read_wall_clock(void *opaque, unsigned int id, uint32_t msr,
						uint64_t *value)
{
	struct kvmclock *kc = opaque;

	*value = __atomic_load_n(&kc->wall_msr, __ATOMIC_RELAXED);
	return MSR_OK;
}

void kvmclock_restore_wall(struct kvmclock *kc, unsigned int id, uint64_t wall_msr)
{
	if (wall_msr) /* 0: the guest never wrote it */
		kvmclock_write_wall_clock(kc, id, MSR_KVM_WALL_CLOCK_NEW, wall_msr);
}

int kvmclock_wall_add(struct kvmclock *kc, struct msr_table *msrs)
{
	const struct msr_handler handlers[] = {
		{ MSR_KVM_WALL_CLOCK, "kvm-wall-clock", kvmclock_read_wall_clock,
		  kvmclock_write_wall_clock, kc },
		{ MSR_KVM_WALL_CLOCK_NEW, "kvm-wall-clock-new", kvmclock_read_wall_clock,
		  kvmclock_write_wall_clock, kc },
	};
	int ret = 0;

	for (size_t i = 0; !ret && i < ARRAY_SIZE(handlers); i++)
		ret = msr_table_register(msrs, &handlers[i]);
	return ret;
}

void kvmclock_wall_step(struct kvmclock *kc)
{
	uint64_t guest_now;

	pthread_mutex_lock(&kc->lock);
	guest_now = kvmclock_guest_ns(kc);
	for (unsigned int i = 0; i < kc->nr_vcpus; i++) {
		struct kvmclock_vcpu *v = &kc->vcpu[i];
		bool done = false;

		/* Several vCPUs may have registered one struct: write it once. */
		for (unsigned int j = 0; j < i && !done; j++)
			done = kc->vcpu[j].wall_info == v->wall_info;
		if (v->wall_info && !done)
			kvmclock_wall_write(kc, v, guest_now);
	}
	pthread_mutex_unlock(&kc->lock);
}

static void kvmclock_wall_stepped(void *opaque)
{
	kvmclock_wall_step(opaque);
}

int kvmclock_wall_start(struct kvmclock *kc)
{
	int ret;

	if (kc->wall_mode != KVMCLOCK_WALL_FOLLOW || kc->policy.ops->in_kernel)
		return 0;
	ret = wall_watch_start(&kc->wall_watch, kvmclock_wall_stepped, kc);
	kc->wall_watching = !ret;
	return ret;
}

void kvmclock_wall_stop(struct kvmclock *kc)
{
	if (kc->wall_watching)
		wall_watch_stop(&kc->wall_watch);
	kc->wall_watching = false;
}
