/*
 * Unit tests for the machine's device table (vmm_devices.c): set-up fails at every row of
 * every machine kind in turn, and each time teardown walks back exactly the rows set up, in
 * reverse, leaking no fd. No guest runs: KVM's first ioctl is failed after the devices.
 */

#include "bzimage_fixture.h"
#include "core/kvm_util.h"
#include "test_util.h"
#include "vmm.h"

#define KERNEL_SIZE 8192

static uint8_t bzimage[BZIMAGE_FIXTURE_SETUP + KERNEL_SIZE];
static FILE *devnull;

/* The row names in @log after @what ("set up", "torn down"), in order, into @names. */
static unsigned int logged_rows(const char *log, const char *what, const char **names,
				unsigned int max)
{
	unsigned int n = 0;

	for (const char *p = log; (p = strstr(p, "device ")) && n < max; p++) {
		const char *end = strchr(p, ':');
		char tail[32];

		snprintf(tail, sizeof(tail), ": %s\n", what);
		if (!end || strncmp(end, tail, strlen(tail)))
			continue;
		for (unsigned int row = 0; row < vmm_device_count(); row++) {
			const char *name = vmm_device_name(row);

			if ((size_t)(end - p - 7) == strlen(name) &&
			    !strncmp(p + 7, name, strlen(name)))
				names[n++] = name;
		}
	}
	return n;
}

/* One run failing the @nth row; which row failed (NULL: none did) is returned. */
static const char *run_failing_row(const struct vmm_config *cfg, unsigned int nth)
{
	const char *up[32], *down[32], *failed = NULL;
	unsigned int nr_up, nr_down;
	struct vmm_result res;
	int fds = test_count_fds();

	test_log_capture();
	vmm_inject_device_failure(nth, EIO);
	kvm_inject_ioctl_failure(1, ENODEV); /* past the devices: stop at KVM's first ioctl */
	ck_assert_int_lt(vmm_run(cfg, &res), 0);
	vmm_inject_device_failure(0, 0);
	kvm_inject_ioctl_failure(0, 0);
	ck_assert_int_eq(test_count_fds(), fds);
	nr_up = logged_rows(test_logged(), "set up", up, 32);
	nr_down = logged_rows(test_logged(), "torn down", down, 32);
	ck_assert_msg(nr_up == nr_down, "%u rows set up, %u torn down:\n%s", nr_up, nr_down,
		      test_logged());
	for (unsigned int i = 0; i < nr_up; i++)
		ck_assert_str_eq(up[i], down[nr_up - 1 - i]);
	for (unsigned int row = 0; row < vmm_device_count(); row++) {
		char text[64];

		snprintf(text, sizeof(text), "device %s: set-up failed", vmm_device_name(row));
		if (strstr(test_logged(), text))
			failed = vmm_device_name(row);
	}
	ck_assert_msg(failed || nth > nr_up, "no row failed at %u, %u set up", nth, nr_up);
	return failed;
}

/* Fail each row @cfg's machine has in turn; mark the rows that failed in @hit. */
static unsigned int fail_every_row(const struct vmm_config *cfg, bool *hit)
{
	unsigned int n = 1;

	for (const char *row; (row = run_failing_row(cfg, n)); n++)
		for (unsigned int i = 0; i < vmm_device_count(); i++)
			hit[i] |= !strcmp(vmm_device_name(i), row);
	return n - 1;
}

START_TEST(test_every_row_fails_and_unwinds)
{
	char native[512], multiboot[512];
	char *native_argv[] = { native, NULL }, *mb_argv[] = { multiboot, NULL };
	char *linux_argv[] = { "bzImage", NULL };
	struct vmm_config cfgs[] = {
		{ .image_path = native, .argc = 1, .argv = native_argv, .console = devnull },
		{ .image_path = multiboot, .argc = 1, .argv = mb_argv, .console = devnull },
		{ .image = bzimage,
		  .image_size = sizeof(bzimage),
		  .argc = 1,
		  .argv = linux_argv,
		  .console = devnull },
	};
	bool hit[32] = { false };
	unsigned int rows[3];

	ck_assert_uint_le(vmm_device_count(), 32);
	snprintf(native, sizeof(native), "%s/hello.elf", GUEST_DIR);
	snprintf(multiboot, sizeof(multiboot), "%s/mb_hello32.elf", GUEST_DIR);
	bzimage_fixture_make(bzimage, KERNEL_SIZE);
	log_set_level(LOG_DEBUG);
	for (unsigned int i = 0; i < ARRAY_SIZE(cfgs); i++)
		rows[i] = fail_every_row(&cfgs[i], hit);
	log_set_level(LOG_WARN);
	printf("device rows failed in turn: native %u, multiboot %u, Linux %u of %u\n", rows[0],
	       rows[1], rows[2], vmm_device_count());
	for (unsigned int i = 0; i < vmm_device_count(); i++)
		ck_assert_msg(hit[i], "row %s never failed", vmm_device_name(i));
	ck_assert_uint_lt(rows[0], rows[1]); /* the PC machine has more */
}
END_TEST

/* The table names each device once. */
START_TEST(test_rows_are_named_once)
{
	for (unsigned int i = 0; i < vmm_device_count(); i++)
		for (unsigned int j = i + 1; j < vmm_device_count(); j++)
			ck_assert_str_ne(vmm_device_name(i), vmm_device_name(j));
	ck_assert_ptr_null(vmm_device_name(vmm_device_count()));
}
END_TEST

static void setup(void)
{
	devnull = fopen("/dev/null", "w");
	ck_assert_ptr_nonnull(devnull);
}

static void teardown(void)
{
	fclose(devnull);
	test_log_release();
}

TEST_SUITE("vmm_devices",
	   { .name = "core",
	     .tests = TESTS(test_every_row_fails_and_unwinds, test_rows_are_named_once),
	     .setup = setup,
	     .teardown = teardown })
