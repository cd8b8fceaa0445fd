/* Unit tests for guest RAM: sizes as the command line gives them, bounds-checked pointers. */
#include "core/guest_mem.h"
#include "mem_fixture.h"
#include "memmap.h"
#include "test_util.h"

START_TEST(test_parse_sizes)
{
	uint64_t size;

	ck_assert_int_eq(guest_mem_parse_size("64M", &size), 0);
	ck_assert_uint_eq(size, 64ull << 20);
	ck_assert_int_eq(guest_mem_parse_size("1g", &size), 0);
	ck_assert_uint_eq(size, 1ull << 30);
	ck_assert_int_eq(guest_mem_parse_size("8388608", &size), 0);
	ck_assert_uint_eq(size, 8ull << 20);
	ck_assert_int_eq(guest_mem_parse_size("8192K", &size), 0);
	ck_assert_uint_eq(size, 8ull << 20);
}
END_TEST

START_TEST(test_parse_bad_sizes)
{
	uint64_t size;

	ck_assert_int_eq(guest_mem_parse_size("lots", &size), -EINVAL);
	ck_assert_logged("invalid memory size 'lots'");
	ck_assert_int_eq(guest_mem_parse_size("-64M", &size), -EINVAL);
	ck_assert_int_eq(guest_mem_parse_size("64MB", &size), -EINVAL);
	ck_assert_int_eq(guest_mem_parse_size("99999999999999999999", &size), -EINVAL);
	ck_assert_int_eq(guest_mem_parse_size("17179869184G", &size), -EINVAL);
	ck_assert_int_eq(guest_mem_parse_size("1M", &size), -EINVAL);
	ck_assert_logged("guest memory size 1048576 bytes is outside");
	ck_assert_int_eq(guest_mem_parse_size("4G", &size), -EINVAL);
	ck_assert_int_eq(guest_mem_parse_size("8388609", &size), -EINVAL);
	ck_assert_logged("not a multiple of 4096");
}
END_TEST

START_TEST(test_guest_mem_ptr_bounds)
{
	ck_assert_ptr_eq(guest_mem_ptr(&mem, 0, GUEST_MEM_MIN), mem.host);
	ck_assert_ptr_nonnull(guest_mem_ptr(&mem, GUEST_MEM_MIN - 1, 1));
	ck_assert_ptr_null(guest_mem_ptr(&mem, GUEST_MEM_MIN - 1, 2));
	ck_assert_ptr_null(guest_mem_ptr(&mem, GUEST_MEM_MIN, 1));
	ck_assert_ptr_null(guest_mem_ptr(&mem, UINT64_MAX, 2));
	ck_assert_ptr_null(guest_mem_ptr(&mem, 16, UINT64_MAX));
	ck_assert(guest_mem_overlaps_vmm(&mem, MEMMAP_PML4, 8));
	ck_assert(guest_mem_overlaps_vmm(&mem, GUEST_IMAGE_MIN - 1, 1));
	ck_assert(!guest_mem_overlaps_vmm(&mem, GUEST_IMAGE_MIN, 0x1000));
}
END_TEST

TEST_SUITE("guest_mem",
	   { .name = "core",
	     MEM_FIXTURE,
	     .tests = TESTS(test_parse_sizes, test_parse_bad_sizes, test_guest_mem_ptr_bounds) })
