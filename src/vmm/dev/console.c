/* Debug console: collects guest bytes per vCPU and writes whole lines. */
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

static void console_emit(struct console *con, struct console_line *line)
{
	pthread_mutex_lock(&con->lock);
	fwrite(line->buf, 1, line->len, con->out);
	fflush(con->out);
	pthread_mutex_unlock(&con->lock);
	line->len = 0;
}

void console_flush(struct console *con)
{
	for (unsigned int i = 0; i < MEMMAP_MAX_VCPUS; i++)
		if (con->lines[i].len)
			console_emit(con, &con->lines[i]);
}

void console_destroy(struct console *con)
{
	pthread_mutex_destroy(&con->lock);
}

int console_io(void *opaque, struct io_access *access)
{
	struct console *con = opaque;
	struct console_line *line;

	if (!access->write || access->size != 1) {
		pr_err("vCPU %u: debug console takes byte OUTs, got a %u-byte %s", access->vcpu_id,
		       access->size, access->write ? "OUT" : "IN");
		return VM_STOP_GUEST_ERROR;
	}
	if (access->vcpu_id >= MEMMAP_MAX_VCPUS)
		return VM_STOP_VMM_ERROR;
	line = &con->lines[access->vcpu_id];
	line->buf[line->len++] = (char)access->data[0];
	if (access->data[0] == '\n' || line->len == sizeof(line->buf))
		console_emit(con, line);
	return VM_RUNNING;
}
