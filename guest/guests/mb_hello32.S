/*
 * mb_hello32: a multiboot image that stays in 32-bit protected mode, linked as ELF32 directly
 * (no objcopy), as many QEMU -kernel test kernels are. It prints what its loader gave it: the
 * command line, the memory size, fw_cfg's CPU count and the modules; then it exits through
 * isa-debug-exit with 0x15 (status 43). Its output under QEMU and under pvclock-vmm must match.
 */
#include "fw_cfg_abi.h"
#include "multiboot_abi.h"
#include "ports.h"

#define MB_FLAGS	(MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)
#define MBI_FLAGS	0
#define MBI_MEM_UPPER	8
#define MBI_CMDLINE	16
#define MBI_MODS_COUNT	20
#define MBI_MODS_ADDR	24
#define CR0_PG		0x80000000
#define EXIT_PASS	0x15
#define EXIT_FAIL	1

	.text
	.balign 4
	.long MULTIBOOT_HEADER_MAGIC, MB_FLAGS, -(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)

	.globl _start
_start:
	movl $stack_top, %esp
	cmpl $MULTIBOOT_BOOTLOADER_MAGIC, %eax
	jne fail
	movl %cr0, %eax
	testl $CR0_PG, %eax
	jnz fail
	movl %ebx, %esi
	movl $msg_hello, %eax
	call puts
	movl $msg_cmdline, %eax
	call puts
	testl $MULTIBOOT_INFO_CMDLINE, MBI_FLAGS(%esi)
	jz 1f
	movl MBI_CMDLINE(%esi), %eax
	call puts
1:	call newline
	movl $msg_mem, %eax
	call puts
	movl MBI_MEM_UPPER(%esi), %eax
	call put_hex
	movl $msg_cpus, %eax
	call puts
	movw $FW_CFG_NB_CPUS, %ax
	movw $PORT_FW_CFG_SELECTOR, %dx
	outw %ax, %dx
	movw $PORT_FW_CFG_DATA, %dx
	xorl %eax, %eax
	inb %dx, %al
	call put_hex
	call put_modules
	movl $EXIT_PASS, %eax
	jmp debug_exit
fail:
	movl $EXIT_FAIL, %eax
debug_exit:
	movw $PORT_DEBUG_EXIT, %dx
	outl %eax, %dx
2:	cli
	hlt
	jmp 2b

/* "modules: N", then "module: STRING size S" for each. Uses %esi = the information. */
put_modules:
	movl $msg_mods, %eax
	call puts
	movl MBI_MODS_COUNT(%esi), %eax
	call put_hex
	movl MBI_MODS_ADDR(%esi), %edi
	movl MBI_MODS_COUNT(%esi), %ebx
3:	testl %ebx, %ebx
	jz 4f
	movl $msg_module, %eax
	call puts
	movl 8(%edi), %eax		/* string */
	call puts
	movl $msg_size, %eax
	call puts
	movl 4(%edi), %eax		/* mod_end - mod_start */
	subl 0(%edi), %eax
	call put_hex
	addl $16, %edi
	decl %ebx
	jmp 3b
4:	ret

/* Print the NUL-terminated string at %eax. */
puts:
	pushl %ecx
	movl %eax, %ecx
5:	movb (%ecx), %al
	testb %al, %al
	jz 6f
	call putc
	incl %ecx
	jmp 5b
6:	popl %ecx
	ret

/* %eax as 0x%08x and a newline. */
put_hex:
	pushl %ecx
	pushl %ebx
	movl %eax, %ebx
	movb $'0', %al
	call putc
	movb $'x', %al
	call putc
	movl $8, %ecx
7:	roll $4, %ebx
	movl %ebx, %eax
	andl $0xf, %eax
	movb hex_digits(%eax), %al
	call putc
	loop 7b
	popl %ebx
	popl %ecx
newline:
	movb $'\n', %al
/* The byte in %al to the UART, once its transmit register is empty. */
putc:
	pushl %edx
	pushl %eax
	movw $(PORT_UART_COM1 + UART_REG_LSR), %dx
8:	inb %dx, %al
	testb $UART_LSR_THRE, %al
	jz 8b
	popl %eax
	movw $PORT_UART_COM1, %dx
	outb %al, %dx
	popl %edx
	ret

	.section .rodata
hex_digits:	.ascii "0123456789abcdef"
msg_hello:	.asciz "mb_hello32: 32-bit protected mode, paging off\n"
msg_cmdline:	.asciz "cmdline: "
msg_mem:	.asciz "mem_upper KiB: "
msg_cpus:	.asciz "fw_cfg CPUs: "
msg_mods:	.asciz "modules: "
msg_module:	.asciz "module: "
msg_size:	.asciz " size "

	.bss
	.balign 16
	.skip 4096
stack_top:
