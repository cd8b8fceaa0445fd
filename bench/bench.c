/* pvclock-bench: measured figures for the VMM, printed with how they were measured. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pvclock_clock.h"
#include "pvclock_sample.h"
#include "core/log.h"
#include "vmm.h"

#include "bench_publish.h"
#include "bench_vcpus.h"
#include "bench_util.h"

#define EXIT_LOOPS     20000
#define PROCESS_RUNS   15
#define SMP_WARP_READS 20000

extern char **environ;

/* Wall time of one exit_loop run with @loops exits from ring @ring, through the library. */
static int time_exit_loop(const char *guest, unsigned long loops, int ring, double *seconds)
{
	char count[32], path[512];
	char *argv[] = { path, count, ring ? "ring3" : "ring0", NULL };
	struct vmm_config cfg = {
		.image_path = path, .argc = 3, .argv = argv, .timeout_ns = 600000000000ull
	};
	struct vmm_result res;
	double t0;

	snprintf(path, sizeof(path), "%s", guest);
	snprintf(count, sizeof(count), "%lu", loops);
	t0 = now_s();
	if (vmm_run(&cfg, &res) || res.stop != VM_STOP_DONE) {
		fprintf(stderr, "pvclock-bench: exit_loop run failed\n");
		return -1;
	}
	*seconds = now_s() - t0;
	return 0;
}

static int bench_exit_round_trip(const char *dir)
{
	char guest[512];
	double base, loaded;

	snprintf(guest, sizeof(guest), "%s/guest/exit_loop.elf", dir);
	for (int ring = 0; ring <= 3; ring += 3) {
		if (time_exit_loop(guest, 0, ring, &base) ||
		    time_exit_loop(guest, EXIT_LOOPS, ring, &loaded))
			return -1;
		printf("exit round trip (guest store to the doorbell's null register, ring %d): "
		       "%.2f us  [(run with %d exits - run with 0) / %d]\n",
		       ring, (loaded - base) / EXIT_LOOPS * 1e6, EXIT_LOOPS, EXIT_LOOPS);
	}
	return 0;
}

/* Run @argv PROCESS_RUNS times (stdout to /dev/null); sorted wall times in @t. */
static int time_process(char *const argv[], int want_status, double *t)
{
	for (int i = 0; i < PROCESS_RUNS; i++) {
		posix_spawn_file_actions_t fa;
		double t0 = now_s();
		int status;
		pid_t pid;

		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ)) {
			fprintf(stderr, "pvclock-bench: cannot start %s\n", argv[0]);
			return -1;
		}
		posix_spawn_file_actions_destroy(&fa);
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != want_status) {
			fprintf(stderr, "pvclock-bench: %s %s %s did not end with status %d\n",
				argv[0], argv[1], argv[3], want_status);
			return -1;
		}
		t[i] = now_s() - t0;
	}
	qsort(t, PROCESS_RUNS, sizeof(t[0]), cmp_double);
	return 0;
}

static int bench_process_to_done(const char *dir)
{
	char vmm[512], guest[512];
	char *argv[] = { vmm, "run", "--quiet", guest, NULL };
	double t[PROCESS_RUNS];

	snprintf(vmm, sizeof(vmm), "%s/pvclock-vmm", dir);
	snprintf(guest, sizeof(guest), "%s/guest/hello.elf", dir);
	if (time_process(argv, 0, t))
		return -1;
	printf("process start to DONE (pvclock-vmm run hello.elf): median %.2f ms, min %.2f ms, "
	       "max %.2f ms over %d runs\n",
	       t[PROCESS_RUNS / 2] * 1e3, t[0] * 1e3, t[PROCESS_RUNS - 1] * 1e3, PROCESS_RUNS);
	return 0;
}

/*
 * The multiboot image on the PC machine with 2 vCPUs: boot, INIT/SIPI and debug-exit with no
 * reads, then with SMP_WARP_READS locked kvmclock reads per vCPU; the difference over all
 * reads is the cost of one read in the cross-vCPU warp test.
 */
static int bench_smp_warp(const char *dir)
{
	char vmm[512], guest[512], reads[32] = "0";
	char *argv[] = { vmm, "run", "--vcpus", "2", "--quiet", guest, "--", reads, NULL };
	double t0[PROCESS_RUNS], t1[PROCESS_RUNS];

	snprintf(vmm, sizeof(vmm), "%s/pvclock-vmm", dir);
	snprintf(guest, sizeof(guest), "%s/guest/mb_kvmclock.elf", dir);
	if (time_process(argv, 1, t0))
		return -1;
	snprintf(reads, sizeof(reads), "%d", SMP_WARP_READS);
	if (time_process(argv, 1, t1))
		return -1;
	printf("multiboot, 2 vCPUs (pvclock-vmm run --vcpus 2 mb_kvmclock.elf): start to "
	       "debug-exit %.2f ms median with no reads, %.2f ms with %d reads per vCPU: "
	       "%.0f ns per locked read\n",
	       t0[PROCESS_RUNS / 2] * 1e3, t1[PROCESS_RUNS / 2] * 1e3, SMP_WARP_READS,
	       (t1[PROCESS_RUNS / 2] - t0[PROCESS_RUNS / 2]) * 1e9 / (2.0 * SMP_WARP_READS));
	return 0;
}

/*
 * The policies, longer than the demo, with ratios against the in-kernel clock: the demo
 * command itself, so the table, CSV, JSON and plots are the same code. Results go to
 * results/ (override with PVCLOCK_RESULTS).
 */
static int bench_policies(const char *dir)
{
	const char *results = getenv("PVCLOCK_RESULTS") ? getenv("PVCLOCK_RESULTS") : "results";
	char csv[512], json[512], vmm[512];
	/* The options in pairs, as typed. */
	/* clang-format off */
	char *argv[] = { vmm, "demo", "--duration", "10000", "--calibrate", "2000",
			 "--csv", csv, "--json", json, "--plot", (char *)results, NULL };
	/* clang-format on */
	int status;
	pid_t pid;

	snprintf(vmm, sizeof(vmm), "%s/pvclock-vmm", dir);
	snprintf(csv, sizeof(csv), "%s/policies.csv", results);
	snprintf(json, sizeof(json), "%s/policies.json", results);
	if (mkdir(results, 0755) && errno != EEXIST) {
		fprintf(stderr, "pvclock-bench: cannot create %s: %s\n", results, strerror(errno));
		return 1;
	}
	printf("\npolicies, 2 s calibration + 10 s of 1 kHz samples each (progress on stderr):\n");
	fflush(stdout);
	if (posix_spawn(&pid, vmm, NULL, NULL, argv, environ) || waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* TSC frequency measured against CLOCK_MONOTONIC over 200 ms (no KVM needed). */
static uint64_t measure_tsc_hz(void)
{
	const struct pvclock_clock *clk = &pvclock_clock_system;
	struct pvclock_sample a, b;
	struct timespec pause = { 0, 200000000 };

	(void)pvclock_sample_take(clk, 10, UINT64_MAX, &a);
	nanosleep(&pause, NULL);
	(void)pvclock_sample_take(clk, 10, UINT64_MAX, &b);
	return (uint64_t)((long double)(b.tsc - a.tsc) * 1e9L /
			  (long double)(b.mono_ns - a.mono_ns));
}

/* Sample widths: one rdtsc-clock_gettime-rdtsc, and the tightest of three. */
static void bench_sample_width(uint64_t hz)
{
	enum { N = 200000 };
	static double one[N], best3[N];
	struct pvclock_sample s;

	for (int i = 0; i < N; i++) {
		(void)pvclock_sample_take(&pvclock_clock_system, 1, UINT64_MAX, &s);
		one[i] = s.width * 1e9 / hz;
		(void)pvclock_sample_take(&pvclock_clock_system, 3, 0, &s); /* no early stop */
		best3[i] = s.width * 1e9 / hz;
	}
	qsort(one, N, sizeof(one[0]), cmp_double);
	qsort(best3, N, sizeof(best3[0]), cmp_double);
	printf("sample width (rdtsc-clock_gettime-rdtsc): one try median %.1f ns p99 %.1f ns max "
	       "%.0f ns; tightest of 3 median %.1f ns p99 %.1f ns  [%d samples]\n",
	       one[N / 2], one[N * 99 / 100], one[N - 1], best3[N / 2], best3[N * 99 / 100], N);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "build";
	bool kvm = !access("/dev/kvm", F_OK);
	uint64_t hz = measure_tsc_hz();

	log_set_level(LOG_ERR);
	if (argc > 2 && !strcmp(argv[2], "vcpus")) /* pvclock-bench DIR vcpus: that table only */
		return !kvm || bench_vcpus(dir) ? 1 : 0;
	if (argc > 2 && !strcmp(argv[2], "publish")) /* DIR publish: the publish figures only */
		return bench_publish(dir, hz, kvm) ? 1 : 0;
	printf("TSC: %.6f GHz (measured against CLOCK_MONOTONIC)\n", hz / 1e9);
	bench_sample_width(hz);
	if (bench_publish(dir, hz, kvm))
		return 1;
	if (!kvm) {
		printf("publish in situ, exit round trip, process start to DONE: not measured, "
		       "/dev/kvm is absent (./run.sh nested-bench measures them in kvmlab)\n");
		return 0;
	}
	if (bench_exit_round_trip(dir) || bench_process_to_done(dir) || bench_smp_warp(dir) ||
	    bench_vcpus(dir))
		return 1;
	return bench_policies(dir);
}
