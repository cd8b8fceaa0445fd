/* The devices of a VM (vmm_internal.h): one place to see the machine a guest gets. */
#include "vmm_internal.h"

#include "core/log.h"
#include "dev/doorbell.h"
#include "dev/i8042.h"
#include "ports.h"

static int null_io(void *opaque, struct io_access *access)
{
	return VM_RUNNING;
}

/* COM1's interrupt, through the in-kernel PIC and IOAPIC (a PC machine only). */
static void vmm_uart_irq(void *opaque, int level)
{
	vm_set_irq_line(opaque, PC_IRQ_COM1, level);
}

static int vmm_add_uart(struct vmm *v)
{
	int ret = uart_init(&v->uart, &v->console);

	if (ret)
		return ret;
	v->uart_ready = true;
	if (image_is_pc(v->image.kind)) {
		v->uart.set_irq = vmm_uart_irq;
		v->uart.irq_opaque = v->vm;
	}
	v->uart.watch_panic = v->image.kind == IMAGE_LINUX;
	ret = io_bus_register(&v->vm->pio, PORT_UART_COM1, PORT_UART_LEN, "uart-16550", uart_io,
			      &v->uart);
	if (!ret && v->image.kind == IMAGE_LINUX)
		ret = io_bus_register(&v->vm->pio, I8042_DATA_PORT,
				      I8042_COMMAND_PORT - I8042_DATA_PORT + 1, "i8042", i8042_io,
				      NULL);
	return ret;
}

/* pc-testdev's interrupt lines: ISA IRQs of the in-kernel PIC and IOAPIC. */
static void vmm_testdev_irq(void *opaque, unsigned int irq, int level)
{
	vm_set_irq_line(opaque, irq, level);
}

/* The PM timer counts the guest's timeline: the kvmclock host's. */
static uint64_t vmm_guest_ns(void *opaque)
{
	return kvmclock_guest_ns(opaque);
}

/* A PC machine's PCI bus and ACPI PM registers; pc-testdev for multiboot (kvm-unit-tests). */
static int vmm_add_pc_devices(struct vmm *v)
{
	int ret;

	if (!image_is_pc(v->image.kind))
		return 0;
	ret = pci_host_init(&v->pci);
	if (ret)
		return ret;
	v->pci_ready = true;
	ret = io_bus_register(&v->vm->pio, PORT_PCI_CONFIG, PORT_PCI_LEN, "pci", pci_io, &v->pci);
	if (!ret)
		ret = acpi_pm_init(&v->acpi_pm);
	if (ret)
		return ret;
	v->acpi_pm_ready = true;
	v->acpi_pm.guest_ns = vmm_guest_ns;
	v->acpi_pm.opaque = &v->vm->clock;
	ret = io_bus_register(&v->vm->pio, ACPI_PM_BASE, ACPI_PM_LEN, "acpi-pm", acpi_pm_io,
			      &v->acpi_pm);
	if (ret || v->image.kind != IMAGE_MULTIBOOT)
		return ret;
	ret = pc_testdev_init(&v->testdev);
	if (ret)
		return ret;
	v->testdev_ready = true;
	v->testdev.set_irq = vmm_testdev_irq;
	v->testdev.irq_opaque = v->vm;
	ret = io_bus_register(&v->vm->pio, PORT_TESTDEV, PORT_TESTDEV_LEN, "pc-testdev",
			      pc_testdev_io, &v->testdev);
	if (!ret)
		ret = io_bus_register(&v->vm->pio, PORT_TESTDEV_HIGH, PORT_TESTDEV_HIGH_LEN,
				      "pc-testdev", pc_testdev_io, &v->testdev);
	if (!ret)
		ret = io_bus_register(&v->vm->pio, PORT_TESTDEV_IRQ, PORT_TESTDEV_IRQ_LEN,
				      "pc-testdev-irq", pc_testdev_irq_io, &v->testdev);
	if (!ret)
		ret = io_bus_register(&v->vm->mmio, MMIO_TESTDEV, MMIO_TESTDEV_LEN,
				      "pc-testdev-iomem", pc_testdev_mmio, &v->testdev);
	return ret;
}

int vmm_add_devices(struct vmm *v, FILE *out, unsigned int nr_vcpus)
{
	int ret;

	ret = console_init(&v->console, out);
	if (ret)
		return ret;
	v->console_ready = true;
	ret = report_dev_init(&v->report, &v->vm->mem, out);
	if (ret)
		return ret;
	v->report_ready = true;
	ret = io_bus_register(&v->vm->mmio, MEMMAP_DOORBELL, DOORBELL_PAGE_SIZE, "doorbell",
			      doorbell_io, &v->vm->doorbell);
	if (!ret)
		ret = doorbell_connect(&v->vm->doorbell, DOORBELL_REPORT, "report", report_dev_ring,
				       &v->report);
	if (!ret)
		ret = io_bus_register(&v->vm->pio, PORT_DEBUG_CONSOLE, 1, "debug-console",
				      console_io, &v->console);
	if (!ret)
		ret = vmm_add_uart(v);
	if (!ret)
		ret = io_bus_register(&v->vm->pio, PORT_DEBUG_EXIT, PORT_DEBUG_EXIT_LEN,
				      "isa-debug-exit", debug_exit_io, &v->debug_exit);
	if (!ret)
		ret = io_bus_register(&v->vm->pio, PORT_IO_DELAY, 1, "io-delay", null_io, NULL);
	if (!ret)
		ret = fw_cfg_init(&v->fw_cfg, nr_vcpus, v->vm->mem.size);
	if (!ret) {
		v->fw_cfg_ready = true;
		ret = io_bus_register(&v->vm->pio, PORT_FW_CFG_SELECTOR, 2, "fw_cfg", fw_cfg_io,
				      &v->fw_cfg);
	}
	if (!ret)
		ret = vmm_add_pc_devices(v);
	return ret;
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
