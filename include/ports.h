/* I/O ports the bundled guests use to talk to the VMM. */
#ifndef PVCLOCK_VMM_PORTS_H
#define PVCLOCK_VMM_PORTS_H

/* Debug console: every byte written (OUT, byte size, also REP OUTSB) is guest text output. */
#define PORT_DEBUG_CONSOLE	0x00e9
/* Report channel: a 32-bit OUT carries the GPA of a struct guest_report (report_abi.h);
 * the port claims 4 addresses, as a 32-bit access spans them. */
#define PORT_REPORT		0x0700
/* Null port: any access is accepted and ignored (reads give 0): the cheapest possible exit. */
#define PORT_NULL		0x0704

#endif
