/*
 * pvclock-vmm wallclock: what a step of the host's CLOCK_REALTIME does to a guest that re-reads
 * its wall clock, under --wall-clock follow and boot and under the in-kernel clock. It steps this
 * machine's clock, so it runs only where that clock is the caller's to step (kvmlab).
 */
#ifndef CLI_WALLCLOCK_H
#define CLI_WALLCLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/compiler.h"

struct wallclock_options {
	const char *guest;	/* wall_watch.elf */
	double step_s;		/* the step, +step_s then back by -step_s */
	unsigned int period_ms; /* how often the guest re-reads its wall clock */
	bool allow_step;	/* --allow-clock-step: this machine's clock may be stepped */
};

/* One mode's run: offsets are guest UTC - host CLOCK_REALTIME, medians, in ms. */
struct wallclock_row {
	char mode[16]; /* follow, boot or kernel */
	bool ran;
	unsigned long samples;
	double offset_before_ms, offset_up_ms,
		offset_down_ms; /* before, after +step, after -step */
	double seen_up_ms,
		seen_down_ms;	  /* step to the first sample with the new wall clock; <0: never */
	double monotonic_step_ms; /* largest jump of the guest's kvmclock between samples, ms */
};

/* Run the guest under @mode, stepping the clock +step then -step; 0 or -errno (logged). */
int wallclock_run(const struct wallclock_options *o, const char *mode,
		  struct wallclock_row *row) __must_check;
void wallclock_print_table(FILE *out, const struct wallclock_row *rows, unsigned int n,
			   double step_s);
int wallclock_main(int argc, char **argv, const char *self);

#endif
