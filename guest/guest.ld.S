/* Linker script for bundled guests: one identity-mapped image from GUEST_IMAGE_MIN up. */
#define MEMMAP_LINKER_SCRIPT
#include "memmap.h"

ENTRY(_start)

SECTIONS
{
	. = GUEST_IMAGE_MIN;
	.text : { *(.text.start) *(.text .text.*) }
	. = ALIGN(4096);
	.rodata : { *(.rodata .rodata.*) }
	. = ALIGN(4096);
	.data : { *(.data .data.*) }
	.bss : { *(.bss .bss.*) *(COMMON) }
	/DISCARD/ : { *(.comment) *(.note*) *(.eh_frame*) }
}
