/*
 * PCI configuration mechanism #1 with one function on the bus: a host bridge at 00:00.0 (the
 * i440FX IDs QEMU's pc machine uses). A guest that walks the bus finds it and nothing else:
 * absent functions read all-ones, writes to read-only registers are ignored. The PIIX reset
 * control register at 0xcf9 resets the machine (ends the run with 0), as Linux's reboot=pci.
 */
#ifndef VMM_PCI_H
#define VMM_PCI_H

#include <pthread.h>
#include <stdint.h>

#include "core/compiler.h"
#include "core/io_bus.h"

#define PCI_CONFIG_SPACE 256
#define PCI_ADDR_ENABLE	 0x80000000u

struct pci_host {
	pthread_mutex_t lock; /* the address and the data are used in two accesses */
	uint32_t address;     /* CONFIG_ADDRESS */
	uint8_t reset_control;
	uint8_t config[PCI_CONFIG_SPACE]; /* the host bridge's */
};

int pci_host_init(struct pci_host *p) __must_check;
void pci_host_destroy(struct pci_host *p);
int pci_io(void *opaque, struct io_access *access);

#endif
