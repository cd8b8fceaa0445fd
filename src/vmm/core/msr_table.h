/* MSRs the VMM handles in userspace: a small table of per-index read/write handlers. */
#ifndef VMM_MSR_TABLE_H
#define VMM_MSR_TABLE_H

#include <stdint.h>
#include "core/compiler.h"

#define MSR_TABLE_MAX 8

enum msr_result { MSR_OK, MSR_INJECT_GP };

struct msr_handler {
	uint32_t index;
	const char *name;
	enum msr_result (*read)(void *opaque, unsigned int vcpu_id, uint32_t index,
				uint64_t *value);
	enum msr_result (*write)(void *opaque, unsigned int vcpu_id, uint32_t index,
				 uint64_t value);
	void *opaque;
};

struct msr_table {
	unsigned int nr;
	struct msr_handler handlers[MSR_TABLE_MAX];
};

int msr_table_register(struct msr_table *table, const struct msr_handler *handler) __must_check;
const struct msr_handler *msr_table_find(const struct msr_table *table, uint32_t index);

#endif
