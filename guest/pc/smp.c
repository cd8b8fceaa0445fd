/* SMP bring-up on a PC: the local APIC, INIT/SIPI to the other CPUs, and their C entry. */
#include "guest/guest.h"
#include "guest/pc.h"

#define APIC_ID		 0x020
#define APIC_SVR	 0x0f0
#define APIC_SVR_ENABLE	 0x100
#define APIC_ICR_LOW	 0x300
#define APIC_ICR_HIGH	 0x310
#define ICR_INIT	 0x00000500
#define ICR_STARTUP	 0x00000600
#define ICR_LEVEL_ASSERT 0x00004000
#define ICR_BUSY	 0x00001000
#define ICR_ALL_BUT_SELF 0x000c0000
/* How long to wait for the APs: 2^32 TSC cycles, a second or more on any x86 of this era. */
#define AP_WAIT_CYCLES (1ull << 32)

extern const char pc_ap_trampoline[], pc_ap_trampoline_end[];
static unsigned int aps_started;

static inline uint32_t apic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(uintptr_t)(PC_LAPIC_BASE + reg);
}

static inline void apic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(PC_LAPIC_BASE + reg) = v;
}

unsigned int pc_apic_id(void)
{
	return apic_read(APIC_ID) >> 24;
}

static void apic_send_ipi(uint32_t icr)
{
	apic_write(APIC_ICR_HIGH, 0);
	apic_write(APIC_ICR_LOW, icr);
	while (apic_read(APIC_ICR_LOW) & ICR_BUSY)
		cpu_relax();
}

static bool wait_for_aps(unsigned int want)
{
	uint64_t start = rdtsc_ordered();

	while (__atomic_load_n(&aps_started, __ATOMIC_ACQUIRE) < want)
		if (rdtsc_ordered() - start > AP_WAIT_CYCLES)
			return false;
	return true;
}

unsigned int pc_start_aps(unsigned int nr)
{
	uint32_t sipi = ICR_ALL_BUT_SELF | ICR_STARTUP | (PC_TRAMPOLINE_ADDR >> 12);

	if (nr <= 1)
		return 0;
	memcpy((void *)(uintptr_t)PC_TRAMPOLINE_ADDR, pc_ap_trampoline,
	       (size_t)(pc_ap_trampoline_end - pc_ap_trampoline));
	apic_write(APIC_SVR, apic_read(APIC_SVR) | APIC_SVR_ENABLE);
	/*
	 * KVM's and QEMU's LAPICs need no settling time; hardware wants 10 ms after INIT and
	 * 200 us after SIPI (the MP specification), which this test runtime does not aim at.
	 */
	apic_send_ipi(ICR_ALL_BUT_SELF | ICR_INIT | ICR_LEVEL_ASSERT);
	apic_send_ipi(sipi);
	/* The second SIPI of the MP protocol, only for CPUs the first one missed. */
	if (!wait_for_aps(nr - 1)) {
		apic_send_ipi(sipi);
		wait_for_aps(nr - 1);
	}
	return __atomic_load_n(&aps_started, __ATOMIC_ACQUIRE);
}

void pc_ap_start(unsigned int index);

/* Entered in long mode on the AP's own stack (@index orders the arrivals, from 0). */
void pc_ap_start(unsigned int index)
{
	(void)index;
	guest_idt_install(); /* the BSP's table: identical bytes, then this CPU's IDTR */
	__atomic_fetch_add(&aps_started, 1, __ATOMIC_RELEASE);
	guest_ap_main(pc_apic_id());
}

__attribute__((weak)) void guest_ap_main(unsigned int apic_id)
{
	(void)apic_id;
	for (;;)
		__asm__ volatile("cli; hlt");
}
