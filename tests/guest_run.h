/* Integration-test helper: run a bundled guest through the VMM library, capturing its output. */
#ifndef GUEST_RUN_H
#define GUEST_RUN_H

#include "test_util.h"
#include "vmm.h"

#define GUEST_RUN_TIMEOUT_NS 60000000000ull

static char *out_text;
static size_t out_len;
static FILE *out;
static struct vmm_result res;

static inline void guest_run_setup(void)
{
	test_log_capture();
	out = open_memstream(&out_text, &out_len);
	memset(&res, 0, sizeof(res));
}

static inline void guest_run_teardown(void)
{
	fclose(out);
	free(out_text);
	out_text = NULL;
	log_set_sink(NULL);
}

/* Run GUEST_DIR/@name.elf with @argc/@argv (argv[0] is filled in) on @vcpus vCPUs. */
static inline void run_guest(const char *name, int argc, char **argv, unsigned int vcpus,
			     uint64_t timeout_ns)
{
	char path[512];
	char *default_argv[] = { path, NULL };
	struct vmm_config cfg = {
		.image_path = path, .nr_vcpus = vcpus, .timeout_ns = timeout_ns,
		.argc = argc ? argc : 1, .argv = argc ? argv : default_argv, .console = out,
	};

	snprintf(path, sizeof(path), "%s/%s.elf", GUEST_DIR, name);
	if (argc)
		argv[0] = path;
	ck_assert_int_eq(vmm_run(&cfg, &res), 0);
	fflush(out);
}

#endif
