/*
 * Snapshots of a whole VMM: the machine, RAM, devices, the kvmclock host and KVM's state
 * (snapshot/snap_state.c), written while the VM is paused; and a new VMM built from one.
 * A restore checks the whole file first (snap_open), then everything the machine needs,
 * before any guest code runs.
 */
#include "vmm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mono_time.h"
#include "machine/vcpu.h"
#include "snapshot/snap_state.h"

static uint64_t real_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void vmm_save_devices(struct vmm *v, struct snap_writer *w)
{
	struct snap_devices d = {
		.uart_ier = v->uart.ier,
		.uart_lcr = v->uart.lcr,
		.uart_mcr = v->uart.mcr,
		.uart_scr = v->uart.scr,
		.uart_dll = v->uart.dll,
		.uart_dlm = v->uart.dlm,
		.uart_fcr = v->uart.fcr,
		.uart_thre_pending = v->uart.thre_pending,
		.fw_cfg_item =
			v->fw_cfg.current ? (uint32_t)(v->fw_cfg.current - v->fw_cfg.items) + 1 : 0,
		.fw_cfg_offset = v->fw_cfg.offset,
		.report_syncs = v->report.outcome.syncs,
		.report_last_sync = v->report.outcome.last_sync,
		.pci_address = v->pci.address,
		.pci_command = (uint16_t)(v->pci.config[4] | v->pci.config[5] << 8),
		.pm1_enable = v->acpi_pm.enable,
		.pm1_control = v->acpi_pm.control,
		.testdev_reg = v->testdev.reg,
	};

	_Static_assert(sizeof(d.uart_tail) >= sizeof(v->uart.tail), "UART tail fits");
	memcpy(d.uart_tail, v->uart.tail, sizeof(v->uart.tail));
	snap_write(w, SNAP_DEVICES, 0, &d, sizeof(d));
	if (v->image.kind == IMAGE_MULTIBOOT)
		snap_write(w, SNAP_TESTDEV_MEM, 0, v->testdev.iomem, sizeof(v->testdev.iomem));
	if (v->uart.line.len)
		snap_write(w, SNAP_UART_LINE, 0, v->uart.line.buf, v->uart.line.len);
	for (unsigned int i = 0; i < v->vm->nr_vcpus; i++)
		if (v->console.lines[i].len)
			snap_write(w, SNAP_CONSOLE, i, v->console.lines[i].buf,
				   v->console.lines[i].len);
}

/* An unfinished console line (section @type, @index), if the snapshot has one. */
static int vmm_restore_line(const struct snap_file *f, enum snap_type type, unsigned int index,
			    struct console_line *line)
{
	const struct snap_section *s = snap_find(f, type, index);

	if (s && s->size > sizeof(line->buf)) {
		pr_err("%s: an unfinished console line (section %u, %u) of %llu bytes, at most %zu",
		       f->name, type, index, (unsigned long long)s->size, sizeof(line->buf));
		return -EINVAL;
	}
	line->len = s ? s->size : 0;
	if (s)
		memcpy(line->buf, s->data, s->size);
	return 0;
}

static int vmm_restore_devices(struct vmm *v, const struct snap_file *f)
{
	struct snap_devices d;

	if (snap_get(f, SNAP_DEVICES, 0, &d, sizeof(d)))
		return -EINVAL;
	if (d.fw_cfg_item > v->fw_cfg.nr) {
		pr_err("%s: fw_cfg item %u selected, the machine has %u", f->name, d.fw_cfg_item,
		       v->fw_cfg.nr);
		return -EINVAL;
	}
	v->uart.ier = d.uart_ier, v->uart.lcr = d.uart_lcr, v->uart.mcr = d.uart_mcr;
	v->uart.scr = d.uart_scr, v->uart.dll = d.uart_dll, v->uart.dlm = d.uart_dlm;
	v->uart.fcr = d.uart_fcr, v->uart.thre_pending = d.uart_thre_pending;
	memcpy(v->uart.tail, d.uart_tail, sizeof(v->uart.tail));
	v->uart.tail[sizeof(v->uart.tail) - 1] = '\0';
	v->fw_cfg.current = d.fw_cfg_item ? &v->fw_cfg.items[d.fw_cfg_item - 1] : NULL;
	v->fw_cfg.offset = d.fw_cfg_offset;
	v->report.outcome.syncs = d.report_syncs;
	v->report.outcome.last_sync = d.report_last_sync;
	v->pci.address = d.pci_address;
	v->pci.config[4] = (uint8_t)d.pci_command;
	v->pci.config[5] = (uint8_t)(d.pci_command >> 8);
	v->acpi_pm.enable = d.pm1_enable;
	v->acpi_pm.control = d.pm1_control;
	v->testdev.reg = d.testdev_reg;
	if (v->image.kind == IMAGE_MULTIBOOT &&
	    snap_get(f, SNAP_TESTDEV_MEM, 0, v->testdev.iomem, sizeof(v->testdev.iomem)))
		return -EINVAL;
	for (unsigned int i = 0; i < v->vm->nr_vcpus; i++)
		if (vmm_restore_line(f, SNAP_CONSOLE, i, &v->console.lines[i]))
			return -EINVAL;
	return vmm_restore_line(f, SNAP_UART_LINE, 0, &v->uart.line);
}

static void vmm_save_machine(struct vmm *v, struct snap_writer *w)
{
	struct vm *vm = v->vm;
	struct snap_machine m = {
		.image_kind = v->image.kind,
		.nr_vcpus = vm->nr_vcpus,
		.mem_size = vm->mem.size,
		.vmm_end = vm->mem.vmm_end,
		.tsc_hz = vm->clock.tsc_hz,
		.wall_mode = v->machine.wall_mode,
		.hide_invariant_tsc = vm->hide_invariant_tsc,
		.ignore_unclaimed_ports = vm->vcpus[0]->exit_ctx.ignore_unclaimed_ports,
	};
	struct snap_clock c = {
		.guest_ns = vm_paused_guest_ns(vm),
		.timeline_ns = vm->paused_timeline_ns,
		.real_ns = real_now_ns(),
		.wall_msr = vm->clock.wall_msr,
		.wall_version = vm->clock.wall_writer.version,
	};

	_Static_assert(sizeof(m.cpu) == sizeof(v->machine.cpu.spec), "the --cpu spec fits");
	snprintf(m.policy, sizeof(m.policy), "%s", v->machine.policy.spec);
	memcpy(m.cpu, v->machine.cpu.spec, sizeof(m.cpu));
	snap_write(w, SNAP_MACHINE, 0, &m, sizeof(m));
	snap_write(w, SNAP_CLOCK, 0, &c, sizeof(c));
}

static int vmm_write_snapshot(struct vmm *v, FILE *f, uint64_t *bytes)
{
	struct snap_writer w;
	int ret;

	/* The live publisher would write a struct into RAM as it is checksummed: a corrupt file. */
	kvmclock_hold(&v->vm->clock);
	snap_writer_begin(&w, f);
	vmm_save_machine(v, &w);
	vmm_save_devices(v, &w);
	snap_write(&w, SNAP_RAM, 0, v->vm->mem.host, v->vm->mem.size);
	ret = snap_save_irqchip(&w, v->vm);
	for (unsigned int i = 0; !ret && i < v->vm->nr_vcpus; i++) {
		struct kvmclock_saved_vcpu kc;

		ret = snap_save_vcpu(&w, v->vm->vcpus[i], v->machine.policy.ops->in_kernel);
		kvmclock_save_vcpu(&v->vm->clock, i, &kc);
		snap_write(&w, SNAP_VCPU_KVMCLOCK, i, &kc, sizeof(kc));
	}
	if (!ret)
		ret = snap_writer_finish(&w);
	kvmclock_release(&v->vm->clock);
	*bytes = w.size;
	return ret;
}

int vmm_snapshot_save(struct vmm *v, const char *path, uint64_t *bytes)
{
	char tmp[4096];
	FILE *f;
	int fd, ret;

	if (snprintf(tmp, sizeof(tmp), "%s.part", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* 0600: guest RAM is the guest's secrets. Written aside, renamed when whole. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "wb");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	ret = vmm_write_snapshot(v, f, bytes);
	if (!ret && fsync(fd))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -EIO;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

/* The machine section, checked against what this VMM can build, as a machine to assemble. */
static int vmm_check_machine(const struct snap_file *f, const struct snap_machine *m,
			     struct vmm_machine *out)
{
	const struct snap_section *ram = snap_find(f, SNAP_RAM, 0);

	if (m->image_kind > IMAGE_LINUX || !m->nr_vcpus || m->nr_vcpus > MEMMAP_MAX_VCPUS) {
		pr_err("%s: a machine of image kind %u with %u vCPUs (kinds 0-%d, 1-%u vCPUs)",
		       f->name, m->image_kind, m->nr_vcpus, IMAGE_LINUX, MEMMAP_MAX_VCPUS);
		return -EINVAL;
	}
	if (m->mem_size < GUEST_MEM_MIN || m->mem_size > GUEST_MEM_MAX ||
	    m->mem_size % GUEST_PAGE_SIZE || !ram || ram->size != m->mem_size ||
	    m->vmm_end > m->mem_size) {
		pr_err("%s: RAM of %llu bytes (section: %llu, VMM area to %llu); %llu to %llu in "
		       "pages expected",
		       f->name, (unsigned long long)m->mem_size,
		       ram ? (unsigned long long)ram->size : 0ull, (unsigned long long)m->vmm_end,
		       (unsigned long long)GUEST_MEM_MIN, (unsigned long long)GUEST_MEM_MAX);
		return -EINVAL;
	}
	if (m->wall_mode > KVMCLOCK_WALL_FOLLOW || !memchr(m->policy, 0, sizeof(m->policy)) ||
	    !memchr(m->cpu, 0, sizeof(m->cpu))) {
		pr_err("%s: machine section: wall-clock mode %u, or a policy or CPU name "
		       "without its end",
		       f->name, m->wall_mode);
		return -EINVAL;
	}
	*out = (struct vmm_machine){
		.mem_size = m->mem_size,
		.nr_vcpus = m->nr_vcpus,
		.wall_mode = m->wall_mode,
		.ignore_unclaimed_ports = m->ignore_unclaimed_ports,
	};
	/* The CPU and policy it ran with, not today's options: parsed once, here. */
	if (clock_policy_parse(m->policy, &out->policy) || cpu_features_parse(m->cpu, &out->cpu))
		return -EINVAL;
	return 0;
}

/* The irqchip's and every vCPU's KVM state. */
static int vmm_restore_vcpus(struct vmm *v, const struct snap_file *f)
{
	struct vm *vm = v->vm;
	int ret = snap_restore_irqchip(f, vm);

	for (unsigned int i = 0; !ret && i < vm->nr_vcpus; i++)
		ret = snap_restore_vcpu(f, vm->vcpus[i], v->machine.policy.ops->in_kernel);
	return ret;
}

/* The clock host's registrations (where each vCPU's struct is), as the guest left them. */
static int vmm_restore_kvmclock(struct vmm *v, const struct snap_file *f)
{
	struct vm *vm = v->vm;
	int ret = 0;

	for (unsigned int i = 0; !ret && i < vm->nr_vcpus; i++) {
		struct kvmclock_saved_vcpu kc;

		ret = snap_get(f, SNAP_VCPU_KVMCLOCK, i, &kc, sizeof(kc));
		if (!ret && !v->machine.policy.ops->in_kernel)
			kvmclock_restore_vcpu(&vm->clock, i, &kc);
	}
	return ret;
}

/* After the guest time is set: the wall-clock struct, as the guest last registered it. */
static int vmm_restore_wall(struct vmm *v, const struct snap_file *f)
{
	struct snap_clock c;

	if (snap_get(f, SNAP_CLOCK, 0, &c, sizeof(c)))
		return -EINVAL;
	if (!v->machine.policy.ops->in_kernel) {
		v->vm->clock.wall_writer.version = c.wall_version + 2;
		kvmclock_restore_wall(&v->vm->clock, 0, c.wall_msr);
	}
	return 0;
}

/*
 * Start the guest clock (and the host's guest timeline) where the snapshot left them, plus
 * the CLOCK_REALTIME time since under continue (none if that clock went back: never backwards).
 */
static int vmm_restart_clock(struct vmm *v, const struct snap_file *f, uint64_t *guest_ns)
{
	struct snap_clock c;
	uint64_t now = real_now_ns(), since = 0;

	if (snap_get(f, SNAP_CLOCK, 0, &c, sizeof(c)))
		return -EINVAL;
	if (v->vm->pause_clock == KVMCLOCK_PAUSE_CONTINUE && now > c.real_ns)
		since = now - c.real_ns;
	*guest_ns = c.guest_ns + since;
	return vm_start_clock_at(v->vm, c.guest_ns + since, c.timeline_ns + since);
}

/* What the restore hooks read: the checked file, its machine section, the config. */
struct vmm_restore_ctx {
	const struct snap_file *f;
	struct snap_machine m;
	const struct vmm_config *cfg;
};

static int vmm_restore_load(struct vmm *v, const void *ctx)
{
	const struct vmm_restore_ctx *r = ctx;

	memcpy(v->vm->mem.host, snap_find(r->f, SNAP_RAM, 0)->data, r->m.mem_size);
	v->vm->mem.vmm_end = r->m.vmm_end;
	v->vm->hide_invariant_tsc = r->m.hide_invariant_tsc;
	v->image.kind = r->m.image_kind;
	return 0;
}

static int vmm_restore_devices_hook(struct vmm *v, const void *ctx)
{
	return vmm_restore_devices(v, ((const struct vmm_restore_ctx *)ctx)->f);
}

static int vmm_restore_vcpus_hook(struct vmm *v, const void *ctx)
{
	return vmm_restore_vcpus(v, ((const struct vmm_restore_ctx *)ctx)->f);
}

static int vmm_restore_registrations(struct vmm *v, const void *ctx)
{
	return vmm_restore_kvmclock(v, ((const struct vmm_restore_ctx *)ctx)->f);
}

static int vmm_restore_time(struct vmm *v, const void *ctx)
{
	const struct vmm_restore_ctx *r = ctx;
	uint64_t guest_ns = 0;
	int ret = vmm_restart_clock(v, r->f, &guest_ns);

	if (!ret)
		ret = vmm_restore_wall(v, r->f);
	if (!ret)
		pr_info("restored %s: %s machine, %u vCPUs, %llu MiB, policy %s, guest time %.6f s",
			r->cfg->restore_path, image_kind_name(r->m.image_kind), r->m.nr_vcpus,
			(unsigned long long)(r->m.mem_size >> 20), r->m.policy, guest_ns / 1e9);
	return ret;
}

static const struct vmm_source vmm_restore_source = {
	.load = vmm_restore_load,
	.devices = vmm_restore_devices_hook,
	.vcpus = vmm_restore_vcpus_hook,
	.registrations = vmm_restore_registrations,
	.time = vmm_restore_time,
};

int vmm_restore(struct vmm *v, const struct vmm_config *cfg)
{
	struct vmm_restore_ctx r = { .cfg = cfg };
	struct vmm_machine machine;
	struct snap_file f;
	int ret = snap_open(&f, cfg->restore_path);

	if (ret)
		return ret;
	r.f = &f;
	ret = snap_get(&f, SNAP_MACHINE, 0, &r.m, sizeof(r.m));
	if (!ret)
		ret = vmm_check_machine(&f, &r.m, &machine);
	if (!ret)
		ret = vmm_assemble(v, cfg, &machine, &vmm_restore_source, &r);
	snap_close(&f);
	return ret;
}
