/* A Linux guest's boot data and entry state (linux.h). */
#include "boot/linux.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bzimage.h"
#include "boot/guest_file.h"
#include "boot/longmode.h"
#include "boot/mptable.h"
#include "core/log.h"

/* The MP table's CPU entries: family 6 with an FPU and a local APIC, what Linux checks. */
#define LINUX_MP_CPU_SIGNATURE 0x600
#define LINUX_MP_CPU_FEATURES  0x201

static int linux_cmdline(struct guest_mem *mem, int argc, char *const argv[])
{
	size_t len = 0;
	char *line;
	int ret;

	if (argc < 2)
		return bzimage_set_cmdline(mem, LINUX_DEFAULT_CMDLINE);
	for (int i = 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	line = calloc(1, len + 1);
	if (!line)
		return -ENOMEM;
	for (int i = 1; i < argc; i++) {
		strcat(line, argv[i]);
		if (i + 1 < argc)
			strcat(line, " ");
	}
	ret = bzimage_set_cmdline(mem, line);
	free(line);
	return ret;
}

static int linux_initrd(struct guest_mem *mem, const char *path)
{
	void *data;
	size_t size;
	int ret = guest_file_read(path, "initrd", mem->size, &data, &size);

	if (ret)
		return ret;
	ret = bzimage_set_initrd(mem, data, size);
	free(data);
	return ret;
}

int linux_write_boot_data(struct guest_mem *mem, unsigned int nr_vcpus, int argc,
			  char *const argv[], const char *initrd_path)
{
	int ret = boot_write_kernel_tables(mem, nr_vcpus);

	if (!ret)
		ret = mptable_write(mem, nr_vcpus, LINUX_MP_CPU_SIGNATURE, LINUX_MP_CPU_FEATURES);
	if (!ret)
		ret = linux_cmdline(mem, argc, argv);
	if (!ret && initrd_path)
		ret = linux_initrd(mem, initrd_path);
	return ret;
}

void linux_vcpu_state(uint64_t entry, struct kvm_regs *regs, struct kvm_sregs *sregs)
{
	boot_vcpu_state(0, entry, regs, sregs);
	regs->rsi = BZ_BOOT_PARAMS;
	regs->rdi = 0;
	regs->rsp = 0; /* the kernel's first instructions set their own stack */
}
