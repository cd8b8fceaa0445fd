/* Checked KVM ioctls and the /dev/kvm system handle. */
#ifndef VMM_KVM_UTIL_H
#define VMM_KVM_UTIL_H

#include <stdbool.h>
#include "core/compiler.h"

/* Issue @req on @fd; on failure log "<name>: <strerror>" and return -errno, else the result. */
int kvm_ioctl_named(int fd, unsigned long req, const char *name, void *arg) __must_check;
#define kvm_ioctl(fd, req, arg) kvm_ioctl_named((fd), (req), #req, (void *)(arg))

/* Open /dev/kvm, check the API version and every capability in the required list. */
int kvm_open(int *kvm_fd) __must_check;
bool kvm_has_cap(int fd, int cap);
/* KVM_CHECK_EXTENSION's value (a count for some capabilities); 0 where absent. */
int kvm_cap_value(int fd, int cap);
/* Log each required capability @has_cap lacks, with the kernel that added it; -ENOTSUP if any. */
int kvm_check_caps(int fd, bool (*has_cap)(int fd, int cap)) __must_check;
/* /dev/kvm, or $PVCLOCK_KVM_DEVICE where set. */
const char *kvm_device_path(void);
/* The message for a failed open of the KVM device: what is wrong and what to do. */
void kvm_explain_open_error(const char *path, int err);
/* Tests: make the @nth checked ioctl from now fail with @err (0: off). */
void kvm_inject_ioctl_failure(unsigned int nth, int err);

#endif
