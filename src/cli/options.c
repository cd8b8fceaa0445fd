/* Table-driven option parsing over getopt_long, and the --help lines from the same table. */
#include "cli/options.h"
#include "vmm.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#define CLI_MAX_OPTIONS 24
#define CLI_LONG_ONLY	256 /* getopt values of options with no short key: 256 + index */
#define CLI_HELP_COLUMN 23

static int option_value(const struct cli_option *o, unsigned int i)
{
	return o->key ? o->key : CLI_LONG_ONLY + (int)i;
}

static void build_getopt_tables(const struct cli_option *opts, unsigned int n, bool stop_at_word,
				struct option *longs, char *shorts)
{
	char *s = shorts;

	if (stop_at_word)
		*s++ = '+';
	*s++ = ':'; /* report a missing argument as ':' rather than '?' */
	for (unsigned int i = 0; i < n; i++) {
		longs[i] = (struct option){ opts[i].name,
					    opts[i].arg ? required_argument : no_argument, NULL,
					    option_value(&opts[i], i) };
		if (opts[i].key) {
			*s++ = opts[i].key;
			if (opts[i].arg)
				*s++ = ':';
		}
	}
	longs[n] = (struct option){ 0 };
	*s = '\0';
}

static const struct cli_option *find_option(const struct cli_option *opts, unsigned int n, int val)
{
	for (unsigned int i = 0; i < n; i++)
		if (option_value(&opts[i], i) == val)
			return &opts[i];
	return NULL;
}

int cli_parse(int argc, char **argv, const struct cli_option *opts, unsigned int n,
	      bool stop_at_word, void *ctx, int *first)
{
	struct option longs[CLI_MAX_OPTIONS + 1];
	char shorts[3 * CLI_MAX_OPTIONS + 3];
	int c, bad = 0;

	if (n > CLI_MAX_OPTIONS)
		return -EINVAL;
	build_getopt_tables(opts, n, stop_at_word, longs, shorts);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct cli_option *o = find_option(opts, n, c);
		int ret;

		if (!o) {
			fprintf(stderr, "pvclock-vmm: %s '%s'\n",
				c == ':' ? "missing argument for option" : "unrecognized option",
				argv[optind - 1]);
			bad = 1;
			continue;
		}
		ret = o->take(o, ctx, optarg);
		if (ret == CLI_HELP)
			return CLI_HELP;
		bad |= ret != 0;
	}
	*first = optind;
	return bad ? -EINVAL : 0;
}

void cli_print_options(FILE *out, const struct cli_option *opts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct cli_option *o = &opts[i];
		const char *line = o->help;
		int width;

		width = o->key ? fprintf(out, "  -%c, --%s", o->key, o->name)
			       : fprintf(out, "      --%s", o->name);
		if (o->arg)
			width += fprintf(out, " %s", o->arg);
		if (width >= CLI_HELP_COLUMN - 1) {
			fputc('\n', out);
			width = 0;
		}
		while (line) {
			const char *nl = strchr(line, '\n');
			int len = nl ? (int)(nl - line) : (int)strlen(line);

			fprintf(out, "%*s%.*s\n", CLI_HELP_COLUMN - width, "", len, line);
			width = 0;
			line = nl ? nl + 1 : NULL;
		}
	}
}

void cli_guest_path(const char *self, const char *name, char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *path = self, *slash;
	int dir_len;

	if (n > 0) {
		exe[n] = '\0';
		path = exe;
	}
	slash = strrchr(path, '/');
	dir_len = slash ? (int)(slash - path + 1) : 0;
	snprintf(out, len, "%.*sguest/%s", dir_len, path, name); /* the build tree */
	if (access(out, F_OK))
		snprintf(out, len, "%.*s%s/%s", dir_len, path, PVCLOCK_GUESTS_FROM_BIN, name);
}

int cli_parse_uint(const char *opt, const char *text, unsigned int min, unsigned int max,
		   unsigned int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < (long)min || v > (long)max) {
		fprintf(stderr, "pvclock-vmm: invalid %s '%s' (%u..%u)\n", opt, text, min, max);
		return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}

int cli_parse_seconds(const char *opt, const char *text, double max_s, uint64_t *ns)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(s) || s <= 0 || s > max_s) {
		fprintf(stderr, "pvclock-vmm: invalid %s '%s' (seconds, > 0 and <= %g)\n", opt,
			text, max_s);
		return -EINVAL;
	}
	*ns = (uint64_t)(s * 1e9);
	return 0;
}

int cli_take_uint(const struct cli_option *opt, void *ctx, const char *arg)
{
	char name[64];

	snprintf(name, sizeof(name), "--%s", opt->name);
	return cli_parse_uint(name, arg, opt->min, opt->max,
			      (unsigned int *)((char *)ctx + opt->field));
}

int cli_take_string(const struct cli_option *opt, void *ctx, const char *arg)
{
	*(const char **)((char *)ctx + opt->field) = arg;
	return 0;
}

int cli_take_true(const struct cli_option *opt, void *ctx, const char *arg)
{
	*(bool *)((char *)ctx + opt->field) = true;
	return 0;
}

int cli_take_help(const struct cli_option *opt, void *ctx, const char *arg)
{
	return CLI_HELP;
}

int cli_take_image(int argc, char **argv, int first, const char *cmd, struct vmm_config *cfg)
{
	if (first >= argc) {
		fprintf(stderr, "pvclock-vmm: %s: missing IMAGE (see %s --help)\n", cmd, cmd);
		return VMM_EXIT_USAGE;
	}
	cfg->image_path = argv[first];
	if (first + 1 < argc && !strcmp(argv[first + 1], "--")) {
		argv[first + 1] = argv[first];
		first++;
	}
	cfg->argv = &argv[first];
	cfg->argc = argc - first;
	return 0;
}
