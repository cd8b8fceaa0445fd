/* Report channel layout: the struct a guest fills before ringing DOORBELL_REPORT. */
#ifndef PVCLOCK_VMM_REPORT_ABI_H
#define PVCLOCK_VMM_REPORT_ABI_H

#include <stdint.h>

#define REPORT_MAGIC	     0x54505052u /* "RPPT" */
#define REPORT_MAX_VALUES    4
#define REPORT_FILE_SIZE     64
#define REPORT_MSG_SIZE	     320
#define REPORT_EXIT_CODE_MAX 63 /* guest exit codes are 0..63; the VMM owns 64 and up */

enum report_cmd {
	REPORT_PRINT = 1, /* msg is text to print */
	REPORT_SYNC = 2,  /* values[0] is a stage number; the run continues */
	REPORT_ABORT = 3, /* assertion failed: file, line, msg (the expression), values */
	REPORT_DONE = 4,  /* values[0] is the guest's exit code */
};

/*
 * The guest owns this struct; the host copies it out of guest RAM whole before looking at any
 * field, and rejects it unless magic, cmd, nr_values and both NUL-terminated strings are valid.
 */
struct guest_report {
	uint32_t magic;
	uint32_t cmd;
	uint32_t line;
	uint32_t nr_values;
	uint64_t values[REPORT_MAX_VALUES];
	char file[REPORT_FILE_SIZE];
	char msg[REPORT_MSG_SIZE];
};

_Static_assert(sizeof(struct guest_report) ==
		       16 + 8 * REPORT_MAX_VALUES + REPORT_FILE_SIZE + REPORT_MSG_SIZE,
	       "guest_report must have no padding");

#endif
