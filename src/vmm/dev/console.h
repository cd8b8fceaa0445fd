/* Debug console: the byte-wide text port PORT_DEBUG_CONSOLE, line-buffered per vCPU. */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

#include "core/compiler.h"
#include <stdio.h>
#include <pthread.h>

#include "core/io_bus.h"
#include "memmap.h"

#define CONSOLE_LINE_MAX 256

struct console_line {
	size_t len;
	char buf[CONSOLE_LINE_MAX];
};

struct console {
	FILE *out;
	pthread_mutex_t lock; /* whole lines from different vCPUs never interleave */
	struct console_line lines[MEMMAP_MAX_VCPUS];
};

int console_init(struct console *con, FILE *out) __must_check;
/* Write out what is still buffered (a last line without a newline). */
void console_flush(struct console *con);
void console_destroy(struct console *con);
int console_io(void *opaque, struct io_access *access);

#endif
