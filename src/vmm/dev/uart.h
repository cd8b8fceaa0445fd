/* A 16550-compatible UART at 0x3f8 (polled output and line status) and isa-debug-exit at 0xf4. */
#ifndef VMM_UART_H
#define VMM_UART_H

#include <stdint.h>

#include "dev/console.h"
#include "core/io_bus.h"
#include "ports.h"

/* Register state a guest may read back; transmitted bytes go to the console (line-buffered). */
struct uart {
	struct console *console;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
};

void uart_init(struct uart *u, struct console *console);
int uart_io(void *opaque, struct io_access *access);

/* isa-debug-exit: a write of v ends the run with exit status (v << 1) | 1, as under QEMU. */
struct debug_exit {
	int status; /* set when the guest wrote */
};

int debug_exit_io(void *opaque, struct io_access *access);

#endif
