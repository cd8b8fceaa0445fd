/* Report channel: bounds-checked copy, validation, and what each command does on the host. */
#include "dev/report.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <string.h>

#include "core/stop.h"
#include "core/log.h"

__attribute__((format(printf, 3, 4))) static int report_reject(char *why, size_t why_len,
							       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int report_decode(const void *raw, size_t len, struct guest_report *out, char *why, size_t why_len)
{
	if (len != sizeof(*out))
		return report_reject(why, why_len, "report is %zu bytes, expected %zu", len,
				     sizeof(*out));
	memcpy(out, raw, sizeof(*out));
	if (out->magic != REPORT_MAGIC)
		return report_reject(why, why_len, "bad magic 0x%x", out->magic);
	if (out->cmd < REPORT_PRINT || out->cmd > REPORT_DONE)
		return report_reject(why, why_len, "unknown command %u", out->cmd);
	if (out->nr_values > REPORT_MAX_VALUES)
		return report_reject(why, why_len, "nr_values %u exceeds the maximum of %d",
				     out->nr_values, REPORT_MAX_VALUES);
	if (!memchr(out->file, '\0', sizeof(out->file)))
		return report_reject(why, why_len, "file name not NUL-terminated within %zu bytes",
				     sizeof(out->file));
	if (!memchr(out->msg, '\0', sizeof(out->msg)))
		return report_reject(why, why_len, "message not NUL-terminated within %zu bytes",
				     sizeof(out->msg));
	return 0;
}

int report_dev_init(struct report_dev *dev, const struct guest_mem *mem, FILE *out)
{
	int ret;

	memset(dev, 0, sizeof(*dev));
	dev->mem = mem;
	dev->out = out;
	ret = pthread_mutex_init(&dev->lock, NULL);
	if (ret) {
		pr_err("pthread_mutex_init: %s", strerror(ret));
		return -ret;
	}
	return 0;
}

void report_dev_destroy(struct report_dev *dev)
{
	pthread_mutex_destroy(&dev->lock);
}

static void report_print_abort(const struct guest_report *r, unsigned int vcpu_id)
{
	pr_err("vCPU %u: guest assertion failed at %s:%u: %s", vcpu_id, r->file, r->line, r->msg);
	if (r->nr_values < 2)
		return;
	pr_err("  left:  %" PRIu64 " (0x%" PRIx64 ")", r->values[0], r->values[0]);
	pr_err("  right: %" PRIu64 " (0x%" PRIx64 ")", r->values[1], r->values[1]);
}

static int report_apply(struct report_dev *dev, const struct guest_report *r, unsigned int vcpu_id)
{
	switch (r->cmd) {
	case REPORT_PRINT:
		fputs(r->msg, dev->out);
		fflush(dev->out);
		return VM_RUNNING;
	case REPORT_SYNC:
		dev->outcome.syncs++;
		dev->outcome.last_sync = r->nr_values ? r->values[0] : 0;
		pr_debug("vCPU %u: guest sync %" PRIu64, vcpu_id, dev->outcome.last_sync);
		return VM_RUNNING;
	case REPORT_ABORT: report_print_abort(r, vcpu_id); return VM_STOP_ABORT;
	default: /* REPORT_DONE: report_decode admits nothing else */
		if (r->nr_values < 1 || r->values[0] > REPORT_EXIT_CODE_MAX) {
			pr_err("vCPU %u: guest DONE with exit code %" PRIu64 " outside 0..%d",
			       vcpu_id, r->nr_values ? r->values[0] : 0, REPORT_EXIT_CODE_MAX);
			return VM_STOP_GUEST_ERROR;
		}
		dev->outcome.exit_code = (int)r->values[0];
		return VM_STOP_DONE;
	}
}

int report_dev_ring(void *opaque, unsigned int vcpu_id, uint64_t gpa)
{
	struct report_dev *dev = opaque;
	struct guest_report raw, report;
	char why[128];
	int stop;

	if (!guest_mem_fetch(dev->mem, vcpu_id, "report", gpa, &raw, sizeof(raw)))
		return VM_STOP_GUEST_ERROR;
	if (report_decode(&raw, sizeof(raw), &report, why, sizeof(why))) {
		pr_err("vCPU %u: malformed report at GPA 0x%" PRIx64 ": %s", vcpu_id, gpa, why);
		return VM_STOP_GUEST_ERROR;
	}
	pthread_mutex_lock(&dev->lock);
	stop = report_apply(dev, &report, vcpu_id);
	pthread_mutex_unlock(&dev->lock);
	return stop;
}
