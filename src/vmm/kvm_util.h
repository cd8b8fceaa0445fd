/* Checked KVM ioctls and the /dev/kvm system handle. */
#ifndef VMM_KVM_UTIL_H
#define VMM_KVM_UTIL_H

#include <stdbool.h>
#include "log.h"

/* Issue @req on @fd; on failure log "<name>: <strerror>" and return -errno, else the result. */
int kvm_ioctl_named(int fd, unsigned long req, const char *name, void *arg) __must_check;
#define kvm_ioctl(fd, req, arg) kvm_ioctl_named((fd), (req), #req, (void *)(arg))

/* Open /dev/kvm, check the API version and every capability in the required list. */
int kvm_open(int *kvm_fd) __must_check;
bool kvm_has_cap(int fd, int cap);

#endif
