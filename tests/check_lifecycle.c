/*
 * Integration tests: resource hygiene. 1,000 VMs (vCPUs, RAM, kvmclock threads) built and torn
 * down in one process leave no fds and no memory behind; a failure injected at every checked
 * ioctl of the set-up unwinds cleanly (the sanitizer build checks for leaks).
 */
#include <dirent.h>

#include "guest_run.h"
#include "kvm_util.h"

#ifdef __SANITIZE_ADDRESS__
/* ASan keeps freed memory in a 256 MB quarantine, which would read as growth here. */
#define RSS_GROWTH_LIMIT_KIB 32768	/* its allocator still keeps per-thread caches */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=0:thread_local_quarantine_size_kb=0";
}
#else
#define RSS_GROWTH_LIMIT_KIB 4096
#endif

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static long resident_kib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	ck_assert_int_eq(fscanf(f, "%ld %ld", &pages, &rss), 2);
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static struct vmm_config never_ending(char *path, char **argv)
{
	snprintf(path, 512, "%s/exit_loop.elf", GUEST_DIR);
	argv[0] = path;
	argv[1] = "0";
	return (struct vmm_config){ .image_path = path, .argc = 2, .argv = argv, .console = out,
				    .nr_vcpus = 2, .mem_size = 16ull << 20,
				    .timeout_ns = GUEST_RUN_TIMEOUT_NS };
}

START_TEST(test_thousand_vms)
{
	char path[512], *argv[3] = { 0 };
	struct vmm_config cfg = never_ending(path, argv);
	int fds_before = 0;
	long rss_before = 0;

	for (int i = 0; i < 1010; i++) {
		if (i == 10) {	/* after warm-up: libc, libelf and thread caches are in place */
			fds_before = count_fds();
			rss_before = resident_kib();
		}
		ck_assert_int_eq(vmm_run(&cfg, &res), 0);
		ck_assert_int_eq(res.stop, VM_STOP_DONE);
	}
	printf("1000 VMs with 2 vCPUs and 16 MiB each: fds %d -> %d, resident %ld -> %ld KiB\n",
	       fds_before, count_fds(), rss_before, resident_kib());
	ck_assert_int_eq(count_fds(), fds_before);
	ck_assert_int_le(resident_kib() - rss_before, RSS_GROWTH_LIMIT_KIB);
}
END_TEST

/* Fail the 1st, 2nd, ... checked ioctl until a run of @cfg gets through all of its set-up. */
static int inject_every_setup_failure(const struct vmm_config *cfg)
{
	int fds = count_fds(), failures = 0;

	for (unsigned int n = 1; n < 200; n++) {
		int ret;

		kvm_inject_ioctl_failure(n, EIO);
		ret = vmm_run(cfg, &res);
		kvm_inject_ioctl_failure(0, 0);
		ck_assert_int_eq(count_fds(), fds);
		if (!ret)
			break;
		ck_assert_int_eq(ret, -EIO);
		failures++;
	}
	ck_assert_logged("(injected)");
	return failures;
}

START_TEST(test_every_setup_ioctl_failure_unwinds)
{
	char path[512], *argv[3] = { 0 };
	struct vmm_config cfg = never_ending(path, argv);
	int failures = inject_every_setup_failure(&cfg);

	printf("set-up failure injected at each of %d checked ioctls: all unwound\n", failures);
	ck_assert_int_gt(failures, 10);
}
END_TEST

/* The PC machine adds the irqchip, the PIT and vCPUs that wait for SIPI. */
START_TEST(test_every_multiboot_setup_ioctl_failure_unwinds)
{
	char path[512], *argv[2] = { path, NULL };
	struct vmm_config cfg = { .image_path = path, .argc = 1, .argv = argv, .console = out,
				  .nr_vcpus = 2, .timeout_ns = GUEST_RUN_TIMEOUT_NS };
	int failures;

	snprintf(path, sizeof(path), "%s/mb_hello32.elf", GUEST_DIR);
	failures = inject_every_setup_failure(&cfg);
	printf("multiboot set-up failure injected at each of %d checked ioctls: all unwound\n",
	       failures);
	ck_assert_int_gt(failures, 10);
	ck_assert_int_eq(res.stop, VM_STOP_DEBUG_EXIT);
	ck_assert_int_eq(res.guest_exit_code, 43);
}
END_TEST

static Suite *lifecycle_suite(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = tcase_create("vms");

	tcase_add_checked_fixture(tc, guest_run_setup, guest_run_teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_thousand_vms);
	tcase_add_test(tc, test_every_setup_ioctl_failure_unwinds);
	tcase_add_test(tc, test_every_multiboot_setup_ioctl_failure_unwinds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	test_require_kvm("check_lifecycle");
	return test_run_suite(lifecycle_suite());
}
