/*
 * Multiboot entry for PC guests: the header, the 32-bit entry, long mode with an identity map
 * of 0-4 GiB, and the real-mode trampoline the application processors start in after SIPI.
 */
#include "boot_abi.h"
#include "guest/pc.h"
#include "multiboot_abi.h"

#define PC_SEL_CODE32		0x08
#define PC_STACK_SIZE		0x4000
#define PC_MAX_APS		(PC_MAX_CPUS - 1)
#define MB_FLAGS		(MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)
#define CR0_PE			0x00000001
#define CR0_CD_NW		0x60000000
#define CR0_PG			0x80000000
#define CR4_PAE			0x00000020
#define MSR_EFER		0xc0000080
#define EFER_LME		0x00000100
#define PTE_FLAGS		0x003	/* present, writable */
#define PDE_2M_FLAGS		0x083	/* present, writable, 2 MiB page */

/* From 32-bit protected mode with flat segments: paging, long mode, then 64-bit \target. */
.macro ENTER_LONG_MODE target
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	andl $~CR0_CD_NW, %eax		/* caches on: an AP after INIT has CD and NW set */
	orl $(CR0_PG | CR0_PE), %eax
	movl %eax, %cr0
	ljmp $BOOT_SEL_KERNEL_CS, $\target
.endm

.macro LOAD_DATA_SEGMENTS
	movl $BOOT_SEL_KERNEL_DS, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
.endm

	.section .text.start, "ax"
	.code32
	.balign 4
multiboot_header:
	.long MULTIBOOT_HEADER_MAGIC
	.long MB_FLAGS
	.long -(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)

	.globl _start
_start:
	cli
	movl %eax, mb_magic
	movl %ebx, mb_info
	lgdt gdt_ptr
	LOAD_DATA_SEGMENTS
	movl $bsp_stack_top, %esp
	ENTER_LONG_MODE bsp_long

/* An AP arrives here from the trampoline: claim an index, then a stack, then long mode. */
ap_entry32:
	LOAD_DATA_SEGMENTS
	movl $1, %ebx
	lock xaddl %ebx, ap_next
	cmpl $PC_MAX_APS, %ebx
	jae park32			/* more CPUs than stacks: this one stays parked */
	leal 1(%ebx), %eax
	shll $14, %eax			/* (index + 1) * PC_STACK_SIZE */
	addl $ap_stacks, %eax
	movl %eax, %esp
	ENTER_LONG_MODE ap_long
park32:
	cli
	hlt
	jmp park32

	.code64
bsp_long:
	movl $bsp_stack_top, %esp	/* a 32-bit write clears the upper half of RSP */
	xorl %ebp, %ebp
	movl mb_magic(%rip), %edi
	movl mb_info(%rip), %esi
	call pc_start
	jmp park64

ap_long:
	movl %esp, %esp
	xorl %ebp, %ebp
	movl %ebx, %edi
	call pc_ap_start
park64:
	cli
	hlt
	jmp park64

/* Real mode at PC_TRAMPOLINE_ADDR (copied there by pc_start_aps): CS base = the page. */
	.code16
	.globl pc_ap_trampoline, pc_ap_trampoline_end
pc_ap_trampoline:
	cli
	lgdtl %cs:(ap_gdt_ptr - pc_ap_trampoline)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $PC_SEL_CODE32, $ap_entry32
	.balign 4
ap_gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt
pc_ap_trampoline_end:

	.data
	.balign 16
/* Selectors as boot_abi.h has them, so the SDK's IDT works unchanged; 0x08 is 32-bit code. */
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* PC_SEL_CODE32 */
	.quad 0x00af9a000000ffff	/* BOOT_SEL_KERNEL_CS: 64-bit code */
	.quad 0x00cf92000000ffff	/* BOOT_SEL_KERNEL_DS */
gdt_end:
	.balign 4
	.word 0
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt

mb_magic:
	.long 0
mb_info:
	.long 0
ap_next:
	.long 0

	.balign 4096
pml4:
	.quad pdpt + PTE_FLAGS
	.fill 511, 8, 0
pdpt:
	.quad pd + PTE_FLAGS
	.quad pd + 0x1000 + PTE_FLAGS
	.quad pd + 0x2000 + PTE_FLAGS
	.quad pd + 0x3000 + PTE_FLAGS
	.fill 508, 8, 0
pd:
	.set page, 0
	.rept 2048
	.quad (page << 21) | PDE_2M_FLAGS
	.set page, page + 1
	.endr

	.bss
	.balign 16
bsp_stack:
	.skip PC_STACK_SIZE
bsp_stack_top:
ap_stacks:
	.skip PC_STACK_SIZE * PC_MAX_APS
