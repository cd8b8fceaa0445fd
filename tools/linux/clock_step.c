/*
 * clock_step SECONDS: step CLOCK_REALTIME by SECONDS (signed) in one call, ADJ_SETOFFSET: the
 * kernel adds the offset itself, so the step is exact however long this program took to start
 * (date --set computes an absolute time first: under kvmlab's emulator it started 0.3-1.4 s
 * late, and the step was that much off). For tools/linux/linux_clock_lib.sh; needs CAP_SYS_TIME.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timex tx = { .modes = ADJ_SETOFFSET | ADJ_NANO };
	char *end;
	long seconds = argc == 2 ? strtol(argv[1], &end, 10) : 0;

	if (argc != 2 || *end || !seconds) {
		fprintf(stderr, "usage: clock_step SECONDS (signed, not 0)\n");
		return 2;
	}
	/* A negative offset is tv_sec -N with tv_usec (ns here) 0, as the kernel wants it. */
	tx.time.tv_sec = seconds;
	if (clock_adjtime(CLOCK_REALTIME, &tx) < 0) {
		perror("clock_step: clock_adjtime(CLOCK_REALTIME, ADJ_SETOFFSET)");
		return 1;
	}
	return 0;
}
