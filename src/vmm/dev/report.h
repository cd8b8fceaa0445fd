/* Report channel: decoding a guest_report copied out of guest RAM, and DOORBELL_REPORT. */
#ifndef VMM_REPORT_H
#define VMM_REPORT_H

#include "core/compiler.h"
#include <stddef.h>
#include <stdio.h>
#include <pthread.h>
#include <stdint.h>

#include "report_abi.h"
#include "core/guest_mem.h"

/*
 * Validate a report the host already copied (@len bytes at @raw). On success the strings are
 * NUL-terminated and cmd/nr_values are in range. On failure returns -EINVAL and writes the
 * reason into @why.
 */
int report_decode(const void *raw, size_t len, struct guest_report *out, char *why,
		  size_t why_len) __must_check;

/* What the guest said last: the outcome of a run that ended with DONE or ABORT. */
struct report_outcome {
	int exit_code;	     /* from DONE */
	unsigned long syncs; /* SYNC reports seen */
	uint64_t last_sync;  /* values[0] of the latest SYNC */
};

struct report_dev {
	const struct guest_mem *mem;
	FILE *out;	      /* PRINT text goes here */
	pthread_mutex_t lock; /* reports from several vCPUs are printed whole */
	struct report_outcome outcome;
};

int report_dev_init(struct report_dev *dev, const struct guest_mem *mem, FILE *out) __must_check;
void report_dev_destroy(struct report_dev *dev);
/* The DOORBELL_REPORT service: @gpa is the guest_report the guest hands over. */
int report_dev_ring(void *opaque, unsigned int vcpu_id, uint64_t gpa);

#endif
