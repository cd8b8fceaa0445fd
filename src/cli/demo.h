/* pvclock-vmm demo: the measurement guest under every policy, compared in one table. */
#ifndef VMM_DEMO_H
#define VMM_DEMO_H

#include "core/compiler.h"
#include <stdbool.h>
#include <stdio.h>

#include "clock/clock_measure.h"
#include "clock/policy.h"

struct demo_row {
	char policy[48];
	bool ran;		  /* false: the run failed; the other fields are empty */
	struct clock_summary sum; /* kernel: offset removed (it counts from VM creation) */
	unsigned long exits, publishes, anchors, clamps;
	double publishes_per_s;
	char verdict[200];
};

struct demo_options {
	const char *guest;	   /* clock_measure.elf */
	unsigned int duration_ms;  /* per policy */
	unsigned int period_us;	   /* between samples */
	unsigned int calibrate_ms; /* rate estimate before the guest starts */
	bool ring0;		   /* --ring0 */
	const char *mode;	   /* "ring3" or "ring0", for the guest */
	const char *csv, *json, *plot_dir;
	struct clock_policy policies[8]; /* parsed once, from --policy or the defaults */
	unsigned int nr_policies;
};

/* Parse `demo` options (after the word "demo"); 0, -1 for --help, or VMM_EXIT_USAGE. */
int demo_parse(int argc, char **argv, const char *self, struct demo_options *o);
/* Run every policy; rows[] gets one row each. Returns how many runs failed. */
int demo_run(const struct demo_options *o, struct demo_row *rows);
void demo_verdict(struct demo_row *row);
void demo_print_table(FILE *out, const struct demo_row *rows, unsigned int n);
int demo_write_csv(const char *path, const struct demo_row *rows, unsigned int n) __must_check;
int demo_write_json(const char *path, const struct demo_row *rows, unsigned int n) __must_check;
/* Per-sample CSV of one policy's run, for the plots. */
void demo_write_samples(const char *dir, const char *policy, const struct clock_measure *m,
			double offset_ns);
/* Two PNGs (gnuplot) from the per-sample CSVs; 0 with a warning where gnuplot is missing. */
int demo_write_plots(const char *dir, const struct demo_row *rows, unsigned int n) __must_check;
int demo_main(int argc, char **argv, const char *self);

#endif
