/*
 * Integration tests: pause, resume, snapshot and restore through the control socket, with the
 * guest's own view of its clock (pause_watch: backward steps, largest step, GUEST_STOPPED) and
 * a 2-vCPU multiboot guest snapshotted mid-run; the restored runs end as an uninterrupted run
 * does. The VMM runs on a thread here, driven over its socket as `pvclock-vmm ctl` drives it.
 */
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "control/control.h"
#include "guest_run.h"

#define RUN_TIMEOUT_NS	120000000000ull
#define DEBUG_EXIT_PASS 1
#define FREEZE_JUMP_MAX 500000000ull /* a resume's step under freeze: entry latency only */
#define PAUSE_NS	1000000000ull
#define SOCKET_WAIT_MS	20000

/* One VMM run on its own thread, with its console captured. */
struct bg_run {
	pthread_t thread;
	struct vmm_config cfg;
	struct vmm_result res;
	int ret;
	char *text;
	size_t len;
	FILE *out;
	char image[512];
	char *argv[4];
};

static char sock[64], snap[64];

static void *bg_main(void *arg)
{
	struct bg_run *r = arg;

	r->ret = vmm_run(&r->cfg, &r->res);
	return NULL;
}

/* Start @guest (NULL: restore the snapshot) with up to two arguments. */
static void bg_start(struct bg_run *r, const char *guest, const char *a1, const char *a2,
		     unsigned int vcpus, const char *policy, const char *pause_clock)
{
	memset(r, 0, sizeof(*r));
	r->out = open_memstream(&r->text, &r->len);
	r->cfg = (struct vmm_config){ .nr_vcpus = vcpus,
				      .mem_size = 16u << 20,
				      .timeout_ns = RUN_TIMEOUT_NS,
				      .console = r->out,
				      .control_path = sock };
	if (policy)
		ck_assert_int_eq(clock_policy_parse(policy, &r->cfg.policy), 0);
	ck_assert_int_eq(kvmclock_pause_mode_parse(pause_clock, &r->cfg.pause_clock), 0);
	if (guest) {
		snprintf(r->image, sizeof(r->image), "%s/%s.elf", GUEST_DIR, guest);
		r->argv[0] = r->image;
		r->argv[1] = (char *)a1;
		r->argv[2] = (char *)a2;
		r->cfg.image_path = r->image;
		r->cfg.argv = r->argv;
		r->cfg.argc = 1 + (a1 != NULL) + (a2 != NULL);
	} else {
		r->cfg.restore_path = snap;
	}
	unlink(sock);
	ck_assert_int_eq(pthread_create(&r->thread, NULL, bg_main, r), 0);
}

static void bg_wait(struct bg_run *r)
{
	pthread_join(r->thread, NULL);
	fflush(r->out);
	ck_assert_msg(r->ret == 0, "vmm_run: %d; log:\n%s", r->ret, test_logged());
}

static void bg_free(struct bg_run *r)
{
	fclose(r->out);
	free(r->text);
}

static void sleep_ns(uint64_t ns)
{
	struct timespec t = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	nanosleep(&t, NULL);
}

/* One command; the reply must be ok. Waits for the socket to appear first. */
static const char *ctl(const char *request)
{
	static char reply[CONTROL_REPLY_MAX];
	struct stat st;

	for (int i = 0; i < SOCKET_WAIT_MS && stat(sock, &st); i++)
		sleep_ns(1000000);
	ck_assert_int_eq(control_send(sock, request, reply, sizeof(reply), 60000), 0);
	ck_assert_msg(!strncmp(reply, "{\"ok\":true", 10), "%s: %s", request, reply);
	return reply;
}

/*
 * Wait until pause_watch watches: its print and one more exit (a WRMSR of ours, or its first
 * periodic exit under the kernel policy) have reached the host. Then @ns more of watching. A
 * fixed sleep instead would race with the VM's start-up, which an emulated host makes slow.
 */
static void wait_watching(uint64_t ns)
{
	unsigned long exits = 0;

	for (int i = 0; i < 60000 && exits < 2; i++) {
		const char *total = strstr(ctl("stats\n"), "],\"exits\":");

		ck_assert_ptr_nonnull(total);
		exits = strtoul(total + strlen("],\"exits\":"), NULL, 10);
		if (exits < 2)
			sleep_ns(1000000);
	}
	ck_assert_uint_ge(exits, 2);
	sleep_ns(ns);
}

/* "snapshot FILE" to the test's snapshot file. */
static const char *snapshot_cmd(void)
{
	char req[96];

	snprintf(req, sizeof(req), "snapshot %s\n", snap);
	return ctl(req);
}

/* pause_watch's report: the largest step (us) and GUEST_STOPPED sightings. */
static void watch_result(const char *text, unsigned long *largest_us, unsigned long *stopped)
{
	const char *line = strstr(text, "pause_watch: largest step ");

	ck_assert_msg(line, "no result in:\n%s", text);
	ck_assert_int_eq(sscanf(line, "pause_watch: largest step %lu us, GUEST_STOPPED seen %lu",
				largest_us, stopped),
			 2);
	ck_assert_msg(strstr(text, "pause_watch: 0 backward steps\n"), "%s", text);
}

static void setup(void)
{
	test_log_capture();
	snprintf(sock, sizeof(sock), "/tmp/check_snapshot.%d.sock", (int)getpid());
	snprintf(snap, sizeof(snap), "/tmp/check_snapshot.%d.snap", (int)getpid());
}

static void teardown(void)
{
	unlink(snap);
	test_log_release();
}

static void pause_resume(const char *policy, const char *mode)
{
	struct bg_run r;
	unsigned long largest_us, stopped;

	bg_start(&r, "pause_watch", "1500", NULL, 1, policy, mode);
	wait_watching(100000000);
	ck_assert_ptr_nonnull(strstr(ctl("pause\n"), "\"state\":\"paused\""));
	sleep_ns(PAUSE_NS);
	ctl("resume\n");
	bg_wait(&r);
	ck_assert_int_eq(vmm_exit_status(&r.res), 0);
	watch_result(r.text, &largest_us, &stopped);
	ck_assert_uint_eq(stopped, 1);
	if (!strcmp(mode, "freeze"))
		ck_assert_uint_lt(largest_us * 1000, FREEZE_JUMP_MAX);
	else
		ck_assert_uint_ge(largest_us * 1000, PAUSE_NS);
	bg_free(&r);
}

START_TEST(test_pause_freeze)
{
	pause_resume("every-entry", "freeze");
}
END_TEST

START_TEST(test_pause_continue)
{
	pause_resume("every-entry", "continue");
}
END_TEST

START_TEST(test_pause_kernel_policy)
{
	pause_resume("kernel", "freeze");
}
END_TEST

/* The live policy's thread publishes while the vCPUs run: the resume must not wait for it. */
START_TEST(test_pause_live_policy)
{
	pause_resume("live:50us", "freeze");
}
END_TEST

/* Snapshot mid-run, let the original finish, restore: both finish as one run would. */
static void snapshot_restore(const char *policy)
{
	struct bg_run r, restored;
	unsigned long largest_us, stopped;

	bg_start(&r, "pause_watch", "1500", NULL, 1, policy, "freeze");
	wait_watching(100000000);
	ck_assert_ptr_nonnull(strstr(snapshot_cmd(), "\"state\":\"running\""));
	ctl("stats\n");
	ctl("stop\n");
	bg_wait(&r);
	ck_assert_int_eq(r.res.stop, VM_STOP_CONTROL);
	ck_assert_int_eq(vmm_exit_status(&r.res), 0);
	bg_free(&r);

	bg_start(&restored, NULL, NULL, NULL, 1, NULL, "freeze");
	bg_wait(&restored);
	ck_assert_int_eq(vmm_exit_status(&restored.res), 0);
	/* The rest of the run: what came after the snapshot, and nothing before it. */
	ck_assert_ptr_null(strstr(restored.text, "clock on"));
	watch_result(restored.text, &largest_us, &stopped);
	ck_assert_uint_ge(stopped, 1); /* the restore's (and the snapshot's, if seen before) */
	ck_assert_uint_lt(largest_us * 1000, FREEZE_JUMP_MAX);
	ck_assert_logged("restored ");
	bg_free(&restored);
}

START_TEST(test_snapshot_restore_native)
{
	snapshot_restore("every-entry");
}
END_TEST

START_TEST(test_snapshot_restore_kernel_policy)
{
	snapshot_restore("kernel");
}
END_TEST

/* A host thread writes the struct as the snapshot copies RAM: the file must still be whole. */
START_TEST(test_snapshot_restore_live_policy)
{
	snapshot_restore("live:50us");
}
END_TEST

/* Has vCPU 1 of the running VM enabled its clock yet (the AP is in its warp loop)? */
static bool ap_running(void)
{
	char reply[CONTROL_REPLY_MAX];
	const char *v1;
	unsigned long exits, writes;

	if (control_send(sock, "stats\n", reply, sizeof(reply), 60000))
		return false;
	v1 = strstr(reply, "{\"vcpu\":1,");
	return v1 &&
	       sscanf(v1, "{\"vcpu\":1,\"exits\":%lu,\"msr_writes\":%lu", &exits, &writes) == 2 &&
	       writes > 0;
}

/* Snapshot the run @r once its AP reads the clock; false if it ended first. */
static bool snapshot_when_ap_runs(struct bg_run *r)
{
	char req[96], reply[CONTROL_REPLY_MAX];
	struct stat st;

	for (int i = 0; i < SOCKET_WAIT_MS && stat(sock, &st); i++)
		sleep_ns(1000000);
	while (!ap_running())
		if (stat(sock, &st))
			return false; /* the run ended, and its socket with it */
	snprintf(req, sizeof(req), "snapshot %s\n", snap);
	return !control_send(sock, req, reply, sizeof(reply), 60000) &&
	       !strncmp(reply, "{\"ok\":true", 10);
}

/*
 * mb_kvmclock on 2 vCPUs, snapshotted while both read the clock: the restore passes the warp
 * test as the run would have. Hosts differ by orders of magnitude in speed, so the read count
 * grows until the snapshot lands mid-run.
 */
START_TEST(test_snapshot_restore_two_vcpu_multiboot)
{
	struct bg_run r, restored;
	unsigned long reads = 50000;
	bool mid_run = false;
	char arg[64];

	for (int round = 0; round < 6 && !mid_run; round++) {
		if (round)
			reads *= 4;
		snprintf(arg, sizeof(arg), "%lu", reads);
		bg_start(&r, "mb_kvmclock", arg, NULL, 2, NULL, "freeze");
		mid_run = snapshot_when_ap_runs(&r);
		bg_wait(&r);
		ck_assert_int_eq(vmm_exit_status(&r.res), DEBUG_EXIT_PASS);
		bg_free(&r);
	}
	ck_assert_msg(mid_run, "the guest always ended before the snapshot");
	bg_start(&restored, NULL, NULL, NULL, 2, NULL, "freeze");
	bg_wait(&restored);
	ck_assert_msg(vmm_exit_status(&restored.res) == DEBUG_EXIT_PASS, "status %d:\n%s",
		      vmm_exit_status(&restored.res), restored.text);
	snprintf(arg, sizeof(arg), "warp test: 2 CPUs, %lu reads in ", 2 * reads);
	ck_assert_msg(strstr(restored.text, arg), "%s", restored.text);
	ck_assert_ptr_nonnull(strstr(restored.text, ": 0 warps, 0 stalls, "));
	ck_assert_ptr_nonnull(strstr(restored.text, " 0 without STABLE\nPASS\n"));
	bg_free(&restored);
}
END_TEST

/* A snapshot with one byte of RAM changed is refused before any guest code runs. */
START_TEST(test_restore_refuses_corrupt_snapshot)
{
	struct bg_run r;
	struct vmm_result result;
	struct vmm_config cfg = { .restore_path = snap };
	FILE *f;

	bg_start(&r, "pause_watch", "60000", NULL, 1, NULL, NULL);
	wait_watching(0);
	ctl("pause\n");
	ck_assert_ptr_nonnull(strstr(snapshot_cmd(), "\"state\":\"paused\""));
	ctl("stop\n");
	bg_wait(&r);
	bg_free(&r);
	f = fopen(snap, "r+b");
	ck_assert_int_eq(fseek(f, 4u << 20, SEEK_SET), 0);
	fputc(0x5a ^ fgetc(f), f);
	fclose(f);
	ck_assert_int_eq(vmm_run(&cfg, &result), -EINVAL);
	ck_assert_logged("(RAM 0) checksum");
}
END_TEST

TEST_KVM_SUITE("snapshot",
	       { .name = "snapshot",
		 .setup = setup,
		 .teardown = teardown,
		 .timeout = 600,
		 .tests = TESTS(test_pause_freeze, test_pause_continue, test_pause_kernel_policy,
				test_pause_live_policy, test_snapshot_restore_native,
				test_snapshot_restore_kernel_policy,
				test_snapshot_restore_live_policy,
				test_snapshot_restore_two_vcpu_multiboot,
				test_restore_refuses_corrupt_snapshot) })
