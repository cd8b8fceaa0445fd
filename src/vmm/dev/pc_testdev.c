/* QEMU's pc-testdev (pc_testdev.h). */
#include "dev/pc_testdev.h"

#include <string.h>

#include "core/log.h"
#include "core/stop.h"

#define TESTDEV_FLUSH 4 /* offset of the flush port in the PORT_TESTDEV range */

int pc_testdev_init(struct pc_testdev *t)
{
	memset(t, 0, sizeof(*t));
	return -pthread_mutex_init(&t->lock, NULL);
}

void pc_testdev_destroy(struct pc_testdev *t)
{
	pthread_mutex_destroy(&t->lock);
}

/* The register's bytes from @offset (0-3) on; bytes past the register read as zeros. */
static void testdev_reg_access(struct pc_testdev *t, unsigned int offset, struct io_access *a)
{
	uint8_t bytes[4];

	memcpy(bytes, &t->reg, 4);
	for (uint32_t i = 0; i < a->size; i++) {
		unsigned int b = offset + i;

		if (a->write && b < 4)
			bytes[b] = a->data[i];
		else if (!a->write)
			a->data[i] = b < 4 ? bytes[b] : 0;
	}
	memcpy(&t->reg, bytes, 4);
}

int pc_testdev_io(void *opaque, struct io_access *a)
{
	struct pc_testdev *t = opaque;
	unsigned int off = (unsigned int)(a->addr - PORT_TESTDEV); /* two ranges, one map */

	pthread_mutex_lock(&t->lock);
	if (off >= TESTDEV_FLUSH && off < TESTDEV_FLUSH + 4) {
		if (a->write && off == TESTDEV_FLUSH && a->size == 4)
			t->flushes++;
		else if (!a->write)
			memset(a->data, 0xff, a->size);
	} else {
		testdev_reg_access(t, off % 8, a); /* 0xe0 and 0xe8 are one register */
	}
	pthread_mutex_unlock(&t->lock);
	return VM_RUNNING;
}

int pc_testdev_irq_io(void *opaque, struct io_access *a)
{
	struct pc_testdev *t = opaque;

	if (!a->write) {
		memset(a->data, 0xff, a->size);
		return VM_RUNNING;
	}
	if (a->size != 1) {
		pr_debug("pc-testdev: %u-byte write to IRQ port 0x%llx ignored (byte writes only)",
			 a->size, (unsigned long long)a->addr);
		return VM_RUNNING;
	}
	if (t->set_irq)
		t->set_irq(t->irq_opaque, (unsigned int)a->offset, a->data[0] != 0);
	return VM_RUNNING;
}

int pc_testdev_mmio(void *opaque, struct io_access *a)
{
	struct pc_testdev *t = opaque;

	pthread_mutex_lock(&t->lock);
	if (a->write)
		memcpy(&t->iomem[a->offset], a->data, a->size);
	else
		memcpy(a->data, &t->iomem[a->offset], a->size);
	pthread_mutex_unlock(&t->lock);
	return VM_RUNNING;
}
