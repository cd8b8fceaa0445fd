/* Logging: level filter and a replaceable sink, stderr by default. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

static enum log_level current_level = LOG_WARN;
static log_sink_fn current_sink;

void log_set_level(enum log_level level)
{
	current_level = level;
}

void log_set_sink(log_sink_fn sink)
{
	current_sink = sink;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error", "warning", "info", "debug" };
	char msg[1024];
	va_list ap;

	/* A sink (the tests') also gets info, whatever the level; debug only when asked for. */
	if (level > current_level && !(current_sink && level <= LOG_INFO))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (current_sink) {
		current_sink(level, msg);
		return;
	}
	fprintf(stderr, "pvclock-vmm: %s: %s\n", prefix[level], msg);
}
