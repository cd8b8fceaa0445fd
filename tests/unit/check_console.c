/* Unit tests for the debug console (port 0xe9): lines per vCPU, bad accesses, long lines. */
#include "core/io_bus.h"
#include "core/stop.h"
#include "dev/console.h"
#include "test_util.h"

static int console_put(struct console *con, unsigned int vcpu, char c)
{
	uint8_t byte = (uint8_t)c;
	struct io_access a = {
		.addr = 0xe9, .size = 1, .write = true, .data = &byte, .vcpu_id = vcpu
	};

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
	ck_assert_str_eq(text, "a\n"); /* vCPU 1's line is not complete yet */
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

TEST_MAIN("console", test_console_lines_per_vcpu, test_console_rejects_reads_and_wide_writes,
	  test_console_long_line_is_split)
