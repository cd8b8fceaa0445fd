/* Checked KVM ioctls and the capability check done once at start-up. */
#include "core/kvm_util.h"
#include "core/compiler.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define KVM_DEVICE     "/dev/kvm"
#define KVM_DEVICE_ENV "PVCLOCK_KVM_DEVICE" /* another device node, for tests */

static unsigned int inject_countdown; /* fail the nth checked ioctl from now (tests) */
static int inject_errno;

void kvm_inject_ioctl_failure(unsigned int nth, int err)
{
	inject_countdown = nth;
	inject_errno = err;
}

const char *kvm_device_path(void)
{
	const char *path = getenv(KVM_DEVICE_ENV);

	return path && *path ? path : KVM_DEVICE;
}

void kvm_explain_open_error(const char *path, int err)
{
	if (err == ENOENT)
		pr_err("%s does not exist: this kernel has no KVM (load kvm_intel or kvm_amd, "
		       "or enable virtualization in the firmware)",
		       path);
	else if (err == EACCES || err == EPERM)
		pr_err("%s: %s (run as root or join the group that owns it, usually 'kvm')", path,
		       strerror(err));
	else
		pr_err("open %s: %s", path, strerror(err));
}

struct required_cap {
	int cap;
	const char *name;
	const char *since; /* kernel that introduced it, for the error message */
};

static const struct required_cap required_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "2.6.26" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "2.6.27" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "4.11" },
	{ KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ", "3.5" },
	{ KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR", "5.10" },
	{ KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER", "5.10" },
};

int kvm_ioctl_named(int fd, unsigned long req, const char *name, void *arg)
{
	int ret;

	if (inject_countdown && --inject_countdown == 0) {
		pr_err("%s: %s (injected)", name, strerror(inject_errno));
		return -inject_errno;
	}
	ret = ioctl(fd, req, arg);
	if (ret < 0) {
		int err = errno;

		pr_err("%s: %s", name, strerror(err));
		return -err;
	}
	return ret;
}

bool kvm_has_cap(int fd, int cap)
{
	return kvm_cap_value(fd, cap) > 0;
}

int kvm_cap_value(int fd, int cap)
{
	int ret = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return ret > 0 ? ret : 0;
}

int kvm_check_caps(int fd, bool (*has_cap)(int fd, int cap))
{
	int missing = 0;

	for (size_t i = 0; i < ARRAY_SIZE(required_caps); i++) {
		if (has_cap(fd, required_caps[i].cap))
			continue;
		pr_err("KVM lacks %s (needs Linux %s or later)", required_caps[i].name,
		       required_caps[i].since);
		missing++;
	}
	return missing ? -ENOTSUP : 0;
}

int kvm_open(int *kvm_fd)
{
	int fd, version, ret;

	const char *path = kvm_device_path();

	*kvm_fd = -1;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		kvm_explain_open_error(path, err);
		return -err;
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		if (version < 0)
			pr_err("%s is not a KVM device: KVM_GET_API_VERSION: %s", path,
			       strerror(errno));
		else
			pr_err("KVM_GET_API_VERSION: got %d, need %d", version, KVM_API_VERSION);
		close(fd);
		return -ENOTSUP;
	}
	ret = kvm_check_caps(fd, kvm_has_cap);
	if (ret) {
		close(fd);
		return ret;
	}
	*kvm_fd = fd;
	return 0;
}
