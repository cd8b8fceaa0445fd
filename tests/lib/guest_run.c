/* Integration-test helper: run a bundled guest through the VMM library (guest_run.h). */
#include "guest_run.h"

char *out_text;
FILE *out;
struct vmm_result res;
static size_t out_len;

void guest_run_setup(void)
{
	test_log_capture();
	out = open_memstream(&out_text, &out_len);
	memset(&res, 0, sizeof(res));
}

void guest_run_teardown(void)
{
	fclose(out);
	free(out_text);
	out_text = NULL;
	test_log_release();
}

void run_guest(const char *name, int argc, char **argv, unsigned int vcpus, uint64_t timeout_ns)
{
	char path[512];
	char *default_argv[] = { path, NULL };
	struct vmm_config cfg = {
		.image_path = path,
		.nr_vcpus = vcpus,
		.timeout_ns = timeout_ns,
		.argc = argc ? argc : 1,
		.argv = argc ? argv : default_argv,
		.console = out,
	};

	snprintf(path, sizeof(path), "%s/%s.elf", GUEST_DIR, name);
	if (argc)
		argv[0] = path;
	ck_assert_int_eq(vmm_run(&cfg, &res), 0);
	fflush(out);
}
