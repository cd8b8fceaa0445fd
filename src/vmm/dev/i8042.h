/*
 * The piece of the PC keyboard controller (i8042, ports 0x60 and 0x64) a Linux guest uses to
 * reboot: command 0xfe pulses the reset line, which ends the run (VM_STOP_RESET, status 0), as
 * in Firecracker. Reads say "no data, ready for a command"; other writes are ignored.
 */
#ifndef VMM_I8042_H
#define VMM_I8042_H

#include "core/io_bus.h"

#define I8042_DATA_PORT	   0x60
#define I8042_COMMAND_PORT 0x64
#define I8042_CMD_RESET	   0xfe

int i8042_io(void *opaque, struct io_access *access);

#endif
