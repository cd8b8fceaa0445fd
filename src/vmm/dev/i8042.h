/*
 * The piece of the PC keyboard controller (i8042, ports 0x60 and 0x64) a Linux guest uses to
 * reboot: command 0xfe pulses the reset line, which ends the run (VM_STOP_RESET, status 0), as
 * in Firecracker. Otherwise there is no controller, and the reads say so in the way a kernel
 * tests for one: the status has a byte waiting (OBF) and the input buffer empty, the byte reads
 * 0xff. Linux drains 16 such bytes and logs "i8042: No controller found" at once (a status of 0
 * made it wait 10,000 x 50 us for an answer to its first command: 1.8 s of a kvmlab boot), and
 * its reboot path, finding the input buffer empty, sends 0xfe without waiting. Other writes are
 * ignored.
 */
#ifndef VMM_I8042_H
#define VMM_I8042_H

#include "core/io_bus.h"

#define I8042_DATA_PORT	   0x60
#define I8042_COMMAND_PORT 0x64
#define I8042_CMD_RESET	   0xfe

#define I8042_STATUS_ABSENT 0x01 /* output buffer full, input buffer empty */
#define I8042_DATA_ABSENT   0xff

int i8042_io(void *opaque, struct io_access *access);

#endif
