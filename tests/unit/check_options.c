/* Unit tests for the command-line option tables: parsing, refusals named, and --help lines. */
#include "cli/options.h"
#include "test_util.h"

struct seen {
	unsigned int count;
	const char *name;
	int flags;
};

static int take_flag(const struct cli_option *opt, void *ctx, const char *arg)
{
	((struct seen *)ctx)->flags++;
	return 0;
}

static const struct cli_option opts[] = {
	CLI_UINT("count", 'c', "N", struct seen, count, 1, 9, "how many"),
	CLI_STRING("name", 0, "NAME", struct seen, name, "a name\nsecond line"),
	CLI_CUSTOM("flag", 'f', NULL, take_flag, "a flag"),
	CLI_CUSTOM("a-long-option-name", 0, NULL, take_flag, "wraps"),
	CLI_HELP_OPTION,
};

/* Parse @argv (NULL-terminated, argv[0] a command word) into @s; cli_parse's result. */
static int parse(char **argv, bool stop_at_word, struct seen *s, int *first)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(s, 0, sizeof(*s));
	return cli_parse(argc, argv, opts, ARRAY_SIZE(opts), stop_at_word, s, first);
}

START_TEST(test_options_taken)
{
	char *argv[] = {
		"run", "-c", "3", "--name", "x", "-ff", "--flag", "image", "-c", "5", NULL
	};
	struct seen s;
	int first;

	ck_assert_int_eq(parse(argv, true, &s, &first), 0);
	ck_assert_uint_eq(s.count, 3);
	ck_assert_str_eq(s.name, "x");
	ck_assert_int_eq(s.flags, 3);
	ck_assert_int_eq(first, 7); /* options end at the first word: the rest is the guest's */
	ck_assert_str_eq(argv[first], "image");
}
END_TEST

START_TEST(test_options_anywhere_without_stop)
{
	char *argv[] = { "demo", "word", "--count=4", NULL };
	struct seen s;
	int first;

	ck_assert_int_eq(parse(argv, false, &s, &first), 0);
	ck_assert_uint_eq(s.count, 4);
	ck_assert_str_eq(argv[first], "word");
}
END_TEST

START_TEST(test_bad_values_named)
{
	char *bad_value[] = { "run", "--count", "12", "-f", NULL };
	char *missing[] = { "run", "--name", NULL };
	char *unknown[] = { "run", "--frob", NULL };
	struct seen s;
	int first;

	ck_assert_int_eq(parse(bad_value, true, &s, &first), -EINVAL);
	ck_assert_int_eq(s.flags, 1); /* parsing goes on, so every bad option is reported */
	ck_assert_int_eq(parse(missing, true, &s, &first), -EINVAL);
	ck_assert_int_eq(parse(unknown, true, &s, &first), -EINVAL);
}
END_TEST

START_TEST(test_help_stops)
{
	char *argv[] = { "run", "--help", "--count", "0", NULL };
	struct seen s;
	int first;

	ck_assert_int_eq(parse(argv, true, &s, &first), CLI_HELP);
}
END_TEST

START_TEST(test_value_parsers)
{
	unsigned int n;
	uint64_t ns;

	ck_assert_int_eq(cli_parse_uint("--n", "8", 1, 8, &n), 0);
	ck_assert_uint_eq(n, 8);
	ck_assert_int_eq(cli_parse_uint("--n", "9", 1, 8, &n), -EINVAL);
	ck_assert_int_eq(cli_parse_uint("--n", "0", 1, 8, &n), -EINVAL);
	ck_assert_int_eq(cli_parse_uint("--n", "2x", 1, 8, &n), -EINVAL);
	ck_assert_int_eq(cli_parse_uint("--n", "99999999999999999999", 1, 8, &n), -EINVAL);
	ck_assert_int_eq(cli_parse_seconds("--t", "0.25", 10, &ns), 0);
	ck_assert_uint_eq(ns, 250000000);
	ck_assert_int_eq(cli_parse_seconds("--t", "-1", 10, &ns), -EINVAL);
	ck_assert_int_eq(cli_parse_seconds("--t", "inf", 10, &ns), -EINVAL);
	ck_assert_int_eq(cli_parse_seconds("--t", "11", 10, &ns), -EINVAL);
	ck_assert_int_eq(cli_parse_seconds("--t", "soon", 10, &ns), -EINVAL);
}
END_TEST

START_TEST(test_help_lines)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cli_print_options(f, opts, ARRAY_SIZE(opts));
	fclose(f);
	ck_assert_str_eq(text, "  -c, --count N        how many\n"
			       "      --name NAME      a name\n"
			       "                       second line\n"
			       "  -f, --flag           a flag\n"
			       "      --a-long-option-name\n"
			       "                       wraps\n"
			       "  -h, --help           this text\n");
	free(text);
}
END_TEST

TEST_MAIN("options", test_options_taken, test_options_anywhere_without_stop, test_bad_values_named,
	  test_help_stops, test_value_parsers, test_help_lines)
