/* Exception entry stubs: push a vector (and a dummy error code where the CPU pushes none). */
	.text
.macro STUB vec, has_error
	.globl exc_stub_\vec
exc_stub_\vec:
	.if \has_error == 0
	pushq $0
	.endif
	pushq $\vec
	jmp exc_common
.endm

	STUB 0, 0
	STUB 1, 0
	STUB 2, 0
	STUB 3, 0
	STUB 4, 0
	STUB 5, 0
	STUB 6, 0
	STUB 7, 0
	STUB 8, 1
	STUB 9, 0
	STUB 10, 1
	STUB 11, 1
	STUB 12, 1
	STUB 13, 1
	STUB 14, 1
	STUB 15, 0
	STUB 16, 0
	STUB 17, 1
	STUB 18, 0
	STUB 19, 0

/* Stack: vector, error code, RIP, CS, RFLAGS, RSP, SS. Save the scratch registers, call C. */
exc_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	movq %rsp, %rdi
	call guest_exception
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp
	iretq

	.section .rodata
	.globl exc_stubs
	.balign 8
exc_stubs:
	.quad exc_stub_0, exc_stub_1, exc_stub_2, exc_stub_3, exc_stub_4, exc_stub_5
	.quad exc_stub_6, exc_stub_7, exc_stub_8, exc_stub_9, exc_stub_10, exc_stub_11
	.quad exc_stub_12, exc_stub_13, exc_stub_14, exc_stub_15, exc_stub_16, exc_stub_17
	.quad exc_stub_18, exc_stub_19
