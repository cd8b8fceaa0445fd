/*
 * pvclock-vmm conform: run one guest image under each adversarial mode of the clock host
 * (clock/adversary.h) and tell, mode by mode, whether its clock reader held.
 */
#ifndef CLI_CONFORM_H
#define CLI_CONFORM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "clock/policy.h"

#define CONFORM_MAX_RUNS 64

enum conform_outcome {
	CONFORM_PASS,	      /* legal mode: the guest passed, no warps, the host within bound */
	CONFORM_FAIL,	      /* legal mode: the guest failed or reported warps */
	CONFORM_HANG,	      /* the run hit --timeout */
	CONFORM_HOST_BOUND,   /* legal mode: the host's own probe found it out of bound */
	CONFORM_DETECTED,     /* illegal mode: the guest failed or reported warps */
	CONFORM_NOT_DETECTED, /* illegal mode: the guest passed */
	CONFORM_ERROR,	      /* the VMM could not run the image */
};

struct conform_run {
	struct clock_policy mode;
	unsigned int vcpus;
	enum conform_outcome outcome;
	int status;		/* the VMM's exit status, as `run` would end with */
	long warps;		/* the most the guest reported, or -1: it reported none */
	uint64_t host_error_ns; /* the host's probe: published time vs MONOTONIC, largest */
	double seconds;
};

/* The most warps any console line reports ("N warps", "N time warps", "warps: N"), or -1. */
long conform_parse_warps(const char *console);
/* The outcome of a finished run, from the mode's legality, the status and the warps. */
enum conform_outcome conform_judge(const struct conform_run *r, int pass_status, uint64_t bound_ns);
const char *conform_outcome_name(enum conform_outcome o);
/* True when every legal mode passed. */
bool conform_all_legal_passed(const struct conform_run *runs, unsigned int n);
void conform_print_table(FILE *out, const struct conform_run *runs, unsigned int n);
int conform_write_json(const char *path, const char *image, const struct conform_run *runs,
		       unsigned int n);

int conform_main(int argc, char **argv, const char *self);

#endif
