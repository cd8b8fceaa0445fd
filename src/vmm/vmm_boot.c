/* Booting from an image: the machine the config asks for, filled with the image and boot data. */
#include "vmm_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "boot/acpi.h"
#include "boot/guest_file.h"
#include "boot/linux.h"
#include "boot/longmode.h"
#include "boot/multiboot.h"
#include "core/log.h"

static const char *vmm_image_name(const struct vmm_config *cfg)
{
	return cfg->image_path ? cfg->image_path : "(memory)";
}

static int vmm_load_image(struct vmm *v, const struct vmm_config *cfg)
{
	struct elf_image_info *info = &v->image.info;
	int ret;

	if (cfg->image_path)
		ret = image_load_file(&v->vm->mem, cfg->image_path, &v->image);
	else
		ret = image_load(&v->vm->mem, cfg->image, cfg->image_size, "(memory)", &v->image);
	if (ret)
		return ret;
	pr_info("loaded %s image: %u segments at 0x%llx-0x%llx, entry 0x%llx",
		image_kind_name(v->image.kind), info->nr_segments, (unsigned long long)info->low,
		(unsigned long long)info->high, (unsigned long long)info->entry);
	return 0;
}

/* Read the module files and write the multiboot information (modules after the image). */
static int vmm_write_multiboot_info(struct vmm *v, const struct vmm_config *cfg)
{
	struct multiboot_module_file mods[MULTIBOOT_MAX_MODULES] = { 0 };
	void *data[MULTIBOOT_MAX_MODULES] = { 0 };
	unsigned int nr = 0;
	int ret = 0;

	if (cfg->nr_modules > MULTIBOOT_MAX_MODULES) {
		pr_err("%u modules given, at most %d are supported", cfg->nr_modules,
		       MULTIBOOT_MAX_MODULES);
		return -E2BIG;
	}
	for (; !ret && nr < cfg->nr_modules; nr++) {
		char path[PATH_MAX];

		/* "PATH ARGS...": the file is the first word, the whole string its cmdline. */
		snprintf(path, sizeof(path), "%.*s", (int)strcspn(cfg->modules[nr], " "),
			 cfg->modules[nr]);
		mods[nr].cmdline = cfg->modules[nr];
		ret = guest_file_read(path, "module", v->vm->mem.size, &data[nr], &mods[nr].size);
		mods[nr].data = data[nr];
	}
	if (!ret)
		ret = multiboot_write_info(&v->vm->mem, v->image.info.low, v->image.info.high,
					   cfg->argc, cfg->argv, mods, cfg->nr_modules,
					   &v->image.boot_info);
	if (!ret)
		v->vm->mem.vmm_end = 0; /* from the entry on, all RAM is the guest's */
	for (unsigned int i = 0; i < nr; i++)
		free(data[i]);
	return ret;
}

/* Options that belong to other kinds of image are refused, naming the image's kind. */
static int vmm_check_image_options(const struct vmm *v, const struct vmm_config *cfg)
{
	if (cfg->initrd && v->image.kind != IMAGE_LINUX) {
		pr_err("--initrd is for Linux bzImages; %s is a %s image", vmm_image_name(cfg),
		       image_kind_name(v->image.kind));
		return -EINVAL;
	}
	if (cfg->nr_modules && v->image.kind != IMAGE_MULTIBOOT) {
		pr_err("modules are for multiboot images; %s is a %s image", vmm_image_name(cfg),
		       image_kind_name(v->image.kind));
		return -EINVAL;
	}
	return 0;
}

static int vmm_write_boot_data(struct vmm *v, const struct vmm_config *cfg)
{
	unsigned int nr_vcpus = v->machine.nr_vcpus;
	int ret = vmm_check_image_options(v, cfg);

	if (ret)
		return ret;
	switch (v->image.kind) {
	case IMAGE_MULTIBOOT: ret = vmm_write_multiboot_info(v, cfg); break;
	case IMAGE_LINUX:
		v->vm->hide_invariant_tsc = !cfg->invariant_tsc;
		v->vm->mem.vmm_end = 0; /* the kernel keeps its own map (e820) */
		ret = linux_write_boot_data(&v->vm->mem, nr_vcpus, cfg->argc, cfg->argv,
					    cfg->initrd);
		break;
	default: return boot_write_tables(&v->vm->mem, nr_vcpus, cfg->argc, cfg->argv);
	}
	return ret ? ret : acpi_write_tables(&v->vm->mem, nr_vcpus);
}

static int vmm_boot_load(struct vmm *v, const void *ctx)
{
	const struct vmm_config *cfg = ctx;
	int ret = vmm_load_image(v, cfg);

	return ret ? ret : vmm_write_boot_data(v, cfg);
}

static const struct vmm_source vmm_boot_source = { .load = vmm_boot_load, .vcpus = vmm_bios_setup };

/* The machine cfg asks for, its defaults filled in and its combinations checked. */
static int vmm_boot_machine(const struct vmm_config *cfg, struct vmm_machine *m)
{
	*m = (struct vmm_machine){
		.mem_size = cfg->mem_size ? cfg->mem_size : GUEST_MEM_DEFAULT,
		.nr_vcpus = cfg->nr_vcpus ? cfg->nr_vcpus : 1,
		.policy = cfg->policy,
		.wall_mode = cfg->wall_clock,
		.cpu = cfg->cpu,
		.ignore_unclaimed_ports = cfg->ignore_unclaimed_ports,
	};
	if (!m->policy.ops)
		m->policy =
			(struct clock_policy){ .ops = &policy_every_entry, .spec = "every-entry" };
	if (m->nr_vcpus > MEMMAP_MAX_VCPUS) {
		pr_err("%u vCPUs requested, at most %u are supported (the memory map's room for "
		       "vCPU stacks)",
		       m->nr_vcpus, MEMMAP_MAX_VCPUS);
		return -EINVAL;
	}
	if (m->wall_mode == KVMCLOCK_WALL_FOLLOW && m->policy.ops->in_kernel) {
		pr_err("--wall-clock follow needs the VMM's kvmclock; with the kernel policy KVM "
		       "writes the wall clock itself (boot)");
		return -EINVAL;
	}
	return 0;
}

int vmm_boot(struct vmm *v, const struct vmm_config *cfg)
{
	struct vmm_machine m;
	int ret = vmm_boot_machine(cfg, &m);

	return ret ? ret : vmm_assemble(v, cfg, &m, &vmm_boot_source, cfg);
}
