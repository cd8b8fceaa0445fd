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

START_TEST(test_uart_polled_output)
{
	struct console con;
	struct uart u;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	uint8_t v;

	ck_assert_int_eq(console_init(&con, out), 0);
	uart_init(&u, &con);
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
	console_destroy(&con);
	fclose(out);
	free(text);
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

TEST_MAIN("uart", test_uart_polled_output, test_debug_exit_status)
