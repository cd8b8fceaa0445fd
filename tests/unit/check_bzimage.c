/* Unit tests for the Linux bzImage loader and the zero page, on fabricated images. */
#include <asm/bootparam.h>
#include <asm/e820.h>

#include "boot/bzimage.h"
#include "boot/image.h"
#include "bzimage_fixture.h"
#include "mem_fixture.h"
#include "memmap.h"
#include "test_util.h"

#define MEM_SIZE    (64ull << 20)
#define KERNEL_SIZE 8192
#define IMG_SIZE    (1024 + KERNEL_SIZE)

static uint8_t img[IMG_SIZE];

/* put16/put32 for the tests' own edits of the header. */
static void put16(size_t off, uint16_t v)
{
	memcpy(img + off, &v, sizeof(v));
}

static void put32(size_t off, uint32_t v)
{
	memcpy(img + off, &v, sizeof(v));
}

/* A well-formed bzImage: one setup sector, protocol 2.15, a 64-bit entry, 8 KiB of kernel. */
static void make_image(void)
{
	bzimage_fixture_make(img, KERNEL_SIZE);
}

static void setup(void)
{
	mem_setup(MEM_SIZE);
	make_image();
}

static const struct boot_params *zero_page(void)
{
	return guest_mem_ptr(&mem, BZ_BOOT_PARAMS, sizeof(struct boot_params));
}

START_TEST(test_loads_kernel_and_zero_page)
{
	struct guest_image image;
	const struct boot_params *bp = zero_page();

	ck_assert_int_eq(image_load(&mem, img, sizeof(img), "bz", &image), 0);
	ck_assert_int_eq(image.kind, IMAGE_LINUX);
	ck_assert_uint_eq(image.info.entry, BZ_KERNEL + 0x200); /* the 64-bit entry */
	ck_assert_mem_eq(guest_mem_ptr(&mem, BZ_KERNEL, KERNEL_SIZE), img + 1024, KERNEL_SIZE);
	ck_assert_uint_eq(bp->hdr.header, 0x53726448);
	ck_assert_uint_eq(bp->hdr.type_of_loader, 0xff);
	ck_assert_uint_eq(bp->e820_entries, 4);
	ck_assert_uint_eq(bp->e820_table[3].addr, PC_HIGH_MEM);
	ck_assert_uint_eq(bp->e820_table[3].size, MEM_SIZE - PC_HIGH_MEM);
	ck_assert_uint_eq(bp->e820_table[3].type, E820_RAM);
	ck_assert_uint_eq(bp->e820_table[2].type, E820_RESERVED); /* the MP table's BIOS area */
}
END_TEST

START_TEST(test_cmdline_and_initrd)
{
	static uint8_t initrd[3 * 4096 + 5];
	struct guest_image image;
	const struct boot_params *bp = zero_page();
	char long_line[2100];

	ck_assert_int_eq(image_load(&mem, img, sizeof(img), "bz", &image), 0);
	ck_assert_int_eq(bzimage_set_cmdline(&mem, "console=ttyS0 quiet"), 0);
	ck_assert_uint_eq(bp->hdr.cmd_line_ptr, BZ_CMDLINE);
	ck_assert_str_eq(guest_mem_ptr(&mem, BZ_CMDLINE, 20), "console=ttyS0 quiet");
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	ck_assert_int_eq(bzimage_set_cmdline(&mem, long_line), -E2BIG);
	ck_assert_logged("kernel command line of 2099 bytes; this kernel takes at most 2047");
	memset(initrd, 0x5a, sizeof(initrd));
	ck_assert_int_eq(bzimage_set_initrd(&mem, initrd, sizeof(initrd)), 0);
	ck_assert_uint_eq(bp->hdr.ramdisk_size, sizeof(initrd));
	ck_assert_uint_eq(bp->hdr.ramdisk_image % 4096, 0);
	ck_assert_uint_le(bp->hdr.ramdisk_image + sizeof(initrd), MEM_SIZE); /* at the top */
	ck_assert_uint_gt(bp->hdr.ramdisk_image + sizeof(initrd), MEM_SIZE - 4096);
	ck_assert_mem_eq(guest_mem_ptr(&mem, bp->hdr.ramdisk_image, sizeof(initrd)), initrd,
			 sizeof(initrd));
}
END_TEST

START_TEST(test_initrd_that_does_not_fit)
{
	struct guest_image image;
	void *big = calloc(1, 62 << 20);

	ck_assert_int_eq(image_load(&mem, img, sizeof(img), "bz", &image), 0);
	ck_assert_int_eq(bzimage_set_initrd(&mem, big, 62 << 20), -E2BIG);
	ck_assert_logged("initrd of 65011712 bytes does not fit");
	free(big);
}
END_TEST

/* Every broken header is refused before anything is copied, naming the field and value. */
static void expect_reject(const char *logged)
{
	struct guest_image image;

	memset(mem.host + BZ_KERNEL, 0xee, 16);
	ck_assert_int_eq(image_load(&mem, img, sizeof(img), "bz", &image), -ENOEXEC);
	ck_assert_logged(logged);
	ck_assert_uint_eq(mem.host[BZ_KERNEL], 0xee);
	make_image();
	test_log_capture();
}

START_TEST(test_broken_headers_refused)
{
	put16(0x1fe, 0x1234);
	expect_reject("boot_flag 0x1234, expected 0xaa55");
	put16(0x206, 0x020b);
	expect_reject("boot protocol 2.11; 2.12 or later is needed");
	put16(0x236, 0);
	expect_reject("xloadflags 0x0: no 64-bit entry");
	img[0x211] = 0;
	expect_reject("loadflags 0x0: not loaded high");
	img[0x1f1] = 200;
	expect_reject("setup_sects 200: the kernel would start at 0x19200, past the");
	put32(0x1f4, 0x10000);
	expect_reject("syssize 65536 paragraphs (1048576 bytes) exceed the 8192 bytes");
	img[0x201] = 0x10;
	expect_reject("setup header ends at 0x212: it must reach 0x264");
	put32(0x260, 80 << 20);
	expect_reject("the kernel needs 83886080 bytes from 0x100000 while it unpacks");
}
END_TEST

START_TEST(test_truncated_and_foreign)
{
	struct bzimage_header hdr;

	ck_assert_int_eq(bzimage_probe(img, 0x205, "bz", &hdr), 0); /* too short to say */
	put32(0x202, 0x12345678);
	ck_assert_int_eq(bzimage_probe(img, sizeof(img), "bz", &hdr), 0); /* not a bzImage */
	make_image();
	ck_assert_int_eq(bzimage_probe(img, 0x220, "bz", &hdr), -ENOEXEC); /* header cut off */
	ck_assert_logged("setup header ends at 0x268");
	put32(0x1f4, 0);
	ck_assert_int_eq(bzimage_probe(img, 1024 + 0x200, "bz", &hdr), -ENOEXEC); /* no entry */
	ck_assert_logged(
		"the protected-mode kernel is 512 bytes: too short to hold the 64-bit entry");
}
END_TEST

TEST_SUITE("bzimage", { .name = "core",
			.setup = setup,
			.teardown = mem_teardown,
			.tests = TESTS(test_loads_kernel_and_zero_page, test_cmdline_and_initrd,
				       test_initrd_that_does_not_fit, test_broken_headers_refused,
				       test_truncated_and_foreign) })
