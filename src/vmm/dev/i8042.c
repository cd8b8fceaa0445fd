/* The i8042's reset command (i8042.h). */
#include "dev/i8042.h"

#include "core/stop.h"

int i8042_io(void *opaque, struct io_access *a)
{
	if (!a->write)
		return VM_RUNNING; /* zero-filled: status 0, no data waiting, input buffer empty */
	if (a->addr == I8042_COMMAND_PORT && a->size == 1 && a->data[0] == I8042_CMD_RESET)
		return VM_STOP_RESET;
	return VM_RUNNING;
}
