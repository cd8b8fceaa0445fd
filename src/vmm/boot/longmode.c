/* Long-mode boot state built by the host, as described in boot_abi.h. */
#include "boot/longmode.h"

#include <errno.h>
#include <string.h>

#include "boot_abi.h"
#include "memmap.h"
#include "core/log.h"

#define CR0_PE	       (1ull << 0)
#define CR0_MP	       (1ull << 1)
#define CR0_ET	       (1ull << 4)
#define CR0_NE	       (1ull << 5)
#define CR0_WP	       (1ull << 16)
#define CR0_AM	       (1ull << 18)
#define CR0_PG	       (1ull << 31)
#define CR4_PAE	       (1ull << 5)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_LME       (1ull << 8)
#define EFER_LMA       (1ull << 10)

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE   (1ull << 1)
#define PTE_USER    (1ull << 2)
#define PTE_LARGE   (1ull << 7)
#define PTE_TABLE   (PTE_PRESENT | PTE_WRITE | PTE_USER)
#define PAGE_2M	    (1ull << 21)

/* The 64-bit TSS: RSP0 at 4, IST1..7 from 0x24, the I/O map base at 0x66; 104 bytes. */
#define TSS_SIZE       104
#define TSS_RSP0       0x04
#define TSS_IST(n)     (0x24 + 8 * ((n)-1))
#define TSS_IOMAP_BASE 0x66

/* Segment descriptor access bytes and flags for flat 64-bit segments. */
#define DESC_CODE64(dpl) (0x00af9a000000ffffull | ((uint64_t)(dpl) << 45))
#define DESC_DATA(dpl)	 (0x00cf92000000ffffull | ((uint64_t)(dpl) << 45))
#define DESC_CODE32(dpl) (0x00cf9a000000ffffull | ((uint64_t)(dpl) << 45))

/* A 64-bit available TSS descriptor (16 bytes, two GDT slots) for the TSS at @base. */
static void boot_tss_descriptor(uint64_t *slot, uint64_t base)
{
	slot[0] = (TSS_SIZE - 1) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		  (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

static void boot_write_gdt(struct guest_mem *mem, unsigned int nr_vcpus)
{
	uint64_t *gdt = guest_mem_ptr(mem, MEMMAP_GDT, BOOT_GDT_ENTRIES * 8);

	memset(gdt, 0, BOOT_GDT_ENTRIES * 8);
	gdt[BOOT_SEL_KERNEL_CS >> 3] = DESC_CODE64(0);
	gdt[BOOT_SEL_KERNEL_DS >> 3] = DESC_DATA(0);
	gdt[4] = DESC_CODE32(3);
	gdt[BOOT_SEL_USER_DS >> 3] = DESC_DATA(3);
	gdt[BOOT_SEL_USER_CS >> 3] = DESC_CODE64(3);
	for (unsigned int i = 0; i < nr_vcpus; i++)
		boot_tss_descriptor(&gdt[BOOT_SEL_TSS(i) >> 3], MEMMAP_TSS + i * MEMMAP_TSS_STRIDE);
}

/* Each vCPU's TSS: where the CPU switches stacks, so every exception reaches a handler. */
static void boot_write_tss(struct guest_mem *mem, unsigned int nr_vcpus)
{
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		uint8_t *tss = guest_mem_ptr(mem, MEMMAP_TSS + i * MEMMAP_TSS_STRIDE, TSS_SIZE);
		uint64_t rsp0 = MEMMAP_VCPU_STACKS(i) + MEMMAP_RING0_STACK_TOP;
		uint64_t ist = MEMMAP_VCPU_STACKS(i) + MEMMAP_IST_STACK_TOP;
		uint16_t iomap = TSS_SIZE; /* at the limit: no I/O permission bitmap */

		memset(tss, 0, TSS_SIZE);
		memcpy(tss + TSS_RSP0, &rsp0, sizeof(rsp0));
		memcpy(tss + TSS_IST(BOOT_TSS_IST_DF), &ist, sizeof(ist));
		memcpy(tss + TSS_IOMAP_BASE, &iomap, sizeof(iomap));
	}
}

static bool boot_is_guard_page(uint64_t gpa)
{
	uint64_t off = (gpa - MEMMAP_STACKS) % MEMMAP_VCPU_STACKS_SIZE;

	if (gpa < MEMMAP_STACKS || gpa >= MEMMAP_STACKS_END)
		return false;
	return off == 0 || off == MEMMAP_BOOT_STACK_TOP || off == MEMMAP_RING0_STACK_TOP;
}

static void boot_write_page_tables(struct guest_mem *mem, bool guard_pages)
{
	uint64_t *pml4 = guest_mem_ptr(mem, MEMMAP_PML4, GUEST_PAGE_SIZE);
	uint64_t *pdpt = guest_mem_ptr(mem, MEMMAP_PDPT, GUEST_PAGE_SIZE);
	uint64_t *pd = guest_mem_ptr(mem, MEMMAP_PD, 4 * GUEST_PAGE_SIZE);
	uint64_t *pt = guest_mem_ptr(mem, MEMMAP_PT, MEMMAP_NR_PT * GUEST_PAGE_SIZE);

	memset(pml4, 0, GUEST_PAGE_SIZE);
	memset(pdpt, 0, GUEST_PAGE_SIZE);
	pml4[0] = MEMMAP_PDPT | PTE_TABLE;
	for (unsigned int g = 0; g < 4; g++)
		pdpt[g] = (MEMMAP_PD + g * GUEST_PAGE_SIZE) | PTE_TABLE;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i * PAGE_2M) | PTE_TABLE | PTE_LARGE;
	/* The first 4 MiB in 4 KiB pages, so the stacks' guard pages can be left out. */
	for (uint64_t t = 0; t < MEMMAP_NR_PT; t++)
		pd[t] = (MEMMAP_PT + t * GUEST_PAGE_SIZE) | PTE_TABLE;
	for (uint64_t i = 0; i < MEMMAP_NR_PT * 512; i++) {
		uint64_t gpa = i * GUEST_PAGE_SIZE;

		pt[i] = guard_pages && boot_is_guard_page(gpa) ? 0 : gpa | PTE_TABLE;
	}
}

static int boot_write_info(struct guest_mem *mem, unsigned int nr_vcpus, int argc,
			   char *const argv[])
{
	struct boot_info *bi = guest_mem_ptr(mem, MEMMAP_BOOT_INFO, sizeof(*bi));
	size_t used = 0;

	if (argc < 0 || argc >= BOOT_MAX_ARGS) {
		pr_err("too many guest arguments: %d (at most %d)", argc, BOOT_MAX_ARGS - 1);
		return -E2BIG;
	}
	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->mem_size = mem->size;
	bi->nr_vcpus = nr_vcpus;
	bi->argc = argc;
	for (int i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]) + 1;

		if (len > sizeof(bi->args) - used) {
			pr_err("guest arguments exceed %d bytes (at argument %d, '%.20s')",
			       BOOT_ARGS_SIZE, i, argv[i]);
			return -E2BIG;
		}
		memcpy(bi->args + used, argv[i], len);
		bi->argv[i] = MEMMAP_BOOT_INFO + offsetof(struct boot_info, args) + used;
		used += len;
	}
	return 0;
}

/* GDT, TSS and identity page tables, with or without the native guests' stack guard pages. */
static int boot_write_cpu_tables(struct guest_mem *mem, unsigned int nr_vcpus, bool guard_pages)
{
	if (mem->size < GUEST_MEM_MIN || nr_vcpus == 0 || nr_vcpus > MEMMAP_MAX_VCPUS) {
		pr_err("cannot boot %u vCPUs in %llu bytes of RAM", nr_vcpus,
		       (unsigned long long)mem->size);
		return -EINVAL;
	}
	boot_write_gdt(mem, nr_vcpus);
	boot_write_tss(mem, nr_vcpus);
	boot_write_page_tables(mem, guard_pages);
	return 0;
}

int boot_write_tables(struct guest_mem *mem, unsigned int nr_vcpus, int argc, char *const argv[])
{
	int ret = boot_write_cpu_tables(mem, nr_vcpus, true);

	return ret ? ret : boot_write_info(mem, nr_vcpus, argc, argv);
}

int boot_write_kernel_tables(struct guest_mem *mem, unsigned int nr_vcpus)
{
	return boot_write_cpu_tables(mem, nr_vcpus, false);
}

static void boot_segment(struct kvm_segment *seg, uint16_t selector, uint8_t type, uint8_t l)
{
	*seg = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = !l,
		.s = 1,
		.l = l,
		.g = 1,
	};
}

void boot_vcpu_state(unsigned int vcpu_id, uint64_t entry, struct kvm_regs *regs,
		     struct kvm_sregs *sregs)
{
	boot_segment(&sregs->cs, BOOT_SEL_KERNEL_CS, 0xb, 1);
	boot_segment(&sregs->ds, BOOT_SEL_KERNEL_DS, 0x3, 0);
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
	sregs->tr = (struct kvm_segment){
		.base = MEMMAP_TSS + vcpu_id * MEMMAP_TSS_STRIDE,
		.limit = TSS_SIZE - 1,
		.selector = BOOT_SEL_TSS(vcpu_id),
		.type = 0xb,
		.present = 1,
	};
	sregs->ldt = (struct kvm_segment){ .type = 0x2, .present = 1, .unusable = 1 };
	sregs->gdt.base = MEMMAP_GDT;
	sregs->gdt.limit = BOOT_GDT_ENTRIES * 8 - 1;
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	sregs->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
	sregs->cr3 = MEMMAP_PML4;
	sregs->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sregs->efer = EFER_LME | EFER_LMA;

	memset(regs, 0, sizeof(*regs));
	regs->rip = entry;
	regs->rflags = 0x2;
	regs->rsp = MEMMAP_VCPU_STACKS((uint64_t)vcpu_id) + MEMMAP_BOOT_STACK_TOP;
	regs->rdi = MEMMAP_BOOT_INFO;
	regs->rsi = vcpu_id;
}
