/* Native guest runtime: C entry from boot_abi.h, console output and the report channel. */
#include "guest.h"

static const struct boot_info *boot_info;

const struct boot_info *guest_boot_info(void)
{
	return boot_info;
}

void guest_puts(const char *s)
{
	while (*s)
		outb(PORT_DEBUG_CONSOLE, (uint8_t)*s++);
}

static void copy_string(char *dst, size_t size, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i + 1 < size; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

void guest_report(uint32_t cmd, const char *file, uint32_t line, uint32_t nr_values,
		  const uint64_t *values, const char *fmt, ...)
{
	struct guest_report r;
	va_list ap;

	r.magic = REPORT_MAGIC;
	r.cmd = cmd;
	r.line = line;
	r.nr_values = nr_values;
	for (uint32_t i = 0; i < REPORT_MAX_VALUES; i++)
		r.values[i] = i < nr_values ? values[i] : 0;
	copy_string(r.file, sizeof(r.file), file);
	va_start(ap, fmt);
	vsnprintf(r.msg, sizeof(r.msg), fmt, ap);
	va_end(ap);
	/* Identity-mapped, below 4 GiB: the stack address is the GPA. */
	outl(PORT_REPORT, (uint32_t)(uintptr_t)&r);
}

void guest_exit(int code)
{
	uint64_t v = (uint64_t)code;

	guest_report(REPORT_DONE, __FILE__, __LINE__, 1, &v, "exit");
	for (;;)
		__asm__ volatile("cli; hlt");
}

void guest_enter_user_mode(void)
{
	__asm__ volatile("mov %%rsp, %%rax\n\t"
			 "pushq %[ss]\n\t"
			 "pushq %%rax\n\t"
			 "pushfq\n\t"
			 "orq $0x3000, (%%rsp)\n\t"	/* IOPL 3 */
			 "pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:"
			 : : [ss] "i"(BOOT_SEL_USER_DS), [cs] "i"(BOOT_SEL_USER_CS)
			 : "rax", "memory");
}

__attribute__((weak)) void guest_ap_main(unsigned int vcpu_id)
{
	(void)vcpu_id;
	for (;;)
		cpu_relax();
}

void guest_start(const struct boot_info *bi, uint64_t vcpu_id);

void guest_start(const struct boot_info *bi, uint64_t vcpu_id)
{
	if (vcpu_id != 0) {
		guest_idt_install();	/* the same table: identical bytes, then this CPU's IDTR */
		guest_ap_main((unsigned int)vcpu_id);
		for (;;)
			cpu_relax();
	}
	boot_info = bi;
	guest_idt_install();
	if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION) {
		guest_puts("guest: boot_info has a bad magic or version\n");
		guest_exit(REPORT_EXIT_CODE_MAX);
	}
	guest_exit(main((int)bi->argc, (char **)bi->argv));
}
