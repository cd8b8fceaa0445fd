/* Guest SDK: doorbell/port/MSR/TSC helpers, text output and the report channel macros. */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot_abi.h"
#include "doorbell_abi.h"
#include "ports.h"
#include "report_abi.h"

/* The guest's entry point, called on vCPU 0 with the host's arguments (argv[0] = image). */
int main(int argc, char **argv);
/* Called on every other vCPU; the default halts (the host parks an idle vCPU's thread). */
void guest_ap_main(unsigned int vcpu_id);

const struct boot_info *guest_boot_info(void);

/* One 64-bit store to doorbell register @reg: reaches the host from ring 0 and ring 3 alike. */
static inline void doorbell_ring(unsigned int reg, uint64_t value)
{
	__asm__ volatile("movq %0, (%1)" : : "r"(value), "r"(MEMMAP_DOORBELL + reg) : "memory");
}

/* The privilege level the guest runs at now (CS.RPL). */
static inline unsigned int guest_cpl(void)
{
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

/* RDTSC ordered after every earlier load (LFENCE), as a clock read needs. */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/*
 * One function on every vCPU (a "team"): main, on vCPU 0, sets the team's inputs and calls
 * guest_team_run(&team, fn); guest_ap_main calls guest_team_join(&team, id). Every vCPU runs
 * fn(its id) once; guest_team_run returns on vCPU 0 when all have returned, and the APs then
 * spin. The APs start with vCPU 0 and wait for the run: whatever main set before it is theirs.
 */
struct guest_team {
	void (*fn)(unsigned int vcpu_id);
	unsigned int done;
};

void guest_team_run(struct guest_team *team, void (*fn)(unsigned int vcpu_id));
__attribute__((noreturn)) void guest_team_join(struct guest_team *team, unsigned int vcpu_id);

void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* argv[@i] as a decimal count; @dflt if there is no argv[@i] or it does not start with a digit. */
unsigned long guest_arg_ulong(int argc, char **argv, int i, unsigned long dflt);

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Continue in ring 3 (CS BOOT_SEL_USER_CS, SS BOOT_SEL_USER_DS) on the same stack, with
 * RFLAGS.IOPL = 0: port I/O, CLI/HLT and WRMSR then fault, on purpose, as they do on KVM hosts
 * that never give ring 3 IOPL; the SDK reaches the host through the doorbell. Privileged
 * set-up (WRMSR) must come first. Where ring-0 code is emulated, ring 3 runs natively.
 */
void guest_enter_user_mode(void);

/* One exit to the host and straight back (policies that publish on entry publish then). */
void guest_vmexit(void);
/* Stop this vCPU for good: HLT in ring 0 (the host parks the thread), a PAUSE loop in ring 3. */
void guest_halt(void) __attribute__((noreturn));

/*
 * Exceptions: the runtime installs an IDT before main() on every vCPU; an unexpected exception
 * in ring 0 or ring 3 ends the run as an ABORT naming the vector, error code, RIP and CPL
 * (instead of a triple fault). #DF, NMI and #MC run on the TSS's IST stack, so a ring-0 stack
 * overflow (a fault on the guard page below the stack) is reported too.
 * rdmsr_safe/wrmsr_safe return -1, or the vector the access raised (13 for #GP).
 */
void guest_idt_install(void);
int rdmsr_safe(uint32_t msr, uint64_t *value);
int wrmsr_safe(uint32_t msr, uint64_t value);

/* Text output: a REPORT_PRINT per 319 bytes (the host's console on PC guests). */
void guest_puts(const char *s);

/* Fill a report on this vCPU's stack and hand its address to the host (one exit). */
void guest_report(uint32_t cmd, const char *file, uint32_t line, uint32_t nr_values,
		  const uint64_t *values, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void guest_exit(int code) __attribute__((noreturn));

#define GUEST_PRINT(...) guest_report(REPORT_PRINT, __FILE__, __LINE__, 0, NULL, __VA_ARGS__)

#define GUEST_SYNC(stage)                                                                          \
	do {                                                                                       \
		uint64_t __v = (uint64_t)(stage);                                                  \
		guest_report(REPORT_SYNC, __FILE__, __LINE__, 1, &__v, "%s", #stage);              \
	} while (0)

#define GUEST_ASSERT(cond)                                                                         \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			guest_report(REPORT_ABORT, __FILE__, __LINE__, 0, NULL, "%s", #cond);      \
			guest_exit(REPORT_EXIT_CODE_MAX);                                          \
		}                                                                                  \
	} while (0)

#define GUEST_ASSERT_EQ(a, b)                                                                      \
	do {                                                                                       \
		uint64_t __v[2] = { (uint64_t)(a), (uint64_t)(b) };                                \
		if (__v[0] != __v[1]) {                                                            \
			guest_report(REPORT_ABORT, __FILE__, __LINE__, 2, __v, "%s == %s", #a,     \
				     #b);                                                          \
			guest_exit(REPORT_EXIT_CODE_MAX);                                          \
		}                                                                                  \
	} while (0)

#define GUEST_EXIT(code) guest_exit(code)
#define GUEST_DONE()	 guest_exit(0)

#endif
