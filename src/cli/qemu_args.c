/* pvclock-vmm-qemu's option table: QEMU's spelling, each option taken or refused by name. */
#include "cli/qemu_args.h"

#include <string.h>

#include "cli/qemu_values.h"
#include "core/compiler.h"
#include "core/log.h"

struct qemu_option {
	const char *name; /* without the leading dash (QEMU takes "-x" and "--x" alike) */
	bool has_arg;
	enum qemu_action (*take)(struct qemu_args *a, const char *arg);
	const char *accepted; /* the one value accepted, for takers that check it (or NULL) */
};

static enum qemu_action take_nothing(struct qemu_args *a, const char *arg)
{
	return QEMU_RUN;
}

static enum qemu_action take_help(struct qemu_args *a, const char *arg)
{
	return QEMU_HELP;
}

static enum qemu_action take_version(struct qemu_args *a, const char *arg)
{
	return QEMU_VERSION;
}

static enum qemu_action take_verbose(struct qemu_args *a, const char *arg)
{
	a->verbose++;
	return QEMU_RUN;
}

static enum qemu_action take_kernel(struct qemu_args *a, const char *arg)
{
	a->kernel = arg;
	return QEMU_RUN;
}

static enum qemu_action take_append(struct qemu_args *a, const char *arg)
{
	a->append = arg;
	return QEMU_RUN;
}

/* -accel NAME[,PROPS], like -machine accel=NAME. */
static enum qemu_action take_accel(struct qemu_args *a, const char *arg)
{
	size_t len = strcspn(arg, ",");

	if (len == 3 && !strncmp(arg, "kvm", 3) && !arg[len])
		return QEMU_RUN;
	pr_err("-accel '%s': the accelerator is KVM only, without properties (pvclock-vmm-qemu: "
	       "not supported)",
	       arg);
	return QEMU_UNSUPPORTED;
}

/*
 * What kvm-unit-tests' x86 runner passes, and what it may add from a test's qemu_params.
 * An option with one accepted value (-display none) names it; any other value is refused.
 */
#define OPTION(name, has_arg, take)                                                                \
	{                                                                                          \
		name, has_arg, take, NULL                                                          \
	}
#define FIXED(name, accepted)                                                                      \
	{                                                                                          \
		name, true, NULL, accepted                                                         \
	}
static const struct qemu_option options[] = {
	OPTION("no-reboot", false, take_nothing),  /* a reset or triple fault ends the run anyway */
	OPTION("nodefaults", false, take_nothing), /* there are no default devices to leave out */
	OPTION("enable-kvm", false, take_nothing),  FIXED("display", "none"),
	OPTION("nographic", false, take_nothing),   FIXED("serial", "stdio"),
	OPTION("machine", true, qemu_take_machine), OPTION("M", true, qemu_take_machine),
	OPTION("accel", true, take_accel),	    OPTION("kernel", true, take_kernel),
	OPTION("append", true, take_append),	    OPTION("initrd", true, qemu_take_initrd),
	OPTION("smp", true, qemu_take_smp),	    OPTION("m", true, qemu_take_mem),
	OPTION("cpu", true, qemu_take_cpu),	    OPTION("device", true, qemu_take_device),
	OPTION("global", true, qemu_take_global),   OPTION("h", false, take_help),
	OPTION("help", false, take_help),	    OPTION("version", false, take_version),
	OPTION("v", false, take_verbose),
};
#undef OPTION
#undef FIXED

static const struct qemu_option *qemu_option_find(const char *word)
{
	const char *name = word + 1 + (word[1] == '-');

	for (size_t i = 0; i < ARRAY_SIZE(options); i++)
		if (!strcmp(options[i].name, name))
			return &options[i];
	return NULL;
}

static enum qemu_action qemu_option_take(const struct qemu_option *o, struct qemu_args *a,
					 const char *arg)
{
	if (o->take)
		return o->take(a, arg);
	if (!strcmp(arg, o->accepted))
		return QEMU_RUN;
	pr_err("-%s '%s': only '%s' (pvclock-vmm-qemu: not supported)", o->name, arg, o->accepted);
	return QEMU_UNSUPPORTED;
}

/* One word of argv (and its argument): the action it earns; *@i moves past what it used. */
static enum qemu_action qemu_take_word(int argc, char **argv, int *i, struct qemu_args *a)
{
	const char *word = argv[*i];
	const struct qemu_option *o;

	if (word[0] != '-' || !word[1]) {
		pr_err("'%s': disk images are not supported (pvclock-vmm-qemu boots -kernel only)",
		       word);
		return QEMU_UNSUPPORTED;
	}
	o = qemu_option_find(word);
	if (!o) {
		pr_err("%s: option not supported by pvclock-vmm-qemu (see -help)", word);
		return QEMU_UNSUPPORTED;
	}
	if (!o->has_arg)
		return o->take(a, NULL); /* every option without an argument has a taker */
	if (++*i >= argc) {
		pr_err("%s: requires an argument", word);
		return QEMU_MALFORMED;
	}
	return qemu_option_take(o, a, argv[*i]);
}

enum qemu_action qemu_args_parse(int argc, char **argv, struct qemu_args *out)
{
	enum qemu_action result = QEMU_RUN;

	memset(out, 0, sizeof(*out));
	/* QEMU answers a probe (-help, -device help) wherever it stands; a refusal ends it. */
	for (int i = 1; i < argc; i++) {
		enum qemu_action action = qemu_take_word(argc, argv, &i, out);

		if (action == QEMU_MALFORMED || action == QEMU_UNSUPPORTED)
			return action;
		if (action != QEMU_RUN && result == QEMU_RUN)
			result = action;
	}
	if (result == QEMU_RUN && !out->kernel) {
		pr_err("no -kernel: pvclock-vmm-qemu boots a kernel image (multiboot or Linux)");
		return QEMU_UNSUPPORTED;
	}
	return result;
}

int qemu_action_status(enum qemu_action action)
{
	if (action == QEMU_MALFORMED)
		return QEMU_EXIT_ERROR;
	return action == QEMU_UNSUPPORTED ? QEMU_EXIT_UNSUPPORTED : 0;
}
