/*
 * A 16550A-compatible UART at 0x3f8 and isa-debug-exit at 0xf4. The UART transmits at once (to
 * the console, as one stream whichever vCPU writes), has a FIFO flag, loopback for a driver's
 * probe, and the transmitter-empty interrupt on a line (COM1's IRQ 4 on the PC machine) for
 * drivers that wait for it, as Linux's tty does. No receive.
 */
#ifndef VMM_UART_H
#define VMM_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dev/console.h"
#include "core/io_bus.h"
#include "ports.h"

#define UART_PANIC_TEXT "Kernel panic - not syncing"

struct uart {
	struct console *console;
	pthread_mutex_t lock; /* vCPUs of an SMP guest write it side by side */
	/*
	 * The line being sent: one for the device, not one per vCPU, since an SMP guest's line
	 * can leave through several CPUs (Linux's tty drains on whichever CPU takes the IRQ).
	 */
	struct console_line line;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thre_pending; /* the transmitter-empty interrupt, until IIR is read or THR written */
	bool irq_level;
	/* The interrupt line: NULL where the machine has none (polled guests). */
	void (*set_irq)(void *opaque, int level);
	void *irq_opaque;
	/* Linux guests: a panic on the console ends the run (VM_STOP_PANIC). */
	bool watch_panic;
	char tail[sizeof(UART_PANIC_TEXT)];
};

int uart_init(struct uart *u, struct console *console) __must_check;
/* Writes out an unfinished last line, so call it before console_destroy(). */
void uart_destroy(struct uart *u);
int uart_io(void *opaque, struct io_access *access);

/* isa-debug-exit: a write of v ends the run with exit status (v << 1) | 1, as under QEMU. */
struct debug_exit {
	int status; /* set when the guest wrote */
};

int debug_exit_io(void *opaque, struct io_access *access);

#endif
