/* Multiboot v1 ABI (the specification, version 0.6.96): header, information, memory map. */
#ifndef PVCLOCK_VMM_MULTIBOOT_ABI_H
#define PVCLOCK_VMM_MULTIBOOT_ABI_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define MULTIBOOT_HEADER_MAGIC	   0x1badb002
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002 /* in EAX at the entry point */
#define MULTIBOOT_SEARCH_BYTES	   8192	      /* the header lies in the first 8 KiB */
#define MULTIBOOT_HEADER_ALIGN	   4

/* Header flags: bits 0-15 are requirements a loader must meet or refuse the image. */
#define MULTIBOOT_PAGE_ALIGN	(1 << 0) /* modules page-aligned */
#define MULTIBOOT_MEMORY_INFO	(1 << 1) /* mem_* and mmap_* wanted */
#define MULTIBOOT_VIDEO_MODE	(1 << 2) /* a graphics mode wanted */
#define MULTIBOOT_REQUIRED_MASK 0x0000ffff
#define MULTIBOOT_AOUT_KLUDGE	(1 << 16) /* load by the address fields */

#ifndef __ASSEMBLER__
struct multiboot_header {
	uint32_t magic;
	uint32_t flags;
	uint32_t checksum; /* magic + flags + checksum == 0 (mod 2^32) */
	/* valid with MULTIBOOT_AOUT_KLUDGE */
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr;
	uint32_t bss_end_addr;
	uint32_t entry_addr;
};

#endif

/* Information flags: which fields of struct multiboot_info are valid. */
#define MULTIBOOT_INFO_MEMORY	   (1 << 0)
#define MULTIBOOT_INFO_CMDLINE	   (1 << 2)
#define MULTIBOOT_INFO_MODS	   (1 << 3)
#define MULTIBOOT_INFO_MEM_MAP	   (1 << 6)
#define MULTIBOOT_INFO_LOADER_NAME (1 << 9)

#ifndef __ASSEMBLER__
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB of RAM from 0 (at most 640) */
	uint32_t mem_upper; /* KiB of RAM from 1 MiB up to the first hole */
	uint32_t boot_device;
	uint32_t cmdline; /* GPA of a NUL-terminated string */
	uint32_t mods_count;
	uint32_t mods_addr; /* GPA of mods_count struct multiboot_module */
	uint32_t syms[4];
	uint32_t mmap_length; /* bytes of struct multiboot_mmap_entry at mmap_addr */
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info;
	uint32_t vbe_mode_info;
	uint16_t vbe_mode;
	uint16_t vbe_interface_seg;
	uint16_t vbe_interface_off;
	uint16_t vbe_interface_len;
};

struct multiboot_module {
	uint32_t mod_start;
	uint32_t mod_end; /* one past the last byte */
	uint32_t string;  /* GPA of the module's command line */
	uint32_t reserved;
};

#define MULTIBOOT_MEMORY_AVAILABLE 1
#define MULTIBOOT_MEMORY_RESERVED  2

/* 'size' counts the bytes after itself, so the next entry is at (entry + size + 4). */
struct multiboot_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));

_Static_assert(sizeof(struct multiboot_header) == 32, "multiboot header layout");
_Static_assert(sizeof(struct multiboot_info) == 88, "multiboot info layout");
_Static_assert(sizeof(struct multiboot_module) == 16, "multiboot module layout");
_Static_assert(sizeof(struct multiboot_mmap_entry) == 24, "multiboot mmap entry layout");
#endif

#endif
