/* Unit tests for QEMU's pc-testdev as kvm-unit-tests drive it (dev/pc_testdev.c). */
#include "core/stop.h"
#include "dev/pc_testdev.h"
#include "test_util.h"

static struct pc_testdev t;
static int irq_level[PORT_TESTDEV_IRQ_LEN];
static unsigned int irq_calls;

static void fake_irq(void *opaque, unsigned int irq, int level)
{
	ck_assert_uint_lt(irq, PORT_TESTDEV_IRQ_LEN);
	irq_level[irq] = level;
	irq_calls++;
}

static void setup(void)
{
	ck_assert_int_eq(pc_testdev_init(&t), 0);
	t.set_irq = fake_irq;
	memset(irq_level, 0, sizeof(irq_level));
	irq_calls = 0;
}

static void teardown(void)
{
	pc_testdev_destroy(&t);
}

static uint64_t dev_access(int (*fn)(void *, struct io_access *), uint64_t base, uint64_t addr,
			   uint32_t size, bool write, uint64_t value)
{
	uint8_t data[8] = { 0 };
	struct io_access a = {
		.addr = addr, .offset = addr - base, .size = size, .write = write, .data = data
	};
	uint64_t out = 0;

	memcpy(data, &value, size);
	ck_assert_int_eq(fn(&t, &a), VM_RUNNING);
	memcpy(&out, data, size);
	return out;
}

#define PORT(addr, size, write, v) dev_access(pc_testdev_io, PORT_TESTDEV, addr, size, write, v)

START_TEST(test_register_any_width)
{
	PORT(0xe0, 4, true, 0x11223344);
	ck_assert_uint_eq(PORT(0xe0, 4, false, 0), 0x11223344);
	ck_assert_uint_eq(PORT(0xe0, 1, false, 0), 0x44);
	ck_assert_uint_eq(PORT(0xe2, 2, false, 0), 0x1122);
	PORT(0xe1, 1, true, 0xaa);
	ck_assert_uint_eq(PORT(0xe0, 4, false, 0), 0x1122aa44);
	/* 0xe8 is the same register, byte by byte in QEMU: the same result. */
	ck_assert_uint_eq(PORT(0xe8, 4, false, 0), 0x1122aa44);
	PORT(0xea, 2, true, 0xbeef);
	ck_assert_uint_eq(PORT(0xe0, 4, false, 0), 0xbeefaa44);
}
END_TEST

START_TEST(test_flush_port_takes_page_addresses)
{
	PORT(0xe4, 4, true, 0x1039ec0); /* what the emulator test writes */
	PORT(0xe4, 4, true, 0x2000);
	ck_assert_uint_eq(t.flushes, 2);
	PORT(0xe4, 1, true, 0x20); /* not a 4-byte write: not a flush */
	ck_assert_uint_eq(t.flushes, 2);
	ck_assert_uint_eq(PORT(0xe0, 4, false, 0), 0); /* the register is untouched */
}
END_TEST

START_TEST(test_irq_lines)
{
	dev_access(pc_testdev_irq_io, PORT_TESTDEV_IRQ, 0x200e, 1, true, 1);
	ck_assert_int_eq(irq_level[14], 1);
	dev_access(pc_testdev_irq_io, PORT_TESTDEV_IRQ, 0x200e, 1, true, 0);
	ck_assert_int_eq(irq_level[14], 0);
	dev_access(pc_testdev_irq_io, PORT_TESTDEV_IRQ, 0x2017, 1, true, 0x80);
	ck_assert_int_eq(irq_level[23], 1); /* !!v */
	ck_assert_uint_eq(irq_calls, 3);
	dev_access(pc_testdev_irq_io, PORT_TESTDEV_IRQ, 0x2004, 2, true, 1); /* bytes only */
	ck_assert_uint_eq(irq_calls, 3);
}
END_TEST

START_TEST(test_iomem_reads_back)
{
	dev_access(pc_testdev_mmio, MMIO_TESTDEV, MMIO_TESTDEV, 8, true, 0x0123456789abcdefull);
	ck_assert_uint_eq(dev_access(pc_testdev_mmio, MMIO_TESTDEV, MMIO_TESTDEV, 8, false, 0),
			  0x0123456789abcdefull);
	ck_assert_uint_eq(dev_access(pc_testdev_mmio, MMIO_TESTDEV, MMIO_TESTDEV + 2, 2, false, 0),
			  0x89ab);
	dev_access(pc_testdev_mmio, MMIO_TESTDEV, MMIO_TESTDEV + MMIO_TESTDEV_LEN - 1, 1, true,
		   0x5a);
	ck_assert_uint_eq(dev_access(pc_testdev_mmio, MMIO_TESTDEV,
				     MMIO_TESTDEV + MMIO_TESTDEV_LEN - 1, 1, false, 0),
			  0x5a);
}
END_TEST

TEST_SUITE("pc_testdev",
	   { .name = "pc_testdev",
	     .setup = setup,
	     .teardown = teardown,
	     .tests = TESTS(test_register_any_width, test_flush_port_takes_page_addresses,
			    test_irq_lines, test_iomem_reads_back) })
