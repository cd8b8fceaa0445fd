/* The doorbell page (doorbell_abi.h): one 64-bit MMIO register per host service, any ring. */
#ifndef VMM_DOORBELL_H
#define VMM_DOORBELL_H

#include "core/compiler.h"
#include <stdint.h>

#include "doorbell_abi.h"
#include "core/io_bus.h"

/* A register's service: @value is what the guest stored. Returns VM_RUNNING or a stop reason. */
typedef int (*doorbell_fn)(void *opaque, unsigned int vcpu_id, uint64_t value);

struct doorbell_reg {
	const char *name;
	doorbell_fn ring; /* NULL: no register at this offset */
	void *opaque;
};

struct doorbell {
	struct doorbell_reg regs[DOORBELL_NR_REGS];
};

/* An empty page but for DOORBELL_NULL, which does nothing. */
void doorbell_init(struct doorbell *db);
/* Give register @offset a service; -EINVAL for an offset that is no register, -EBUSY if taken. */
int doorbell_connect(struct doorbell *db, unsigned int offset, const char *name, doorbell_fn ring,
		     void *opaque) __must_check;
/* The MMIO handler for the whole page: checks the access, then rings the register. */
int doorbell_io(void *opaque, struct io_access *access);

#endif
