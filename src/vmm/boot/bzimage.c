/* Linux bzImage loading and the zero page (bzimage.h); Documentation/arch/x86/boot.rst. */
#include "boot/bzimage.h"

#include <asm/bootparam.h>
#include <asm/e820.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "memmap.h"

#define BZ_HDR_OFFSET	 0x1f1
#define BZ_BOOT_FLAG	 0xaa55
#define BZ_MAGIC	 0x53726448 /* "HdrS" */
#define BZ_MIN_VERSION	 0x020c	    /* 2.12: xloadflags, the 64-bit entry */
#define BZ_HDR_MIN_END	 0x264	    /* the header through init_size (2.10 and later) */
#define BZ_ENTRY_64	 0x200	    /* the 64-bit entry, from the protected-mode kernel's start */
#define BZ_LOW_RAM_END	 0x9fc00    /* conventional memory, as a PC BIOS reports it */
#define BZ_LOADER_OTHER	 0xff
#define BZ_HEAP_END	 0xfe00
#define BZ_SETUP_SECTS_0 4 /* setup_sects 0 means 4 */

__attribute__((format(printf, 2, 3))) static int bz_reject(const char *name, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pr_err("bzImage %s: %s", name, why);
	return -ENOEXEC;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The setup header's bytes in the file: from 0x1f1 to 0x202 + the byte at 0x201. */
static size_t bz_header_end(const uint8_t *b)
{
	return 0x202 + b[0x201];
}

int bzimage_probe(const void *bytes, size_t size, const char *name, struct bzimage_header *hdr)
{
	const uint8_t *b = bytes;
	struct setup_header sh;
	uint32_t setup_sects;

	if (size < 0x206 || get32(b + 0x202) != BZ_MAGIC)
		return 0;
	if (bz_header_end(b) > size || bz_header_end(b) < BZ_HDR_MIN_END)
		return bz_reject(name,
				 "setup header ends at 0x%zx: it must reach 0x%x (init_size) "
				 "and lie in the %zu-byte file",
				 bz_header_end(b), BZ_HDR_MIN_END, size);
	memset(&sh, 0, sizeof(sh));
	memcpy(&sh, b + BZ_HDR_OFFSET,
	       bz_header_end(b) - BZ_HDR_OFFSET < sizeof(sh) ? bz_header_end(b) - BZ_HDR_OFFSET
							     : sizeof(sh));
	if (sh.boot_flag != BZ_BOOT_FLAG)
		return bz_reject(name, "boot_flag 0x%x, expected 0x%x", sh.boot_flag, BZ_BOOT_FLAG);
	if (sh.version < BZ_MIN_VERSION)
		return bz_reject(name,
				 "boot protocol %u.%02u; 2.12 or later is needed (the 64-bit "
				 "entry)",
				 sh.version >> 8, sh.version & 0xff);
	if (!(sh.xloadflags & XLF_KERNEL_64))
		return bz_reject(name, "xloadflags 0x%x: no 64-bit entry (a 32-bit kernel)",
				 sh.xloadflags);
	if (!(sh.loadflags & LOADED_HIGH))
		return bz_reject(name, "loadflags 0x%x: not loaded high (a zImage)", sh.loadflags);
	setup_sects = sh.setup_sects ? sh.setup_sects : BZ_SETUP_SECTS_0;
	hdr->version = sh.version;
	hdr->kernel_off = (setup_sects + 1) * 512;
	if (hdr->kernel_off >= size)
		return bz_reject(name,
				 "setup_sects %u: the kernel would start at 0x%x, past the "
				 "%zu-byte file",
				 sh.setup_sects, hdr->kernel_off, size);
	hdr->kernel_size = (uint32_t)(size - hdr->kernel_off);
	if (hdr->kernel_size <= BZ_ENTRY_64)
		return bz_reject(name,
				 "the protected-mode kernel is %u bytes: too short to hold the "
				 "64-bit entry at +0x%x",
				 hdr->kernel_size, BZ_ENTRY_64);
	if ((uint64_t)sh.syssize * 16 > hdr->kernel_size)
		return bz_reject(name,
				 "syssize %u paragraphs (%llu bytes) exceed the %u bytes after "
				 "the setup",
				 sh.syssize, (unsigned long long)sh.syssize * 16, hdr->kernel_size);
	hdr->init_size = sh.init_size > hdr->kernel_size ? sh.init_size : hdr->kernel_size;
	hdr->cmdline_size = sh.cmdline_size ? sh.cmdline_size : 255;
	hdr->initrd_max = sh.initrd_addr_max ? sh.initrd_addr_max : 0x37ffffff;
	return 1;
}

static void bz_e820(struct boot_params *bp, uint64_t mem_size)
{
	const struct boot_e820_entry map[] = {
		{ 0, BZ_LOW_RAM_END, E820_RAM },
		{ BZ_LOW_RAM_END, 0xa0000 - BZ_LOW_RAM_END, E820_RESERVED },
		{ PC_BIOS_AREA, PC_HIGH_MEM - PC_BIOS_AREA, E820_RESERVED },
		{ PC_HIGH_MEM, mem_size - PC_HIGH_MEM, E820_RAM },
	};

	memcpy(bp->e820_table, map, sizeof(map));
	bp->e820_entries = sizeof(map) / sizeof(map[0]);
}

/* The zero page: the image's setup header, as a loader of our kind fills it, and the e820 map. */
static void bz_zero_page(struct boot_params *bp, const uint8_t *bytes, uint64_t mem_size)
{
	size_t hdr_len = bz_header_end(bytes) - BZ_HDR_OFFSET;

	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, bytes + BZ_HDR_OFFSET,
	       hdr_len < sizeof(bp->hdr) ? hdr_len : sizeof(bp->hdr));
	bp->hdr.type_of_loader = BZ_LOADER_OTHER;
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = BZ_HEAP_END;
	bp->hdr.vid_mode = 0xffff; /* "normal" */
	bz_e820(bp, mem_size);
}

int bzimage_load(struct guest_mem *mem, const void *bytes, size_t size, const char *name,
		 uint64_t *entry)
{
	struct bzimage_header hdr = { 0 }; /* filled when bzimage_probe returns 1 */
	struct boot_params *bp;
	int ret = bzimage_probe(bytes, size, name, &hdr);

	if (ret <= 0)
		return ret ? ret : bz_reject(name, "no setup header (\"HdrS\" at 0x202)");
	if (BZ_KERNEL + (uint64_t)hdr.init_size > mem->size)
		return bz_reject(name,
				 "the kernel needs %u bytes from 0x%x while it unpacks "
				 "(init_size); RAM is %llu bytes: give --mem %lluM or more",
				 hdr.init_size, BZ_KERNEL, (unsigned long long)mem->size,
				 (unsigned long long)((BZ_KERNEL + hdr.init_size) >> 20) + 16);
	bp = guest_mem_ptr(mem, BZ_BOOT_PARAMS, sizeof(*bp));
	if (!bp)
		return -EINVAL;
	memcpy(guest_mem_ptr(mem, BZ_KERNEL, hdr.kernel_size),
	       (const uint8_t *)bytes + hdr.kernel_off, hdr.kernel_size);
	bz_zero_page(bp, bytes, mem->size);
	*entry = BZ_KERNEL + BZ_ENTRY_64;
	return 0;
}

int bzimage_set_cmdline(struct guest_mem *mem, const char *cmdline)
{
	struct boot_params *bp = guest_mem_ptr(mem, BZ_BOOT_PARAMS, sizeof(*bp));
	uint32_t max = bp->hdr.cmdline_size ? bp->hdr.cmdline_size : 255;
	size_t len = strlen(cmdline);

	if (max > BZ_CMDLINE_MAX - 1)
		max = BZ_CMDLINE_MAX - 1;
	if (len > max) {
		pr_err("kernel command line of %zu bytes; this kernel takes at most %u", len, max);
		return -E2BIG;
	}
	memcpy(guest_mem_ptr(mem, BZ_CMDLINE, len + 1), cmdline, len + 1);
	bp->hdr.cmd_line_ptr = BZ_CMDLINE;
	return 0;
}

int bzimage_set_initrd(struct guest_mem *mem, const void *initrd, size_t size)
{
	struct boot_params *bp = guest_mem_ptr(mem, BZ_BOOT_PARAMS, sizeof(*bp));
	uint64_t max = bp->hdr.initrd_addr_max ? bp->hdr.initrd_addr_max : 0x37ffffff;
	uint64_t top = mem->size < max + 1 ? mem->size : max + 1;
	uint64_t low = BZ_KERNEL + (uint64_t)bp->hdr.init_size, at;

	if (size > top || ((top - size) & ~(uint64_t)(GUEST_PAGE_SIZE - 1)) < low) {
		pr_err("initrd of %zu bytes does not fit between the kernel's end 0x%llx and "
		       "0x%llx (the top of RAM, or the kernel's initrd_addr_max): give more --mem",
		       size, (unsigned long long)low, (unsigned long long)top);
		return -E2BIG;
	}
	at = (top - size) & ~(uint64_t)(GUEST_PAGE_SIZE - 1);
	memcpy(guest_mem_ptr(mem, at, size), initrd, size);
	bp->hdr.ramdisk_image = (uint32_t)at;
	bp->hdr.ramdisk_size = (uint32_t)size;
	return 0;
}
