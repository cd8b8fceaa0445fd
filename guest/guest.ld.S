/*
 * Linker script for bundled guests: one identity-mapped image from GUEST_IMAGE_MIN up (or from
 * GUEST_LOAD_ADDR, for a multiboot image that loads in low RAM).
 */
#define MEMMAP_LINKER_SCRIPT
#include "memmap.h"
#ifndef GUEST_LOAD_ADDR
#define GUEST_LOAD_ADDR GUEST_IMAGE_MIN
#endif

ENTRY(_start)

SECTIONS
{
	. = GUEST_LOAD_ADDR;
	.text : { *(.text.start) *(.text .text.*) }
	. = ALIGN(4096);
	.rodata : { *(.rodata .rodata.*) }
	. = ALIGN(4096);
	.data : { *(.data .data.*) }
	.bss : { *(.bss .bss.*) *(COMMON) }
	/DISCARD/ : { *(.comment) *(.note*) *(.eh_frame*) }
}
