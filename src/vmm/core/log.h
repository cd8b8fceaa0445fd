/* Logging: one place where VMM messages are formatted, filtered by level and sent. */
#ifndef VMM_LOG_H
#define VMM_LOG_H

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

typedef void (*log_sink_fn)(enum log_level level, const char *msg);

void log_set_level(enum log_level level);
/* Route messages to @sink instead of stderr (tests use this to read errors); NULL restores it. */
void log_set_sink(log_sink_fn sink);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
