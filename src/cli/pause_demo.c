/*
 * pvclock-vmm pause-demo: the pause_watch guest reads its clock continuously; it is
 * snapshotted, paused for a second and resumed; the snapshot is then restored in a new VMM.
 * For each host policy and --pause-clock choice, a table of what the guest saw: the largest
 * step between two readings, backward steps, and how often PVCLOCK_GUEST_STOPPED was set.
 */
#include "cli/pause_demo.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/options.h"
#include "control/control.h"
#include "core/compiler.h"
#include "core/log.h"
#include "vmm.h"

struct pause_demo_options {
	unsigned int run_ms, pause_ms;
	const char *guest;
};

/* One VMM on a thread, its console kept. */
struct demo_vm {
	pthread_t thread;
	struct vmm_config cfg;
	struct vmm_result res;
	int ret;
	char *text;
	size_t len;
	FILE *out;
};

/* What pause_watch reported. */
struct watch {
	bool valid;
	unsigned long largest_us, stopped, backward;
};

static const struct {
	const char *policy;
	enum kvmclock_pause_mode mode;
} rows[] = {
	{ "every-entry", KVMCLOCK_PAUSE_FREEZE },
	{ "every-entry", KVMCLOCK_PAUSE_CONTINUE },
	{ "kernel", KVMCLOCK_PAUSE_FREEZE },
	{ "kernel", KVMCLOCK_PAUSE_CONTINUE },
};

static void *demo_vm_main(void *arg)
{
	struct demo_vm *d = arg;

	d->ret = vmm_run(&d->cfg, &d->res);
	return NULL;
}

static int demo_vm_start(struct demo_vm *d)
{
	d->out = open_memstream(&d->text, &d->len);
	if (!d->out)
		return -ENOMEM;
	d->cfg.console = d->out;
	d->cfg.mem_size = 16u << 20;
	return -pthread_create(&d->thread, NULL, demo_vm_main, d);
}

/* pause_watch's two result lines. */
static bool watch_parse(const char *text, struct watch *w)
{
	const char *step = strstr(text, "pause_watch: largest step ");
	const char *back = strstr(text, " backward steps\n");

	if (!step || !back)
		return false;
	while (back > text && back[-1] != '\n')
		back--;
	return sscanf(step, "pause_watch: largest step %lu us, GUEST_STOPPED seen %lu",
		      &w->largest_us, &w->stopped) == 2 &&
	       sscanf(back, "pause_watch: %lu backward", &w->backward) == 1;
}

static struct watch demo_vm_finish(struct demo_vm *d)
{
	struct watch w = { 0 };

	pthread_join(d->thread, NULL);
	fclose(d->out);
	w.valid = !d->ret && d->text && watch_parse(d->text, &w);
	free(d->text);
	return w;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&t, NULL);
}

/* One command to @sock; false (said) if the VMM refused or did not answer. */
static bool demo_ctl(const char *sock, const char *request)
{
	char reply[CONTROL_REPLY_MAX];
	struct stat st;

	int ret;

	for (int i = 0; i < 10000 && stat(sock, &st); i++)
		sleep_ms(1);
	ret = control_send(sock, request, reply, sizeof(reply), 60000);
	if (!ret && !strncmp(reply, "{\"ok\":true", 10))
		return true;
	fprintf(stderr, "pause-demo: '%.*s' was not done: %s%s", (int)strcspn(request, "\n"),
		request, ret ? strerror(-ret) : reply, ret ? "\n" : "");
	return false;
}

/* The run (a snapshot, then the pause) and the restore of one row. */
static bool demo_row(const struct pause_demo_options *o, const char *dir, unsigned int row,
		     struct watch *run, struct watch *restored)
{
	char sock[PATH_MAX], snap[PATH_MAX], req[PATH_MAX + 16], ms[16];
	char *argv[] = { (char *)o->guest, ms, NULL };
	struct demo_vm d = { .cfg = { .image_path = o->guest,
				      .argc = 2,
				      .argv = argv,
				      .pause_clock = rows[row].mode,
				      .control_path = sock } };
	bool ok;

	if (clock_policy_parse(rows[row].policy, &d.cfg.policy))
		return false;
	snprintf(sock, sizeof(sock), "%s/control", dir);
	snprintf(snap, sizeof(snap), "%s/snapshot", dir);
	snprintf(req, sizeof(req), "snapshot %s\n", snap);
	snprintf(ms, sizeof(ms), "%u", o->run_ms);
	if (demo_vm_start(&d))
		return false;
	/* The snapshot first, so the restore's figures are its own, not the long pause's. */
	sleep_ms(o->run_ms / 4);
	ok = demo_ctl(sock, req);
	sleep_ms(o->run_ms / 4);
	ok = demo_ctl(sock, "pause\n") && ok;
	sleep_ms(o->pause_ms);
	ok = demo_ctl(sock, "resume\n") && ok;
	*run = demo_vm_finish(&d);
	d = (struct demo_vm){ .cfg = { .restore_path = snap, .pause_clock = rows[row].mode } };
	if (!ok || demo_vm_start(&d))
		return false;
	*restored = demo_vm_finish(&d);
	unlink(snap);
	return run->valid && restored->valid;
}

static void demo_print_cell(const struct watch *w)
{
	if (!w->valid)
		printf("  %13s  %8s  %13s", "-", "-", "-");
	else
		printf("  %10.1f ms  %8lu  %13lu", w->largest_us / 1e3, w->backward, w->stopped);
}

#define PDO struct pause_demo_options
static const struct cli_option pause_demo_options[] = {
	CLI_UINT("run", 'r', "MS", PDO, run_ms, 200, 600000,
		 "guest time each run watches its clock (default 2000)"),
	CLI_UINT("pause", 'p', "MS", PDO, pause_ms, 1, 600000,
		 "how long the pause lasts (default 1000)"),
	CLI_STRING("guest", 0, "ELF", PDO, guest,
		   "the pause_watch guest (default: next to this binary)"),
	CLI_HELP_OPTION,
};
#undef PDO

static void pause_demo_usage(FILE *out)
{
	fprintf(out, "usage: pvclock-vmm pause-demo [options]\n"
		     "\n"
		     "A guest reads kvmclock continuously; it is paused, resumed, snapshotted\n"
		     "and restored in a new VMM, under each host policy and --pause-clock choice.\n"
		     "The table says what the guest saw: its largest step between two readings,\n"
		     "backward steps, and how often PVCLOCK_GUEST_STOPPED was set.\n"
		     "\n"
		     "options:\n");
	cli_print_options(out, pause_demo_options, ARRAY_SIZE(pause_demo_options));
}

int pause_demo_main(int argc, char **argv, const char *self)
{
	static char guest[PATH_MAX];
	struct pause_demo_options o = { .run_ms = 2000, .pause_ms = 1000 };
	char dir[] = "/tmp/pvclock-pause-demo.XXXXXX";
	int ret, first, failed = 0;

	ret = cli_parse(argc, argv, pause_demo_options, ARRAY_SIZE(pause_demo_options), false, &o,
			&first);
	if (ret == CLI_HELP) {
		pause_demo_usage(stdout);
		return 0;
	}
	if (ret || first < argc) {
		if (!ret)
			fprintf(stderr, "pvclock-vmm: pause-demo: unexpected argument '%s'\n",
				argv[first]);
		return VMM_EXIT_USAGE;
	}
	if (!o.guest) {
		cli_guest_path(self, "pause_watch.elf", guest, sizeof(guest));
		o.guest = guest;
	}
	if (access(o.guest, R_OK)) {
		fprintf(stderr, "pvclock-vmm: pause-demo: guest %s: %s\n", o.guest,
			strerror(errno));
		return VMM_EXIT_VMM_ERROR;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "pvclock-vmm: pause-demo: mkdtemp: %s\n", strerror(errno));
		return VMM_EXIT_VMM_ERROR;
	}
	log_set_level(LOG_ERR);
	printf("pause_watch reads kvmclock for %u ms of guest time. The run is snapshotted, then\n"
	       "paused for %u ms; the snapshot is then restored in a new VMM.\n\n"
	       "%-12s %-9s  %-39s  %s\n%-22s  %13s  %8s  %13s  %13s  %8s  %13s\n",
	       o.run_ms, o.pause_ms, "", "", "run: snapshot + pause", "restored from the snapshot",
	       "policy / pause-clock", "largest step", "backward", "GUEST_STOPPED", "largest step",
	       "backward", "GUEST_STOPPED");
	for (unsigned int i = 0; i < ARRAY_SIZE(rows); i++) {
		struct watch run = { 0 }, restored = { 0 };

		failed += !demo_row(&o, dir, i, &run, &restored);
		printf("%-12s %-9s", rows[i].policy, kvmclock_pause_mode_name(rows[i].mode));
		demo_print_cell(&run);
		demo_print_cell(&restored);
		putchar('\n');
		fflush(stdout);
	}
	rmdir(dir);
	printf("\nfreeze: guest time goes on where it stopped (the step is the resume's latency);\n"
	       "continue: it keeps host time, so it jumps by the pause (a restore: by the\n"
	       "CLOCK_REALTIME time since the snapshot). Neither may ever step backwards.\n");
	return failed ? VMM_EXIT_VMM_ERROR : 0;
}
