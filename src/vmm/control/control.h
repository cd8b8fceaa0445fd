/*
 * The control socket: a UNIX stream socket (mode 0600) that takes one command per connection,
 * a line of text ("pause", "snapshot FILE"), and answers with one line of JSON. What the
 * commands do is the handler's; this file owns the protocol, and treats every byte a client
 * sends as untrusted: a request too long, not one line of printable text, or not finished in
 * time gets an error reply naming the problem. One server thread polls every connection
 * without blocking, so an idle, slow or half-written client delays no other; up to
 * CONTROL_CLIENTS_MAX are open at once, and one more is refused with a reply saying so.
 * Commands run one at a time on that thread; no vCPU ever waits on a client.
 */
#ifndef VMM_CONTROL_H
#define VMM_CONTROL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/compiler.h"

#define CONTROL_REQUEST_MAX	  4096 /* bytes, newline included */
#define CONTROL_REPLY_MAX	  65536
#define CONTROL_CLIENT_TIMEOUT_MS 2000 /* from connect to the request's end */
#define CONTROL_REPLY_TIMEOUT_MS  2000 /* for a client to take its whole reply */
#define CONTROL_CLIENTS_MAX	  128  /* connections open at once */

/* A reply being built: one JSON object. */
struct control_reply {
	char text[CONTROL_REPLY_MAX];
	size_t len;
	bool overflow;
};

/* Append formatted text / a JSON string (quoted and escaped) to @r. */
void control_reply_add(struct control_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void control_reply_string(struct control_reply *r, const char *text);
/* The whole reply {"ok":false,"error":"..."}, the message formatted. */
void control_reply_error(struct control_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Carry out @verb (a word) with @arg (the rest of the line, or NULL) and fill @reply with the
 * whole JSON object. Unknown verbs are the handler's to refuse.
 */
typedef void (*control_handler)(void *opaque, const char *verb, const char *arg,
				struct control_reply *reply);

struct control_clients;

struct control {
	int listen_fd;
	int wake[2]; /* a pipe: a byte ends the server thread */
	char path[108];
	control_handler handle;
	void *opaque;
	struct control_clients *clients; /* the server thread's; allocated by control_start */
	pthread_t thread;
	bool started;
};

/*
 * Check one request as received (@len bytes, no terminator needed): on success the line is
 * split in place into @verb and @arg (NULL if none) and 0 returned; else the error reply is in
 * @reply and -EINVAL returned. Pure, for the unit tests.
 */
int control_parse_request(char *buf, size_t len, bool complete, char **verb, char **arg,
			  struct control_reply *reply) __must_check;
/* Listen on @path (refused if something is there already) and serve on a thread. */
int control_start(struct control *c, const char *path, control_handler handle,
		  void *opaque) __must_check;
/* Stop serving, join the thread, remove the socket file. */
void control_stop(struct control *c);

/* The client side: send @request (one line) to @path; the reply, NUL-terminated, in @reply. */
int control_send(const char *path, const char *request, char *reply, size_t len,
		 int timeout_ms) __must_check;

#endif
