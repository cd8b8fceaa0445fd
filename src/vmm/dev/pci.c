/* PCI configuration mechanism #1 and the host bridge (pci.h). */
#include "dev/pci.h"

#include <string.h>

#include "core/stop.h"
#include "ports.h"

#define PCI_VENDOR_INTEL  0x8086
#define PCI_DEVICE_I440FX 0x1237
#define PCI_CLASS_BRIDGE  0x06
#define PCI_COMMAND	  0x04
#define PCI_COMMAND_MASK  0x0007 /* I/O, memory, bus master: the bits a host bridge keeps */
#define PCI_ADDR_RESERVED 0x7f000003u
#define PCI_RESET_SYSTEM  0x04

static void put16(uint8_t *at, uint16_t v)
{
	at[0] = (uint8_t)v;
	at[1] = (uint8_t)(v >> 8);
}

int pci_host_init(struct pci_host *p)
{
	memset(p, 0, sizeof(*p));
	put16(&p->config[0x00], PCI_VENDOR_INTEL);
	put16(&p->config[0x02], PCI_DEVICE_I440FX);
	p->config[0x08] = 0x02;		    /* revision */
	p->config[0x0b] = PCI_CLASS_BRIDGE; /* class 06, subclass 00: host bridge */
	put16(&p->config[0x2c], 0x1af4);    /* subsystem vendor, as QEMU's */
	put16(&p->config[0x2e], 0x1100);
	return -pthread_mutex_init(&p->lock, NULL);
}

void pci_host_destroy(struct pci_host *p)
{
	pthread_mutex_destroy(&p->lock);
}

/* A config-space access through 0xcfc-0xcff, with the lock held. */
static void pci_config_access(struct pci_host *p, struct io_access *a)
{
	uint32_t reg = (p->address & 0xfc) + (uint32_t)(a->addr - PORT_PCI_DATA);
	/* Bus 0, device 0, function 0 is the host bridge; everything else is absent. */
	bool bridge = (p->address & PCI_ADDR_ENABLE) && !(p->address & 0x00ffff00u);

	if (!a->write) {
		memset(a->data, 0xff, a->size);
		if (bridge)
			memcpy(a->data, &p->config[reg], a->size);
		return;
	}
	for (uint32_t i = 0; bridge && i < a->size; i++) {
		uint32_t r = reg + i;

		if (r == PCI_COMMAND || r == PCI_COMMAND + 1) {
			uint8_t mask = (uint8_t)(PCI_COMMAND_MASK >> (8 * (r - PCI_COMMAND)));

			p->config[r] = a->data[i] & mask;
		}
	}
}

int pci_io(void *opaque, struct io_access *a)
{
	struct pci_host *p = opaque;
	int stop = VM_RUNNING;

	pthread_mutex_lock(&p->lock);
	if (a->addr == PORT_PCI_CONFIG && a->size == 4) {
		if (a->write) {
			memcpy(&p->address, a->data, 4);
			p->address &= ~PCI_ADDR_RESERVED;
		} else {
			memcpy(a->data, &p->address, 4);
		}
	} else if (a->addr == PORT_PCI_RESET && a->size == 1) {
		if (a->write && (a->data[0] & PCI_RESET_SYSTEM))
			stop = VM_STOP_RESET;
		if (a->write)
			p->reset_control = a->data[0] & (uint8_t)~PCI_RESET_SYSTEM;
		else
			a->data[0] = p->reset_control;
	} else if (a->addr >= PORT_PCI_DATA && a->addr - PORT_PCI_DATA + a->size <= 4) {
		pci_config_access(p, a);
	} else if (!a->write) {
		memset(a->data, 0xff, a->size); /* other widths at 0xcf8-0xcfb: nothing there */
	}
	pthread_mutex_unlock(&p->lock);
	return stop;
}
