/* Guest text output: collects bytes into line buffers and writes whole lines (console.h). */
#include "dev/console.h"

#include <errno.h>
#include <string.h>

#include "core/stop.h"
#include "core/log.h"

int console_init(struct console *con, FILE *out)
{
	int ret;

	memset(con, 0, sizeof(*con));
	con->out = out;
	ret = pthread_mutex_init(&con->lock, NULL);
	if (ret) {
		pr_err("pthread_mutex_init: %s", strerror(ret));
		return -ret;
	}
	return 0;
}

/* With con->lock held. */
static void console_emit(struct console *con, struct console_line *line)
{
	if (!line->len)
		return;
	fwrite(line->buf, 1, line->len, con->out);
	fflush(con->out);
	line->len = 0;
}

void console_put(struct console *con, struct console_line *line, char c)
{
	pthread_mutex_lock(&con->lock);
	line->buf[line->len++] = c;
	if (c == '\n' || line->len == sizeof(line->buf))
		console_emit(con, line);
	pthread_mutex_unlock(&con->lock);
}

void console_flush_line(struct console *con, struct console_line *line)
{
	pthread_mutex_lock(&con->lock);
	console_emit(con, line);
	pthread_mutex_unlock(&con->lock);
}

/* Other vCPUs may still be writing (a panic flushes from one of them): under the lock. */
void console_flush(struct console *con)
{
	pthread_mutex_lock(&con->lock);
	for (unsigned int i = 0; i < MEMMAP_MAX_VCPUS; i++)
		console_emit(con, &con->lines[i]);
	pthread_mutex_unlock(&con->lock);
}

void console_destroy(struct console *con)
{
	pthread_mutex_destroy(&con->lock);
}

int console_io(void *opaque, struct io_access *access)
{
	struct console *con = opaque;

	if (!access->write || access->size != 1) {
		pr_err("vCPU %u: debug console takes byte OUTs, got a %u-byte %s", access->vcpu_id,
		       access->size, access->write ? "OUT" : "IN");
		return VM_STOP_GUEST_ERROR;
	}
	if (access->vcpu_id >= MEMMAP_MAX_VCPUS)
		return VM_STOP_VMM_ERROR;
	console_put(con, &con->lines[access->vcpu_id], (char)access->data[0]);
	return VM_RUNNING;
}
