/*
 * Unit tests for the control socket's protocol (control/control.c): requests checked as
 * untrusted input, replies as JSON, and a real socket served on its thread: mode 0600, one
 * reply per connection, errors for oversized, malformed and unfinished requests, idle and slow
 * clients delaying no other, and the bound on open connections.
 */
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "control/control.h"
#include "core/mono_time.h"
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

/* The test's commands: "echo ARG" answers with ARG, "stop" as the VMM does; others unknown. */
static void echo_handler(void *opaque, const char *verb, const char *arg,
			 struct control_reply *reply)
{
	++*(int *)opaque;
	if (!strcmp(verb, "stop"))
		return control_reply_add(reply, "{\"ok\":true,\"state\":\"stopped\"}");
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

static int client_connect(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	strcpy(addr.sun_path, path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

/* Read @fd to EOF (the server closes after its one reply), waiting at most 3 s. */
static void read_all(int fd, char *reply, size_t len)
{
	size_t total = 0;
	ssize_t got;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		ck_assert_int_eq(poll(&p, 1, 3000), 1);
		got = read(fd, reply + total, len - 1 - total);
		if (got <= 0)
			break;
		total += (size_t)got;
	}
	reply[total] = '\0';
}

/* Send raw bytes on a fresh connection (@close_write: end the request with EOF). */
static void send_raw(const char *data, size_t n, bool close_write, char *reply, size_t len)
{
	int fd = client_connect();

	ck_assert_int_eq(send(fd, data, n, MSG_NOSIGNAL), (ssize_t)n);
	if (close_write)
		shutdown(fd, SHUT_WR);
	read_all(fd, reply, len);
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

#define NR_IDLE	   20 /* connect and send nothing */
#define NR_DRIBBLE 20 /* send a byte a second */
#define NR_ECHO	   60 /* send a whole request at once */
#define NR_CLIENTS (NR_IDLE + NR_DRIBBLE + NR_ECHO)
#define NR_STOPS   5 /* from new clients, while all the others are connected */

static double ms_since(uint64_t t)
{
	return (double)(mono_now_ns() - t) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Print the max and median of @n latencies; returns the max. */
static double latency_report(const char *what, double *ms, int n)
{
	qsort(ms, (size_t)n, sizeof(*ms), cmp_double);
	printf("control: %d %s answered: max %.2f ms, median %.2f ms\n", n, what, ms[n - 1],
	       ms[n / 2]);
	return ms[n - 1];
}

/* Send every echo client's request at once; each answer's latency in @ms. */
static void echo_all(const int *fd, double *ms)
{
	static char reply[256], want[64];
	uint64_t sent[NR_ECHO];
	int left = NR_ECHO;

	for (int i = 0; i < NR_ECHO; i++) {
		int n = snprintf(want, sizeof(want), "echo %d\n", i);

		sent[i] = mono_now_ns();
		ck_assert_int_eq(send(fd[i], want, (size_t)n, MSG_NOSIGNAL), n);
	}
	while (left) {
		struct pollfd p[NR_ECHO];

		for (int i = 0; i < NR_ECHO; i++)
			p[i] = (struct pollfd){ .fd = ms[i] < 0 ? fd[i] : -1, .events = POLLIN };
		ck_assert_int_gt(poll(p, NR_ECHO, 1000), 0);
		for (int i = 0; i < NR_ECHO; i++) {
			if (!p[i].revents)
				continue;
			ms[i] = ms_since(sent[i]);
			read_all(fd[i], reply, sizeof(reply));
			snprintf(want, sizeof(want), "{\"ok\":true,\"arg\":\"%d\"}\n", i);
			ck_assert_str_eq(reply, want);
			left--;
		}
	}
}

/* Stops from new clients spread over 1.4 s; the dribblers' second byte sent at 1 s. */
static void stop_spread(uint64_t t0, const int *dribbler, double *ms)
{
	static char reply[256];
	bool dribbled = false;

	for (int k = 0; k < NR_STOPS; k++) {
		uint64_t at = t0 + (150 + 300 * (uint64_t)k) * 1000000u, t;

		while (mono_now_ns() < at)
			usleep(1000);
		for (int i = 0; i < NR_DRIBBLE && !dribbled && k >= 3; i++)
			ck_assert_int_eq(send(dribbler[i], "c", 1, MSG_NOSIGNAL), 1);
		dribbled = dribbled || k >= 3;
		t = mono_now_ns();
		ck_assert_int_eq(control_send(path, "stop\n", reply, sizeof(reply), 1000), 0);
		ms[k] = ms_since(t);
		ck_assert_str_eq(reply, "{\"ok\":true,\"state\":\"stopped\"}\n");
	}
}

/*
 * 100 clients at once: 20 idle, 20 dribbling, 60 asking. The 60 are answered and stops from
 * new clients answered within 100 ms while the 40 stay connected; those 40 get their
 * "incomplete" error at the 2 s limit (counted from connect, however slowly bytes come).
 */
START_TEST(test_socket_clients_independent)
{
	static char reply[256];
	double echo_ms[NR_ECHO], stop_ms[NR_STOPS];
	int fd[NR_CLIENTS], *dribbler = fd + NR_IDLE;
	struct pollfd p[NR_IDLE + NR_DRIBBLE];
	uint64_t t0;

	t0 = mono_now_ns(); /* before any accept: every client's 2 s end after t0 + 2 s */
	for (int i = 0; i < NR_CLIENTS; i++)
		fd[i] = client_connect();
	for (int i = 0; i < NR_DRIBBLE; i++)
		ck_assert_int_eq(send(dribbler[i], "e", 1, MSG_NOSIGNAL), 1);
	for (int i = 0; i < NR_ECHO; i++)
		echo_ms[i] = -1;
	echo_all(fd + NR_IDLE + NR_DRIBBLE, echo_ms);
	stop_spread(t0, dribbler, stop_ms);
	/* Not one idle or dribbling client has been answered (or dropped) yet. */
	for (int i = 0; i < NR_IDLE + NR_DRIBBLE; i++)
		p[i] = (struct pollfd){ .fd = fd[i], .events = POLLIN };
	ck_assert_int_eq(poll(p, NR_IDLE + NR_DRIBBLE, 0), 0);
	ck_assert_double_lt(latency_report("requests", echo_ms, NR_ECHO), 250);
	ck_assert_double_lt(latency_report("stops", stop_ms, NR_STOPS), 100);
	for (int i = 0; i < NR_IDLE + NR_DRIBBLE; i++) {
		read_all(fd[i], reply, sizeof(reply));
		ck_assert_ptr_nonnull(strstr(reply, i < NR_IDLE ? "incomplete request: 0 bytes"
								: "incomplete request: 2 bytes"));
	}
	ck_assert_double_ge(ms_since(t0), CONTROL_CLIENT_TIMEOUT_MS);
	for (int i = 0; i < NR_CLIENTS; i++)
		close(fd[i]);
	ck_assert_int_eq(calls, NR_ECHO + NR_STOPS);
}
END_TEST

/* One connection over the bound is answered with the bound and closed; a free slot is reused. */
START_TEST(test_socket_refuses_over_bound)
{
	static char reply[512], want[256];
	int fd[CONTROL_CLIENTS_MAX];

	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		fd[i] = client_connect();
	/* Accepted in order: the connection after the bound is the one refused. */
	ck_assert_int_eq(control_send(path, "echo late\n", reply, sizeof(reply), 1000), 0);
	snprintf(want, sizeof(want),
		 "{\"ok\":false,\"error\":\"too many clients: the control socket serves at most "
		 "%d connections at once; try again when one has closed\"}\n",
		 CONTROL_CLIENTS_MAX);
	ck_assert_str_eq(reply, want);
	ck_assert_logged("128 clients connected; refusing more");
	/* One ends its (empty) request and is answered: its slot is free again. */
	shutdown(fd[0], SHUT_WR);
	read_all(fd[0], reply, sizeof(reply));
	ck_assert_ptr_nonnull(strstr(reply, "empty request"));
	ck_assert_int_eq(control_send(path, "echo in\n", reply, sizeof(reply), 1000), 0);
	ck_assert_str_eq(reply, "{\"ok\":true,\"arg\":\"in\"}\n");
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		close(fd[i]);
	ck_assert_int_eq(calls, 1);
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
	     .tests = TESTS(test_socket_serves_commands, test_socket_refuses_bad_clients,
			    test_socket_clients_independent, test_socket_refuses_over_bound) })
