/*
 * The machine's devices in one table: which machine kinds have each, how it is set up and
 * torn down. Set-up walks the table forward; teardown walks back exactly the rows set up.
 */
#include "vmm_internal.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "dev/doorbell.h"
#include "dev/host_clock.h"
#include "dev/i8042.h"
#include "ports.h"
#include "pvclock_clock.h"

#define ON_NATIVE    (1u << IMAGE_NATIVE)
#define ON_MULTIBOOT (1u << IMAGE_MULTIBOOT)
#define ON_LINUX     (1u << IMAGE_LINUX)
#define ON_PC	     (ON_MULTIBOOT | ON_LINUX)
#define ON_ALL	     (ON_NATIVE | ON_PC)

struct vmm_device {
	const char *name;
	unsigned int kinds; /* ON_*: the machine kinds that have it */
	int (*init)(struct vmm *v);
	void (*destroy)(struct vmm *v); /* NULL: nothing beyond the VM's buses to undo */
};

static int null_io(void *opaque, struct io_access *access)
{
	return VM_RUNNING;
}

static int console_add(struct vmm *v)
{
	return console_init(&v->console, v->out);
}

static void console_remove(struct vmm *v)
{
	console_flush(&v->console);
	console_destroy(&v->console);
}

static int debug_console_add(struct vmm *v)
{
	return io_bus_register(&v->vm->pio, PORT_DEBUG_CONSOLE, 1, "debug-console", console_io,
			       &v->console);
}

static int report_add(struct vmm *v)
{
	return report_dev_init(&v->report, &v->vm->mem, v->out);
}

static void report_remove(struct vmm *v)
{
	report_dev_destroy(&v->report);
}

static int doorbell_add(struct vmm *v)
{
	int ret = io_bus_register(&v->vm->mmio, MEMMAP_DOORBELL, DOORBELL_PAGE_SIZE, "doorbell",
				  doorbell_io, &v->vm->doorbell);

	return ret ? ret
		   : doorbell_connect(&v->vm->doorbell, DOORBELL_REPORT, "report", report_dev_ring,
				      &v->report);
}

/*
 * The host's clocks: the system's, the source the kvmclock host reads too (it is set up after
 * the devices, so its pointer is not there yet).
 */
static int host_clock_add(struct vmm *v)
{
	return io_bus_register(&v->vm->mmio, MEMMAP_HOST_CLOCK, HOST_CLOCK_PAGE_SIZE, "host-clock",
			       host_clock_io, (void *)&pvclock_clock_system);
}

/* COM1's interrupt, through the in-kernel PIC and IOAPIC (a PC machine only). */
static void uart_irq(void *opaque, int level)
{
	vm_set_irq_line(opaque, PC_IRQ_COM1, level);
}

static int uart_add(struct vmm *v)
{
	int ret = uart_init(&v->uart, &v->console);

	if (ret)
		return ret;
	if (image_is_pc(v->image.kind)) {
		v->uart.set_irq = uart_irq;
		v->uart.irq_opaque = v->vm;
	}
	v->uart.watch_panic = v->image.kind == IMAGE_LINUX;
	ret = io_bus_register(&v->vm->pio, PORT_UART_COM1, PORT_UART_LEN, "uart-16550", uart_io,
			      &v->uart);
	if (ret)
		uart_destroy(
			&v->uart); /* a failed row undoes itself (bus entries go with the VM) */
	return ret;
}

static void uart_remove(struct vmm *v)
{
	uart_destroy(&v->uart);
}

static int i8042_add(struct vmm *v)
{
	return io_bus_register(&v->vm->pio, I8042_DATA_PORT,
			       I8042_COMMAND_PORT - I8042_DATA_PORT + 1, "i8042", i8042_io, NULL);
}

static int debug_exit_add(struct vmm *v)
{
	return io_bus_register(&v->vm->pio, PORT_DEBUG_EXIT, PORT_DEBUG_EXIT_LEN, "isa-debug-exit",
			       debug_exit_io, &v->debug_exit);
}

static int io_delay_add(struct vmm *v)
{
	return io_bus_register(&v->vm->pio, PORT_IO_DELAY, 1, "io-delay", null_io, NULL);
}

static int fw_cfg_add(struct vmm *v)
{
	int ret = fw_cfg_init(&v->fw_cfg, v->machine.nr_vcpus, v->vm->mem.size);

	if (ret)
		return ret;
	ret = io_bus_register(&v->vm->pio, PORT_FW_CFG_SELECTOR, 2, "fw_cfg", fw_cfg_io,
			      &v->fw_cfg);
	if (ret)
		fw_cfg_destroy(&v->fw_cfg);
	return ret;
}

static void fw_cfg_remove(struct vmm *v)
{
	fw_cfg_destroy(&v->fw_cfg);
}

static int pci_add(struct vmm *v)
{
	int ret = pci_host_init(&v->pci);

	if (ret)
		return ret;
	ret = io_bus_register(&v->vm->pio, PORT_PCI_CONFIG, PORT_PCI_LEN, "pci", pci_io, &v->pci);
	if (ret)
		pci_host_destroy(&v->pci);
	return ret;
}

static void pci_remove(struct vmm *v)
{
	pci_host_destroy(&v->pci);
}

/* The PM timer counts the guest's timeline: the kvmclock host's. */
static uint64_t acpi_pm_guest_ns(void *opaque)
{
	return kvmclock_guest_ns(opaque);
}

static int acpi_pm_add(struct vmm *v)
{
	int ret = acpi_pm_init(&v->acpi_pm);

	if (ret)
		return ret;
	v->acpi_pm.guest_ns = acpi_pm_guest_ns;
	v->acpi_pm.opaque = &v->vm->clock;
	ret = io_bus_register(&v->vm->pio, ACPI_PM_BASE, ACPI_PM_LEN, "acpi-pm", acpi_pm_io,
			      &v->acpi_pm);
	if (ret)
		acpi_pm_destroy(&v->acpi_pm);
	return ret;
}

static void acpi_pm_remove(struct vmm *v)
{
	acpi_pm_destroy(&v->acpi_pm);
}

/* pc-testdev's interrupt lines: ISA IRQs of the in-kernel PIC and IOAPIC. */
static void testdev_irq(void *opaque, unsigned int irq, int level)
{
	vm_set_irq_line(opaque, irq, level);
}

static int testdev_register(struct vmm *v)
{
	struct io_bus *pio = &v->vm->pio;
	int ret;

	ret = io_bus_register(pio, PORT_TESTDEV, PORT_TESTDEV_LEN, "pc-testdev", pc_testdev_io,
			      &v->testdev);
	if (!ret)
		ret = io_bus_register(pio, PORT_TESTDEV_HIGH, PORT_TESTDEV_HIGH_LEN, "pc-testdev",
				      pc_testdev_io, &v->testdev);
	if (!ret)
		ret = io_bus_register(pio, PORT_TESTDEV_IRQ, PORT_TESTDEV_IRQ_LEN, "pc-testdev-irq",
				      pc_testdev_irq_io, &v->testdev);
	if (!ret)
		ret = io_bus_register(&v->vm->mmio, MMIO_TESTDEV, MMIO_TESTDEV_LEN,
				      "pc-testdev-iomem", pc_testdev_mmio, &v->testdev);
	return ret;
}

static int testdev_add(struct vmm *v)
{
	int ret = pc_testdev_init(&v->testdev);

	if (ret)
		return ret;
	v->testdev.set_irq = testdev_irq;
	v->testdev.irq_opaque = v->vm;
	ret = testdev_register(v);
	if (ret)
		pc_testdev_destroy(&v->testdev);
	return ret;
}

static void testdev_remove(struct vmm *v)
{
	pc_testdev_destroy(&v->testdev);
}

/* In set-up order: a row may use the rows above it (the UART writes to the console). */
static const struct vmm_device devices[] = {
	{ "console", ON_ALL, console_add, console_remove },
	{ "report", ON_ALL, report_add, report_remove },
	{ "doorbell", ON_ALL, doorbell_add, NULL },
	{ "host-clock", ON_ALL, host_clock_add, NULL },
	{ "debug-console", ON_ALL, debug_console_add, NULL },
	{ "uart-16550", ON_ALL, uart_add, uart_remove },
	{ "i8042", ON_LINUX, i8042_add, NULL },
	{ "isa-debug-exit", ON_ALL, debug_exit_add, NULL },
	{ "io-delay", ON_ALL, io_delay_add, NULL },
	{ "fw_cfg", ON_ALL, fw_cfg_add, fw_cfg_remove },
	{ "pci", ON_PC, pci_add, pci_remove },
	{ "acpi-pm", ON_PC, acpi_pm_add, acpi_pm_remove },
	{ "pc-testdev", ON_MULTIBOOT, testdev_add, testdev_remove },
};

/* Tests: fail the nth present row's set-up from now (0: none). */
static unsigned int inject_countdown;
static int inject_errno;

void vmm_inject_device_failure(unsigned int nth, int err)
{
	inject_countdown = nth;
	inject_errno = err;
}

unsigned int vmm_device_count(void)
{
	return ARRAY_SIZE(devices);
}

const char *vmm_device_name(unsigned int row)
{
	return row < ARRAY_SIZE(devices) ? devices[row].name : NULL;
}

static bool vmm_device_present(const struct vmm *v, const struct vmm_device *d)
{
	return d->kinds & (1u << v->image.kind);
}

static int vmm_device_init(struct vmm *v, const struct vmm_device *d)
{
	if (inject_countdown && --inject_countdown == 0) {
		pr_err("device %s: set-up failed: %s (injected)", d->name, strerror(inject_errno));
		return -inject_errno;
	}
	return d->init(v);
}

int vmm_devices_setup(struct vmm *v, FILE *out)
{
	int ret = 0;

	v->out = out;
	for (; !ret && v->rows_up < ARRAY_SIZE(devices); v->rows_up++) {
		const struct vmm_device *d = &devices[v->rows_up];

		if (!vmm_device_present(v, d))
			continue;
		ret = vmm_device_init(v, d);
		if (ret)
			break; /* the row undid itself (logged there): teardown starts above it */
		pr_debug("device %s: set up", d->name);
	}
	return ret;
}

void vmm_devices_teardown(struct vmm *v)
{
	while (v->rows_up) {
		const struct vmm_device *d = &devices[--v->rows_up];

		if (!vmm_device_present(v, d))
			continue;
		if (d->destroy)
			d->destroy(v);
		pr_debug("device %s: torn down", d->name);
	}
}

/* A Linux guest: which legacy ports it probed and found nothing at (--verbose). */
void vmm_log_floating_ports(const struct vmm *v)
{
	char list[512] = "";
	size_t used = 0;

	for (unsigned int port = 0; port < 65536 && used < sizeof(list) - 8; port++)
		if (v->floating_ports[port / 64] & (1ull << (port % 64)))
			used += (size_t)snprintf(list + used, sizeof(list) - used, " 0x%x", port);
	if (used)
		pr_info("ports read as a floating bus (nothing there):%s", list);
}
