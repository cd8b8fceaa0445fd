/* pvclock-vmm conform's verdicts: reading a guest's console, judging a run, the table, JSON. */
#include "cli/conform.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "clock/adversary.h"
#include "core/log.h"
#include "vmm.h"

/* The number right before @at (skipping blanks and "time "), or -1. */
static long number_before(const char *start, const char *at)
{
	const char *p = at;

	if (p - start >= 5 && !strncmp(p - 5, "time ", 5))
		p -= 5;
	while (p > start && p[-1] == ' ')
		p--;
	if (p == start || !isdigit((unsigned char)p[-1]))
		return -1;
	while (p > start && isdigit((unsigned char)p[-1]))
		p--;
	return strtol(p, NULL, 10);
}

/* The number right after @at's "warps", past a colon and blanks, or -1. */
static long number_after(const char *at)
{
	const char *p = at + strlen("warps");

	if (*p == ':')
		p++;
	while (*p == ' ' || *p == '\t')
		p++;
	return isdigit((unsigned char)*p) ? strtol(p, NULL, 10) : -1;
}

long conform_parse_warps(const char *console)
{
	long most = -1;

	for (const char *at = strstr(console, "warps"); at; at = strstr(at + 1, "warps")) {
		long before = number_before(console, at), after = number_after(at);

		if (before > most)
			most = before;
		if (after > most)
			most = after;
	}
	return most;
}

enum conform_outcome conform_judge(const struct conform_run *r, int pass_status, uint64_t bound_ns)
{
	bool guest_ok = r->status == pass_status && r->warps <= 0;

	if (r->status == VMM_EXIT_TIMEOUT) /* the guest never ended */
		return CONFORM_HANG;
	if (r->status == VMM_EXIT_VMM_ERROR) /* the image could not be run */
		return CONFORM_ERROR;
	if (!r->mode.ops->adversary->legal)
		return guest_ok ? CONFORM_NOT_DETECTED : CONFORM_DETECTED;
	if (r->host_error_ns > bound_ns)
		return CONFORM_HOST_BOUND;
	return guest_ok ? CONFORM_PASS : CONFORM_FAIL;
}

const char *conform_outcome_name(enum conform_outcome o)
{
	static const char *const names[] = {
		[CONFORM_PASS] = "pass",	 [CONFORM_FAIL] = "FAIL",
		[CONFORM_HANG] = "HANG",	 [CONFORM_HOST_BOUND] = "HOST OUT OF BOUND",
		[CONFORM_DETECTED] = "detected", [CONFORM_NOT_DETECTED] = "not detected",
		[CONFORM_ERROR] = "ERROR",
	};
	return names[o];
}

bool conform_all_legal_passed(const struct conform_run *runs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		bool legal = runs[i].mode.ops->adversary->legal;

		if ((legal && runs[i].outcome != CONFORM_PASS) || runs[i].outcome == CONFORM_HANG ||
		    runs[i].outcome == CONFORM_ERROR)
			return false;
	}
	return true;
}

void conform_print_table(FILE *out, const struct conform_run *runs, unsigned int n)
{
	fprintf(out, "%-16s %-7s %5s %-17s %6s %6s %13s %7s\n", "mode", "ABI", "vCPUs", "outcome",
		"status", "warps", "host-err-ns", "time-s");
	for (unsigned int i = 0; i < n; i++) {
		const struct conform_run *r = &runs[i];
		char warps[24];

		snprintf(warps, sizeof(warps), r->warps < 0 ? "-" : "%ld", r->warps);
		fprintf(out, "%-16s %-7s %5u %-17s %6d %6s %13" PRIu64 " %7.1f\n", r->mode.spec,
			r->mode.ops->adversary->legal ? "legal" : "illegal", r->vcpus,
			conform_outcome_name(r->outcome), r->status, warps, r->host_error_ns,
			r->seconds);
	}
}

/* @s as a JSON string: quoted, with quotes, backslashes and control bytes escaped. */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int conform_write_json(const char *path, const char *image, const struct conform_run *runs,
		       unsigned int n)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		pr_err("conform: cannot write %s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "{\"image\":");
	json_string(f, image);
	fprintf(f, ",\"passed\":%s,\"runs\":[",
		conform_all_legal_passed(runs, n) ? "true" : "false");
	for (unsigned int i = 0; i < n; i++) {
		const struct conform_run *r = &runs[i];

		fprintf(f,
			"%s{\"mode\":\"%s\",\"legal\":%s,\"vcpus\":%u,\"outcome\":\"%s\","
			"\"status\":%d,\"warps\":%ld,\"host_error_ns\":%" PRIu64
			",\"seconds\":%.3f}",
			i ? "," : "", r->mode.spec,
			r->mode.ops->adversary->legal ? "true" : "false", r->vcpus,
			conform_outcome_name(r->outcome), r->status, r->warps, r->host_error_ns,
			r->seconds);
	}
	fprintf(f, "]}\n");
	return fclose(f) ? -EIO : 0;
}
