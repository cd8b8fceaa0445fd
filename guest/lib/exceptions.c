/* Guest exception handling: an IDT whose handler reports the fault, or resumes a _safe access. */
#include "guest/guest.h"

#define NR_VECTORS 20

struct exc_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

struct idt_entry {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

extern const uint64_t exc_stubs[NR_VECTORS];
static struct idt_entry idt[NR_VECTORS] __attribute__((aligned(16)));

/* Where a faulting *_safe instruction resumes, and the vector it took (one vCPU at a time). */
static volatile uint64_t fixup_rip;
static volatile int fixup_vector = -1;

void guest_exception(struct exc_frame *f);

static const char *exception_name(uint64_t vector)
{
	static const char *const names[NR_VECTORS] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO",
		"#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM",
	};

	return vector < NR_VECTORS ? names[vector] : "?";
}

/*
 * #DF, NMI and #MC switch to IST slot guest_runtime_ist of the TSS (0: none), as the stack they
 * interrupt may be unusable. Each runtime defines it: the native one runs on the host's TSS.
 */
extern const uint8_t guest_runtime_ist;

static uint8_t exception_ist(int vector)
{
	return vector == 2 || vector == 8 || vector == 18 ? guest_runtime_ist : 0;
}

void guest_exception(struct exc_frame *f)
{
	if (fixup_rip) {
		fixup_vector = (int)f->vector;
		f->rip = fixup_rip;
		fixup_rip = 0;
		return;
	}
	guest_report(REPORT_ABORT, "exception", (uint32_t)f->vector, 0, NULL,
		     "unexpected exception %s (vector %lu) in ring %lu at rip 0x%lx, error code "
		     "0x%lx, rsp 0x%lx",
		     exception_name(f->vector), f->vector, f->cs & 3, f->rip, f->error, f->rsp);
	guest_exit(REPORT_EXIT_CODE_MAX);
}

void guest_idt_install(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	for (int i = 0; i < NR_VECTORS; i++) {
		uint64_t a = exc_stubs[i];

		idt[i] = (struct idt_entry){
			.offset_low = (uint16_t)a,
			.selector = BOOT_SEL_KERNEL_CS,
			.ist = exception_ist(i),
			.type = 0x8e,
			.offset_mid = (uint16_t)(a >> 16),
			.offset_high = (uint32_t)(a >> 32),
		};
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

int rdmsr_safe(uint32_t msr, uint64_t *value)
{
	uint32_t lo = 0, hi = 0;

	fixup_vector = -1;
	__asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
			 "movq %%rax, %[fix]\n\t"
			 "rdmsr\n"
			 "1:"
			 : "=a"(lo), "=d"(hi), [fix] "=m"(fixup_rip)
			 : "c"(msr)
			 : "memory");
	fixup_rip = 0;
	*value = ((uint64_t)hi << 32) | lo;
	return fixup_vector;
}

int wrmsr_safe(uint32_t msr, uint64_t value)
{
	fixup_vector = -1;
	__asm__ volatile("leaq 1f(%%rip), %%r8\n\t"
			 "movq %%r8, %[fix]\n\t"
			 "wrmsr\n"
			 "1:"
			 : [fix] "=m"(fixup_rip)
			 : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
			 : "r8", "memory");
	fixup_rip = 0;
	return fixup_vector;
}
