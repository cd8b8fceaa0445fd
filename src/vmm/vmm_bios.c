/*
 * The PC state a BIOS leaves (cfg->bios_state): what SeaBIOS has set up when QEMU jumps to a
 * -kernel image. The 8259s are initialised for real mode (IRQ 0-7 at vector 0x08, 8-15 at
 * 0x70; the timer and the cascade unmasked), the PIT's channel 0 ticks at 18.2 Hz, and the
 * real-mode IVT's entries return, those of the IRQs after an EOI. kvm-unit-tests' realmode
 * test halts with interrupts on and only that tick wakes it; its protected-mode tests mask the
 * 8259s first, as they must under QEMU. Also the PIT's lost-tick policy (cfg->pit_discard).
 */
#include "vmm_internal.h"

#include <errno.h>
#include <string.h>

#include "core/kvm_util.h"
#include "core/log.h"
#include "memmap.h"

#define IVT_ENTRIES   256
#define IVT_END	      0x400u
#define BIOS_SEGMENT  0xf000u
#define PIC_EOI	      0x20
#define PIC_IMR_TIMER 0xfa /* IRQ 0 (timer) and 2 (cascade) unmasked, as SeaBIOS leaves it */
#define PIT_MODE_RATE 2	   /* rate generator: periodic */
#define PIT_RW_WORD   3	   /* LSB then MSB */

/* The handlers the IVT points at: IRET; EOI to the master, IRET; EOI to both, IRET. */
/* clang-format off */
static const uint8_t bios_stubs[] = {
	0xcf,						/* +0: iret */
	0x50, 0xb0, PIC_EOI, 0xe6, 0x20, 0x58, 0xcf,	/* +1: push ax; mov al, 0x20;
							   out 0x20, al; pop ax; iret */
	0x50, 0xb0, PIC_EOI, 0xe6, 0xa0, 0xe6, 0x20,	/* +8: push ax; mov al, 0x20;
							   out 0xa0, al; out 0x20, al; */
	0x58, 0xcf,					/* pop ax; iret */
};
/* clang-format on */
enum { STUB_IRET = 0, STUB_EOI_MASTER = 1, STUB_EOI_SLAVE = 8 };

static uint16_t bios_stub_for(unsigned int vector)
{
	if (vector >= 0x08 && vector < 0x10)
		return STUB_EOI_MASTER;
	if (vector >= 0x70 && vector < 0x78)
		return STUB_EOI_SLAVE;
	return STUB_IRET;
}

/* The IVT at 0 and its handlers in the BIOS area, unless the image itself loads there. */
static int bios_write_ivt(struct vmm *v)
{
	uint8_t *stubs = guest_mem_ptr(&v->vm->mem, PC_BIOS_STUBS, sizeof(bios_stubs));
	uint16_t *ivt = guest_mem_ptr(&v->vm->mem, 0, IVT_END);

	if (v->image.info.low < IVT_END) {
		pr_err("bios_state: the image loads at 0x%llx, over the real-mode IVT (0-0x3ff)",
		       (unsigned long long)v->image.info.low);
		return -EINVAL;
	}
	memcpy(stubs, bios_stubs, sizeof(bios_stubs));
	for (unsigned int i = 0; i < IVT_ENTRIES; i++) {
		ivt[2 * i] = (uint16_t)(PC_BIOS_STUBS - (BIOS_SEGMENT << 4) + bios_stub_for(i));
		ivt[2 * i + 1] = BIOS_SEGMENT;
	}
	return 0;
}

/* One 8259 initialised (ICW1-4 done) with @base and @imr. */
static int bios_set_pic(struct vm *vm, uint32_t chip, uint8_t base, uint8_t imr)
{
	struct kvm_irqchip ic = { .chip_id = chip };
	int ret = kvm_ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &ic);

	if (ret < 0)
		return ret;
	ic.chip.pic.irq_base = base;
	ic.chip.pic.imr = imr;
	ic.chip.pic.init_state = 0;
	ic.chip.pic.init4 = 1;
	ret = kvm_ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &ic);
	return ret < 0 ? ret : 0;
}

/* Channel 0 counting from 65536 at 1.193182 MHz, periodic: IRQ 0 at 18.2 Hz. */
static int bios_set_pit(struct vm *vm)
{
	struct kvm_pit_state2 pit;
	struct kvm_pit_channel_state *ch = &pit.channels[0];
	int ret = kvm_ioctl(vm->vm_fd, KVM_GET_PIT2, &pit);

	if (ret < 0)
		return ret;
	ch->count = 0; /* 0 is 65536 */
	ch->mode = PIT_MODE_RATE;
	ch->rw_mode = ch->read_state = ch->write_state = PIT_RW_WORD;
	ch->bcd = 0;
	ch->gate = 1;
	ret = kvm_ioctl(vm->vm_fd, KVM_SET_PIT2, &pit);
	return ret < 0 ? ret : 0;
}

static int bios_pit_discard(struct vm *vm)
{
	struct kvm_reinject_control rc = { .pit_reinject = 0 };
	int ret = kvm_ioctl(vm->vm_fd, KVM_REINJECT_CONTROL, &rc);

	return ret < 0 ? ret : 0;
}

int vmm_bios_setup(struct vmm *v, const void *ctx)
{
	const struct vmm_config *cfg = ctx;
	int ret = 0;

	if (cfg->pit_discard && v->vm->irqchip)
		ret = bios_pit_discard(v->vm);
	if (ret || !cfg->bios_state || v->image.kind != IMAGE_MULTIBOOT)
		return ret;
	ret = bios_write_ivt(v);
	if (!ret)
		ret = bios_set_pic(v->vm, KVM_IRQCHIP_PIC_MASTER, 0x08, PIC_IMR_TIMER);
	if (!ret)
		ret = bios_set_pic(v->vm, KVM_IRQCHIP_PIC_SLAVE, 0x70, 0xff);
	if (!ret && !cfg->bios_pit_idle)
		ret = bios_set_pit(v->vm);
	return ret;
}
