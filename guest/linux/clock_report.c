/*
 * clock_report: the Linux guest's own view of its clock, run as init's last step by the
 * bundled initramfs (tools/linux/make_initramfs.sh). It prints, one "key: value" per line:
 * the current and available clocksources, the kernel's kvm-clock lines, the cost of
 * clock_gettime(CLOCK_MONOTONIC) through the vDSO and through the system call, a cross-CPU
 * monotonicity check (two threads, one per CPU, reading CLOCK_MONOTONIC into one shared last
 * value under a lock), CLOCK_REALTIME (for the host to set against the moment the line
 * reaches it), and under pvclock-vmm the guest-minus-host CLOCK_REALTIME offset read through
 * the host-clock page (exact to its bound, which the console's stamps are not).
 *
 * `clock_report soak SECONDS PERIOD` instead runs the cross-CPU check for SECONDS of
 * CLOCK_MONOTONIC and prints its running totals every PERIOD seconds ("soak: t 60 s: ..."),
 * for the host's soak (tools/soak).
 *
 * `clock_report track SECONDS [PERIOD]` instead compares the guest's clocks with the host's
 * every PERIOD seconds (1) for SECONDS of CLOCK_MONOTONIC, through pvclock-vmm's host-clock page
 * (host_clock_abi.h, mapped through /dev/mem: no driver): each line gives guest-minus-host
 * CLOCK_REALTIME and CLOCK_MONOTONIC, each with its error bound, and the guest MONOTONIC's rate
 * against the host's over the last period and since the start (tools/linux/linux_clock_demo.sh
 * reads them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "host_clock_abi.h"

#define MEASURE_NS    300000000ull /* each measurement runs this long: hosts differ 1000-fold */
#define KLOG_BYTES    (1 << 20)
#define SOAK_CYCLE_NS 1000000000ull /* the soak checks the clock for its duty every second */
#define SOAK_DUTY_NS  200000000ull
#define TRACK_TRIES   4 /* bracketed loads per clock per second: the narrowest is kept */
#define DEV_MEM	      "/dev/mem"

static uint64_t now_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void print_file(const char *key, const char *path)
{
	char line[512] = "(unreadable)";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			strcpy(line, "(empty)");
		fclose(f);
	}
	line[strcspn(line, "\n")] = '\0';
	printf("%s: %s\n", key, line);
}

/* The kernel log's lines about kvm-clock and the clocksource switch. */
static void print_kernel_lines(void)
{
	char *buf = malloc(KLOG_BYTES), *line, *save = NULL;
	int n = buf ? klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, KLOG_BYTES - 1) : -1;

	if (n < 0) {
		printf("kernel-log: (unreadable)\n");
		free(buf);
		return;
	}
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "kvm-clock") || strstr(line, "Switched to clocksource") ||
		    strstr(line, "clocksource: tsc"))
			printf("kernel-log: %s\n", line);
	free(buf);
}

/* ns per CLOCK_MONOTONIC read, in batches of 100 for MEASURE_NS: @vdso or the system call. */
static double read_cost(int vdso)
{
	struct timespec t;
	uint64_t start = now_ns(CLOCK_MONOTONIC), end, reads = 0;

	do {
		for (int i = 0; i < 100; i++)
			if (vdso)
				clock_gettime(CLOCK_MONOTONIC, &t);
			else
				syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
		reads += 100;
		end = now_ns(CLOCK_MONOTONIC);
	} while (end - start < MEASURE_NS);
	return (double)(end - start) / (double)reads;
}

static void print_read_cost(void)
{
	printf("read-cost-vdso-ns: %.1f\n", read_cost(1));
	printf("read-cost-syscall-ns: %.1f\n", read_cost(0));
}

/*
 * The cross-CPU check: run_ns in all; with a cycle, only the first duty_ns of each cycle_ns
 * (the soak: a guest that mostly idles, as a long-running one does, checked every second).
 */
static struct {
	int lock; /* a spinlock: the two threads run on their own CPUs, and no futex calls */
	uint64_t last, run_ns, cycle_ns, duty_ns;
	unsigned long warps, reads;
} shared = { 0, 0, MEASURE_NS, 0, 0, 0, 0 };

static void shared_lock(void)
{
	while (__atomic_exchange_n(&shared.lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void shared_unlock(void)
{
	__atomic_store_n(&shared.lock, 0, __ATOMIC_RELEASE);
}

/* Read into the shared last value until @until (CLOCK_MONOTONIC); returns the last reading. */
static uint64_t warp_reads(uint64_t until)
{
	uint64_t t;

	do {
		shared_lock();
		t = now_ns(CLOCK_MONOTONIC);
		shared.warps += t < shared.last;
		shared.last = t;
		shared.reads++;
		shared_unlock();
	} while (t < until);
	return t;
}

static void *warp_thread(void *arg)
{
	uint64_t start = now_ns(CLOCK_MONOTONIC), end = start + shared.run_ns, t = start;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((int)(intptr_t)arg, &set);
	sched_setaffinity(0, sizeof(set), &set);
	if (!shared.cycle_ns) {
		warp_reads(end);
		return NULL;
	}
	for (uint64_t cycle = start; t < end; cycle += shared.cycle_ns) {
		struct timespec next = { .tv_sec =
						 (time_t)((cycle + shared.cycle_ns) / 1000000000u),
					 .tv_nsec =
						 (long)((cycle + shared.cycle_ns) % 1000000000u) };

		t = warp_reads(cycle + shared.duty_ns < end ? cycle + shared.duty_ns : end);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return NULL;
}

/* One warp thread per CPU (at most 2), started; returns how many. */
static int start_warp_threads(pthread_t *t)
{
	int n = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;

	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, warp_thread, (void *)(intptr_t)i);
	return n;
}

static void print_warps(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t t[2];
	int n = start_warp_threads(t);

	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("cpus: %ld\n", cpus);
	printf("warps: %lu in %lu reads on %d CPUs\n", shared.warps, shared.reads, n);
}

/*
 * CLOCK_REALTIME as the line carrying it leaves: the console drained first (an emulated UART
 * takes milliseconds a byte, so queued output would delay the line by seconds), the time read,
 * the line written and drained again. The host stamps the line when it arrives, which is
 * between the two readings: guest minus host lies in [realtime - stamp, realtime + drain -
 * stamp].
 */
static void print_realtime(void)
{
	uint64_t before, after;

	tcdrain(STDOUT_FILENO);
	before = now_ns(CLOCK_REALTIME);
	printf("guest-realtime-ns: %llu\n", (unsigned long long)before);
	tcdrain(STDOUT_FILENO);
	after = now_ns(CLOCK_REALTIME);
	printf("guest-realtime-drain-ns: %llu\n", (unsigned long long)(after - before));
}

/* The soak: the cross-CPU check for @seconds, its totals every @period seconds. */
static void soak(unsigned long seconds, unsigned long period)
{
	uint64_t start = now_ns(CLOCK_MONOTONIC), elapsed = 0;
	unsigned long reads, warps;
	pthread_t t[2];
	int n;

	shared.run_ns = seconds * 1000000000ull;
	shared.cycle_ns = SOAK_CYCLE_NS;
	shared.duty_ns = SOAK_DUTY_NS;
	n = start_warp_threads(t);
	printf("soak: %lu s on %d CPUs (checked %llu ms of each second), totals every %lu s\n",
	       seconds, n, SOAK_DUTY_NS / 1000000, period);
	while (elapsed < shared.run_ns) {
		struct timespec nap = { .tv_sec = (time_t)period };

		nanosleep(&nap, NULL);
		elapsed = now_ns(CLOCK_MONOTONIC) - start;
		shared_lock();
		reads = shared.reads, warps = shared.warps;
		shared_unlock();
		printf("soak: t %llu s: %lu reads, %lu warps\n",
		       (unsigned long long)(elapsed / 1000000000ull), reads, warps);
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("soak: end: %lu reads, %lu warps\n", shared.reads, shared.warps);
}

/*
 * The host-clock page, mapped from /dev/mem (made first if the initramfs has no node); NULL,
 * said on a "@who: ..." line, where it cannot be mapped or is not there (not pvclock-vmm).
 */
static const volatile uint64_t *host_clock_map(const char *who)
{
	const volatile uint64_t *page;
	int fd;

	if (access(DEV_MEM, F_OK) && mknod(DEV_MEM, S_IFCHR | 0600, makedev(1, 1))) {
		printf("%s: mknod " DEV_MEM ": %s\n", who, strerror(errno));
		return NULL;
	}
	fd = open(DEV_MEM, O_RDONLY | O_SYNC);
	if (fd < 0) {
		printf("%s: open " DEV_MEM ": %s\n", who, strerror(errno));
		return NULL;
	}
	page = mmap(NULL, HOST_CLOCK_PAGE_SIZE, PROT_READ, MAP_SHARED, fd,
		    (off_t)MEMMAP_HOST_CLOCK);
	close(fd);
	if (page == MAP_FAILED) {
		printf("%s: mmap " DEV_MEM " at the host-clock page: %s\n", who, strerror(errno));
		return NULL;
	}
	if (page[HOST_CLOCK_MAGIC / 8] != HOST_CLOCK_MAGIC_VALUE) {
		printf("%s: no host-clock page at 0x%llx (magic 0x%llx): not pvclock-vmm\n", who,
		       (unsigned long long)MEMMAP_HOST_CLOCK,
		       (unsigned long long)page[HOST_CLOCK_MAGIC / 8]);
		return NULL;
	}
	return page;
}

/*
 * Guest clock @id minus the host's, bracketing one load of register @reg each try: the
 * narrowest of TRACK_TRIES (an interrupt or a preempted exit widens a bracket). @host gets the
 * host's reading. Returns -1 if every try saw the guest's clock go back.
 */
static int track_probe(const volatile uint64_t *page, unsigned int reg, clockid_t id,
		       struct host_clock_offset *best, uint64_t *host)
{
	int found = -1;

	for (int i = 0; i < TRACK_TRIES; i++) {
		struct host_clock_offset o;
		uint64_t g0 = now_ns(id), h = page[reg / 8], g1 = now_ns(id);

		if (host_clock_bracket(g0, h, g1, &o))
			continue;
		if (found || o.bound_ns < best->bound_ns)
			*best = o, *host = h;
		found = 0;
	}
	return found;
}

/* ppm of @d_off ns over @dt ns. */
static double ppm(int64_t d_off, uint64_t dt)
{
	return dt ? 1e6 * (double)d_off / (double)dt : 0;
}

/*
 * The tracking loop: every @period seconds of CLOCK_MONOTONIC, for @seconds, one line:
 *   track: t S real OFF +- B mono OFF +- B rate PPM +- E ppm, since start PPM +- E ppm, g NS
 * (offsets and bounds in ns; rates of guest MONOTONIC against the host's; g: the guest's
 * CLOCK_REALTIME as it writes the line, for the host to set against the line's arrival, the
 * console's way of measuring, which the probe's shows up).
 */
static int track(unsigned long seconds, unsigned long period)
{
	const volatile uint64_t *page = host_clock_map("track");
	struct host_clock_offset real, mono, mono0, last;
	uint64_t h, hm, hm0, hm_last, start;
	struct timespec next;

	if (!page)
		return 1;
	if (track_probe(page, HOST_CLOCK_MONOTONIC, CLOCK_MONOTONIC, &mono0, &hm0)) {
		printf("track: the guest's CLOCK_MONOTONIC went back across every load\n");
		return 1;
	}
	last = mono0, hm_last = hm0;
	start = now_ns(CLOCK_MONOTONIC);
	printf("track: %lu s, host-clock page at 0x%llx, %d loads a clock every %lu s\n", seconds,
	       (unsigned long long)MEMMAP_HOST_CLOCK, TRACK_TRIES, period);
	for (unsigned long t = period; t <= seconds; t += period) {
		uint64_t at = start + t * 1000000000ull;

		next = (struct timespec){ .tv_sec = (time_t)(at / 1000000000u),
					  .tv_nsec = (long)(at % 1000000000u) };
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		if (track_probe(page, HOST_CLOCK_REALTIME, CLOCK_REALTIME, &real, &h) ||
		    track_probe(page, HOST_CLOCK_MONOTONIC, CLOCK_MONOTONIC, &mono, &hm)) {
			printf("track: t %lu: the guest's clock went back across every load\n", t);
			continue;
		}
		printf("track: t %lu real %lld +- %llu mono %lld +- %llu rate %+.1f +- %.1f ppm, "
		       "since start %+.2f +- %.2f ppm, g %llu\n",
		       t, (long long)real.offset_ns, (unsigned long long)real.bound_ns,
		       (long long)mono.offset_ns, (unsigned long long)mono.bound_ns,
		       ppm(mono.offset_ns - last.offset_ns, hm - hm_last),
		       ppm((int64_t)(mono.bound_ns + last.bound_ns), hm - hm_last),
		       ppm(mono.offset_ns - mono0.offset_ns, hm - hm0),
		       ppm((int64_t)(mono.bound_ns + mono0.bound_ns), hm - hm0),
		       (unsigned long long)now_ns(CLOCK_REALTIME));
		last = mono, hm_last = hm;
	}
	printf("track: end\n");
	return 0;
}

/* The same offset through the host-clock page, where there is one: exact to its bound. */
static void print_probe_offset(void)
{
	const volatile uint64_t *page = host_clock_map("host-clock-offset-ns");
	struct host_clock_offset o;
	uint64_t h;

	if (page && !track_probe(page, HOST_CLOCK_REALTIME, CLOCK_REALTIME, &o, &h))
		printf("host-clock-offset-ns: %lld +- %llu\n", (long long)o.offset_ns,
		       (unsigned long long)o.bound_ns);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "soak")) {
		unsigned long seconds = strtoul(argv[2], NULL, 10),
			      period = strtoul(argv[3], NULL, 10);

		if (!seconds || !period) {
			fprintf(stderr, "clock_report: soak SECONDS PERIOD, both > 0\n");
			return 2;
		}
		soak(seconds, period);
		return 0;
	}
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "track")) {
		unsigned long seconds = strtoul(argv[2], NULL, 10),
			      period = argc == 4 ? strtoul(argv[3], NULL, 10) : 1;

		if (!seconds || !period) {
			fprintf(stderr, "clock_report: track SECONDS [PERIOD], both > 0\n");
			return 2;
		}
		return track(seconds, period);
	}
	print_file("clocksource",
		   "/sys/devices/system/clocksource/clocksource0/current_clocksource");
	print_file("available",
		   "/sys/devices/system/clocksource/clocksource0/available_clocksource");
	print_kernel_lines();
	print_read_cost();
	print_warps();
	print_realtime();
	print_probe_offset();
	return 0;
}
