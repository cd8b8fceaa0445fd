/*
 * QEMU's pc-testdev, the device kvm-unit-tests drive (its behaviour as QEMU defines it):
 *   0xe0-0xe3  a 32-bit register, read and written at any width and offset (little-endian)
 *   0xe8-0xeb  the same register (QEMU splits these accesses into bytes: the same result);
 *              but 0xe9 stays the debug console (QEMU's debugcon port), so 0xe8, 0xea, 0xeb
 *   0xe4       a 4-byte write of a guest-physical address: "flush this page". QEMU revokes and
 *              restores its host mapping; here the address is checked and the write accepted,
 *              but the mapping is left alone: revoking it would fault this VMM's own device
 *              threads that read guest RAM meanwhile.
 *   0x2000+n   (n < 24) a byte write of v sets ISA interrupt line n to !!v (KVM_IRQ_LINE)
 *   0xff000000 64 KiB of MMIO that reads back what was written
 */
#ifndef VMM_PC_TESTDEV_H
#define VMM_PC_TESTDEV_H

#include <pthread.h>
#include <stdint.h>

#include "core/compiler.h"
#include "core/io_bus.h"
#include "ports.h"

struct pc_testdev {
	pthread_mutex_t lock;
	uint32_t reg;
	uint64_t flushes; /* pages the guest asked to flush */
	uint8_t iomem[MMIO_TESTDEV_LEN];
	/* The machine's interrupt lines (vm_set_irq_line), or NULL. */
	void (*set_irq)(void *opaque, unsigned int irq, int level);
	void *irq_opaque;
};

int pc_testdev_init(struct pc_testdev *t) __must_check;
void pc_testdev_destroy(struct pc_testdev *t);
/* The ports PORT_TESTDEV, PORT_TESTDEV_HIGH, PORT_TESTDEV_IRQ and the window MMIO_TESTDEV. */
int pc_testdev_io(void *opaque, struct io_access *access);
int pc_testdev_irq_io(void *opaque, struct io_access *access);
int pc_testdev_mmio(void *opaque, struct io_access *access);

#endif
