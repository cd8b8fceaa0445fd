/* Guest entry: the host enters here in long mode with RDI = boot_info, RSI = vCPU index. */
	.section .text.start, "ax"
	.globl _start
_start:
	xor %ebp, %ebp
	and $-16, %rsp
	call guest_start
1:	hlt
	jmp 1b
