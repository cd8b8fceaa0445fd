/* Unit tests for the I/O bus: device ranges registered, found, refused when they overlap. */
#include "core/io_bus.h"
#include "core/stop.h"
#include "test_util.h"

static int dummy_io(void *opaque, struct io_access *a)
{
	return VM_RUNNING;
}

static struct io_bus bus;

static void setup(void)
{
	test_log_capture();
	io_bus_init(&bus, "port", 0x10000);
}

static void teardown(void)
{
	test_log_release();
}

START_TEST(test_register_and_find)
{
	ck_assert_int_eq(io_bus_register(&bus, 0x3f8, 8, "uart", dummy_io, NULL), 0);
	ck_assert_int_eq(io_bus_register(&bus, 0xe9, 1, "console", dummy_io, NULL), 0);
	ck_assert_ptr_nonnull(io_bus_find(&bus, 0x3f8, 1));
	ck_assert_str_eq(io_bus_find(&bus, 0x3ff, 1)->name, "uart");
	ck_assert_ptr_null(io_bus_find(&bus, 0x400, 1));
	ck_assert_ptr_null(io_bus_find(&bus, 0x3f7, 1));
	ck_assert_ptr_null(io_bus_find(&bus, 0x3fe, 4)); /* runs past the end */
	ck_assert_str_eq(io_bus_find(&bus, 0xe9, 1)->name, "console");
}
END_TEST

START_TEST(test_overlap_rejected)
{
	ck_assert_int_eq(io_bus_register(&bus, 0x3f8, 8, "uart", dummy_io, NULL), 0);
	ck_assert_int_eq(io_bus_register(&bus, 0x3ff, 2, "late", dummy_io, NULL), -EBUSY);
	ck_assert_logged("port device late at 0x3ff+0x2 overlaps uart at 0x3f8+0x8");
	ck_assert_int_eq(io_bus_register(&bus, 0x3f0, 0x20, "cover", dummy_io, NULL), -EBUSY);
	ck_assert_int_eq(io_bus_register(&bus, 0x3f0, 8, "below", dummy_io, NULL), 0);
}
END_TEST

START_TEST(test_bad_ranges_rejected)
{
	ck_assert_int_eq(io_bus_register(&bus, 0x80, 0, "empty", dummy_io, NULL), -EINVAL);
	ck_assert_logged("port device empty: invalid range base 0x80 length 0x0");
	ck_assert_int_eq(io_bus_register(&bus, 0xfffe, 4, "wrap", dummy_io, NULL), -EINVAL);
	ck_assert_int_eq(io_bus_register(&bus, 0x10000, 1, "high", dummy_io, NULL), -EINVAL);
	ck_assert_int_eq(io_bus_register(&bus, 0x80, 1, "nohandler", NULL, NULL), -EINVAL);
	ck_assert_int_eq(io_bus_register(&bus, 0xffff, 1, "last", dummy_io, NULL), 0);
}
END_TEST

START_TEST(test_table_full)
{
	for (int i = 0; i < IO_BUS_MAX_DEVICES; i++)
		ck_assert_int_eq(io_bus_register(&bus, 0x100 + i, 1, "d", dummy_io, NULL), 0);
	ck_assert_int_eq(io_bus_register(&bus, 0x200, 1, "extra", dummy_io, NULL), -ENOSPC);
}
END_TEST

TEST_SUITE("io_bus", { .name = "core",
		       .setup = setup,
		       .teardown = teardown,
		       .tests = TESTS(test_register_and_find, test_overlap_rejected,
				      test_bad_ranges_rejected, test_table_full) })
