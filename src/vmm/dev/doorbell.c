/* The doorbell page: every access is checked, and only a 64-bit store to a register rings it. */
#include "dev/doorbell.h"

#include <errno.h>
#include <string.h>

#include "core/stop.h"
#include "core/log.h"

static int doorbell_null(void *opaque, unsigned int vcpu_id, uint64_t value)
{
	return VM_RUNNING;
}

void doorbell_init(struct doorbell *db)
{
	memset(db, 0, sizeof(*db));
	db->regs[DOORBELL_NULL / DOORBELL_STORE_SIZE] =
		(struct doorbell_reg){ "null", doorbell_null, NULL };
}

static struct doorbell_reg *doorbell_reg_at(struct doorbell *db, uint64_t offset)
{
	uint64_t i = offset / DOORBELL_STORE_SIZE;

	if (offset % DOORBELL_STORE_SIZE || i >= DOORBELL_NR_REGS)
		return NULL;
	return &db->regs[i];
}

int doorbell_connect(struct doorbell *db, unsigned int offset, const char *name, doorbell_fn ring,
		     void *opaque)
{
	struct doorbell_reg *reg = doorbell_reg_at(db, offset);

	if (!reg || !ring) {
		pr_err("doorbell: no register at offset 0x%x for %s", offset, name);
		return -EINVAL;
	}
	if (reg->ring) {
		pr_err("doorbell: register 0x%x is %s's, not %s's", offset, reg->name, name);
		return -EBUSY;
	}
	*reg = (struct doorbell_reg){ name, ring, opaque };
	return 0;
}

int doorbell_io(void *opaque, struct io_access *access)
{
	struct doorbell_reg *reg = doorbell_reg_at(opaque, access->offset);
	uint64_t value = 0;

	if (!access->write) {
		pr_err("vCPU %u: guest read (size %u) of the doorbell at 0x%llx: the doorbell only "
		       "takes stores",
		       access->vcpu_id, access->size, (unsigned long long)access->addr);
		return VM_STOP_GUEST_ERROR;
	}
	memcpy(&value, access->data, access->size < sizeof(value) ? access->size : sizeof(value));
	if (!reg || !reg->ring) {
		pr_err("vCPU %u: guest store of 0x%llx (size %u) to the doorbell at 0x%llx: no "
		       "register there",
		       access->vcpu_id, (unsigned long long)value, access->size,
		       (unsigned long long)access->addr);
		return VM_STOP_GUEST_ERROR;
	}
	if (access->size != DOORBELL_STORE_SIZE) {
		pr_err("vCPU %u: guest store of 0x%llx (size %u) to doorbell register %s: it takes "
		       "%d-byte stores",
		       access->vcpu_id, (unsigned long long)value, access->size, reg->name,
		       DOORBELL_STORE_SIZE);
		return VM_STOP_GUEST_ERROR;
	}
	return reg->ring(reg->opaque, access->vcpu_id, value);
}
