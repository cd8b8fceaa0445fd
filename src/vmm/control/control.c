/* The control socket's protocol: listen, read one request, check it, reply (control.h). */
#include "control/control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"

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

/* Read one request from @fd: until a newline, EOF, CONTROL_REQUEST_MAX bytes or the timeout. */
static size_t control_read_request(int fd, char *buf, bool *complete)
{
	size_t len = 0;

	*complete = false;
	while (len < CONTROL_REQUEST_MAX && !memchr(buf, '\n', len)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, CONTROL_CLIENT_TIMEOUT_MS) <= 0)
			return len; /* the timeout: incomplete */
		n = read(fd, buf + len, CONTROL_REQUEST_MAX - len);
		if (n <= 0) {
			*complete = n == 0; /* EOF ends a request without a newline */
			return len;
		}
		len += (size_t)n;
	}
	if (len == CONTROL_REQUEST_MAX && !memchr(buf, '\n', len))
		len++; /* more than the limit was sent (or would be): too long */
	return len;
}

static void control_serve_one(struct control *c, int fd)
{
	static char buf[CONTROL_REQUEST_MAX + 1];
	static struct control_reply reply;
	char *verb, *arg;
	bool complete;
	size_t len = control_read_request(fd, buf, &complete);
	char *nl = memchr(buf, '\n', len < CONTROL_REQUEST_MAX ? len : CONTROL_REQUEST_MAX);

	if (nl)
		len = (size_t)(nl - buf) + 1; /* one request per connection: the rest is ignored */
	reply.len = 0;
	reply.overflow = false;
	if (!control_parse_request(buf, len, complete, &verb, &arg, &reply))
		c->handle(c->opaque, verb, arg, &reply);
	if (reply.overflow)
		control_reply_error(&reply, "reply longer than %d bytes", CONTROL_REPLY_MAX);
	control_reply_add(&reply, "\n");
	for (size_t done = 0; done < reply.len;) {
		ssize_t n = send(fd, reply.text + done, reply.len - done, MSG_NOSIGNAL);

		if (n <= 0)
			break; /* the client left: its loss */
		done += (size_t)n;
	}
}

static void *control_thread(void *arg)
{
	struct control *c = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = c->listen_fd, .events = POLLIN },
				       { .fd = c->wake[0], .events = POLLIN } };
		int fd;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		control_serve_one(c, fd);
		close(fd);
	}
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
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(addr.sun_path); /* a leftover of a VMM that died before its link */
	/* Linux gives the socket file the socket inode's mode (less the umask): 0600 from birth. */
	if (fchmod(fd, 0600) || bind(fd, (struct sockaddr *)&addr, sizeof(addr)))
		err = errno;
	else if (listen(fd, 4) || link(addr.sun_path, path))
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
	if (pipe2(c->wake, O_CLOEXEC))
		return -errno;
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
	c->started = false;
}

int control_send(const char *path, const char *request, char *reply, size_t len, int timeout_ms)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t got = 0, req_len = strlen(request);
	int fd, ret = 0;

	if (strlen(path) >= sizeof(addr.sun_path) || !len)
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    send(fd, request, req_len, MSG_NOSIGNAL) != (ssize_t)req_len) {
		ret = -errno;
		close(fd);
		return ret;
	}
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
	return ret ? ret : got ? 0 : -ECONNRESET;
}
