/* Unit tests for the demo's output: its CSV and JSON hold every policy and parse. */
#include "cli/demo.h"
#include "test_util.h"

static struct demo_row rows[2];

static void make_rows(void)
{
	memset(rows, 0, sizeof(rows));
	strcpy(rows[0].policy, "every-entry");
	rows[0].ran = true;
	rows[0].sum.samples = 10;
	rows[0].sum.err_p99_ns = 23;
	rows[0].anchors = 10;
	rows[0].sum.duration_s = 1;
	strcpy(rows[1].policy, "periodic:10ms");
	demo_verdict(&rows[0]);
	demo_verdict(&rows[1]);
	strcat(rows[1].verdict, " \"quoted\" \\ back");
}

START_TEST(test_csv_holds_every_policy)
{
	char path[] = "/tmp/pvclock-demo-XXXXXX", line[2048];
	int fd = mkstemp(path), lines = 0, cols = 0;
	FILE *f;

	make_rows();
	close(fd);
	ck_assert_int_eq(demo_write_csv(path, rows, 2), 0);
	f = fopen(path, "r");
	while (fgets(line, sizeof(line), f)) {
		int c = 1;

		for (char *p = line; *p; p++)
			c += *p == ',';
		if (lines++ == 0)
			cols = c;
		else
			ck_assert_int_eq(c, cols);
		if (lines == 2)
			ck_assert(!strncmp(line, "every-entry,1,10,", 17));
		if (lines == 3)
			ck_assert(!strncmp(line, "periodic:10ms,0,", 16));
	}
	fclose(f);
	unlink(path);
	ck_assert_int_eq(lines, 3);
	ck_assert_int_eq(cols, 19);
}
END_TEST

/* A small strict JSON reader: enough to prove the file parses and to count policies. */
static const char *json_value(const char *p, int *policies);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_str(const char *p, char *out, size_t len)
{
	size_t n = 0;

	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if (!*p || (unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		else if (*p == '\\')
			return NULL;
		if (n + 1 < len)
			out[n++] = *p;
	}
	out[n] = '\0';
	return p + 1;
}

static const char *json_value(const char *p, int *policies)
{
	char key[64], s[256];

	p = json_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';

		p = json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				p = json_str(json_ws(p), key, sizeof(key));
				if (!p || *(p = json_ws(p)) != ':')
					return NULL;
				if (!strcmp(key, "policy"))
					(*policies)++;
				p++;
			}
			p = json_value(p, policies);
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return json_str(p, s, sizeof(s));
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	{
		char *end;

		strtod(p, &end);
		return end == p ? NULL : end;
	}
}

START_TEST(test_json_parses_and_holds_every_policy)
{
	char path[] = "/tmp/pvclock-demo-XXXXXX", buf[8192] = { 0 };
	int fd = mkstemp(path), policies = 0;
	const char *end;
	FILE *f;

	make_rows();
	close(fd);
	ck_assert_int_eq(demo_write_json(path, rows, 2), 0);
	f = fopen(path, "r");
	ck_assert_uint_gt(fread(buf, 1, sizeof(buf) - 1, f), 0);
	fclose(f);
	unlink(path);
	end = json_value(buf, &policies);
	ck_assert_msg(end && *json_ws(end) == '\0', "invalid JSON:\n%s", buf);
	ck_assert_int_eq(policies, 2);
	ck_assert_ptr_nonnull(strstr(buf, "\"policy\": \"periodic:10ms\""));
	ck_assert_ptr_nonnull(strstr(buf, "\\\"quoted\\\" \\\\ back"));
}
END_TEST

TEST_MAIN("demo", test_csv_holds_every_policy, test_json_parses_and_holds_every_policy)
