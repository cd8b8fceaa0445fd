/* The i8042's reset command, and a controller that is not there (i8042.h). */
#include "dev/i8042.h"

#include "core/stop.h"

int i8042_io(void *opaque, struct io_access *a)
{
	(void)opaque;
	if (!a->write) {
		if (a->size == 1)
			a->data[0] = a->addr == I8042_COMMAND_PORT ? I8042_STATUS_ABSENT
								   : I8042_DATA_ABSENT;
		return VM_RUNNING; /* wider reads: zero-filled */
	}
	if (a->addr == I8042_COMMAND_PORT && a->size == 1 && a->data[0] == I8042_CMD_RESET)
		return VM_STOP_RESET;
	return VM_RUNNING;
}
