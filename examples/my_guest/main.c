/* my_guest: a guest of one's own: read the time pvclock-vmm publishes, check it moves, say so. */
#include "guest/guest.h"
#include "guest/kvmclock.h"

static struct pvclock_vcpu_time_info ti __attribute__((aligned(64)));

int main(int argc, char **argv)
{
	uint32_t features;
	uint64_t first, later;

	GUEST_ASSERT(kvmclock_available(&features));
	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, &ti);
	guest_vmexit(); /* the host publishes on the next entry */
	first = kvmclock_read(&ti, NULL);
	for (int i = 0; i < 1000; i++)
		later = kvmclock_read(&ti, NULL);
	GUEST_ASSERT(later > first);
	GUEST_PRINT("my_guest: kvmclock %lu ns since the host's boot, %lu ns later %lu; "
		    "stable bit %s\n",
		    (unsigned long)first, (unsigned long)(later - first), (unsigned long)later,
		    ti.flags & PVCLOCK_TSC_STABLE_BIT ? "set" : "clear");
	return argc > 1 ? (int)guest_arg_ulong(argc, argv, 1, 0) : 0;
}
