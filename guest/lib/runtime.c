/* Native guest runtime: C entry from boot_abi.h, and text and reports through the doorbell. */
#include "guest/guest.h"

static const struct boot_info *boot_info;
/* The host's TSS has an IST stack for #DF, NMI and #MC (boot_abi.h). */
const uint8_t guest_runtime_ist = BOOT_TSS_IST_DF;

const struct boot_info *guest_boot_info(void)
{
	return boot_info;
}

static void copy_string(char *dst, size_t size, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i + 1 < size; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

/* Identity-mapped, below 4 GiB: the address of @r (on this vCPU's stack) is its GPA. */
static void report_send(struct guest_report *r, uint32_t cmd, const char *file, uint32_t line)
{
	r->magic = REPORT_MAGIC;
	r->cmd = cmd;
	r->line = line;
	copy_string(r->file, sizeof(r->file), file);
	doorbell_ring(DOORBELL_REPORT, (uint64_t)(uintptr_t)r);
}

void guest_puts(const char *s)
{
	struct guest_report r = { 0 };

	while (*s) {
		size_t n = 0;

		for (; s[n] && n + 1 < sizeof(r.msg); n++)
			r.msg[n] = s[n];
		r.msg[n] = '\0';
		report_send(&r, REPORT_PRINT, __FILE__, __LINE__);
		s += n;
	}
}

void guest_report(uint32_t cmd, const char *file, uint32_t line, uint32_t nr_values,
		  const uint64_t *values, const char *fmt, ...)
{
	struct guest_report r;
	va_list ap;

	r.nr_values = nr_values;
	for (uint32_t i = 0; i < REPORT_MAX_VALUES; i++)
		r.values[i] = i < nr_values ? values[i] : 0;
	va_start(ap, fmt);
	vsnprintf(r.msg, sizeof(r.msg), fmt, ap);
	va_end(ap);
	report_send(&r, cmd, file, line);
}

void guest_vmexit(void)
{
	doorbell_ring(DOORBELL_NULL, 0);
}

void guest_halt(void)
{
	for (;;) {
		if (guest_cpl() == 0)
			__asm__ volatile("cli; hlt" ::: "memory");
		else
			cpu_relax(); /* HLT would fault in ring 3 */
	}
}

void guest_exit(int code)
{
	uint64_t v = (uint64_t)code;

	guest_report(REPORT_DONE, __FILE__, __LINE__, 1, &v, "exit");
	guest_halt(); /* DONE ends the run: the host never resumes this vCPU */
}

void guest_enter_user_mode(void)
{
	__asm__ volatile(
		"mov %%rsp, %%rax\n\t"
		"pushq %[ss]\n\t"
		"pushq %%rax\n\t"
		"pushfq\n\t"
		"andq %[no_iopl], (%%rsp)\n\t" /* IOPL 0, whatever it was */
		"pushq %[cs]\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"iretq\n"
		"1:"
		:
		: [ss] "i"(BOOT_SEL_USER_DS), [cs] "i"(BOOT_SEL_USER_CS), [no_iopl] "i"(~0x3000l)
		: "rax", "memory");
}

void guest_team_run(struct guest_team *team, void (*fn)(unsigned int vcpu_id))
{
	__atomic_store_n(&team->fn, fn, __ATOMIC_RELEASE);
	fn(0);
	__atomic_fetch_add(&team->done, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&team->done, __ATOMIC_ACQUIRE) < boot_info->nr_vcpus)
		cpu_relax();
}

void guest_team_join(struct guest_team *team, unsigned int vcpu_id)
{
	void (*fn)(unsigned int);

	while (!(fn = __atomic_load_n(&team->fn, __ATOMIC_ACQUIRE)))
		cpu_relax();
	fn(vcpu_id);
	__atomic_fetch_add(&team->done, 1, __ATOMIC_RELEASE);
	for (;;)
		cpu_relax();
}

__attribute__((weak)) void guest_ap_main(unsigned int vcpu_id)
{
	(void)vcpu_id;
	guest_halt();
}

void guest_start(const struct boot_info *bi, uint64_t vcpu_id);

void guest_start(const struct boot_info *bi, uint64_t vcpu_id)
{
	boot_info = bi; /* the same pointer from every vCPU */
	if (vcpu_id != 0) {
		guest_idt_install(); /* the same table: identical bytes, then this CPU's IDTR */
		guest_ap_main((unsigned int)vcpu_id);
		guest_halt();
	}
	guest_idt_install();
	if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION) {
		guest_puts("guest: boot_info has a bad magic or version\n");
		guest_exit(REPORT_EXIT_CODE_MAX);
	}
	guest_exit(main((int)bi->argc, (char **)bi->argv));
}
