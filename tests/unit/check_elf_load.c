/* Unit tests for the ELF loader on crafted in-memory images. */
#include <elf.h>

#include "boot/elf_load.h"
#include "boot/guest_file.h"
#include "boot/image.h"
#include "mem_fixture.h"
#include "memmap.h"
#include "test_util.h"

#define IMG_SIZE 0x4000
#define SEG_OFF	 0x1000
#define LOAD_AT	 0x400000
#define MEM_SIZE 0x800000

struct img {
	union {
		unsigned char bytes[IMG_SIZE];
		Elf64_Ehdr eh;
	};
};

static struct img img;
static struct elf_image_info info;
static struct guest_image image; /* image_load_file: the path production takes */

static Elf64_Phdr *phdr(int i)
{
	return (Elf64_Phdr *)(img.bytes + img.eh.e_phoff) + i;
}

/* A valid image: one R+X PT_LOAD of 0x100 file bytes and 0x2000 memory bytes at 1 MiB. */
static void img_init(int nr_phdrs)
{
	memset(&img, 0, sizeof(img));
	memcpy(img.eh.e_ident, ELFMAG, SELFMAG);
	img.eh.e_ident[EI_CLASS] = ELFCLASS64;
	img.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	img.eh.e_ident[EI_VERSION] = EV_CURRENT;
	img.eh.e_type = ET_EXEC;
	img.eh.e_machine = EM_X86_64;
	img.eh.e_version = EV_CURRENT;
	img.eh.e_entry = LOAD_AT;
	img.eh.e_phoff = sizeof(Elf64_Ehdr);
	img.eh.e_ehsize = sizeof(Elf64_Ehdr);
	img.eh.e_phentsize = sizeof(Elf64_Phdr);
	img.eh.e_phnum = nr_phdrs;
	for (int i = 0; i < nr_phdrs; i++) {
		*phdr(i) = (Elf64_Phdr){
			.p_type = PT_LOAD,
			.p_flags = PF_R | PF_X,
			.p_offset = SEG_OFF,
			.p_vaddr = LOAD_AT + i * 0x10000,
			.p_paddr = LOAD_AT + i * 0x10000,
			.p_filesz = 0x100,
			.p_memsz = 0x2000,
			.p_align = 0x1000,
		};
	}
	for (int i = 0; i < 0x100; i++)
		img.bytes[SEG_OFF + i] = (unsigned char)(i + 1);
}

static void setup(void)
{
	mem_setup(MEM_SIZE);
	memset(&info, 0, sizeof(info));
	img_init(1);
}

static int load(size_t size)
{
	return elf_load(&mem, img.bytes, size, "test.elf", &info);
}

static void expect_reject(size_t size, const char *message)
{
	uint8_t *ram = guest_mem_ptr(&mem, LOAD_AT, 1);

	ram[0] = 0xee;
	ck_assert_int_eq(load(size), -ENOEXEC);
	ck_assert_logged("ELF test.elf: ");
	ck_assert_logged(message);
	ck_assert_msg(ram[0] == 0xee, "a rejected image must not be copied into RAM");
}

START_TEST(test_valid_image_loads_and_zeroes_bss)
{
	uint8_t *ram = guest_mem_ptr(&mem, LOAD_AT, 0x2000);

	memset(ram, 0xaa, 0x2000);
	ck_assert_int_eq(load(IMG_SIZE), 0);
	ck_assert_uint_eq(info.entry, LOAD_AT);
	ck_assert_uint_eq(info.low, LOAD_AT);
	ck_assert_uint_eq(info.high, LOAD_AT + 0x2000);
	ck_assert_uint_eq(info.nr_segments, 1);
	ck_assert_int_eq(memcmp(ram, img.bytes + SEG_OFF, 0x100), 0);
	for (int i = 0x100; i < 0x2000; i++)
		ck_assert_uint_eq(ram[i], 0);
}
END_TEST

START_TEST(test_segment_ending_at_ram_end_loads)
{
	phdr(0)->p_paddr = phdr(0)->p_vaddr = MEM_SIZE - 0x2000;
	img.eh.e_entry = MEM_SIZE - 0x2000 + 0xff; /* last file byte of the segment */
	ck_assert_int_eq(load(IMG_SIZE), 0);
	ck_assert_uint_eq(info.high, MEM_SIZE);
}
END_TEST

START_TEST(test_several_segments_and_non_load_headers)
{
	img_init(3);
	phdr(1)->p_type = PT_NOTE;
	phdr(2)->p_flags = PF_R | PF_W;
	ck_assert_int_eq(load(IMG_SIZE), 0);
	ck_assert_uint_eq(info.nr_segments, 2);
	ck_assert_uint_eq(info.high, LOAD_AT + 0x20000 + 0x2000);
}
END_TEST

START_TEST(test_bad_magic)
{
	img.bytes[1] = 'X';
	expect_reject(IMG_SIZE, "not an ELF file (bad magic)");
}
END_TEST

START_TEST(test_tiny_file)
{
	expect_reject(3, "not an ELF file");
}
END_TEST

START_TEST(test_wrong_class)
{
	img.eh.e_ident[EI_CLASS] = 3;
	expect_reject(IMG_SIZE, "wrong class 3 (need ELFCLASS64 or ELFCLASS32)");
}
END_TEST

START_TEST(test_wrong_data)
{
	img.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	expect_reject(IMG_SIZE, "wrong data encoding 2");
}
END_TEST

START_TEST(test_truncated_header)
{
	expect_reject(40, "truncated: 40 bytes, the ELF header needs 64");
}
END_TEST

START_TEST(test_wrong_machine)
{
	img.eh.e_machine = EM_AARCH64;
	expect_reject(IMG_SIZE, "wrong machine 183 (need EM_X86_64)");
}
END_TEST

START_TEST(test_wrong_type)
{
	img.eh.e_type = ET_DYN;
	expect_reject(IMG_SIZE, "wrong type 3 (need ET_EXEC");
}
END_TEST

START_TEST(test_no_program_headers)
{
	img.eh.e_phnum = 0;
	expect_reject(IMG_SIZE, "no program headers");
}
END_TEST

START_TEST(test_bad_phentsize)
{
	img.eh.e_phentsize = 32;
	expect_reject(IMG_SIZE, "program header size 32 (need 56)");
}
END_TEST

START_TEST(test_truncated_program_headers)
{
	expect_reject(sizeof(Elf64_Ehdr) + 20, "program headers at offset 0x40 exceed");
}
END_TEST

START_TEST(test_program_headers_offset_overflow)
{
	img.eh.e_phoff = UINT64_MAX - 8;
	expect_reject(IMG_SIZE, "exceed the");
}
END_TEST

START_TEST(test_filesz_above_memsz)
{
	phdr(0)->p_filesz = 0x3000;
	phdr(0)->p_memsz = 0x2000;
	expect_reject(IMG_SIZE, "segment 0: filesz 0x3000 > memsz 0x2000");
}
END_TEST

START_TEST(test_truncated_segment)
{
	expect_reject(SEG_OFF + 0x80, "truncated: segment 0 needs file bytes 0x1000+0x100");
}
END_TEST

START_TEST(test_segment_offset_overflow)
{
	phdr(0)->p_offset = UINT64_MAX - 0x10;
	expect_reject(IMG_SIZE, "truncated: segment 0 needs file bytes");
}
END_TEST

START_TEST(test_address_overflow)
{
	phdr(0)->p_paddr = phdr(0)->p_vaddr = UINT64_MAX - 0x1000;
	expect_reject(IMG_SIZE, "overflows");
}
END_TEST

START_TEST(test_vaddr_differs_from_paddr)
{
	phdr(0)->p_vaddr = 0xffffffff80400000ull;
	expect_reject(IMG_SIZE, "vaddr 0xffffffff80400000 != paddr 0x400000");
}
END_TEST

START_TEST(test_segment_over_vmm_structures)
{
	phdr(0)->p_paddr = phdr(0)->p_vaddr = MEMMAP_PML4;
	img.eh.e_entry = MEMMAP_PML4;
	expect_reject(IMG_SIZE, "overlaps the VMM's page tables and boot data");
}
END_TEST

START_TEST(test_segment_reaching_into_vmm_structures)
{
	phdr(0)->p_paddr = phdr(0)->p_vaddr = GUEST_IMAGE_MIN - 0x1000;
	expect_reject(IMG_SIZE, "overlaps the VMM's");
}
END_TEST

START_TEST(test_segment_outside_ram)
{
	phdr(0)->p_paddr = phdr(0)->p_vaddr = MEM_SIZE - 0x1000;
	expect_reject(IMG_SIZE, "lies outside guest RAM");
}
END_TEST

START_TEST(test_overlapping_segments)
{
	img_init(2);
	phdr(1)->p_paddr = phdr(1)->p_vaddr = LOAD_AT + 0x1000;
	expect_reject(IMG_SIZE, "segment 1 at 0x401000 overlaps an earlier segment");
}
END_TEST

START_TEST(test_no_loadable_segment)
{
	phdr(0)->p_type = PT_NOTE;
	expect_reject(IMG_SIZE, "no loadable (PT_LOAD) segment");
}
END_TEST

START_TEST(test_entry_outside_segments)
{
	img.eh.e_entry = 0x700000;
	expect_reject(IMG_SIZE, "entry point 0x700000 is not inside a loaded executable segment");
}
END_TEST

START_TEST(test_entry_in_bss)
{
	img.eh.e_entry = LOAD_AT + 0x100; /* inside memsz but past the file bytes */
	expect_reject(IMG_SIZE, "entry point 0x400100");
}
END_TEST

START_TEST(test_entry_in_data_segment)
{
	phdr(0)->p_flags = PF_R | PF_W;
	expect_reject(IMG_SIZE, "not inside a loaded executable segment");
}
END_TEST

START_TEST(test_bundled_guest_file_loads)
{
	ck_assert_int_eq(image_load_file(&mem, GUEST_DIR "/hello.elf", &image), 0);
	ck_assert_int_eq(image.kind, IMAGE_NATIVE);
	ck_assert_uint_ge(image.info.entry, GUEST_IMAGE_MIN);
	ck_assert_uint_ge(image.info.low, GUEST_IMAGE_MIN);
}
END_TEST

START_TEST(test_missing_file)
{
	ck_assert_int_eq(image_load_file(&mem, "/nonexistent/guest.elf", &image), -ENOENT);
	ck_assert_logged("cannot open guest image /nonexistent/guest.elf: No such file");
}
END_TEST

START_TEST(test_directory_is_not_an_image)
{
	ck_assert_int_eq(image_load_file(&mem, "/", &image), -EINVAL);
	ck_assert_logged("guest image / is not a regular file");
}
END_TEST

/* A file that gives less than its size says (sysfs does; so does one cut short while read). */
START_TEST(test_short_file_is_refused_once)
{
	void *data = (void *)1;
	size_t size = 0;

	ck_assert_int_eq(
		guest_file_read("/sys/kernel/uevent_seqnum", "module", 1 << 20, &data, &size),
		-EIO);
	ck_assert_ptr_null(data);
	ck_assert_logged("reading module /sys/kernel/uevent_seqnum: end of file after ");
	ck_assert_logged(" of its 4096 bytes");
	ck_assert_int_eq(image_load_file(&mem, "/sys/kernel/uevent_seqnum", &image), -EIO);
}
END_TEST

START_TEST(test_file_larger_than_the_limit)
{
	void *data = (void *)1;
	size_t size;

	ck_assert_int_eq(guest_file_read(GUEST_DIR "/hello.elf", "module", 100, &data, &size),
			 -EFBIG);
	ck_assert_ptr_null(data);
	ck_assert_logged("larger than guest RAM (at most 100 bytes)");
}
END_TEST

/* Every single-byte corruption of the header area is either loaded or rejected cleanly. */
START_TEST(test_header_byte_flips_never_crash)
{
	struct img pristine;

	img_init(2);
	pristine = img;
	for (size_t pos = 0; pos < sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr); pos++) {
		for (int bit = 0; bit < 8; bit++) {
			int ret;

			img = pristine;
			img.bytes[pos] ^= (unsigned char)(1u << bit);
			ret = load(IMG_SIZE);
			ck_assert(ret == 0 || ret == -ENOEXEC);
		}
	}
}
END_TEST

TEST_SUITE("elf_load",
	   { .name = "core",
	     .setup = setup,
	     .teardown = mem_teardown,
	     .tests = TESTS(
		     test_valid_image_loads_and_zeroes_bss, test_segment_ending_at_ram_end_loads,
		     test_several_segments_and_non_load_headers, test_bad_magic, test_tiny_file,
		     test_wrong_class, test_wrong_data, test_truncated_header, test_wrong_machine,
		     test_wrong_type, test_no_program_headers, test_bad_phentsize,
		     test_truncated_program_headers, test_program_headers_offset_overflow,
		     test_filesz_above_memsz, test_truncated_segment, test_segment_offset_overflow,
		     test_address_overflow, test_vaddr_differs_from_paddr,
		     test_segment_over_vmm_structures, test_segment_reaching_into_vmm_structures,
		     test_segment_outside_ram, test_overlapping_segments, test_no_loadable_segment,
		     test_entry_outside_segments, test_entry_in_bss, test_entry_in_data_segment,
		     test_bundled_guest_file_loads, test_missing_file,
		     test_directory_is_not_an_image, test_short_file_is_refused_once,
		     test_file_larger_than_the_limit, test_header_byte_flips_never_crash) })
