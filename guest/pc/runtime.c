/* PC guest runtime: multiboot command line, UART text, isa-debug-exit, fw_cfg, the report API. */
#include "guest/guest.h"
#include "guest/pc.h"

#define PC_MAX_ARGS    32
#define PC_CMDLINE_MAX 1024

static struct multiboot_info mbi_copy;
static char cmdline[PC_CMDLINE_MAX];
static char *argv[PC_MAX_ARGS + 1];
static int print_lock;
/* This runtime loads no TSS: exceptions stay on the stack they interrupt. */
const uint8_t guest_runtime_ist = 0;

const struct multiboot_info *pc_multiboot_info(void)
{
	return &mbi_copy;
}

static void uart_putc(char c)
{
	while (!(inb(PORT_UART_COM1 + UART_REG_LSR) & UART_LSR_THRE))
		cpu_relax();
	outb(PORT_UART_COM1, (uint8_t)c);
}

void guest_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

static void debug_exit(int code)
{
	outl(PORT_DEBUG_EXIT, (uint32_t)code);
	for (;;) /* only where there is no isa-debug-exit */
		__asm__ volatile("cli; hlt");
}

/* guest.h's report API, in text: one line per report, serialised across CPUs. */
void guest_report(uint32_t cmd, const char *file, uint32_t line, uint32_t nr_values,
		  const uint64_t *values, const char *fmt, ...)
{
	char msg[256], out[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cmd == REPORT_ABORT && nr_values == 2)
		snprintf(out, sizeof(out), "FAIL: %s:%u: %s (0x%lx vs 0x%lx)\n", file, line, msg,
			 values[0], values[1]);
	else if (cmd == REPORT_ABORT)
		snprintf(out, sizeof(out), "FAIL: %s:%u: %s\n", file, line, msg);
	else if (cmd == REPORT_SYNC)
		snprintf(out, sizeof(out), "SYNC %s\n", msg);
	else if (cmd == REPORT_PRINT)
		snprintf(out, sizeof(out), "%s", msg);
	else
		out[0] = '\0';
	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	guest_puts(out);
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
	if (cmd == REPORT_ABORT)
		debug_exit(1);
}

void guest_exit(int code)
{
	debug_exit(code);
	__builtin_unreachable();
}

/* The PC runtime stays in ring 0 and runs under QEMU too: a port every PC accepts. */
void guest_vmexit(void)
{
	outb(PORT_IO_DELAY, 0);
}

void guest_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

bool pc_fw_cfg_present(void)
{
	return pc_fw_cfg_read(FW_CFG_SIGNATURE, 4) == FW_CFG_SIGNATURE_VALUE;
}

uint64_t pc_fw_cfg_read(uint16_t key, unsigned int len)
{
	uint64_t v = 0;

	outw(PORT_FW_CFG_SELECTOR, key);
	for (unsigned int i = 0; i < len && i < 8; i++)
		v |= (uint64_t)inb(PORT_FW_CFG_DATA) << (8 * i);
	return v;
}

unsigned int pc_nr_cpus(void)
{
	uint64_t n = pc_fw_cfg_present() ? pc_fw_cfg_read(FW_CFG_NB_CPUS, 2) : 1;

	return n == 0 ? 1 : n > PC_MAX_CPUS ? PC_MAX_CPUS : (unsigned int)n;
}

/* Split the command line at spaces into argv; the copy outlives the loader's memory. */
static int parse_cmdline(const struct multiboot_info *mbi)
{
	const char *src =
		(mbi->flags & MULTIBOOT_INFO_CMDLINE) ? (const char *)(uintptr_t)mbi->cmdline : "";
	int argc = 0;
	size_t i;

	for (i = 0; src[i] && i + 1 < sizeof(cmdline); i++)
		cmdline[i] = src[i];
	cmdline[i] = '\0';
	for (char *p = cmdline; *p && argc < PC_MAX_ARGS;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	argv[argc] = NULL;
	return argc;
}

void pc_start(uint32_t magic, uint32_t mbi_addr);

void pc_start(uint32_t magic, uint32_t mbi_addr)
{
	guest_idt_install();
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		guest_puts("FAIL: not started by a multiboot loader (EAX is not 0x2badb002)\n");
		guest_exit(1);
	}
	mbi_copy = *(const struct multiboot_info *)(uintptr_t)mbi_addr;
	guest_exit(main(parse_cmdline(&mbi_copy), argv));
}
