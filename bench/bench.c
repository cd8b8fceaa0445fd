/* pvclock-bench: measured figures for the VMM, printed with how they were measured. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

#define EXIT_LOOPS 20000
#define PROCESS_RUNS 15

extern char **environ;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Wall time of one exit_loop run with @loops exits, through the library. */
static int time_exit_loop(const char *guest, unsigned long loops, double *seconds)
{
	char count[32], path[512];
	char *argv[] = { path, count, NULL };
	struct vmm_config cfg = { .image_path = path, .argc = 2, .argv = argv,
				  .timeout_ns = 600000000000ull };
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
	if (time_exit_loop(guest, 0, &base) || time_exit_loop(guest, EXIT_LOOPS, &loaded))
		return -1;
	printf("exit round trip (guest OUT to the null port, ring 0): %.2f us  "
	       "[(run with %d exits - run with 0) / %d]\n",
	       (loaded - base) / EXIT_LOOPS * 1e6, EXIT_LOOPS, EXIT_LOOPS);
	return 0;
}

static int bench_process_to_done(const char *dir)
{
	char vmm[512], guest[512];
	char *argv[] = { vmm, "run", "--quiet", guest, NULL };
	double t[PROCESS_RUNS];

	snprintf(vmm, sizeof(vmm), "%s/pvclock-vmm", dir);
	snprintf(guest, sizeof(guest), "%s/guest/hello.elf", dir);
	for (int i = 0; i < PROCESS_RUNS; i++) {
		posix_spawn_file_actions_t fa;
		double t0 = now_s();
		int status;
		pid_t pid;

		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		if (posix_spawn(&pid, vmm, &fa, NULL, argv, environ)) {
			fprintf(stderr, "pvclock-bench: cannot start %s\n", vmm);
			return -1;
		}
		posix_spawn_file_actions_destroy(&fa);
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "pvclock-bench: %s run hello.elf failed\n", vmm);
			return -1;
		}
		t[i] = now_s() - t0;
	}
	qsort(t, PROCESS_RUNS, sizeof(t[0]), cmp_double);
	printf("process start to DONE (pvclock-vmm run hello.elf): median %.2f ms, min %.2f ms, "
	       "max %.2f ms over %d runs\n", t[PROCESS_RUNS / 2] * 1e3, t[0] * 1e3,
	       t[PROCESS_RUNS - 1] * 1e3, PROCESS_RUNS);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "build";

	if (access("/dev/kvm", F_OK)) {
		fprintf(stderr, "pvclock-bench: /dev/kvm is absent: nothing can be measured here\n");
		return 1;
	}
	log_set_level(LOG_ERR);
	if (bench_exit_round_trip(dir) || bench_process_to_done(dir))
		return 1;
	return 0;
}
