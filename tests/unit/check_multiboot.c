/* Unit tests: multiboot header search, image kinds, a.out-kludge loading, boot information. */
#include <elf.h>
#include <stdint.h>

#include "boot/elf_load.h"
#include "boot/guest_file.h"
#include "boot/image.h"
#include "mem_fixture.h"
#include "memmap.h"
#include "boot/multiboot.h"
#include "test_util.h"

#define MEM_SIZE  (64ull << 20)
#define LOAD_AT	  0x100000u
#define FILE_SIZE 0x100u

static uint64_t boot_info;
static struct guest_image image;
static uint8_t file[16384];

static void put_header(size_t off, uint32_t flags, uint32_t load, uint32_t load_end,
		       uint32_t bss_end, uint32_t entry)
{
	struct multiboot_header h = {
		.magic = MULTIBOOT_HEADER_MAGIC,
		.flags = flags,
		.checksum = -(MULTIBOOT_HEADER_MAGIC + flags),
		.header_addr = load + (uint32_t)off,
		.load_addr = load,
		.load_end_addr = load_end,
		.bss_end_addr = bss_end,
		.entry_addr = entry,
	};

	memcpy(file + off, &h, sizeof(h));
}

static void setup(void)
{
	mem_setup(MEM_SIZE);
	memset(mem.host, 0xee, mem.size);
	memset(file, 0, sizeof(file));
	for (unsigned int i = 0; i < FILE_SIZE; i++)
		file[i] = (uint8_t)(i * 7 + 1);
	/* A valid a.out-kludge image: header at 0x10, entry at 0x40, 0x1000 bytes of bss. */
	put_header(0x10, MULTIBOOT_AOUT_KLUDGE | MULTIBOOT_MEMORY_INFO, LOAD_AT, 0,
		   LOAD_AT + FILE_SIZE + 0x1000, LOAD_AT + 0x40);
	memset(&image, 0, sizeof(image));
}

static int load(size_t size)
{
	return image_load(&mem, file, size, "test.bin", &image);
}

/* 64 MiB compared a page at a time: byte by byte took seconds under ASan on a busy host. */
static void expect_ram_untouched(void)
{
	static uint8_t fill[4096];

	memset(fill, 0xee, sizeof(fill));
	for (uint64_t page = 0; page < mem.size; page += sizeof(fill)) {
		if (!memcmp(mem.host + page, fill, sizeof(fill)))
			continue;
		for (uint64_t i = page; i < page + sizeof(fill); i++)
			if (mem.host[i] != 0xee)
				ck_abort_msg("guest RAM written at 0x%llx by a rejected image",
					     (unsigned long long)i);
	}
}

/* Rejected with @message, and nothing was copied into RAM. */
static void expect_reject(size_t size, const char *message)
{
	ck_assert_int_eq(load(size), -ENOEXEC);
	ck_assert_logged(message);
	expect_ram_untouched();
}

static void *read_guest_file(const char *name, size_t *size)
{
	char path[512];
	void *data;

	snprintf(path, sizeof(path), "%s/%s", GUEST_DIR, name);
	ck_assert_int_eq(guest_file_read(path, "guest image", MEM_SIZE, &data, size), 0);
	return data;
}

START_TEST(test_aout_kludge_loads)
{
	ck_assert_int_eq(load(FILE_SIZE), 0);
	ck_assert_int_eq(image.kind, IMAGE_MULTIBOOT);
	ck_assert_uint_eq(image.info.entry, LOAD_AT + 0x40);
	ck_assert_uint_eq(image.info.low, LOAD_AT);
	ck_assert_uint_eq(image.info.high, LOAD_AT + FILE_SIZE + 0x1000);
	ck_assert_mem_eq(mem.host + LOAD_AT, file, FILE_SIZE);
	for (unsigned int i = 0; i < 0x1000; i++)
		ck_assert_uint_eq(mem.host[LOAD_AT + FILE_SIZE + i], 0);
	ck_assert_uint_eq(mem.host[LOAD_AT + FILE_SIZE + 0x1000], 0xee);
}
END_TEST

START_TEST(test_aout_load_end_limits_the_copy)
{
	put_header(0x10, MULTIBOOT_AOUT_KLUDGE, LOAD_AT, LOAD_AT + 0x80, 0, LOAD_AT + 0x40);
	ck_assert_int_eq(load(FILE_SIZE), 0);
	ck_assert_uint_eq(image.info.high, LOAD_AT + 0x80);
	ck_assert_uint_eq(mem.host[LOAD_AT + 0x80], 0xee);
}
END_TEST

/*
 * Images may load in low RAM, as under QEMU (kvm-unit-tests' realmode test does): the boot
 * information moves out of their way; only the BIOS area (ACPI and MP tables) is refused.
 */
START_TEST(test_low_image_moves_the_boot_information)
{
	char *argv[] = { "low.elf", "x" };

	put_header(0x10, MULTIBOOT_AOUT_KLUDGE, 0x2000, 0, 0x2800, 0x2000);
	ck_assert_int_eq(load(FILE_SIZE), 0);
	ck_assert_uint_eq(image.info.low, 0x2000);
	ck_assert_mem_eq(mem.host + 0x2000, file, FILE_SIZE);
	ck_assert_int_eq(multiboot_write_info(&mem, 0x2000, 0x2800, 2, argv, NULL, 0, &boot_info),
			 0);
	ck_assert_uint_eq(boot_info, 0x3000);		      /* right after the image */
	ck_assert_mem_eq(mem.host + 0x2000, file, FILE_SIZE); /* the image is untouched */
	ck_assert_str_eq((const char *)mem.host +
				 ((const struct multiboot_info *)(mem.host + 0x3000))->cmdline,
			 "low.elf x");
	/* Clear of the image: the usual place. Up against the BIOS area: from 1 MiB. */
	ck_assert_int_eq(multiboot_write_info(&mem, 0x8000, 0x9000, 1, argv, NULL, 0, &boot_info),
			 0);
	ck_assert_uint_eq(boot_info, MEMMAP_BOOT_INFO);
	ck_assert_int_eq(multiboot_write_info(&mem, 0x1000, 0xef000, 1, argv, NULL, 0, &boot_info),
			 0);
	ck_assert_uint_eq(boot_info, PC_HIGH_MEM);
}
END_TEST

START_TEST(test_aout_bad_fields_rejected)
{
	put_header(0x10, MULTIBOOT_AOUT_KLUDGE, LOAD_AT, 0, 0, LOAD_AT + 0x200);
	expect_reject(FILE_SIZE, "entry_addr 0x100200 is not inside the loaded 0x100000-0x100100");
	put_header(0x10, MULTIBOOT_AOUT_KLUDGE, LOAD_AT, LOAD_AT + 0x1000, 0, LOAD_AT);
	expect_reject(FILE_SIZE, "load_end_addr 0x101000: 0x1000 bytes from file offset 0x0, "
				 "the file has 256");
	put_header(0x10, MULTIBOOT_AOUT_KLUDGE, LOAD_AT, LOAD_AT + 0x80, LOAD_AT + 0x40, LOAD_AT);
	expect_reject(FILE_SIZE, "bss_end_addr 0x100040 is below the loaded end 0x100080");
	put_header(0x10, MULTIBOOT_AOUT_KLUDGE, 0xf8000, 0, 0, 0xf8000);
	expect_reject(FILE_SIZE, "load_addr 0xf8000+0x100 overlaps the VMM's ACPI and MP tables at "
				 "0xf0000-0xfffff");
	put_header(0x10, MULTIBOOT_AOUT_KLUDGE, 0x10000000, 0, 0, 0x10000000);
	expect_reject(FILE_SIZE, "0x10000000-0x10000100 lies outside guest RAM (0x4000000 bytes)");
	put_header(0x10, MULTIBOOT_AOUT_KLUDGE, LOAD_AT, 0, 0, LOAD_AT);
	((struct multiboot_header *)(file + 0x10))->header_addr = LOAD_AT + 0x20;
	expect_reject(FILE_SIZE, "load_addr 0x100000 does not fit header_addr 0x100020 at file "
				 "offset 0x10");
}
END_TEST

START_TEST(test_unsupported_requirements_rejected)
{
	put_header(0x10, MULTIBOOT_VIDEO_MODE, LOAD_AT, 0, 0, LOAD_AT);
	expect_reject(FILE_SIZE, "header at 0x10 requires a video mode (flag 2)");
	put_header(0x10, 0x8 | MULTIBOOT_PAGE_ALIGN, LOAD_AT, 0, 0, LOAD_AT);
	expect_reject(FILE_SIZE,
		      "header at 0x10 requires flags 0x8 that pvclock-vmm does not know");
	put_header(0x10, MULTIBOOT_MEMORY_INFO, LOAD_AT, 0, 0, LOAD_AT);
	expect_reject(FILE_SIZE, "not ELF and its header has no address fields (flag 16)");
}
END_TEST

START_TEST(test_aout_header_cut_off)
{
	memset(file, 0, sizeof(file));
	put_header(0, MULTIBOOT_AOUT_KLUDGE, LOAD_AT, 0, 0, LOAD_AT);
	expect_reject(16, "header at 0x0 is cut off before its address fields");
}
END_TEST

/* A bad checksum, a misaligned or a too-late header is no header: then it must be ELF64. */
START_TEST(test_headers_that_do_not_count)
{
	struct multiboot_header h;
	size_t off;

	((struct multiboot_header *)(file + 0x10))->checksum++;
	ck_assert_int_eq(multiboot_find(file, sizeof(file), "t", &h, &off), 0);
	expect_reject(FILE_SIZE, "not an ELF file (bad magic)");
	memset(file, 0, sizeof(file));
	put_header(0x12, MULTIBOOT_AOUT_KLUDGE, LOAD_AT, 0, 0, LOAD_AT);
	ck_assert_int_eq(multiboot_find(file, sizeof(file), "t", &h, &off), 0);
	memset(file, 0, sizeof(file));
	put_header(MULTIBOOT_SEARCH_BYTES, MULTIBOOT_AOUT_KLUDGE, LOAD_AT, 0, 0, LOAD_AT);
	ck_assert_int_eq(multiboot_find(file, sizeof(file), "t", &h, &off), 0);
	put_header(MULTIBOOT_SEARCH_BYTES - 32, MULTIBOOT_AOUT_KLUDGE, LOAD_AT, 0, 0, LOAD_AT);
	ck_assert_int_eq(multiboot_find(file, sizeof(file), "t", &h, &off), 1);
	ck_assert_uint_eq(off, MULTIBOOT_SEARCH_BYTES - 32);
}
END_TEST

/* The bundled multiboot guest is ELF32 i386; the native guests are ELF64. */
START_TEST(test_kinds_of_bundled_images)
{
	size_t size;
	uint8_t *data = read_guest_file("mb_kvmclock.elf", &size);

	ck_assert_int_eq(image_load(&mem, data, size, "mb_kvmclock.elf", &image), 0);
	ck_assert_int_eq(image.kind, IMAGE_MULTIBOOT);
	ck_assert_uint_eq(image.info.elf_class, 32);
	ck_assert_uint_ge(image.info.low, GUEST_IMAGE_MIN);
	free(data);
	data = read_guest_file("hello.elf", &size);
	ck_assert_int_eq(image_load(&mem, data, size, "hello.elf", &image), 0);
	ck_assert_int_eq(image.kind, IMAGE_NATIVE);
	ck_assert_uint_eq(image.info.elf_class, 64);
	free(data);
}
END_TEST

START_TEST(test_elf32_without_header_rejected)
{
	size_t size, off;
	struct multiboot_header h;
	uint8_t *data = read_guest_file("mb_kvmclock.elf", &size);

	ck_assert_int_eq(multiboot_find(data, size, "t", &h, &off), 1);
	data[off] ^= 0xff; /* break the magic */
	memset(mem.host, 0xee, mem.size);
	ck_assert_int_eq(image_load(&mem, data, size, "mb.elf", &image), -ENOEXEC);
	ck_assert_logged("ELF mb.elf: a 32-bit image needs a multiboot header in its first 8192 "
			 "bytes, and has none");
	expect_ram_untouched();
	free(data);
}
END_TEST

/*
 * A higher-half ELF32 kernel: linked at 0xc0100000, loaded at 1 MiB. Multiboot loaders place
 * it by p_paddr and enter at the physical address of e_entry, as GRUB does.
 */
#define HH_OFF	0x100u
#define HH_VIRT 0xc0100000u

static size_t build_higher_half(uint32_t entry)
{
	Elf32_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS32, ELFDATA2LSB,
			     EV_CURRENT },
		.e_type = ET_EXEC,
		.e_machine = EM_386,
		.e_version = EV_CURRENT,
		.e_entry = entry,
		.e_phoff = sizeof(Elf32_Ehdr),
		.e_ehsize = sizeof(Elf32_Ehdr),
		.e_phentsize = sizeof(Elf32_Phdr),
		.e_phnum = 1,
	};
	Elf32_Phdr ph = {
		.p_type = PT_LOAD,
		.p_offset = HH_OFF,
		.p_vaddr = HH_VIRT,
		.p_paddr = LOAD_AT,
		.p_filesz = FILE_SIZE,
		.p_memsz = 2 * FILE_SIZE,
		.p_flags = PF_R | PF_X,
		.p_align = 0x1000,
	};

	memset(file, 0, sizeof(file));
	memcpy(file, &eh, sizeof(eh));
	memcpy(file + sizeof(eh), &ph, sizeof(ph));
	for (unsigned int i = 0; i < FILE_SIZE; i++)
		file[HH_OFF + i] = (uint8_t)(i + 3);
	put_header(HH_OFF, MULTIBOOT_MEMORY_INFO, LOAD_AT, 0, 0, 0);
	return HH_OFF + FILE_SIZE;
}

START_TEST(test_higher_half_elf32_loads_by_paddr)
{
	size_t size = build_higher_half(HH_VIRT + 0x20);

	ck_assert_int_eq(load(size), 0);
	ck_assert_int_eq(image.kind, IMAGE_MULTIBOOT);
	ck_assert_uint_eq(image.info.elf_class, 32);
	ck_assert_uint_eq(image.info.entry, LOAD_AT + 0x20);
	ck_assert_uint_eq(image.info.low, LOAD_AT);
	ck_assert_uint_eq(image.info.high, LOAD_AT + 2 * FILE_SIZE);
	ck_assert_mem_eq(mem.host + LOAD_AT, file + HH_OFF, FILE_SIZE);
	ck_assert_uint_eq(mem.host[LOAD_AT + FILE_SIZE], 0); /* bss */
}
END_TEST

START_TEST(test_higher_half_entry_checked_by_vaddr)
{
	size_t size = build_higher_half(LOAD_AT + 0x20); /* physical: not how it is linked */

	expect_reject(size, "entry point 0x100020 is not inside a loaded executable segment");
	size = build_higher_half(HH_VIRT + FILE_SIZE); /* in bss, not in file bytes */
	expect_reject(size, "entry point 0xc0100100 is not inside a loaded executable segment");
}
END_TEST

START_TEST(test_info_memory_cmdline_modules)
{
	char *argv[] = { "img.elf", "a", "bc" };
	const char m0[] = "hello", m1[] = "world!";
	struct multiboot_module_file mods[2] = {
		{ "mod0.bin x=1", m0, sizeof(m0) },
		{ "mod1.bin", m1, sizeof(m1) },
	};
	const struct multiboot_info *mbi = guest_mem_ptr(&mem, MEMMAP_BOOT_INFO, sizeof(*mbi));
	const struct multiboot_module *list;
	const struct multiboot_mmap_entry *map;

	ck_assert_int_eq(
		multiboot_write_info(&mem, LOAD_AT, 0x123456, 3, argv, mods, 2, &boot_info), 0);
	ck_assert_uint_eq(mbi->flags, MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE |
					      MULTIBOOT_INFO_MODS | MULTIBOOT_INFO_MEM_MAP |
					      MULTIBOOT_INFO_LOADER_NAME);
	ck_assert_uint_eq(mbi->mem_lower, 639);
	ck_assert_uint_eq(mbi->mem_upper, (MEM_SIZE - 0x100000) / 1024);
	ck_assert_str_eq((char *)mem.host + mbi->cmdline, "img.elf a bc");
	ck_assert_str_eq((char *)mem.host + mbi->boot_loader_name, "pvclock-vmm");
	ck_assert_uint_eq(mbi->mods_count, 2);
	list = guest_mem_ptr(&mem, mbi->mods_addr, 2 * sizeof(*list));
	ck_assert_uint_eq(list[0].mod_start, 0x124000);
	ck_assert_uint_eq(list[0].mod_end, 0x124000 + sizeof(m0));
	ck_assert_uint_eq(list[1].mod_start, 0x125000);
	ck_assert_str_eq((char *)mem.host + list[0].mod_start, "hello");
	ck_assert_str_eq((char *)mem.host + list[1].mod_start, "world!");
	ck_assert_str_eq((char *)mem.host + list[0].string, "mod0.bin x=1");
	ck_assert_str_eq((char *)mem.host + list[1].string, "mod1.bin");
	ck_assert_uint_eq(mbi->mmap_length, 4 * sizeof(*map));
	map = guest_mem_ptr(&mem, mbi->mmap_addr, mbi->mmap_length);
	ck_assert_uint_eq(map[0].size, 20);
	ck_assert_uint_eq(map[0].addr, 0);
	ck_assert_uint_eq(map[0].len, 0x9fc00);
	ck_assert_uint_eq(map[0].type, MULTIBOOT_MEMORY_AVAILABLE);
	ck_assert_uint_eq(map[3].addr, 0x100000);
	ck_assert_uint_eq(map[3].addr + map[3].len, MEM_SIZE);
	ck_assert_uint_eq(map[3].type, MULTIBOOT_MEMORY_AVAILABLE);
	/* Everything lies inside the boot-information area. */
	ck_assert_uint_lt(mbi->mmap_addr + mbi->mmap_length,
			  MEMMAP_BOOT_INFO + MEMMAP_BOOT_INFO_SIZE);
}
END_TEST

START_TEST(test_info_limits)
{
	static char huge[MEMMAP_BOOT_INFO_SIZE + 1];
	char *argv[] = { "img.elf", huge };
	const char big_data[16] = { 0 };
	struct multiboot_module_file mods[MULTIBOOT_MAX_MODULES + 1];

	memset(huge, 'x', sizeof(huge) - 1);
	ck_assert_int_eq(multiboot_write_info(&mem, LOAD_AT, LOAD_AT, 2, argv, NULL, 0, &boot_info),
			 -E2BIG);
	ck_assert_logged("does not fit the 8192-byte boot information area");
	for (unsigned int i = 0; i <= MULTIBOOT_MAX_MODULES; i++)
		mods[i] = (struct multiboot_module_file){ "m", big_data, sizeof(big_data) };
	ck_assert_int_eq(multiboot_write_info(&mem, LOAD_AT, LOAD_AT, 1, argv, mods,
					      MULTIBOOT_MAX_MODULES + 1, &boot_info),
			 -E2BIG);
	ck_assert_logged("9 multiboot modules given, at most 8 are supported");
	ck_assert_int_eq(
		multiboot_write_info(&mem, LOAD_AT, MEM_SIZE - 8, 1, argv, mods, 1, &boot_info),
		-ENOMEM);
	ck_assert_logged("multiboot module 'm' (16 bytes at 0x4000000) does not fit in guest RAM");
}
END_TEST

/* A command line that just fits leaves no room for a module's string: refused, not a crash. */
START_TEST(test_info_full_area)
{
	static char line[MEMMAP_BOOT_INFO_SIZE];
	char *argv[] = { line };
	struct multiboot_module_file mod = { "a-module-string-of-32-bytes-here", "x", 1 };
	size_t len = sizeof(line) - 1;

	memset(line, 'x', len);
	for (; len > 0; len--) {
		line[len] = '\0';
		if (multiboot_write_info(&mem, LOAD_AT, LOAD_AT, 1, argv, NULL, 0, &boot_info) == 0)
			break;
	}
	ck_assert_uint_gt(len, MEMMAP_BOOT_INFO_SIZE / 2);
	test_log_capture(); /* only this call's messages */
	ck_assert_int_eq(multiboot_write_info(&mem, LOAD_AT, LOAD_AT, 1, argv, &mod, 1, &boot_info),
			 -E2BIG);
	ck_assert_logged("multiboot module string of 33 bytes does not fit the 8192-byte boot "
			 "information area");
}
END_TEST

START_TEST(test_entry_state)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	memset(&sregs, 0xff, sizeof(sregs));
	multiboot_vcpu_state(0x10000c, MEMMAP_BOOT_INFO, &regs, &sregs);
	ck_assert_uint_eq(regs.rip, 0x10000c);
	ck_assert_uint_eq(regs.rax, MULTIBOOT_BOOTLOADER_MAGIC);
	ck_assert_uint_eq(regs.rbx, MEMMAP_BOOT_INFO);
	ck_assert_uint_eq(regs.rflags, 0x2);
	ck_assert_uint_eq(sregs.cr0 & 1, 1);	       /* PE */
	ck_assert_uint_eq(sregs.cr0 & 0x80000000u, 0); /* no paging */
	ck_assert_uint_eq(sregs.efer, 0);
	ck_assert_uint_eq(sregs.cs.db, 1);
	ck_assert_uint_eq(sregs.cs.l, 0);
	ck_assert_uint_eq(sregs.cs.base, 0);
	ck_assert_uint_eq(sregs.cs.limit, 0xffffffff);
	ck_assert_uint_eq(sregs.cs.type, 0xb); /* execute/read, accessed */
	ck_assert_uint_eq(sregs.cs.s, 1);
	ck_assert_uint_eq(sregs.cs.dpl, 0);
	ck_assert_uint_eq(sregs.ss.type, 0x3);
	ck_assert_uint_eq(sregs.ss.dpl, 0);
	ck_assert_uint_eq(sregs.ds.db, 1);
	/* What VM entry checks: a busy 32-bit TSS in TR, an unusable LDTR. */
	ck_assert_uint_eq(sregs.tr.type, 0xb);
	ck_assert_uint_eq(sregs.tr.s, 0);
	ck_assert_uint_eq(sregs.tr.present, 1);
	ck_assert_uint_eq(sregs.ldt.unusable, 1);
	/* What KVM_GET_SREGS gave and the entry does not decide stays as it was. */
	ck_assert_uint_eq(sregs.apic_base, 0xffffffffffffffffull);
}
END_TEST

TEST_SUITE(
	"multiboot",
	{ .name = "core",
	  .setup = setup,
	  .teardown = mem_teardown,
	  .tests = TESTS(test_aout_kludge_loads, test_aout_load_end_limits_the_copy,
			 test_aout_bad_fields_rejected, test_low_image_moves_the_boot_information,
			 test_unsupported_requirements_rejected, test_aout_header_cut_off,
			 test_headers_that_do_not_count, test_kinds_of_bundled_images,
			 test_elf32_without_header_rejected, test_higher_half_elf32_loads_by_paddr,
			 test_higher_half_entry_checked_by_vaddr, test_info_memory_cmdline_modules,
			 test_info_limits, test_info_full_area, test_entry_state) })
