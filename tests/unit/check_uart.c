/* Unit tests for the 16550 UART (polled output) and isa-debug-exit, as QEMU has them. */
#include "core/io_bus.h"
#include "core/stop.h"
#include "dev/console.h"
#include "dev/uart.h"
#include "test_util.h"

static int port_rw(io_handler_fn fn, void *dev, uint64_t offset, bool write, uint8_t *v)
{
	struct io_access a = {
		.addr = 0x3f8 + offset, .offset = offset, .size = 1, .write = write, .data = v
	};

	return fn(dev, &a);
}

/* A THR write from vCPU @vcpu. */
static int thr_put(struct uart *u, unsigned int vcpu, char c)
{
	uint8_t v = (uint8_t)c;
	struct io_access a = {
		.addr = 0x3f8, .size = 1, .write = true, .data = &v, .vcpu_id = vcpu
	};

	return uart_io(u, &a);
}

START_TEST(test_uart_polled_output)
{
	struct console con;
	struct uart u;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	uint8_t v;

	ck_assert_int_eq(console_init(&con, out), 0);
	ck_assert_int_eq(uart_init(&u, &con), 0);
	v = 0;
	ck_assert_int_eq(port_rw(uart_io, &u, 5, false, &v), VM_RUNNING);
	ck_assert_uint_eq(v, 0x60); /* LSR: transmitter empty */
	v = 0;
	port_rw(uart_io, &u, 2, false, &v);
	ck_assert_uint_eq(v, 0x01); /* IIR: no interrupt pending */
	v = 0x80;
	port_rw(uart_io, &u, 3, true, &v); /* DLAB on: offset 0 is the divisor */
	v = 0x0c;
	port_rw(uart_io, &u, 0, true, &v);
	v = 0x03;
	port_rw(uart_io, &u, 3, true, &v); /* 8N1, DLAB off */
	v = 0x5a;
	port_rw(uart_io, &u, 7, true, &v);
	v = 0;
	port_rw(uart_io, &u, 7, false, &v);
	ck_assert_uint_eq(v, 0x5a); /* scratch register reads back */
	for (const char *p = "ok\n"; *p; p++) {
		v = (uint8_t)*p;
		ck_assert_int_eq(port_rw(uart_io, &u, 0, true, &v), VM_RUNNING);
	}
	fflush(out);
	ck_assert_str_eq(text, "ok\n"); /* the divisor byte was not printed */
	ck_assert_uint_eq(u.dll, 0x0c);
	uart_destroy(&u);
	console_destroy(&con);
	fclose(out);
	free(text);
}
END_TEST

static int irq_level = -1, irq_changes;

static void record_irq(void *opaque, int level)
{
	irq_level = level;
	irq_changes++;
}

/* What Linux's 8250 driver relies on: the FIFO flag, loopback, and the THRE interrupt. */
START_TEST(test_uart_interrupts_and_probe)
{
	struct console con;
	struct uart u;
	uint8_t v;

	ck_assert_int_eq(console_init(&con, fopen("/dev/null", "w")), 0);
	ck_assert_int_eq(uart_init(&u, &con), 0);
	u.set_irq = record_irq;
	v = 0x01;
	port_rw(uart_io, &u, 2, true, &v); /* FCR: FIFO on */
	port_rw(uart_io, &u, 2, false, &v);
	ck_assert_uint_eq(v, 0xc1); /* a 16550A: FIFO bits, no interrupt */
	v = 0x1a;
	port_rw(uart_io, &u, 4, true, &v); /* MCR: loopback, RTS, OUT2 */
	port_rw(uart_io, &u, 6, false, &v);
	ck_assert_uint_eq(v & 0xf0, 0x90); /* MSR: CTS and DCD come back */
	v = 0x00;
	port_rw(uart_io, &u, 4, true, &v);
	v = 0x02;
	port_rw(uart_io, &u, 1, true, &v); /* IER: THRE interrupt on, THR empty: raised */
	ck_assert_int_eq(irq_level, 1);
	port_rw(uart_io, &u, 2, false, &v);
	ck_assert_uint_eq(v, 0xc2); /* IIR: THRE; reading it acknowledges it */
	ck_assert_int_eq(irq_level, 0);
	v = 'x';
	port_rw(uart_io, &u, 0, true, &v); /* sent at once: empty again, raised again */
	ck_assert_int_eq(irq_level, 1);
	v = 0x00;
	port_rw(uart_io, &u, 1, true, &v); /* IER off: lowered */
	ck_assert_int_eq(irq_level, 0);
	ck_assert_int_eq(irq_changes, 4);
	uart_destroy(&u);
	console_destroy(&con);
}
END_TEST

/* A Linux guest's panic line on the console ends the run (VM_STOP_PANIC). */
START_TEST(test_uart_panic_watch)
{
	const char *text = "ok\n" UART_PANIC_TEXT ": Attempted to kill init!";
	struct console con;
	struct uart u;
	int stop = VM_RUNNING;

	ck_assert_int_eq(console_init(&con, fopen("/dev/null", "w")), 0);
	ck_assert_int_eq(uart_init(&u, &con), 0);
	u.watch_panic = true;
	for (const char *p = text; *p && stop == VM_RUNNING; p++) {
		uint8_t v = (uint8_t)*p;

		stop = port_rw(uart_io, &u, 0, true, &v);
	}
	ck_assert_int_eq(stop, VM_STOP_PANIC);
	uart_destroy(&u);
	console_destroy(&con);
}
END_TEST

/*
 * One device: a line whose bytes come from two vCPUs in turn (Linux moves its console output
 * between CPUs mid-line) leaves whole and in the order written, and the last, unfinished line
 * leaves when the UART goes away. Per-vCPU line buffers printed "ac\nbd\n" and held "e".
 */
START_TEST(test_uart_one_stream_for_all_vcpus)
{
	const char *text = "abcd\ne";
	struct console con;
	struct uart u;
	char *out_text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&out_text, &len);

	ck_assert_int_eq(console_init(&con, out), 0);
	ck_assert_int_eq(uart_init(&u, &con), 0);
	for (unsigned int i = 0; text[i]; i++)
		ck_assert_int_eq(thr_put(&u, i % 2, text[i]), VM_RUNNING);
	fflush(out);
	ck_assert_str_eq(out_text, "abcd\n");
	uart_destroy(&u);
	fflush(out);
	ck_assert_str_eq(out_text, "abcd\ne");
	console_destroy(&con);
	fclose(out);
	free(out_text);
}
END_TEST

/* Any vCPU number and any byte (NUL, 0xff, no newline for pages) come out unchanged. */
START_TEST(test_uart_any_bytes)
{
	struct console con;
	struct uart u;
	char *out_text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&out_text, &len);
	unsigned int n = 3 * CONSOLE_LINE_MAX;

	ck_assert_int_eq(console_init(&con, out), 0);
	ck_assert_int_eq(uart_init(&u, &con), 0);
	u.watch_panic = true;
	for (unsigned int i = 0; i < n; i++)
		ck_assert_int_eq(thr_put(&u, i * 7919u, (char)(i * 31)), VM_RUNNING);
	uart_destroy(&u);
	fflush(out);
	ck_assert_uint_eq(len, n);
	for (unsigned int i = 0; i < n; i++)
		ck_assert_int_eq((uint8_t)out_text[i], (uint8_t)(i * 31));
	console_destroy(&con);
	fclose(out);
	free(out_text);
}
END_TEST

START_TEST(test_debug_exit_status)
{
	struct debug_exit d = { 0 };
	uint32_t v = 0x10;
	struct io_access a = { .addr = 0xf4, .size = 4, .write = true, .data = (uint8_t *)&v };

	ck_assert_int_eq(debug_exit_io(&d, &a), VM_STOP_DEBUG_EXIT);
	ck_assert_int_eq(d.status, 0x21); /* (v << 1) | 1, as QEMU's isa-debug-exit */
	v = 0;
	a.size = 1;
	ck_assert_int_eq(debug_exit_io(&d, &a), VM_STOP_DEBUG_EXIT);
	ck_assert_int_eq(d.status, 1);
	a.write = false;
	ck_assert_int_eq(debug_exit_io(&d, &a), VM_RUNNING);
}
END_TEST

TEST_MAIN("uart", test_uart_polled_output, test_uart_interrupts_and_probe, test_uart_panic_watch,
	  test_uart_one_stream_for_all_vcpus, test_uart_any_bytes, test_debug_exit_status)
