/* Unit tests for the long-mode boot state the host builds: boot info, page tables, GDT, TSS. */
#include "boot/longmode.h"
#include "boot_abi.h"
#include "memmap.h"
#include "mem_fixture.h"
#include "test_util.h"

START_TEST(test_boot_info_and_arguments)
{
	char *argv[] = { "guest.elf", "alpha", "", "gamma" };
	const struct boot_info *bi;

	ck_assert_int_eq(boot_write_tables(&mem, 2, 4, argv), 0);
	bi = guest_mem_ptr(&mem, MEMMAP_BOOT_INFO, sizeof(*bi));
	ck_assert_uint_eq(bi->magic, BOOT_INFO_MAGIC);
	ck_assert_uint_eq(bi->version, BOOT_INFO_VERSION);
	ck_assert_uint_eq(bi->mem_size, GUEST_MEM_MIN);
	ck_assert_uint_eq(bi->nr_vcpus, 2);
	ck_assert_uint_eq(bi->argc, 4);
	for (int i = 0; i < 4; i++) {
		const char *s = guest_mem_ptr(&mem, bi->argv[i], 1);

		ck_assert_ptr_nonnull(s);
		ck_assert_str_eq(s, argv[i]);
	}
	ck_assert_uint_eq(bi->argv[4], 0);
}
END_TEST

START_TEST(test_too_many_arguments)
{
	char *argv[BOOT_MAX_ARGS];

	for (int i = 0; i < BOOT_MAX_ARGS; i++)
		argv[i] = "x";
	ck_assert_int_eq(boot_write_tables(&mem, 1, BOOT_MAX_ARGS, argv), -E2BIG);
	ck_assert_logged("too many guest arguments: 32 (at most 31)");
	ck_assert_int_eq(boot_write_tables(&mem, 1, BOOT_MAX_ARGS - 1, argv), 0);
}
END_TEST

START_TEST(test_arguments_too_long)
{
	static char big[BOOT_ARGS_SIZE];
	char *argv[] = { "guest.elf", big };

	memset(big, 'a', sizeof(big) - 1);
	ck_assert_int_eq(boot_write_tables(&mem, 1, 2, argv), -E2BIG);
	ck_assert_logged("guest arguments exceed 4096 bytes (at argument 1");
}
END_TEST

START_TEST(test_vcpu_count_checked)
{
	ck_assert_int_eq(boot_write_tables(&mem, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(boot_write_tables(&mem, MEMMAP_MAX_VCPUS + 1, 0, NULL), -EINVAL);
}
END_TEST

START_TEST(test_identity_page_tables)
{
	const uint64_t *pml4, *pdpt, *pd;

	ck_assert_int_eq(boot_write_tables(&mem, 1, 0, NULL), 0);
	pml4 = guest_mem_ptr(&mem, MEMMAP_PML4, 4096);
	pdpt = guest_mem_ptr(&mem, MEMMAP_PDPT, 4096);
	pd = guest_mem_ptr(&mem, MEMMAP_PD, 4 * 4096);
	ck_assert_uint_eq(pml4[0], MEMMAP_PDPT | 7); /* present, writable, user */
	ck_assert_uint_eq(pml4[1], 0);
	for (int g = 0; g < 4; g++)
		ck_assert_uint_eq(pdpt[g], (MEMMAP_PD + g * 4096) | 7);
	ck_assert_uint_eq(pdpt[4], 0);
	/* Entry i maps 2 MiB page i onto itself: 0x87 = present, writable, user, 2 MiB. */
	ck_assert_uint_eq(pd[0], MEMMAP_PT | 7); /* the first 4 MiB: 4 KiB pages */
	ck_assert_uint_eq(pd[1], (MEMMAP_PT + 4096) | 7);
	for (uint64_t i = 2; i < 2048; i++)
		ck_assert_uint_eq(pd[i], (i << 21) | 0x87);
}
END_TEST

START_TEST(test_stack_guard_pages)
{
	const uint64_t *pt;
	unsigned int guards = 0;

	ck_assert_int_eq(boot_write_tables(&mem, 1, 0, NULL), 0);
	pt = guest_mem_ptr(&mem, MEMMAP_PT, 2 * 4096);
	for (uint64_t i = 0; i < 1024; i++) {
		uint64_t gpa = i << 12, off = (gpa - MEMMAP_STACKS) % MEMMAP_VCPU_STACKS_SIZE;
		bool guard = gpa >= MEMMAP_STACKS && gpa < MEMMAP_STACKS_END &&
			     (off == 0 || off == 0x5000 || off == 0x8000);

		ck_assert_uint_eq(pt[i], guard ? 0 : gpa | 7);
		guards += guard;
	}
	ck_assert_uint_eq(MEMMAP_MAX_VCPUS, 64);
	ck_assert_uint_eq(guards, 3 * MEMMAP_MAX_VCPUS);
	/* Every stack top is mapped, and the page below each stack's bottom is the guard. */
	for (unsigned int v = 0; v < MEMMAP_MAX_VCPUS; v++) {
		uint64_t base = MEMMAP_VCPU_STACKS(v);

		ck_assert_uint_ne(pt[(base + MEMMAP_BOOT_STACK_TOP - 8) >> 12], 0);
		ck_assert_uint_ne(pt[(base + MEMMAP_RING0_STACK_TOP - 8) >> 12], 0);
		ck_assert_uint_ne(pt[(base + MEMMAP_IST_STACK_TOP - 8) >> 12], 0);
		ck_assert_uint_eq(pt[(base + 0x1000 - 8) >> 12], 0);
	}
}
END_TEST

START_TEST(test_tss_per_vcpu)
{
	ck_assert_int_eq(boot_write_tables(&mem, 3, 0, NULL), 0);
	for (unsigned int v = 0; v < 3; v++) {
		const uint8_t *tss = guest_mem_ptr(&mem, MEMMAP_TSS + v * MEMMAP_TSS_STRIDE, 104);
		uint64_t rsp0, ist1, ist2;
		uint16_t iomap;

		memcpy(&rsp0, tss + 4, 8);
		memcpy(&ist1, tss + 0x24, 8);
		memcpy(&ist2, tss + 0x2c, 8);
		memcpy(&iomap, tss + 0x66, 2);
		ck_assert_uint_eq(rsp0, MEMMAP_VCPU_STACKS(v) + 0x8000);
		ck_assert_uint_eq(ist1, MEMMAP_VCPU_STACKS(v) + 0xc000);
		ck_assert_uint_eq(ist2, 0);
		ck_assert_uint_eq(iomap, 104); /* no I/O bitmap: ring 3 has no port access */
	}
}
END_TEST

START_TEST(test_gdt_descriptors)
{
	const uint64_t *gdt;

	ck_assert_int_eq(boot_write_tables(&mem, 1, 0, NULL), 0);
	gdt = guest_mem_ptr(&mem, MEMMAP_GDT, BOOT_GDT_ENTRIES * 8);
	ck_assert_uint_eq(gdt[0], 0);
	ck_assert_uint_eq(gdt[BOOT_SEL_KERNEL_CS >> 3], 0x00af9a000000ffffull);
	ck_assert_uint_eq(gdt[BOOT_SEL_KERNEL_DS >> 3], 0x00cf92000000ffffull);
	ck_assert_uint_eq(gdt[BOOT_SEL_USER_CS >> 3], 0x00affa000000ffffull);
	ck_assert_uint_eq(gdt[BOOT_SEL_USER_DS >> 3], 0x00cff2000000ffffull);
	/* TSS: base MEMMAP_TSS (0x4000), limit 103, type 9 (available 64-bit TSS), present;
	 * vCPU 1's 0x80 bytes above it; no descriptor for vCPUs that do not exist. */
	ck_assert_uint_eq(gdt[BOOT_SEL_TSS(0) >> 3], 0x0000890040000067ull);
	ck_assert_uint_eq(gdt[(BOOT_SEL_TSS(0) >> 3) + 1], 0);
	ck_assert_uint_eq(gdt[BOOT_SEL_TSS(1) >> 3], 0);
	ck_assert_int_eq(boot_write_tables(&mem, 2, 0, NULL), 0);
	ck_assert_uint_eq(gdt[BOOT_SEL_TSS(1) >> 3], 0x0000890040800067ull);
}
END_TEST

START_TEST(test_vcpu_registers)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	memset(&sregs, 0xff, sizeof(sregs));
	boot_vcpu_state(2, 0x100040, &regs, &sregs);
	ck_assert_uint_eq(regs.rip, 0x100040);
	ck_assert_uint_eq(regs.rdi, MEMMAP_BOOT_INFO);
	ck_assert_uint_eq(regs.rsi, 2);
	ck_assert_uint_eq(regs.rsp, MEMMAP_STACKS + 2 * 0xc000 + 0x5000);
	ck_assert_uint_eq(regs.rflags, 2);
	ck_assert_uint_eq(regs.rax, 0);
	ck_assert_uint_eq(sregs.cs.selector, BOOT_SEL_KERNEL_CS);
	ck_assert_uint_eq(sregs.cs.l, 1);
	ck_assert_uint_eq(sregs.cs.db, 0);
	ck_assert_uint_eq(sregs.ss.selector, BOOT_SEL_KERNEL_DS);
	ck_assert_uint_eq(sregs.tr.selector, 0x60); /* vCPU 2's descriptor */
	ck_assert_uint_eq(sregs.tr.base, MEMMAP_TSS + 2 * 0x80);
	ck_assert_uint_eq(sregs.tr.type, 0xb);
	ck_assert_uint_eq(sregs.cr3, MEMMAP_PML4);
	ck_assert_uint_eq(sregs.efer & 0x500, 0x500);	       /* LME and LMA */
	ck_assert_uint_eq(sregs.cr0 & 0x80000001, 0x80000001); /* PG and PE */
	ck_assert_uint_eq(sregs.cr4 & 0x20, 0x20);	       /* PAE */
	ck_assert_uint_eq(sregs.idt.limit, 0);
}
END_TEST

TEST_SUITE("longmode",
	   { .name = "core",
	     MEM_FIXTURE,
	     .tests = TESTS(test_boot_info_and_arguments, test_too_many_arguments,
			    test_arguments_too_long, test_vcpu_count_checked,
			    test_identity_page_tables, test_stack_guard_pages, test_tss_per_vcpu,
			    test_gdt_descriptors, test_vcpu_registers) })
