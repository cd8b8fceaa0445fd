/*
 * The 16550 subset polled-output guests use: THR writes are printed, LSR always says the
 * transmitter is empty, the other registers hold what was written. No receive, no interrupts.
 */
#include "dev/uart.h"

#include <string.h>

#include "core/stop.h"

void uart_init(struct uart *u, struct console *console)
{
	memset(u, 0, sizeof(*u));
	u->console = console;
}

static uint8_t *uart_reg(struct uart *u, uint64_t offset)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_REG_THR_RBR: return dlab ? &u->dll : NULL;
	case UART_REG_IER: return dlab ? &u->dlm : &u->ier;
	case UART_REG_LCR: return &u->lcr;
	case UART_REG_MCR: return &u->mcr;
	case UART_REG_SCR: return &u->scr;
	default: return NULL;
	}
}

int uart_io(void *opaque, struct io_access *a)
{
	struct uart *u = opaque;
	uint8_t *reg = uart_reg(u, a->offset);

	if (a->size != 1)
		return VM_RUNNING; /* wider accesses: ignored writes, reads of zero */
	if (a->write) {
		if (a->offset == UART_REG_THR_RBR && !(u->lcr & UART_LCR_DLAB)) {
			struct io_access byte = *a;

			byte.size = 1;
			return console_io(u->console, &byte);
		}
		if (reg)
			*reg = a->data[0];
		return VM_RUNNING;
	}
	if (a->offset == UART_REG_LSR)
		a->data[0] = UART_LSR_THRE | UART_LSR_TEMT;
	else if (a->offset == UART_REG_IIR_FCR)
		a->data[0] = UART_IIR_NO_INTERRUPT;
	else if (reg)
		a->data[0] = *reg;
	return VM_RUNNING;
}

int debug_exit_io(void *opaque, struct io_access *a)
{
	struct debug_exit *d = opaque;
	uint32_t v = 0;

	if (!a->write)
		return VM_RUNNING; /* reads give 0, as on QEMU */
	memcpy(&v, a->data, a->size < sizeof(v) ? a->size : sizeof(v));
	d->status = (int)(((v << 1) | 1) & 0xff);
	return VM_STOP_DEBUG_EXIT;
}
