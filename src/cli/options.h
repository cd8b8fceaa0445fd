/*
 * Command-line options as tables: one entry both parses an option and describes it in --help,
 * so the two cannot drift apart. `run` and `demo` each have a table.
 */
#ifndef CLI_OPTIONS_H
#define CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/compiler.h"

#define CLI_HELP 1 /* an option's take(): stop parsing, print the help */

struct cli_option {
	const char *name; /* --name */
	char key;	  /* -k, or 0: long form only */
	const char *arg;  /* the argument's name in --help; NULL: takes none */
	const char *help; /* '\n' starts a continuation line */
	/* Take the option into @ctx: 0, CLI_HELP, or -EINVAL after saying what is wrong. */
	int (*take)(const struct cli_option *opt, void *ctx, const char *arg);
	size_t field;	       /* for the generic takers: where in @ctx the value goes */
	unsigned int min, max; /* cli_take_uint: the accepted range */
};

/* Generic takers: the argument as a string, true into a bool, an unsigned int in range, --help. */
int cli_take_uint(const struct cli_option *opt, void *ctx, const char *arg);
int cli_take_string(const struct cli_option *opt, void *ctx, const char *arg);
int cli_take_true(const struct cli_option *opt, void *ctx, const char *arg);
int cli_take_help(const struct cli_option *opt, void *ctx, const char *arg);

/* Table entries: an option with its own taker, or one stored at @member of struct @type. */
#define CLI_CUSTOM(name_, key_, arg_, take_, help_)                                                \
	{                                                                                          \
		.name = name_, .key = key_, .arg = arg_, .take = take_, .help = help_              \
	}
#define CLI_UINT(name_, key_, arg_, type, member, min_, max_, help_)                               \
	{                                                                                          \
		.name = name_, .key = key_, .arg = arg_, .take = cli_take_uint,                    \
		.field = offsetof(type, member), .min = min_, .max = max_, .help = help_           \
	}
#define CLI_STRING(name_, key_, arg_, type, member, help_)                                         \
	{                                                                                          \
		.name = name_, .key = key_, .arg = arg_, .take = cli_take_string,                  \
		.field = offsetof(type, member), .help = help_                                     \
	}
#define CLI_FLAG(name_, key_, type, member, help_)                                                 \
	{                                                                                          \
		.name = name_, .key = key_, .take = cli_take_true,                                 \
		.field = offsetof(type, member), .help = help_                                     \
	}
#define CLI_HELP_OPTION CLI_CUSTOM("help", 'h', NULL, cli_take_help, "this text")

/*
 * Parse the options in argv[1..]. With @stop_at_word, options end at the first other word (it and
 * what follows belong to the guest). 0 with *first = index of the first other word, CLI_HELP,
 * or -EINVAL (every bad option was reported).
 */
int cli_parse(int argc, char **argv, const struct cli_option *opts, unsigned int nr_opts,
	      bool stop_at_word, void *ctx, int *first) __must_check;
/* The options' lines of --help. */
void cli_print_options(FILE *out, const struct cli_option *opts, unsigned int nr_opts);

/*
 * A bundled guest's path: guest/NAME beside the binary in the build tree, else the installed
 * guests (share/pvclock-vmm/guests, found relative to the binary). @self: argv[0], the fallback
 * where /proc/self/exe cannot be read.
 */
void cli_guest_path(const char *self, const char *name, char *out, size_t len);

struct vmm_config;
/*
 * After a command's options (@first: the first word that is not one), IMAGE and its arguments:
 * @cfg gets the image and the guest's argv (argv[0] = the image, then everything after it, a
 * leading "--" dropped). 0, or VMM_EXIT_USAGE after saying that `pvclock-vmm @cmd` lacks IMAGE.
 */
int cli_take_image(int argc, char **argv, int first, const char *cmd, struct vmm_config *cfg);

/* Value parsers that name the option and the value when they refuse it. */
int cli_parse_uint(const char *opt, const char *text, unsigned int min, unsigned int max,
		   unsigned int *out) __must_check;
int cli_parse_seconds(const char *opt, const char *text, double max_s, uint64_t *ns) __must_check;

#endif
