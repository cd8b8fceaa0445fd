/*
 * The publish before KVM_RUN (every-entry, one vCPU), measured twice: in a hot loop that calls
 * kvmclock_before_run back to back, and in situ, in a real guest run on /dev/kvm where every
 * entry follows an exit, timed the way the demo times it (clock_measure's publish cycles).
 * The ratio says how much of the in-situ figure the hot loop cannot see (cold caches after an
 * exit, lines another thread wrote).
 */
#include "bench_publish.h"
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock/clock_measure.h"
#include "clock/kvmclock.h"
#include "pvclock_clock.h"
#include "vmm.h"

#define HOT_CALLS      200000
#define HOT_BATCH      100
#define INSITU_RUNS    3
#define INSITU_MS      "2000"
#define INSITU_PERIOD  "1000" /* us between the guest's exits, as in the demo */
#define INSITU_CAL_MS  1000
#define INSITU_SAMPLES 100000

static void noop_kick(void *opaque, unsigned int vcpu)
{
}

static int no_tsc_write(void *opaque, unsigned int vcpu, uint32_t msr, uint64_t value,
			uint64_t *offset)
{
	return -1;
}

/* kvmclock_before_run for one vCPU back to back (model, re-anchor, write): its median, ns. */
static int publish_hot_loop(uint64_t hz, struct bench_publish *out)
{
	static double per[HOT_CALLS / HOT_BATCH];
	static unsigned char guest_struct[64];
	const struct kvmclock_ops ops = { noop_kick, no_tsc_write, NULL };
	struct guest_mem mem = { 0 };
	struct kvmclock *kc = calloc(1, sizeof(*kc));
	struct clock_policy policy;
	const unsigned int n = HOT_CALLS / HOT_BATCH;

	if (!kc || clock_policy_parse("every-entry", &policy) ||
	    kvmclock_init(kc, &mem, &pvclock_clock_system, 1, hz, &ops, &policy)) {
		free(kc);
		return -1;
	}
	kc->vcpu[0].time_info = guest_struct + 4;
	/* The sampler thread supplies the model anchors come from, as in a real run. */
	if (kvmclock_start(kc)) {
		kvmclock_destroy(kc);
		free(kc);
		return -1;
	}
	kvmclock_calibrate(kc, 200000000);
	for (unsigned int i = 0; i < n; i++) {
		double t0 = now_s();

		for (int j = 0; j < HOT_BATCH; j++)
			kvmclock_before_run(kc, 0);
		per[i] = (now_s() - t0) / HOT_BATCH * 1e9;
	}
	qsort(per, n, sizeof(per[0]), cmp_double);
	out->hot_p50 = per[n / 2];
	out->hot_p99 = per[n * 99 / 100];
	out->hot_anchors = kc->vcpu[0].stats.anchors;
	out->hot_clamps = kc->vcpu[0].stats.clamps;
	kvmclock_destroy(kc); /* stops the sampler */
	free(kc);
	return 0;
}

/* One clock_measure run, every-entry on one vCPU: the median and p99 of its publishes. */
static int publish_in_situ_once(const char *dir, struct clock_summary *sum, unsigned long *n)
{
	char guest[512];
	char *argv[] = { guest, INSITU_MS, INSITU_PERIOD, "ring3", NULL };
	FILE *devnull = fopen("/dev/null", "w");
	struct vmm_config cfg = {
		.image_path = guest,
		.argc = 4,
		.argv = argv,
		.calibrate_ns = INSITU_CAL_MS * 1000000ull,
		.console = devnull,
		.timeout_ns = 120000000000ull,
	};
	struct clock_measure m;
	struct vmm_result res;
	int ret;

	snprintf(guest, sizeof(guest), "%s/guest/clock_measure.elf", dir);
	if (!devnull || clock_policy_parse("every-entry", &cfg.policy) ||
	    clock_measure_init(&m, INSITU_SAMPLES, 1)) {
		if (devnull)
			fclose(devnull);
		return -1;
	}
	cfg.measure = &m;
	ret = vmm_run(&cfg, &res);
	fclose(devnull);
	if (!ret && (res.stop != VM_STOP_DONE || res.guest_exit_code != 0)) {
		fprintf(stderr, "pvclock-bench: clock_measure ended with %s, status %d\n",
			vm_stop_name(res.stop), vmm_exit_status(&res));
		ret = -1;
	}
	m.tsc_hz = res.tsc_hz;
	clock_measure_summarize(&m, false, sum);
	*n = m.nr_publish;
	clock_measure_destroy(&m);
	return ret;
}

/* INSITU_RUNS runs (the host is shared: one run can be unlucky); each figure's median run. */
static int publish_in_situ(const char *dir, struct bench_publish *out)
{
	double p50[INSITU_RUNS], p99[INSITU_RUNS], mean[INSITU_RUNS], bracket[INSITU_RUNS];
	struct clock_summary sum;
	unsigned long n;

	out->insitu_entries = 0;
	for (int i = 0; i < INSITU_RUNS; i++) {
		if (publish_in_situ_once(dir, &sum, &n))
			return -1;
		p50[i] = sum.publish_ns_median;
		p99[i] = sum.publish_ns_p99;
		mean[i] = sum.publish_ns_mean;
		bracket[i] = sum.bracket_ns_median;
		out->insitu_entries += n;
	}
	qsort(bracket, INSITU_RUNS, sizeof(bracket[0]), cmp_double);
	qsort(p50, INSITU_RUNS, sizeof(p50[0]), cmp_double);
	qsort(p99, INSITU_RUNS, sizeof(p99[0]), cmp_double);
	qsort(mean, INSITU_RUNS, sizeof(mean[0]), cmp_double);
	out->insitu_bracket = bracket[INSITU_RUNS / 2];
	out->insitu_p50 = p50[INSITU_RUNS / 2];
	out->insitu_p50_min = p50[0];
	out->insitu_p50_max = p50[INSITU_RUNS - 1];
	out->insitu_p99 = p99[INSITU_RUNS / 2];
	out->insitu_mean = mean[INSITU_RUNS / 2];
	return 0;
}

int bench_publish(const char *dir, uint64_t hz, bool in_situ)
{
	struct bench_publish b = { 0 };

	if (publish_hot_loop(hz, &b))
		return -1;
	printf("publish before KVM_RUN (every-entry, 1 vCPU), hot loop: median %.1f ns, p99 %.1f ns"
	       "  [%d calls in batches of %d; %lu anchors, %lu clamps]\n",
	       b.hot_p50, b.hot_p99, HOT_CALLS, HOT_BATCH, b.hot_anchors, b.hot_clamps);
	if (!in_situ)
		return 0;
	fflush(stdout);
	if (publish_in_situ(dir, &b))
		return -1;
	printf("publish before KVM_RUN (every-entry, 1 vCPU), in situ: median %.1f ns (runs "
	       "%.1f..%.1f), mean to p99 %.1f ns, p99 %.1f ns: %.1fx the hot loop  "
	       "[clock_measure in ring 3, an exit "
	       "every %s us for %s ms, %d runs, %lu entries; median run; each entry's timing, "
	       "%.1f ns, taken off]\n",
	       b.insitu_p50, b.insitu_p50_min, b.insitu_p50_max, b.insitu_mean, b.insitu_p99,
	       b.insitu_p50 / b.hot_p50, INSITU_PERIOD, INSITU_MS, INSITU_RUNS, b.insitu_entries,
	       b.insitu_bracket);
	return 0;
}
