/* Unit tests: clear errors for the environment (no KVM, no permission, missing capability, RAM). */
#include <linux/kvm.h>
#include <sys/resource.h>

#include "core/guest_mem.h"
#include "core/kvm_util.h"
#include "test_util.h"

static void setup(void)
{
	test_log_capture();
}

static void teardown(void)
{
	test_log_release();
	unsetenv("PVCLOCK_KVM_DEVICE");
}

START_TEST(test_no_kvm_device)
{
	int fd;

	setenv("PVCLOCK_KVM_DEVICE", "/nonexistent/kvm", 1);
	ck_assert_int_eq(kvm_open(&fd), -ENOENT);
	ck_assert_int_eq(fd, -1);
	ck_assert_logged("/nonexistent/kvm does not exist: this kernel has no KVM (load kvm_intel "
			 "or kvm_amd, or enable virtualization in the firmware)");
}
END_TEST

START_TEST(test_not_a_kvm_device)
{
	int fd;

	setenv("PVCLOCK_KVM_DEVICE", "/dev/null", 1);
	ck_assert_int_eq(kvm_open(&fd), -ENOTSUP);
	ck_assert_logged("/dev/null is not a KVM device: KVM_GET_API_VERSION:");
}
END_TEST

START_TEST(test_permission_message)
{
	kvm_explain_open_error("/dev/kvm", EACCES);
	ck_assert_logged("/dev/kvm: Permission denied (run as root or join the group that owns it, "
			 "usually 'kvm')");
	kvm_explain_open_error("/dev/kvm", EBUSY);
	ck_assert_logged("open /dev/kvm: Device or resource busy");
}
END_TEST

static bool lacks_msr_filter(int fd, int cap)
{
	return cap != KVM_CAP_X86_MSR_FILTER && cap != KVM_CAP_IMMEDIATE_EXIT;
}

static bool has_everything(int fd, int cap)
{
	return true;
}

START_TEST(test_missing_capabilities_named)
{
	ck_assert_int_eq(kvm_check_caps(-1, lacks_msr_filter), -ENOTSUP);
	ck_assert_logged("KVM lacks KVM_CAP_X86_MSR_FILTER (needs Linux 5.10 or later)");
	ck_assert_logged("KVM lacks KVM_CAP_IMMEDIATE_EXIT (needs Linux 4.11 or later)");
	ck_assert_int_eq(kvm_check_caps(-1, has_everything), 0);
}
END_TEST

START_TEST(test_guest_ram_cannot_be_allocated)
{
	struct rlimit lim = { 256ull << 20, 256ull << 20 }; /* this test runs in its own process */
	struct guest_mem mem;

#ifdef __SANITIZE_ADDRESS__
	/* ASan reserves terabytes of shadow at start: an address-space limit breaks ASan itself. */
	printf("guest RAM allocation failure: checked in the build without ASan\n");
	return;
#endif
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &lim), 0);
	ck_assert_int_eq(guest_mem_alloc(&mem, 1ull << 30), -ENOMEM);
	ck_assert_logged(
		"cannot allocate 1073741824 bytes of guest memory: Cannot allocate memory");
	ck_assert_ptr_null(mem.host);
}
END_TEST

START_TEST(test_injected_ioctl_failure)
{
	kvm_inject_ioctl_failure(2, EIO);
	ck_assert_int_lt(kvm_ioctl(-1, KVM_GET_API_VERSION, 0), 0); /* the real (bad fd) one */
	ck_assert_int_eq(kvm_ioctl(-1, KVM_CHECK_EXTENSION, 0), -EIO);
	ck_assert_logged("KVM_CHECK_EXTENSION: Input/output error (injected)");
	kvm_inject_ioctl_failure(0, 0);
}
END_TEST

TEST_SUITE("env",
	   { .name = "core",
	     .setup = setup,
	     .teardown = teardown,
	     .tests = TESTS(test_no_kvm_device, test_not_a_kvm_device, test_permission_message,
			    test_missing_capabilities_named, test_guest_ram_cannot_be_allocated,
			    test_injected_ioctl_failure) })
