/* MSR handler table: registration (no duplicates) and lookup by index. */
#include "core/msr_table.h"
#include "core/log.h"

#include <errno.h>
#include <stddef.h>

int msr_table_register(struct msr_table *table, const struct msr_handler *handler)
{
	if (msr_table_find(table, handler->index)) {
		pr_err("MSR 0x%x (%s) registered twice", handler->index, handler->name);
		return -EBUSY;
	}
	if (table->nr == MSR_TABLE_MAX) {
		pr_err("MSR table full, cannot add 0x%x (%s)", handler->index, handler->name);
		return -ENOSPC;
	}
	table->handlers[table->nr++] = *handler;
	return 0;
}

const struct msr_handler *msr_table_find(const struct msr_table *table, uint32_t index)
{
	for (unsigned int i = 0; i < table->nr; i++)
		if (table->handlers[i].index == index)
			return &table->handlers[i];
	return NULL;
}
