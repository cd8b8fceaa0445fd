/*
 * The kvmclock host from 1 to 64 vCPUs, measured in one run: every vCPU of clock_warp reads its
 * clock in ring 3 (native speed even where ring 0 is emulated), exits every 16 reads, and checks
 * for cross-vCPU warps. For each vCPU count:
 *   - with the default policy (every-entry): the cost of each entry's publish (median, p99), and
 *     the syncs after the first anchor, per second (the rate has settled: the target is none);
 *   - with threshold:1 (a sync whenever allowed, at most every 100 ms): how long each sync kept
 *     the other vCPUs out, from the kick to the last one out (median, max).
 * Ratios are to the 1-vCPU figure (publish) or the 2-vCPU one (syncs: one vCPU has nobody to
 * wait for).
 */
#include "bench_vcpus.h"

#include <stdio.h>

#include "clock/clock_measure.h"
#include "vmm.h"

#define RUN_MS		2000
#define STEADY_MS	10000
#define CALIBRATE_MS	1000
#define READS_PER_ROUND "1000"

struct vcpu_row {
	unsigned int vcpus;
	double publish_p50, publish_p99; /* ns */
	double syncs_per_s;		 /* after the first anchor, every-entry */
	double sync_p50, sync_max;	 /* ns, threshold:1 */
	unsigned long syncs, exits;
};

static const unsigned int vcpu_counts[] = { 1, 2, 4, 8, 16, 32, 64 };

/* One run of clock_warp on @vcpus vCPUs under @policy for @ms; its clock figures in @sum. */
static int run_warp(const char *dir, unsigned int vcpus, const char *policy, unsigned int ms,
		    struct clock_summary *sum, struct vmm_result *res)
{
	char guest[512], duration[16];
	char *argv[] = { guest, READS_PER_ROUND, "ring3", duration, NULL };
	FILE *devnull = fopen("/dev/null", "w");
	struct vmm_config cfg = {
		.image_path = guest,
		.argc = 4,
		.argv = argv,
		.nr_vcpus = vcpus,
		.calibrate_ns = CALIBRATE_MS * 1000000ull,
		.console = devnull,
		.timeout_ns = (ms + CALIBRATE_MS + 120000ull) * 1000000ull,
	};
	struct clock_measure m;
	int ret;

	if (clock_policy_parse(policy, &cfg.policy))
		return -1;
	snprintf(guest, sizeof(guest), "%s/guest/clock_warp.elf", dir);
	snprintf(duration, sizeof(duration), "%u", ms);
	if (!devnull || clock_measure_init(&m, 100000, 1)) {
		if (devnull)
			fclose(devnull);
		return -1;
	}
	cfg.measure = &m;
	ret = vmm_run(&cfg, res);
	fclose(devnull);
	if (!ret && (res->stop != VM_STOP_DONE || res->guest_exit_code != 0)) {
		fprintf(stderr,
			"pvclock-bench: clock_warp on %u vCPUs (%s) ended with %s, "
			"status %d\n",
			vcpus, policy, vm_stop_name(res->stop), vmm_exit_status(res));
		ret = -1;
	}
	m.tsc_hz = res->tsc_hz;
	clock_measure_summarize(&m, false, sum);
	clock_measure_destroy(&m);
	return ret;
}

static int measure_row(const char *dir, struct vcpu_row *row)
{
	struct clock_summary sum;
	struct vmm_result res;

	if (run_warp(dir, row->vcpus, "every-entry", RUN_MS, &sum, &res))
		return -1;
	row->publish_p50 = sum.publish_ns_median;
	row->publish_p99 = sum.publish_ns_p99;
	row->exits = res.nr_exits;
	row->syncs_per_s = (res.clock.syncs - (res.clock.syncs > 0)) / (RUN_MS / 1e3);
	if (row->vcpus == 1)
		return 0;
	if (run_warp(dir, row->vcpus, "threshold:1", RUN_MS, &sum, &res))
		return -1;
	row->syncs = sum.syncs;
	row->sync_p50 = sum.sync_ns_median;
	row->sync_max = sum.sync_ns_max;
	return 0;
}

static void print_row(const struct vcpu_row *r, const struct vcpu_row *one,
		      const struct vcpu_row *two)
{
	printf("%5u  %8.0f  %7.0f  %5.2f  %5.2f  %7.2f  %9lu", r->vcpus, r->publish_p50,
	       r->publish_p99, r->publish_p50 / one->publish_p50, r->publish_p99 / one->publish_p99,
	       r->syncs_per_s, r->exits);
	if (r->vcpus == 1) {
		printf("  %10s\n", "(no one to wait for)");
		return;
	}
	printf("  %5lu  %9.1f  %9.1f  %5.2f  %5.2f\n", r->syncs, r->sync_p50 / 1e3,
	       r->sync_max / 1e3, r->sync_p50 / two->sync_p50, r->sync_max / two->sync_max);
}

/* The target: no sync at all in 10 s of clock reads once the rate has settled. */
static int steady_run(const char *dir)
{
	struct clock_summary sum;
	struct vmm_result res;

	if (run_warp(dir, 8, "every-entry", STEADY_MS, &sum, &res))
		return -1;
	printf("steady: 8 vCPUs reading for %.0f s after %.0f s of calibration, every-entry: %lu "
	       "syncs after the first anchor, %lu exits, publish p50 %.0f ns\n",
	       STEADY_MS / 1e3, CALIBRATE_MS / 1e3, res.clock.syncs - (res.clock.syncs > 0),
	       res.nr_exits, sum.publish_ns_median);
	return 0;
}

int bench_vcpus(const char *dir)
{
	struct vcpu_row rows[sizeof(vcpu_counts) / sizeof(vcpu_counts[0])];
	const unsigned int n = sizeof(rows) / sizeof(rows[0]);

	printf("\nvCPUs: clock_warp in ring 3, %u ms per run after %u ms of calibration; publish "
	       "= each entry's kvmclock_before_run (every-entry); syncs with threshold:1\n",
	       RUN_MS, CALIBRATE_MS);
	fflush(stdout);
	for (unsigned int i = 0; i < n; i++) {
		rows[i].vcpus = vcpu_counts[i];
		if (measure_row(dir, &rows[i]))
			return -1;
	}
	printf("vCPUs  publish-ns p50  p99  x1-p50 x1-p99  syncs/s      exits  syncs  "
	       "sync-us p50      max  x2-p50 x2-max\n");
	for (unsigned int i = 0; i < n; i++)
		print_row(&rows[i], &rows[0], &rows[1]);
	return steady_run(dir);
}
