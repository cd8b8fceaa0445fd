/* Guest text output: line buffers (one per vCPU for the debug port, one per UART) to one FILE. */
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
	/* Held over every line buffer's change and every write: whole lines never interleave. */
	pthread_mutex_t lock;
	/* The debug port's: each vCPU writes its own lines there. */
	struct console_line lines[MEMMAP_MAX_VCPUS];
};

int console_init(struct console *con, FILE *out) __must_check;
/*
 * Append @c to @line, a stream's own buffer (the debug port's per vCPU, a UART's for the
 * device), and write the line out at a newline or when it is full.
 */
void console_put(struct console *con, struct console_line *line, char c);
/* Write out what @line still holds (a last line without a newline). */
void console_flush_line(struct console *con, struct console_line *line);
/* Write out what the debug port's lines still hold. */
void console_flush(struct console *con);
void console_destroy(struct console *con);
/* The debug port, PORT_DEBUG_CONSOLE: byte OUTs, line-buffered per vCPU. */
int console_io(void *opaque, struct io_access *access);

#endif
