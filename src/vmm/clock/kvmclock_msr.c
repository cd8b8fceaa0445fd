/*
 * The kvmclock MSRs as KVM defines them: system time (enable bit, struct GPA), wall clock
 * (written at once), the guest's TSC writes, the STABLE flag, and the handlers' registration.
 */
#include "clock/kvmclock_internal.h"

#include <inttypes.h>
#include <string.h>

#include "core/log.h"

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
			" (+%" PRIu64 ") %s; clock left off (logged once per vCPU)",
			vcpu, msr, value, gpa, len, why);
	v->warned_bad_address = true;
	return NULL;
}

void kvmclock_set_system_msr(struct kvmclock *kc, unsigned int id, uint32_t msr, uint64_t value)
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
	pthread_mutex_unlock(&kc->lock);
}

static enum msr_result kvmclock_write_system_time(void *opaque, unsigned int id, uint32_t msr,
						  uint64_t value)
{
	kvmclock_set_system_msr(opaque, id, msr, value);
	return MSR_OK;
}

static enum msr_result kvmclock_write_wall_clock(void *opaque, unsigned int id, uint32_t msr,
						 uint64_t value)
{
	struct kvmclock *kc = opaque;

	__atomic_store_n(&kc->wall_msr, value, __ATOMIC_RELAXED);
	kvmclock_wall_register(
		kc, id,
		kvmclock_translate(kc, id, msr, value, value, sizeof(struct pvclock_wall_clock)));
	return MSR_OK;
}

void kvmclock_restore_wall(struct kvmclock *kc, unsigned int id, uint64_t wall_msr)
{
	if (wall_msr) /* 0: the guest never wrote it */
		kvmclock_write_wall_clock(kc, id, MSR_KVM_WALL_CLOCK_NEW, wall_msr);
}

/* RDMSR of a kvmclock MSR: the value last written (per vCPU for system time), as KVM does. */
static enum msr_result kvmclock_read_msr(void *opaque, unsigned int id, uint32_t msr,
					 uint64_t *value)
{
	struct kvmclock *kc = opaque;
	bool wall = msr == MSR_KVM_WALL_CLOCK || msr == MSR_KVM_WALL_CLOCK_NEW;

	*value = wall ? __atomic_load_n(&kc->wall_msr, __ATOMIC_RELAXED) : kc->vcpu[id].system_msr;
	return MSR_OK;
}

/*
 * The STABLE bit promises cross-vCPU monotonicity: only true while all TSC offsets agree (and
 * never with a live publisher among several vCPUs). With kc->lock held; a change reaches every
 * struct through a sync, as an anchor does.
 */
static void kvmclock_update_flags(struct kvmclock *kc, unsigned int id)
{
	bool same = !(kc->policy.ops->live && kc->nr_vcpus > 1);
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

int kvmclock_register(struct kvmclock *kc, struct msr_table *msrs, struct doorbell *db)
{
	const struct msr_handler handlers[] = {
		{ MSR_KVM_SYSTEM_TIME, "kvm-system-time", kvmclock_read_msr,
		  kvmclock_write_system_time, kc },
		{ MSR_KVM_SYSTEM_TIME_NEW, "kvm-system-time-new", kvmclock_read_msr,
		  kvmclock_write_system_time, kc },
		{ MSR_KVM_WALL_CLOCK, "kvm-wall-clock", kvmclock_read_msr,
		  kvmclock_write_wall_clock, kc },
		{ MSR_KVM_WALL_CLOCK_NEW, "kvm-wall-clock-new", kvmclock_read_msr,
		  kvmclock_write_wall_clock, kc },
		{ MSR_IA32_TSC, "ia32-tsc", NULL, kvmclock_write_tsc, kc },
		{ MSR_IA32_TSC_ADJUST, "ia32-tsc-adjust", NULL, kvmclock_write_tsc, kc },
	};
	int ret = 0;

	/* The kernel policy traps nothing: KVM's own kvmclock answers the guest. */
	for (size_t i = 0; !kc->policy.ops->in_kernel && !ret && i < ARRAY_SIZE(handlers); i++)
		ret = msr_table_register(msrs, &handlers[i]);
	if (!ret)
		ret = doorbell_connect(db, DOORBELL_PROBE, "clock-probe", kvmclock_probe_ring, kc);
	return ret;
}
