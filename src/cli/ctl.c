/* pvclock-vmm ctl SOCKET COMMAND [ARG]: one command to a running VMM's control socket. */
#include "cli/ctl.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control/control.h"
#include "vmm.h"

#define CTL_TIMEOUT_MS 120000 /* a snapshot of a large RAM takes a while */

static void ctl_usage(FILE *out)
{
	fprintf(out,
		"usage: pvclock-vmm ctl SOCKET COMMAND [ARG]\n"
		"\n"
		"Send one command to the control socket of `pvclock-vmm run --control SOCKET`\n"
		"(or restore) and print its JSON reply. Commands:\n"
		"  pause           hold every vCPU (the guest clock follows --pause-clock)\n"
		"  resume          let them run again; the guest sees PVCLOCK_GUEST_STOPPED\n"
		"  snapshot FILE   write a snapshot (pausing around it if running); a\n"
		"                  relative FILE is taken from this directory\n"
		"  stats           the --stats counters, now\n"
		"  stop            end the run (exit status 0)\n"
		"\n"
		"exit status: 0 the VMM did it, 1 it refused (the reply says why),\n"
		"  64 usage error, 70 no VMM answered on SOCKET.\n");
}

/* "COMMAND [ARG]\n", a relative snapshot FILE made absolute. */
static int ctl_request(int argc, char **argv, char *req, size_t len)
{
	char cwd[PATH_MAX];
	const char *arg = argc > 3 ? argv[3] : NULL;
	int n;

	if (arg && !strcmp(argv[2], "snapshot") && arg[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		n = snprintf(req, len, "%s %s/%s\n", argv[2], cwd, arg);
	} else {
		n = snprintf(req, len, "%s%s%s\n", argv[2], arg ? " " : "", arg ? arg : "");
	}
	return n < 0 || (size_t)n >= len ? -E2BIG : 0;
}

int ctl_main(int argc, char **argv)
{
	static char req[CONTROL_REQUEST_MAX + 2], reply[CONTROL_REPLY_MAX];
	int ret;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		ctl_usage(stdout);
		return 0;
	}
	if (argc < 3 || argc > 4) {
		fprintf(stderr,
			"pvclock-vmm: ctl: expected SOCKET COMMAND [ARG], got %d "
			"arguments (see ctl --help)\n",
			argc - 1);
		return VMM_EXIT_USAGE;
	}
	if (ctl_request(argc, argv, req, sizeof(req))) {
		fprintf(stderr, "pvclock-vmm: ctl: the command is too long (at most %d bytes)\n",
			CONTROL_REQUEST_MAX);
		return VMM_EXIT_USAGE;
	}
	ret = control_send(argv[1], req, reply, sizeof(reply), CTL_TIMEOUT_MS);
	if (ret) {
		fprintf(stderr, "pvclock-vmm: ctl: no answer on %s: %s\n", argv[1], strerror(-ret));
		return VMM_EXIT_VMM_ERROR;
	}
	fputs(reply, stdout);
	return strncmp(reply, "{\"ok\":true", 10) ? 1 : 0;
}
