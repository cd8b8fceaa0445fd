/*
 * Unit tests for the control socket's protocol (control/control.c): requests checked as
 * untrusted input, replies as JSON, and a real socket served on its thread: mode 0600, one
 * reply per connection, errors for oversized, malformed and unfinished requests.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "control/control.h"
#include "test_util.h"

static struct control_reply r;
static char path[64];

static int parse(const char *text, bool complete, char **verb, char **arg)
{
	static char buf[CONTROL_REQUEST_MAX + 2];
	size_t n = strlen(text);

	memcpy(buf, text, n + 1);
	memset(&r, 0, sizeof(r));
	return control_parse_request(buf, n, complete, verb, arg, &r);
}

START_TEST(test_parse_request)
{
	char *verb, *arg;

	ck_assert_int_eq(parse("pause\n", true, &verb, &arg), 0);
	ck_assert_str_eq(verb, "pause");
	ck_assert_ptr_null(arg);
	ck_assert_int_eq(parse("  snapshot   /tmp/a b\n", true, &verb, &arg), 0);
	ck_assert_str_eq(verb, "snapshot");
	ck_assert_str_eq(arg, "/tmp/a b");
	ck_assert_int_eq(parse("stats", true, &verb, &arg), 0); /* EOF ends it too */
	ck_assert_str_eq(verb, "stats");
}
END_TEST

START_TEST(test_parse_refuses_bad_requests)
{
	static char big[CONTROL_REQUEST_MAX + 2];
	char *verb, *arg;

	ck_assert_int_eq(parse("\n", true, &verb, &arg), -EINVAL);
	ck_assert_str_eq(r.text,
			 "{\"ok\":false,\"error\":\"empty request (commands: pause, resume, "
			 "snapshot FILE, stats, stop)\"}");
	ck_assert_int_eq(parse("pau\x01se\n", true, &verb, &arg), -EINVAL);
	ck_assert_str_eq(r.text, "{\"ok\":false,\"error\":\"malformed request: byte 0x01 at offset "
				 "3 (one line of printable text expected)\"}");
	ck_assert_int_eq(parse("pause", false, &verb, &arg), -EINVAL);
	ck_assert_ptr_nonnull(strstr(r.text, "incomplete request: 5 bytes and no newline"));
	memset(big, 'a', CONTROL_REQUEST_MAX + 1);
	ck_assert_int_eq(parse(big, true, &verb, &arg), -EINVAL);
	ck_assert_ptr_nonnull(strstr(r.text, "request longer than 4096 bytes"));
}
END_TEST

START_TEST(test_json_strings_escaped)
{
	memset(&r, 0, sizeof(r));
	control_reply_error(&r, "bad '%s'", "a\"b\\c\n\x7f");
	ck_assert_str_eq(r.text, "{\"ok\":false,\"error\":\"bad 'a\\\"b\\\\c\\u000a\\u007f'\"}");
}
END_TEST

/* The test's commands: "echo ARG" answers with ARG; anything else is unknown. */
static void echo_handler(void *opaque, const char *verb, const char *arg,
			 struct control_reply *reply)
{
	++*(int *)opaque;
	if (strcmp(verb, "echo"))
		return control_reply_error(reply, "unknown command '%s'", verb);
	control_reply_add(reply, "{\"ok\":true,\"arg\":");
	control_reply_string(reply, arg ? arg : "");
	control_reply_add(reply, "}");
}

static struct control c;
static int calls;

static void socket_setup(void)
{
	test_log_capture();
	snprintf(path, sizeof(path), "/tmp/check_control.%d", (int)getpid());
	calls = 0;
	ck_assert_int_eq(control_start(&c, path, echo_handler, &calls), 0);
}

static void socket_teardown(void)
{
	control_stop(&c);
	test_log_release();
}

/* Send raw bytes on a fresh connection (@close_write: end the request with EOF). */
static void send_raw(const char *data, size_t n, bool close_write, char *reply, size_t len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ssize_t got, total = 0;

	strcpy(addr.sun_path, path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(send(fd, data, n, MSG_NOSIGNAL), (ssize_t)n);
	if (close_write)
		shutdown(fd, SHUT_WR);
	while ((got = read(fd, reply + total, len - 1 - (size_t)total)) > 0)
		total += got;
	reply[total] = '\0';
	close(fd);
}

START_TEST(test_socket_serves_commands)
{
	static char reply[CONTROL_REPLY_MAX];
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(control_send(path, "echo hi there\n", reply, sizeof(reply), 5000), 0);
	ck_assert_str_eq(reply, "{\"ok\":true,\"arg\":\"hi there\"}\n");
	ck_assert_int_eq(control_send(path, "nope\n", reply, sizeof(reply), 5000), 0);
	ck_assert_str_eq(reply, "{\"ok\":false,\"error\":\"unknown command 'nope'\"}\n");
	ck_assert_int_eq(calls, 2);
	/* A second VMM on the same path is refused, naming it. */
	{
		struct control other;

		ck_assert_int_eq(control_start(&other, path, echo_handler, &calls), -EEXIST);
		ck_assert_logged("(remove it if no VMM uses it)");
	}
}
END_TEST

START_TEST(test_socket_refuses_bad_clients)
{
	static char big[CONTROL_REQUEST_MAX * 2], reply[CONTROL_REPLY_MAX];

	memset(big, 'x', sizeof(big));
	send_raw(big, sizeof(big), true, reply, sizeof(reply));
	ck_assert_ptr_nonnull(strstr(reply, "request longer than 4096 bytes"));
	send_raw("echo \xff\n", 7, true, reply, sizeof(reply));
	ck_assert_ptr_nonnull(strstr(reply, "malformed request: byte 0xff at offset 5"));
	/* No newline and the connection left open: the server gives up after its timeout. */
	send_raw("echo", 4, false, reply, sizeof(reply));
	ck_assert_ptr_nonnull(strstr(reply, "incomplete request: 4 bytes"));
	ck_assert_int_eq(calls, 0); /* none of these reached the commands */
	ck_assert_int_eq(control_send(path, "echo ok\n", reply, sizeof(reply), 5000), 0);
	ck_assert_str_eq(reply, "{\"ok\":true,\"arg\":\"ok\"}\n");
}
END_TEST

START_TEST(test_start_refuses_long_path)
{
	static char long_path[200];
	struct control other;

	memset(long_path, 'p', sizeof(long_path) - 1);
	ck_assert_int_eq(control_start(&other, long_path, echo_handler, &calls), -ENAMETOOLONG);
	ck_assert_logged("bytes, at most 103 fit");
}
END_TEST

TEST_SUITE("control",
	   { .name = "protocol",
	     TEST_LOG_FIXTURE,
	     .tests = TESTS(test_parse_request, test_parse_refuses_bad_requests,
			    test_json_strings_escaped, test_start_refuses_long_path) },
	   { .name = "socket",
	     .setup = socket_setup,
	     .teardown = socket_teardown,
	     .timeout = 30,
	     .tests = TESTS(test_socket_serves_commands, test_socket_refuses_bad_clients) })
