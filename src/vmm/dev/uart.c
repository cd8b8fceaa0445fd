/*
 * The 16550A as guests use it (uart.h): THR writes are printed at once, in the order they
 * happened whichever vCPU made them, so LSR always says the transmitter is empty, and the THRE
 * interrupt is pending whenever it is enabled and not yet acknowledged (by an IIR read or the
 * next THR write), as QEMU's serial device has it.
 */
#include "dev/uart.h"

#include <string.h>

#include "core/compiler.h"
#include "core/stop.h"

#define UART_IER_THRI	   0x02
#define UART_IIR_THRI	   0x02
#define UART_IIR_FIFO_BITS 0xc0
#define UART_FCR_ENABLE	   0x01
#define UART_MCR_LOOP	   0x10
#define UART_MSR_IDLE	   0xb0 /* DCD, DSR, CTS: a terminal is there */

int uart_init(struct uart *u, struct console *console)
{
	memset(u, 0, sizeof(*u));
	u->console = console;
	return -pthread_mutex_init(&u->lock, NULL);
}

void uart_destroy(struct uart *u)
{
	console_flush_line(u->console, &u->line);
	pthread_mutex_destroy(&u->lock);
}

/* With u->lock held: drive the line from the interrupt state. */
static void uart_update_irq(struct uart *u)
{
	bool level = u->thre_pending && (u->ier & UART_IER_THRI);

	if (level != u->irq_level && u->set_irq)
		u->set_irq(u->irq_opaque, level);
	u->irq_level = level;
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

/* In loopback the modem outputs come back as inputs: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
static uint8_t uart_msr(const struct uart *u)
{
	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_IDLE;
	return (uint8_t)((u->mcr & 0x01) << 5 | (u->mcr & 0x02) << 3 | (u->mcr & 0x0c) << 4);
}

/* Keep the last bytes sent (a NUL empties them); true once they spell the panic line. */
static bool uart_panic_seen(struct uart *u, char c)
{
	size_t n = strlen(u->tail);

	if (n + 1 >= sizeof(u->tail))
		memmove(u->tail, u->tail + 1, n--);
	u->tail[n] = c;
	u->tail[n + 1] = '\0';
	return !strcmp(u->tail, UART_PANIC_TEXT);
}

/* A byte out, with u->lock held: to the console (not in loopback), watched for a panic. */
static int uart_transmit(struct uart *u, char c)
{
	if (u->mcr & UART_MCR_LOOP)
		return VM_RUNNING;
	console_put(u->console, &u->line, c);
	if (u->watch_panic && uart_panic_seen(u, c)) {
		console_flush_line(u->console, &u->line);
		console_flush(u->console);
		return VM_STOP_PANIC;
	}
	return VM_RUNNING;
}

static int uart_write(struct uart *u, struct io_access *a)
{
	uint8_t *reg = uart_reg(u, a->offset);
	int stop = VM_RUNNING;

	if (a->offset == UART_REG_THR_RBR && !(u->lcr & UART_LCR_DLAB)) {
		stop = uart_transmit(u, (char)a->data[0]);
		u->thre_pending = true; /* sent at once: empty again */
	} else if (a->offset == UART_REG_IIR_FCR) {
		u->fcr = a->data[0];
	} else if (reg) {
		if (reg == &u->ier && !(u->ier & UART_IER_THRI) && (a->data[0] & UART_IER_THRI))
			u->thre_pending = true; /* enabling it with THR empty raises it */
		*reg = a->data[0];
	}
	uart_update_irq(u);
	return stop;
}

static void uart_read(struct uart *u, struct io_access *a)
{
	uint8_t *reg = uart_reg(u, a->offset);

	if (a->offset == UART_REG_LSR) {
		a->data[0] = UART_LSR_THRE | UART_LSR_TEMT;
	} else if (a->offset == UART_REG_IIR_FCR) {
		bool thri = u->thre_pending && (u->ier & UART_IER_THRI);

		a->data[0] = (u->fcr & UART_FCR_ENABLE ? UART_IIR_FIFO_BITS : 0) |
			     (thri ? UART_IIR_THRI : UART_IIR_NO_INTERRUPT);
		if (thri)
			u->thre_pending = false; /* reading the reason acknowledges it */
		uart_update_irq(u);
	} else if (a->offset == UART_REG_MSR) {
		a->data[0] = uart_msr(u);
	} else if (reg) {
		a->data[0] = *reg;
	}
}

int uart_io(void *opaque, struct io_access *a)
{
	struct uart *u = opaque;
	int stop = VM_RUNNING;

	if (a->size != 1)
		return VM_RUNNING; /* wider accesses: ignored writes, reads of zero */
	pthread_mutex_lock(&u->lock);
	if (a->write)
		stop = uart_write(u, a);
	else
		uart_read(u, a);
	pthread_mutex_unlock(&u->lock);
	return stop;
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
