/* Unit tests for the console: debug-port lines per vCPU, bad accesses, long lines, threads. */
#include "core/io_bus.h"
#include "core/stop.h"
#include "dev/console.h"
#include "test_util.h"

static int debug_put(struct console *con, unsigned int vcpu, char c)
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
	debug_put(&con, 0, 'a');
	debug_put(&con, 1, 'X');
	debug_put(&con, 0, '\n');
	debug_put(&con, 1, 'Y');
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
		ck_assert_int_eq(debug_put(&con, 2, 'z'), VM_RUNNING);
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

#define RACE_LINES 20000

static void *race_writer(void *opaque)
{
	for (unsigned int i = 0; i < RACE_LINES; i++)
		for (const char *p = "0123456789\n"; *p; p++)
			debug_put(opaque, 5, *p);
	return NULL;
}

/*
 * A panic flushes every line from one vCPU's thread while the others still write, and the
 * UART's stream line (console_put) shares the lock: the stream's lines leave whole, and with
 * them taken out the debug port's bytes are all there, once, in order.
 */
START_TEST(test_console_flush_while_writing)
{
	struct console con;
	struct console_line stream = { 0 };
	char *text = NULL, *rest, *q;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	pthread_t writer;
	unsigned int whole = 0;

	ck_assert_int_eq(console_init(&con, out), 0);
	ck_assert_int_eq(pthread_create(&writer, NULL, race_writer, &con), 0);
	for (unsigned int i = 0; i < RACE_LINES; i++) {
		for (const char *p = "abcdefghij\n"; *p; p++)
			console_put(&con, &stream, *p);
		console_flush(&con);
	}
	pthread_join(writer, NULL);
	console_flush(&con);
	fflush(out);
	ck_assert_uint_eq(len, 2 * 11 * RACE_LINES);
	rest = q = calloc(1, len + 1);
	for (const char *p = text; *p;)
		if (!strncmp(p, "abcdefghij\n", 11))
			p += 11, whole++;
		else
			*q++ = *p++;
	ck_assert_uint_eq(whole, RACE_LINES);
	for (unsigned int i = 0; i < RACE_LINES; i++)
		ck_assert(!strncmp(rest + 11 * i, "0123456789\n", 11));
	free(rest);
	console_destroy(&con);
	fclose(out);
	free(text);
}
END_TEST

TEST_MAIN("console", test_console_lines_per_vcpu, test_console_rejects_reads_and_wide_writes,
	  test_console_long_line_is_split, test_console_flush_while_writing)
