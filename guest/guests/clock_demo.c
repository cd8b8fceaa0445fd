/* clock_demo: the README's kvmclock example, built and run by `make demo`. */
#include "guest/guest.h"
#include "guest/kvmclock.h"

static struct pvclock_vcpu_time_info ti __attribute__((aligned(4)));
static struct pvclock_wall_clock wc;

int main(int argc, char **argv)
{
	uint32_t features;

	GUEST_ASSERT(kvmclock_available(&features));   /* CPUID 0x40000000/1 */
	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, &ti); /* published from the next entry on */
	guest_vmexit();				       /* one exit: now it is */
	uint64_t ns = kvmclock_read(&ti, NULL);	       /* version loop, lfence; rdtsc */
	uint64_t utc = kvmclock_wall_clock_base(MSR_KVM_WALL_CLOCK_NEW, &wc) + ns;
	GUEST_PRINT("monotonic %lu ns, UTC %lu ns\n", ns, utc);
	kvmclock_disable(MSR_KVM_SYSTEM_TIME_NEW);
	return 0;
}
