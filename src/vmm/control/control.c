/* The control socket's protocol: listen, poll every client, check requests, reply (control.h). */
#include "control/control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mono_time.h"

__attribute__((format(printf, 2, 0))) static void reply_vadd(struct control_reply *r,
							     const char *fmt, va_list ap)
{
	int n;

	if (r->overflow)
		return;
	n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	if (n < 0 || (size_t)n >= sizeof(r->text) - r->len) {
		r->overflow = true;
		return;
	}
	r->len += (size_t)n;
}

void control_reply_add(struct control_reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_vadd(r, fmt, ap);
	va_end(ap);
}

void control_reply_string(struct control_reply *r, const char *text)
{
	control_reply_add(r, "\"");
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\')
			control_reply_add(r, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			control_reply_add(r, "\\u%04x", *p);
		else
			control_reply_add(r, "%c", *p);
	}
	control_reply_add(r, "\"");
}

void control_reply_error(struct control_reply *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->len = 0;
	r->overflow = false;
	control_reply_add(r, "{\"ok\":false,\"error\":");
	control_reply_string(r, msg);
	control_reply_add(r, "}");
}

int control_parse_request(char *buf, size_t len, bool complete, char **verb, char **arg,
			  struct control_reply *reply)
{
	size_t end = len;

	if (len > CONTROL_REQUEST_MAX || (len == CONTROL_REQUEST_MAX && buf[len - 1] != '\n')) {
		control_reply_error(reply, "request longer than %d bytes", CONTROL_REQUEST_MAX);
		return -EINVAL;
	}
	if (len && buf[len - 1] == '\n')
		end = len - 1;
	else if (!complete) {
		control_reply_error(reply,
				    "incomplete request: %zu bytes and no newline within "
				    "%d ms",
				    len, CONTROL_CLIENT_TIMEOUT_MS);
		return -EINVAL;
	}
	for (size_t i = 0; i < end; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f) {
			control_reply_error(reply,
					    "malformed request: byte 0x%02x at offset %zu "
					    "(one line of printable text expected)",
					    (unsigned char)buf[i], i);
			return -EINVAL;
		}
	buf[end] = '\0';
	*verb = buf + strspn(buf, " ");
	if (!**verb) {
		control_reply_error(reply, "empty request (commands: pause, resume, snapshot "
					   "FILE, stats, stop)");
		return -EINVAL;
	}
	*arg = *verb + strcspn(*verb, " ");
	if (**arg) {
		*(*arg)++ = '\0';
		*arg += strspn(*arg, " ");
	}
	if (!**arg)
		*arg = NULL;
	return 0;
}

/* One connection: its request as it arrives, then the part of its reply not yet taken. */
struct control_client {
	int fd;
	uint64_t deadline_ns; /* reading: for the whole request; writing: for the whole reply */
	size_t len;	      /* request bytes received, all printable and none a newline */
	char *out; /* the reply's rest when the socket did not take it at once, else NULL */
	size_t out_len, out_done;
	char buf[CONTROL_REQUEST_MAX + 1];
};

/* The server thread's state. */
struct control_clients {
	struct control_client *slot[CONTROL_CLIENTS_MAX];
	unsigned int nr;
	/* [0] the wake pipe, [1] the listener, [2 + i] slot[i], as set before each poll */
	struct pollfd pfd[CONTROL_CLIENTS_MAX + 2];
	uint64_t listen_after_ns; /* accept() ran out of fds: leave the listener until then */
	bool full_logged;	  /* one warning per stretch of refusals, not one per client */
	struct control_reply reply;
};

#define NS_PER_MS		1000000u
#define CONTROL_ACCEPT_PAUSE_MS 100

static void client_close(struct control_clients *cs, unsigned int i)
{
	struct control_client *cl = cs->slot[i];

	close(cl->fd);
	free(cl->out);
	free(cl);
	cs->slot[i] = cs->slot[--cs->nr];
	cs->full_logged = false;
}

/*
 * Send @len bytes of @text without waiting; keep what the socket does not take for POLLOUT.
 * Returns whether the connection stays open: it closes once the reply is out (one request
 * per connection) or the client has gone.
 */
static bool client_queue(struct control_client *cl, const char *text, size_t len)
{
	ssize_t n = send(cl->fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return false;
	n = n < 0 ? 0 : n;
	if ((size_t)n == len)
		return false;
	cl->out = malloc(len - (size_t)n);
	if (!cl->out)
		return false;
	memcpy(cl->out, text + n, len - (size_t)n);
	cl->out_len = len - (size_t)n;
	cl->out_done = 0;
	cl->deadline_ns = mono_now_ns() + CONTROL_REPLY_TIMEOUT_MS * (uint64_t)NS_PER_MS;
	return true;
}

/* Check the first @len bytes of @cl's request, run it, and send the reply. */
static bool client_answer(struct control *c, struct control_client *cl, size_t len, bool complete)
{
	struct control_reply *r = &c->clients->reply;
	char *verb, *arg;

	r->len = 0;
	r->overflow = false;
	if (!control_parse_request(cl->buf, len, complete, &verb, &arg, r))
		c->handle(c->opaque, verb, arg, r);
	control_reply_add(r, "\n");
	if (r->overflow) {
		control_reply_error(r, "reply longer than %d bytes", CONTROL_REPLY_MAX);
		control_reply_add(r, "\n");
	}
	return client_queue(cl, r->text, r->len);
}

/*
 * Take what @cl sent. The request is answered as soon as it is decided: at its newline, at
 * EOF, at the first byte that is not printable (its error names it; waiting for more would
 * not change it), or at CONTROL_REQUEST_MAX bytes without a newline. Bytes after the newline
 * are never read: one request per connection.
 */
static bool client_read(struct control *c, struct control_client *cl)
{
	size_t old = cl->len;
	ssize_t n = read(cl->fd, cl->buf + cl->len, CONTROL_REQUEST_MAX - cl->len);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR; /* else the client has gone */
	if (n == 0)
		return client_answer(c, cl, cl->len, true); /* EOF ends a request too */
	cl->len += (size_t)n;
	for (size_t i = old; i < cl->len; i++) {
		unsigned char b = (unsigned char)cl->buf[i];

		if (b == '\n' || b < 0x20 || b >= 0x7f)
			return client_answer(c, cl, i + 1, true);
	}
	if (cl->len == CONTROL_REQUEST_MAX)
		return client_answer(c, cl, cl->len, true); /* too long */
	return true;
}

static bool client_write(struct control_client *cl)
{
	ssize_t n = send(cl->fd, cl->out + cl->out_done, cl->out_len - cl->out_done,
			 MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	cl->out_done += (size_t)n;
	return cl->out_done < cl->out_len;
}

/* A client past its deadline: an unfinished request is answered, an untaken reply dropped. */
static bool client_expire(struct control *c, struct control_client *cl)
{
	if (!cl->out)
		return client_answer(c, cl, cl->len, false);
	pr_warn("control socket: a client left %zu bytes of its reply untaken for %d ms; "
		"closed it",
		cl->out_len - cl->out_done, CONTROL_REPLY_TIMEOUT_MS);
	return false;
}

/* Over the bound: say so in the protocol's own words, and close. */
static void control_refuse(struct control *c, int fd)
{
	struct control_clients *cs = c->clients;
	struct control_reply *r = &cs->reply;

	control_reply_error(r,
			    "too many clients: the control socket serves at most %d "
			    "connections at once; try again when one has closed",
			    CONTROL_CLIENTS_MAX);
	control_reply_add(r, "\n");
	/* Logged before the client can see its reply (a test reads the log when it has it). */
	if (!cs->full_logged)
		pr_warn("control socket: %d clients connected; refusing more", CONTROL_CLIENTS_MAX);
	cs->full_logged = true;
	/* A fresh socket's buffer takes one short line; if not, the client loses only that. */
	if (send(fd, r->text, r->len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		pr_debug("control socket: refusal not sent: %s", strerror(errno));
	close(fd);
}

/* Take every pending connection. */
static void control_accept(struct control *c)
{
	struct control_clients *cs = c->clients;
	struct control_client *cl;
	int fd;

	for (;;) {
		fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0 && errno != EAGAIN) {
			/* Out of fds: the listener stays readable, so stop polling it a while. */
			pr_warn("control socket: accept: %s", strerror(errno));
			cs->listen_after_ns =
				mono_now_ns() + CONTROL_ACCEPT_PAUSE_MS * (uint64_t)NS_PER_MS;
		}
		if (fd < 0)
			return;
		if (cs->nr == CONTROL_CLIENTS_MAX) {
			control_refuse(c, fd);
			continue;
		}
		cl = malloc(sizeof(*cl));
		if (!cl) {
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->len = 0;
		cl->out = NULL;
		cl->deadline_ns = mono_now_ns() + CONTROL_CLIENT_TIMEOUT_MS * (uint64_t)NS_PER_MS;
		cs->slot[cs->nr++] = cl;
	}
}

/* Fill the poll set; returns poll's timeout: until the nearest deadline. */
static int control_poll_setup(struct control *c, uint64_t now)
{
	struct control_clients *cs = c->clients;
	uint64_t next = UINT64_MAX;

	cs->pfd[0] = (struct pollfd){ .fd = c->wake[0], .events = POLLIN };
	cs->pfd[1] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	if (now < cs->listen_after_ns) {
		cs->pfd[1].fd = -1; /* poll skips it */
		next = cs->listen_after_ns;
	}
	for (unsigned int i = 0; i < cs->nr; i++) {
		struct control_client *cl = cs->slot[i];

		cs->pfd[2 + i] =
			(struct pollfd){ .fd = cl->fd, .events = cl->out ? POLLOUT : POLLIN };
		if (cl->deadline_ns < next)
			next = cl->deadline_ns;
	}
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)((next - now + NS_PER_MS - 1) / NS_PER_MS);
}

/*
 * Serve the clients poll found ready, then those past their deadline. Walked from the end,
 * so client_close, which moves the last client into the hole, leaves the rest unvisited in
 * place.
 */
static void control_serve(struct control *c)
{
	struct control_clients *cs = c->clients;
	uint64_t now;

	for (unsigned int i = cs->nr; i-- > 0;) {
		struct control_client *cl = cs->slot[i];

		if (cs->pfd[2 + i].revents && !(cl->out ? client_write(cl) : client_read(c, cl)))
			client_close(cs, i);
	}
	now = mono_now_ns();
	for (unsigned int i = cs->nr; i-- > 0;)
		if (now >= cs->slot[i]->deadline_ns && !client_expire(c, cs->slot[i]))
			client_close(cs, i);
}

static void *control_thread(void *arg)
{
	struct control *c = arg;
	struct control_clients *cs = c->clients;

	for (;;) {
		int timeout = control_poll_setup(c, mono_now_ns());

		if (poll(cs->pfd, cs->nr + 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("control socket: poll: %s", strerror(errno));
			break;
		}
		if (cs->pfd[0].revents)
			break;
		control_serve(c);
		if (cs->pfd[1].revents)
			control_accept(c);
	}
	while (cs->nr)
		client_close(cs, cs->nr - 1);
	return NULL;
}

#define CONTROL_TMP_SUFFIX ".new"

/*
 * Listen on @path. The socket is bound and listening under PATH.new first, then linked to
 * PATH: whoever sees the file can connect at once (no window between bind and listen), and
 * link(), unlike rename(), refuses to replace a socket another VMM may be serving.
 */
static int control_listen(struct control *c, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t max = sizeof(addr.sun_path) - sizeof(CONTROL_TMP_SUFFIX);
	int fd, err = 0;

	if (strlen(path) > max) {
		pr_err("control socket path '%s' is %zu bytes, at most %zu fit", path, strlen(path),
		       max);
		return -ENAMETOOLONG;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s" CONTROL_TMP_SUFFIX, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(addr.sun_path); /* a leftover of a VMM that died before its link */
	/* Linux gives the socket file the socket inode's mode (less the umask): 0600 from birth. */
	if (fchmod(fd, 0600) || bind(fd, (struct sockaddr *)&addr, sizeof(addr)))
		err = errno;
	/* A burst of clients waits in the backlog, not refused with EAGAIN before being seen. */
	else if (listen(fd, SOMAXCONN) || link(addr.sun_path, path))
		err = errno;
	unlink(addr.sun_path); /* PATH, if linked, keeps the socket */
	if (err) {
		pr_err("control socket %s: %s%s", path, strerror(err),
		       err == EEXIST ? " (remove it if no VMM uses it)" : "");
		close(fd);
		return -err;
	}
	c->listen_fd = fd;
	snprintf(c->path, sizeof(c->path), "%s", path);
	return 0;
}

int control_start(struct control *c, const char *path, control_handler handle, void *opaque)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->listen_fd = -1;
	c->handle = handle;
	c->opaque = opaque;
	c->clients = calloc(1, sizeof(*c->clients));
	if (!c->clients)
		return -ENOMEM;
	if (pipe2(c->wake, O_CLOEXEC)) {
		ret = -errno;
		free(c->clients);
		return ret;
	}
	ret = control_listen(c, path);
	if (!ret)
		ret = -pthread_create(&c->thread, NULL, control_thread, c);
	if (ret) {
		if (c->listen_fd >= 0) {
			close(c->listen_fd);
			unlink(c->path);
		}
		close(c->wake[0]);
		close(c->wake[1]);
		free(c->clients);
		return ret;
	}
	c->started = true;
	return 0;
}

void control_stop(struct control *c)
{
	if (!c->started)
		return;
	if (write(c->wake[1], "x", 1) != 1)
		pr_warn("control socket: cannot wake its thread: %s", strerror(errno));
	pthread_join(c->thread, NULL);
	close(c->listen_fd);
	unlink(c->path);
	close(c->wake[0]);
	close(c->wake[1]);
	free(c->clients);
	c->clients = NULL;
	c->started = false;
}

int control_send(const char *path, const char *request, char *reply, size_t len, int timeout_ms)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t got = 0, req_len = strlen(request);
	int fd, ret = 0, send_err = 0;
	ssize_t sent;

	if (strlen(path) >= sizeof(addr.sun_path) || !len)
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	/* A server over its bound may have answered and closed already: read its reason. */
	sent = send(fd, request, req_len, MSG_NOSIGNAL);
	if (sent != (ssize_t)req_len)
		send_err = sent < 0 ? -errno : -EIO;
	else
		shutdown(fd, SHUT_WR);
	while (got < len - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		n = read(fd, reply + got, len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	reply[got] = '\0';
	close(fd);
	return ret ? ret : got ? 0 : send_err ? send_err : -ECONNRESET;
}
