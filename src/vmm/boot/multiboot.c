/* Multiboot v1: header search, a.out-kludge loading, boot information and the 32-bit entry. */
#include "boot/multiboot.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "memmap.h"
#include "core/log.h"

#define MB_LOADER_NAME	 "pvclock-vmm"
#define MB_LOW_MEM_END	 0x9fc00u /* conventional memory, as a PC BIOS reports it */
#define MB_NR_MMAP	 4
#define MB_PAGE_ALIGN(x) (((x) + GUEST_PAGE_SIZE - 1) & ~(uint64_t)(GUEST_PAGE_SIZE - 1))

#define mb_reject(name, fmt, ...)                                                                  \
	({                                                                                         \
		pr_err("multiboot image %s: " fmt, (name), ##__VA_ARGS__);                         \
		-ENOEXEC;                                                                          \
	})

static int multiboot_check_flags(uint32_t flags, size_t offset, const char *name)
{
	uint32_t unknown =
		flags & MULTIBOOT_REQUIRED_MASK & ~(MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO);

	if (flags & MULTIBOOT_VIDEO_MODE)
		return mb_reject(name,
				 "header at 0x%zx requires a video mode (flag 2); "
				 "pvclock-vmm has no display",
				 offset);
	if (unknown)
		return mb_reject(name,
				 "header at 0x%zx requires flags 0x%x that pvclock-vmm does "
				 "not know",
				 offset, unknown);
	return 0;
}

int multiboot_find(const void *image, size_t size, const char *name, struct multiboot_header *hdr,
		   size_t *offset)
{
	const uint8_t *bytes = image;
	size_t limit = size < MULTIBOOT_SEARCH_BYTES ? size : MULTIBOOT_SEARCH_BYTES;

	for (size_t off = 0; off + 12 <= limit; off += MULTIBOOT_HEADER_ALIGN) {
		uint32_t w[3];

		memcpy(w, bytes + off, sizeof(w));
		if (w[0] != MULTIBOOT_HEADER_MAGIC || w[0] + w[1] + w[2] != 0)
			continue;
		memset(hdr, 0, sizeof(*hdr));
		memcpy(hdr, bytes + off, size - off < sizeof(*hdr) ? size - off : sizeof(*hdr));
		*offset = off;
		if ((hdr->flags & MULTIBOOT_AOUT_KLUDGE) && size - off < sizeof(*hdr))
			return mb_reject(name,
					 "header at 0x%zx is cut off before its address "
					 "fields",
					 off);
		return multiboot_check_flags(hdr->flags, off, name) ?: 1;
	}
	return 0;
}

int multiboot_load_aout(struct guest_mem *mem, const void *image, size_t size, const char *name,
			const struct multiboot_header *h, size_t offset,
			struct elf_image_info *info)
{
	uint64_t file_start, load_end, bss_end;
	uint8_t *dst;

	if (h->load_addr > h->header_addr || h->header_addr - h->load_addr > offset)
		return mb_reject(name,
				 "load_addr 0x%x does not fit header_addr 0x%x at file "
				 "offset 0x%zx",
				 h->load_addr, h->header_addr, offset);
	file_start = offset - (h->header_addr - h->load_addr);
	load_end = h->load_end_addr ? h->load_end_addr : h->load_addr + (size - file_start);
	if (load_end <= h->load_addr || load_end - h->load_addr > size - file_start)
		return mb_reject(name,
				 "load_end_addr 0x%x: 0x%llx bytes from file offset 0x%llx, "
				 "the file has %zu",
				 h->load_end_addr, (unsigned long long)(load_end - h->load_addr),
				 (unsigned long long)file_start, size);
	bss_end = h->bss_end_addr ? h->bss_end_addr : load_end;
	if (bss_end < load_end)
		return mb_reject(name, "bss_end_addr 0x%x is below the loaded end 0x%llx",
				 h->bss_end_addr, (unsigned long long)load_end);
	if (guest_mem_overlaps_vmm(mem, h->load_addr, bss_end - h->load_addr))
		return mb_reject(
			name, "load_addr 0x%x+0x%llx overlaps the VMM's %s at 0x%llx-0x%llx",
			h->load_addr, (unsigned long long)(bss_end - h->load_addr), mem->vmm_what,
			(unsigned long long)mem->vmm_start, (unsigned long long)mem->vmm_end - 1);
	dst = guest_mem_ptr(mem, h->load_addr, bss_end - h->load_addr);
	if (!dst)
		return mb_reject(name, "0x%x-0x%llx lies outside guest RAM (0x%llx bytes)",
				 h->load_addr, (unsigned long long)bss_end,
				 (unsigned long long)mem->size);
	if (h->entry_addr < h->load_addr || h->entry_addr >= load_end)
		return mb_reject(name, "entry_addr 0x%x is not inside the loaded 0x%x-0x%llx",
				 h->entry_addr, h->load_addr, (unsigned long long)load_end);
	memcpy(dst, (const uint8_t *)image + file_start, load_end - h->load_addr);
	memset(dst + (load_end - h->load_addr), 0, bss_end - load_end);
	*info = (struct elf_image_info){ .entry = h->entry_addr,
					 .low = h->load_addr,
					 .high = bss_end,
					 .nr_segments = 1,
					 .elf_class = 32 };
	return 0;
}

/*
 * The boot-information area: the fixed tables first, then the strings (command line, module
 * strings), placed by a bump allocator that refuses what does not fit.
 */
struct mb_fixed {
	struct multiboot_info info;
	struct multiboot_mmap_entry mmap[MB_NR_MMAP];
	struct multiboot_module mods[MULTIBOOT_MAX_MODULES];
	char loader_name[sizeof(MB_LOADER_NAME)];
};

_Static_assert(sizeof(struct mb_fixed) <= MEMMAP_BOOT_INFO_SIZE / 4,
	       "the fixed boot information leaves most of its area to the strings");

struct mb_area {
	struct guest_mem *mem;
	uint32_t next, end;
};

#define MB_GPA(base, field) ((uint32_t)(base) + (uint32_t)offsetof(struct mb_fixed, field))

static int mb_put_string(struct mb_area *a, const char *what, const char *str, uint32_t *gpa)
{
	size_t len = strlen(str) + 1;
	char *s = NULL;

	if (len <= a->end - a->next) {
		*gpa = a->next;
		s = guest_mem_ptr(a->mem, a->next, len);
		a->next += (uint32_t)len;
	}
	if (!s) {
		pr_err("multiboot %s of %zu bytes does not fit the %u-byte boot information area "
		       "('%.40s...')",
		       what, len, MEMMAP_BOOT_INFO_SIZE, str);
		return -E2BIG;
	}
	memcpy(s, str, len);
	return 0;
}

/* argv joined by spaces, as QEMU builds "-kernel IMAGE -append ARGS". */
static int mb_put_cmdline(struct mb_area *a, int argc, char *const argv[], uint32_t *gpa)
{
	size_t len = 1;
	char *s;
	int ret;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return -ENOMEM;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	ret = mb_put_string(a, "command line", s, gpa);
	free(s);
	return ret;
}

static void mb_put_memory(struct mb_fixed *f, uint64_t base, uint64_t mem_size)
{
	const struct multiboot_mmap_entry map[MB_NR_MMAP] = {
		{ 20, 0, MB_LOW_MEM_END, MULTIBOOT_MEMORY_AVAILABLE },
		{ 20, MB_LOW_MEM_END, 0xa0000 - MB_LOW_MEM_END, MULTIBOOT_MEMORY_RESERVED },
		{ 20, PC_BIOS_AREA, PC_HIGH_MEM - PC_BIOS_AREA, MULTIBOOT_MEMORY_RESERVED },
		{ 20, PC_HIGH_MEM, mem_size - PC_HIGH_MEM, MULTIBOOT_MEMORY_AVAILABLE },
	};

	memcpy(f->mmap, map, sizeof(map));
	f->info.mmap_addr = MB_GPA(base, mmap);
	f->info.mmap_length = sizeof(map);
	f->info.mem_lower = MB_LOW_MEM_END / 1024;
	f->info.mem_upper = (uint32_t)((mem_size - PC_HIGH_MEM) / 1024);
	f->info.flags |= MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_MEM_MAP;
}

static int mb_put_modules(struct mb_area *a, struct mb_fixed *f, uint64_t base, uint64_t at,
			  const struct multiboot_module_file *mods, unsigned int nr)
{
	if (nr > MULTIBOOT_MAX_MODULES) {
		pr_err("%u multiboot modules given, at most %d are supported", nr,
		       MULTIBOOT_MAX_MODULES);
		return -E2BIG;
	}
	for (unsigned int i = 0; i < nr; i++) {
		uint8_t *dst;
		int ret;

		at = MB_PAGE_ALIGN(at);
		dst = guest_mem_ptr(a->mem, at, mods[i].size);
		if (!dst) {
			pr_err("multiboot module '%s' (%zu bytes at 0x%llx) does not fit in guest "
			       "RAM (0x%llx bytes)",
			       mods[i].cmdline, mods[i].size, (unsigned long long)at,
			       (unsigned long long)a->mem->size);
			return -ENOMEM;
		}
		memcpy(dst, mods[i].data, mods[i].size);
		f->mods[i] = (struct multiboot_module){ .mod_start = (uint32_t)at,
							.mod_end = (uint32_t)(at + mods[i].size) };
		ret = mb_put_string(a, "module string", mods[i].cmdline, &f->mods[i].string);
		if (ret)
			return ret;
		at += mods[i].size;
	}
	f->info.mods_addr = MB_GPA(base, mods);
	f->info.mods_count = nr;
	f->info.flags |= MULTIBOOT_INFO_MODS;
	return 0;
}

/*
 * Where the boot information goes: MEMMAP_BOOT_INFO, unless the image is there (images may
 * load anywhere in low RAM, as under QEMU); then right after it, or from 1 MiB where the BIOS
 * area is in the way.
 */
static int mb_boot_info_base(const struct guest_mem *mem, uint64_t low, uint64_t high,
			     uint64_t *base)
{
	*base = MEMMAP_BOOT_INFO;
	if (low < MEMMAP_BOOT_INFO + MEMMAP_BOOT_INFO_SIZE && high > MEMMAP_BOOT_INFO) {
		*base = MB_PAGE_ALIGN(high);
		if (*base<PC_HIGH_MEM && * base + MEMMAP_BOOT_INFO_SIZE> PC_BIOS_AREA)
			*base = PC_HIGH_MEM;
	}
	if (*base + MEMMAP_BOOT_INFO_SIZE > mem->size ||
	    *base + MEMMAP_BOOT_INFO_SIZE > UINT32_MAX) {
		pr_err("no room for the %u-byte multiboot information after the image "
		       "(0x%llx-0x%llx) in 0x%llx bytes of RAM",
		       MEMMAP_BOOT_INFO_SIZE, (unsigned long long)low, (unsigned long long)high,
		       (unsigned long long)mem->size);
		return -ENOMEM;
	}
	return 0;
}

int multiboot_write_info(struct guest_mem *mem, uint64_t image_low, uint64_t image_end, int argc,
			 char *const argv[], const struct multiboot_module_file *mods,
			 unsigned int nr_mods, uint64_t *boot_info)
{
	struct mb_area area;
	struct mb_fixed *f;
	uint64_t base, mods_at;
	int ret;

	if (mem->size < GUEST_MEM_MIN) {
		pr_err("cannot boot in %llu bytes of RAM", (unsigned long long)mem->size);
		return -EINVAL;
	}
	ret = mb_boot_info_base(mem, image_low, image_end, &base);
	if (ret)
		return ret;
	*boot_info = base;
	mods_at = base == MEMMAP_BOOT_INFO ? image_end : base + MEMMAP_BOOT_INFO_SIZE;
	area = (struct mb_area){ mem, (uint32_t)base + sizeof(struct mb_fixed),
				 (uint32_t)(base + MEMMAP_BOOT_INFO_SIZE) };
	memset(guest_mem_ptr(mem, base, MEMMAP_BOOT_INFO_SIZE), 0, MEMMAP_BOOT_INFO_SIZE);
	f = guest_mem_ptr(mem, base, sizeof(*f));
	mb_put_memory(f, base, mem->size);
	memcpy(f->loader_name, MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
	f->info.boot_loader_name = MB_GPA(base, loader_name);
	f->info.flags |= MULTIBOOT_INFO_LOADER_NAME;
	ret = mb_put_cmdline(&area, argc, argv, &f->info.cmdline);
	if (!ret) {
		f->info.flags |= MULTIBOOT_INFO_CMDLINE;
		ret = mb_put_modules(&area, f, base, mods_at, mods, nr_mods);
	}
	return ret;
}

static void mb_flat_segment(struct kvm_segment *seg, uint16_t selector, uint8_t type)
{
	*seg = (struct kvm_segment){ .base = 0,
				     .limit = 0xffffffff,
				     .selector = selector,
				     .type = type,
				     .present = 1,
				     .db = 1,
				     .s = 1,
				     .g = 1 };
}

void multiboot_vcpu_state(uint64_t entry, uint64_t boot_info, struct kvm_regs *regs,
			  struct kvm_sregs *sregs)
{
	/* The specification leaves GDTR undefined: the segment caches are what count. */
	mb_flat_segment(&sregs->cs, 0x08, 0xb);
	mb_flat_segment(&sregs->ds, 0x10, 0x3);
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
	sregs->tr = (struct kvm_segment){ .limit = 0xffff, .type = 0xb, .present = 1 };
	sregs->ldt = (struct kvm_segment){ .type = 0x2, .present = 1, .unusable = 1 };
	sregs->gdt.base = 0;
	sregs->gdt.limit = 0;
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	sregs->cr0 = 0x11; /* PE, ET; paging off */
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;

	memset(regs, 0, sizeof(*regs));
	regs->rip = entry;
	regs->rflags = 0x2; /* IF and VM clear */
	regs->rax = MULTIBOOT_BOOTLOADER_MAGIC;
	regs->rbx = boot_info;
}
