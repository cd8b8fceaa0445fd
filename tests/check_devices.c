/* Unit tests for the device range table and the debug console device. */
#include "dev/console.h"
#include "core/exit.h"
#include "core/io_bus.h"
#include "dev/fw_cfg.h"
#include "dev/uart.h"
#include "test_util.h"

static int dummy_io(void *opaque, struct io_access *a)
{
	return VM_RUNNING;
}

static struct io_bus bus;

static void setup(void)
{
	test_log_capture();
	io_bus_init(&bus, "port", 0x10000);
}

static void teardown(void)
{
	log_set_sink(NULL);
}

START_TEST(test_register_and_find)
{
	ck_assert_int_eq(io_bus_register(&bus, 0x3f8, 8, "uart", dummy_io, NULL), 0);
	ck_assert_int_eq(io_bus_register(&bus, 0xe9, 1, "console", dummy_io, NULL), 0);
	ck_assert_ptr_nonnull(io_bus_find(&bus, 0x3f8, 1));
	ck_assert_str_eq(io_bus_find(&bus, 0x3ff, 1)->name, "uart");
	ck_assert_ptr_null(io_bus_find(&bus, 0x400, 1));
	ck_assert_ptr_null(io_bus_find(&bus, 0x3f7, 1));
	ck_assert_ptr_null(io_bus_find(&bus, 0x3fe, 4));	/* runs past the end */
	ck_assert_str_eq(io_bus_find(&bus, 0xe9, 1)->name, "console");
}
END_TEST

START_TEST(test_overlap_rejected)
{
	ck_assert_int_eq(io_bus_register(&bus, 0x3f8, 8, "uart", dummy_io, NULL), 0);
	ck_assert_int_eq(io_bus_register(&bus, 0x3ff, 2, "late", dummy_io, NULL), -EBUSY);
	ck_assert_logged("port device late at 0x3ff+0x2 overlaps uart at 0x3f8+0x8");
	ck_assert_int_eq(io_bus_register(&bus, 0x3f0, 0x20, "cover", dummy_io, NULL), -EBUSY);
	ck_assert_int_eq(io_bus_register(&bus, 0x3f0, 8, "below", dummy_io, NULL), 0);
}
END_TEST

START_TEST(test_bad_ranges_rejected)
{
	ck_assert_int_eq(io_bus_register(&bus, 0x80, 0, "empty", dummy_io, NULL), -EINVAL);
	ck_assert_logged("port device empty: invalid range base 0x80 length 0x0");
	ck_assert_int_eq(io_bus_register(&bus, 0xfffe, 4, "wrap", dummy_io, NULL), -EINVAL);
	ck_assert_int_eq(io_bus_register(&bus, 0x10000, 1, "high", dummy_io, NULL), -EINVAL);
	ck_assert_int_eq(io_bus_register(&bus, 0x80, 1, "nohandler", NULL, NULL), -EINVAL);
	ck_assert_int_eq(io_bus_register(&bus, 0xffff, 1, "last", dummy_io, NULL), 0);
}
END_TEST

START_TEST(test_table_full)
{
	for (int i = 0; i < IO_BUS_MAX_DEVICES; i++)
		ck_assert_int_eq(io_bus_register(&bus, 0x100 + i, 1, "d", dummy_io, NULL), 0);
	ck_assert_int_eq(io_bus_register(&bus, 0x200, 1, "extra", dummy_io, NULL), -ENOSPC);
}
END_TEST

static int console_put(struct console *con, unsigned int vcpu, char c)
{
	uint8_t byte = (uint8_t)c;
	struct io_access a = { .addr = 0xe9, .size = 1, .write = true, .data = &byte,
			       .vcpu_id = vcpu };

	return console_io(con, &a);
}

START_TEST(test_console_lines_per_vcpu)
{
	struct console con;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_int_eq(console_init(&con, out), 0);
	console_put(&con, 0, 'a');
	console_put(&con, 1, 'X');
	console_put(&con, 0, '\n');
	console_put(&con, 1, 'Y');
	fflush(out);
	ck_assert_str_eq(text, "a\n");	/* vCPU 1's line is not complete yet */
	console_flush(&con);
	fflush(out);
	ck_assert_str_eq(text, "a\nXY");
	console_destroy(&con);
	fclose(out);
	free(text);
}
END_TEST

START_TEST(test_console_rejects_reads_and_wide_writes)
{
	struct console con;
	uint8_t data[4] = { 0 };
	struct io_access a = { .addr = 0xe9, .size = 1, .write = false, .data = data };

	ck_assert_int_eq(console_init(&con, stdout), 0);
	ck_assert_int_eq(console_io(&con, &a), VM_STOP_GUEST_ERROR);
	ck_assert_logged("debug console takes byte OUTs, got a 1-byte IN");
	a.write = true;
	a.size = 4;
	ck_assert_int_eq(console_io(&con, &a), VM_STOP_GUEST_ERROR);
	console_destroy(&con);
}
END_TEST

START_TEST(test_console_long_line_is_split)
{
	struct console con;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_int_eq(console_init(&con, out), 0);
	for (int i = 0; i < CONSOLE_LINE_MAX + 10; i++)
		ck_assert_int_eq(console_put(&con, 2, 'z'), VM_RUNNING);
	fflush(out);
	ck_assert_uint_eq(len, CONSOLE_LINE_MAX);
	console_flush(&con);
	fflush(out);
	ck_assert_uint_eq(len, CONSOLE_LINE_MAX + 10);
	console_destroy(&con);
	fclose(out);
	free(text);
}
END_TEST

static int port_rw(io_handler_fn fn, void *dev, uint64_t offset, bool write, uint8_t *v)
{
	struct io_access a = { .addr = 0x3f8 + offset, .offset = offset, .size = 1,
			       .write = write, .data = v };

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
	ck_assert_uint_eq(v, 0x60);	/* LSR: transmitter empty */
	v = 0;
	port_rw(uart_io, &u, 2, false, &v);
	ck_assert_uint_eq(v, 0x01);	/* IIR: no interrupt pending */
	v = 0x80;
	port_rw(uart_io, &u, 3, true, &v);	/* DLAB on: offset 0 is the divisor */
	v = 0x0c;
	port_rw(uart_io, &u, 0, true, &v);
	v = 0x03;
	port_rw(uart_io, &u, 3, true, &v);	/* 8N1, DLAB off */
	v = 0x5a;
	port_rw(uart_io, &u, 7, true, &v);
	v = 0;
	port_rw(uart_io, &u, 7, false, &v);
	ck_assert_uint_eq(v, 0x5a);		/* scratch register reads back */
	for (const char *p = "ok\n"; *p; p++) {
		v = (uint8_t)*p;
		ck_assert_int_eq(port_rw(uart_io, &u, 0, true, &v), VM_RUNNING);
	}
	fflush(out);
	ck_assert_str_eq(text, "ok\n");	/* the divisor byte was not printed */
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
	ck_assert_int_eq(d.status, 0x21);	/* (v << 1) | 1, as QEMU's isa-debug-exit */
	v = 0;
	a.size = 1;
	ck_assert_int_eq(debug_exit_io(&d, &a), VM_STOP_DEBUG_EXIT);
	ck_assert_int_eq(d.status, 1);
	a.write = false;
	ck_assert_int_eq(debug_exit_io(&d, &a), VM_RUNNING);
}
END_TEST

static void fw_cfg_select_key(struct fw_cfg *f, uint16_t key)
{
	struct io_access a = { .addr = PORT_FW_CFG_SELECTOR, .offset = 0, .size = 2,
			       .write = true, .data = (uint8_t *)&key };

	ck_assert_int_eq(fw_cfg_io(f, &a), VM_RUNNING);
}

static uint64_t fw_cfg_read_bytes(struct fw_cfg *f, unsigned int len)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < len; i++) {
		uint8_t b = 0;	/* the bus zero-fills read data before the device sees it */
		struct io_access a = { .addr = PORT_FW_CFG_DATA, .offset = 1, .size = 1,
				       .data = &b };

		ck_assert_int_eq(fw_cfg_io(f, &a), VM_RUNNING);
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

START_TEST(test_fw_cfg_items)
{
	struct fw_cfg f;

	ck_assert_int_eq(fw_cfg_init(&f, 3, 256ull << 20), 0);
	fw_cfg_select_key(&f, FW_CFG_SIGNATURE);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 4), 0x554d4551);	/* "QEMU" */
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 2), 0);			/* past the end */
	fw_cfg_select_key(&f, FW_CFG_ID);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 4), 1);
	fw_cfg_select_key(&f, FW_CFG_NB_CPUS);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 2), 3);
	fw_cfg_select_key(&f, FW_CFG_MAX_CPUS);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 2), 3);
	fw_cfg_select_key(&f, FW_CFG_RAM_SIZE);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 8), 256ull << 20);
	fw_cfg_select_key(&f, FW_CFG_FILE_DIR);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 4), 0);
	fw_cfg_select_key(&f, 0x1234);					/* unknown */
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 8), 0);
	/* Selecting again rewinds. */
	fw_cfg_select_key(&f, FW_CFG_NB_CPUS);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 1), 3);
	fw_cfg_select_key(&f, FW_CFG_NB_CPUS);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 1), 3);
	fw_cfg_destroy(&f);
}
END_TEST

/* As under QEMU, other widths and directions within the two ports change nothing. */
START_TEST(test_fw_cfg_odd_accesses_ignored)
{
	struct fw_cfg f;
	uint8_t byte = FW_CFG_RAM_SIZE;
	uint16_t word = 0xeeee;
	struct io_access byte_select = { .addr = PORT_FW_CFG_SELECTOR, .size = 1, .write = true,
					 .data = &byte };
	struct io_access data_write = { .addr = PORT_FW_CFG_DATA, .offset = 1, .size = 1,
					.write = true, .data = &byte };
	struct io_access word_read = { .addr = PORT_FW_CFG_SELECTOR, .size = 2,
				       .data = (uint8_t *)&word };

	ck_assert_int_eq(fw_cfg_init(&f, 2, 64ull << 20), 0);
	fw_cfg_select_key(&f, FW_CFG_NB_CPUS);
	ck_assert_int_eq(fw_cfg_io(&f, &byte_select), VM_RUNNING);
	ck_assert_int_eq(fw_cfg_io(&f, &data_write), VM_RUNNING);
	word = 0;	/* the bus zero-fills read data */
	ck_assert_int_eq(fw_cfg_io(&f, &word_read), VM_RUNNING);
	ck_assert_uint_eq(word, 0);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 2), 2);	/* still NB_CPUS, from its start */
	fw_cfg_destroy(&f);
}
END_TEST

static Suite *devices_suite(void)
{
	Suite *s = suite_create("devices");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_register_and_find);
	tcase_add_test(tc, test_overlap_rejected);
	tcase_add_test(tc, test_bad_ranges_rejected);
	tcase_add_test(tc, test_table_full);
	tcase_add_test(tc, test_console_lines_per_vcpu);
	tcase_add_test(tc, test_console_rejects_reads_and_wide_writes);
	tcase_add_test(tc, test_console_long_line_is_split);
	tcase_add_test(tc, test_uart_polled_output);
	tcase_add_test(tc, test_debug_exit_status);
	tcase_add_test(tc, test_fw_cfg_items);
	tcase_add_test(tc, test_fw_cfg_odd_accesses_ignored);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(devices_suite());
}
