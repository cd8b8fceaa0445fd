/*
 * hostile CASE: one misbehaving guest per case of hostile_cases.h, which also holds the outcome
 * each must have (check_hostile runs them). A case that the VMM must tolerate ends DONE 0 after
 * checking what it can see from inside; the others end however the VMM stops them.
 */
#include "guest/guest.h"
#include "guest/kvmclock.h"
#include "hostile_cases.h"

#define CASE_ID(id, name, ...)	 id,
#define CASE_NAME(id, name, ...) name,
enum hostile_case { HOSTILE_CASES(CASE_ID) NR_HOSTILE_CASES };
static const char *const case_names[] = { HOSTILE_CASES(CASE_NAME) };

static uint8_t page[2][4096] __attribute__((aligned(4096)));
static struct pvclock_vcpu_time_info shared_ti __attribute__((aligned(64)));

static void exit_once(void)
{
	guest_vmexit();
}

/* The VMM must accept the WRMSR, keep the value for RDMSR and write nothing anywhere. */
static int refused_clock(uint64_t gpa)
{
	uint64_t value = gpa | KVM_SYSTEM_TIME_ENABLE;

	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, value);
	exit_once();
	exit_once();
	GUEST_ASSERT_EQ(rdmsr(MSR_KVM_SYSTEM_TIME_NEW), value);
	return 0;
}

static uint64_t ram_end(void)
{
	return guest_boot_info()->mem_size;
}

static int msr_garbage(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 200; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		wrmsr(i & 1 ? MSR_KVM_SYSTEM_TIME : MSR_KVM_SYSTEM_TIME_NEW, x);
		wrmsr(i & 1 ? MSR_KVM_WALL_CLOCK : MSR_KVM_WALL_CLOCK_NEW, x >> (i % 64));
		exit_once();
	}
	return 0;
}

static int msr_toggle(void)
{
	volatile struct pvclock_vcpu_time_info *a = (volatile void *)&page[0][0x10];
	volatile struct pvclock_vcpu_time_info *b = (volatile void *)&page[1][0x20];
	uint64_t last = 0;

	for (int i = 0; i < 300; i++) {
		volatile struct pvclock_vcpu_time_info *ti = i & 1 ? b : a;
		uint64_t t;

		kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, ti);
		exit_once();
		t = kvmclock_read(ti, NULL);
		GUEST_ASSERT(t >= last);
		last = t;
		if (i % 3 == 0)
			kvmclock_disable(MSR_KVM_SYSTEM_TIME_NEW);
	}
	return 0;
}

static int unknown_msr(bool write)
{
	uint64_t v;
	int vector = write ? wrmsr_safe(0x4b564dff, 1) : rdmsr_safe(0xc0dec0de, &v);

	GUEST_ASSERT_EQ(vector, 13); /* #GP, injected by KVM: nothing claims these MSRs */
	return 0;
}

/* A port with no device: the run ends there, unless the VMM was told to ignore it. */
static int unclaimed_port(bool out)
{
	if (out)
		outb(0x378, 0x42); /* a parallel port: none here */
	else
		GUEST_PRINT("hostile: read 0x%x\n", inb(0x61));
	GUEST_PRINT("hostile: went on after the unclaimed port\n");
	return 0;
}

static int string_io_console(void)
{
	static const char text[] = "rep outsb reaches the console\n";

	__asm__ volatile("rep outsb"
			 :
			 : "S"(text), "c"(sizeof(text) - 1), "d"(PORT_DEBUG_CONSOLE)
			 : "memory");
	return 0;
}

static int string_io_in(void)
{
	uint8_t buf[8];

	__asm__ volatile("rep insb"
			 :
			 : "D"(buf), "c"(sizeof(buf)), "d"(PORT_DEBUG_CONSOLE)
			 : "memory");
	return 0;
}

/* A report struct the guest fills wrong, handed to the host as is. */
static int bad_report(enum hostile_case how)
{
	struct guest_report r;

	memset(&r, 0, sizeof(r));
	r.magic = REPORT_MAGIC;
	r.cmd = REPORT_PRINT;
	if (how == REPORT_UNTERMINATED)
		memset(r.msg, 'A', sizeof(r.msg));
	else if (how == REPORT_OVERSIZED)
		r.nr_values = 99;
	else if (how == REPORT_HALF_WRITTEN)
		r.cmd = 0; /* as if the guest stopped after writing the magic */
	doorbell_ring(DOORBELL_REPORT, (uint64_t)(uintptr_t)&r);
	return 0;
}

/* Accesses to the doorbell page that are not a 64-bit store to a register. */
static int bad_doorbell(enum hostile_case how)
{
	volatile uint8_t *page = (volatile uint8_t *)(uintptr_t)MEMMAP_DOORBELL;

	if (how == DOORBELL_READ)
		(void)*(volatile uint64_t *)(page + DOORBELL_REPORT);
	else if (how == DOORBELL_SIZE)
		*(volatile uint32_t *)(page + DOORBELL_NULL) = 0x1234;
	else if (how == DOORBELL_OFFSET)
		doorbell_ring(0x800, 0x42);
	return 0;
}

/* Unbounded recursion: the stack runs into its guard page; #DF arrives on the IST stack. */
static int __attribute__((noinline)) recurse(int depth)
{
	volatile char frame[256];

	frame[0] = (char)depth;
	if (depth >= 0) /* always: hides the recursion from the compiler's check */
		return recurse(depth + 1) + frame[0];
	return 0;
}

/* Drop to ring 3 and do there what only ring 0 (or IOPL 3) may. */
static int ring3(enum hostile_case what)
{
	guest_enter_user_mode();
	GUEST_PRINT("hostile: in ring %u\n", guest_cpl());
	if (what == RING3_UD2)
		__asm__ volatile("ud2");
	if (what == RING3_PORT)
		outb(0x378, 0x42); /* IOPL 0: #GP, never an exit */
	if (what == RING3_WRMSR)
		wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
	return 0;
}

static int same_gpa_primary(void)
{
	uint64_t last = 0;

	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, &shared_ti);
	exit_once();
	for (int i = 0; i < 2000; i++) {
		uint64_t t = kvmclock_read(&shared_ti, NULL);

		GUEST_ASSERT(t >= last);
		last = t;
		if (i % 50 == 0)
			exit_once();
	}
	return 0;
}

void guest_ap_main(unsigned int id)
{
	/* same-gpa: the second vCPU registers the very same struct. */
	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, &shared_ti);
	for (;;) {
		guest_vmexit();
		cpu_relax();
	}
}

static int scribble(void)
{
	volatile struct pvclock_vcpu_time_info *ti = (volatile void *)&page[0][0x40];

	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, ti);
	for (int i = 0; i < 20000; i++) {
		ti->version = (uint32_t)i * 7;
		ti->tsc_shift = (int8_t)i;
		ti->system_time = ~0ull;
	}
	return 0;
}

static int run_case(enum hostile_case c)
{
	switch (c) {
	case GPA_OUTSIDE_RAM: return refused_clock(ram_end() + 0x1000);
	case GPA_RAM_END: return refused_clock(ram_end() - 16);
	case GPA_STRADDLE_PAGE: return refused_clock((uint64_t)(uintptr_t)&page[0][4096 - 12]);
	case GPA_PAGE_TABLES: return refused_clock(MEMMAP_PML4 + 0x40);
	case GPA_BOOT_INFO: return refused_clock(MEMMAP_BOOT_INFO);
	case GPA_STACK: /* where this guest's reports live */
		return refused_clock(MEMMAP_VCPU_STACKS(0) + MEMMAP_BOOT_STACK_TOP - 0x100);
	case GPA_MMIO_HOLE: return refused_clock(GUEST_MMIO_BASE + 0x10000000);
	case GPA_HIGH_BITS: return refused_clock(0xfff0000000100000ull);
	case WALL_OUTSIDE_RAM:
		wrmsr(MSR_KVM_WALL_CLOCK_NEW, ram_end() - 4);
		GUEST_ASSERT_EQ(rdmsr(MSR_KVM_WALL_CLOCK_NEW), ram_end() - 4);
		return 0;
	case MSR_GARBAGE: return msr_garbage();
	case MSR_TOGGLE: return msr_toggle();
	case UNKNOWN_MSR_READ: return unknown_msr(false);
	case UNKNOWN_MSR_WRITE: return unknown_msr(true);
	case UNKNOWN_PORT_OUT: return unclaimed_port(true);
	case UNKNOWN_PORT_IN: return unclaimed_port(false);
	case STRING_IO_OUT: return string_io_console();
	case STRING_IO_IN: return string_io_in();
	case REPORT_OUTSIDE_RAM: doorbell_ring(DOORBELL_REPORT, 0xfffff000u); return 0;
	case PROBE_OUTSIDE_RAM: doorbell_ring(DOORBELL_PROBE, 0x123456789000ull); return 0;
	case DOORBELL_READ:
	case DOORBELL_SIZE:
	case DOORBELL_OFFSET: return bad_doorbell(c);
	case RING3_UD2:
	case RING3_PORT:
	case RING3_WRMSR: return ring3(c);
	case STACK_OVERFLOW: return recurse(0);
	case REPORT_UNTERMINATED:
	case REPORT_OVERSIZED:
	case REPORT_HALF_WRITTEN: return bad_report(c);
	case EXIT_CODE_RANGE: return 99;
	case EXCEPTION: __asm__ volatile("ud2"); return 0;
	case INFINITE_LOOP:
		for (;;)
			cpu_relax();
	case HLT_CLI: __asm__ volatile("cli; hlt"); return 0;
	case NEVER_ENABLES: return 0;
	case SAME_GPA: return same_gpa_primary();
	case SCRIBBLE: return scribble();
	case NR_HOSTILE_CASES: break;
	}
	return 1;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "";

	for (unsigned int i = 0; i < NR_HOSTILE_CASES; i++)
		if (!strcmp(name, case_names[i]))
			return run_case((enum hostile_case)i);
	GUEST_PRINT("hostile: unknown case '%s'\n", name);
	return 1;
}
