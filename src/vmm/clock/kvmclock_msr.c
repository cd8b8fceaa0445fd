/*
 * The system-time MSRs as KVM defines them (enable bit, struct GPA), kept in snapshots; the
 * guest's TSC writes and the STABLE flag. The wall-clock MSRs are kvmclock_wall.c's.
 */
#include "clock/kvmclock_internal.h"

#include <inttypes.h>
#include <string.h>

#include "core/log.h"

/* A write of a system-time MSR: the guest's, or a restore's. */
static void kvmclock_set_system_msr(struct kvmclock *kc, unsigned int id, uint32_t msr,
				    uint64_t value)
{
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
	v->published_gen = UINT64_MAX; /* a new struct gets the current anchor at once */
	/*
	 * Under live no entry publishes (the thread does, each interval), but the guest reads its
	 * struct as soon as this WRMSR returns: publish now, as KVM does before the next entry.
	 * A first anchor moves no line anyone has read.
	 */
	if (ptr && kc->entry == KVMCLOCK_ENTRY_LIVE) {
		if (!kc->line.valid)
			kvmclock_reanchor(kc, v);
		kvmclock_publish_current(kc, v);
	}
	pthread_mutex_unlock(&kc->lock);
}

static enum msr_result kvmclock_write_system_time(void *opaque, unsigned int id, uint32_t msr,
						  uint64_t value)
{
	kvmclock_set_system_msr(opaque, id, msr, value);
	return MSR_OK;
}

/* RDMSR of a system-time MSR: the value this vCPU last wrote, as KVM does. */
static enum msr_result kvmclock_read_system_time(void *opaque, unsigned int id, uint32_t msr,
						 uint64_t *value)
{
	struct kvmclock *kc = opaque;

	*value = kc->vcpu[id].system_msr;
	return MSR_OK;
}

/*
 * The STABLE bit promises cross-vCPU monotonicity: only true while all TSC offsets agree (and
 * never with a live publisher among several vCPUs). With kc->lock held; a change reaches every
 * struct through a sync, as an anchor does.
 */
static void kvmclock_update_flags(struct kvmclock *kc, unsigned int id)
{
	bool same = kvmclock_views_agree(kc);
	uint8_t flags;

	for (unsigned int i = 1; i < kc->nr_vcpus; i++)
		same &= kc->vcpu[i].tsc_offset == kc->vcpu[0].tsc_offset;
	flags = same ? PVCLOCK_TSC_STABLE_BIT : 0;
	if (flags == kc->flags)
		return;
	kvmclock_stop_world(kc, id);
	kc->flags = flags;
	kc->gen++; /* every struct gets the new flags */
	kvmclock_start_world(kc);
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
	kc->vcpu[id].published_gen = UINT64_MAX; /* republish in the new TSC domain */
	kvmclock_update_flags(kc, id);
	pthread_mutex_unlock(&kc->lock);
	return MSR_OK;
}

void kvmclock_save_vcpu(const struct kvmclock *kc, unsigned int id, struct kvmclock_saved_vcpu *out)
{
	const struct kvmclock_vcpu *v = &kc->vcpu[id];

	*out = (struct kvmclock_saved_vcpu){
		.system_msr = v->system_msr,
		.version = v->writer.version,
		.stopped = v->stopped,
	};
}

void kvmclock_restore_vcpu(struct kvmclock *kc, unsigned int id,
			   const struct kvmclock_saved_vcpu *saved)
{
	struct kvmclock_vcpu *v = &kc->vcpu[id];

	kvmclock_set_system_msr(kc, id, MSR_KVM_SYSTEM_TIME_NEW, saved->system_msr);
	/* Versions go on from the saved one, so a reader caught mid-read retries. */
	v->writer.version = saved->version + 2;
	v->stopped = saved->stopped == KVMCLOCK_STOPPED_SHOWN ? KVMCLOCK_STOPPED_SHOWN
							      : KVMCLOCK_STOPPED_NONE;
}

int kvmclock_msr_add(struct kvmclock *kc, struct msr_table *msrs)
{
	const struct msr_handler handlers[] = {
		{ MSR_KVM_SYSTEM_TIME, "kvm-system-time", kvmclock_read_system_time,
		  kvmclock_write_system_time, kc },
		{ MSR_KVM_SYSTEM_TIME_NEW, "kvm-system-time-new", kvmclock_read_system_time,
		  kvmclock_write_system_time, kc },
		{ MSR_IA32_TSC, "ia32-tsc", NULL, kvmclock_write_tsc, kc },
		{ MSR_IA32_TSC_ADJUST, "ia32-tsc-adjust", NULL, kvmclock_write_tsc, kc },
	};
	int ret = 0;

	for (size_t i = 0; !ret && i < ARRAY_SIZE(handlers); i++)
		ret = msr_table_register(msrs, &handlers[i]);
	return ret;
}
