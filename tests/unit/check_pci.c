/* Unit tests for PCI configuration mechanism #1 and its host bridge (dev/pci.c). */
#include "core/stop.h"
#include "dev/pci.h"
#include "ports.h"
#include "test_util.h"

static struct pci_host pci;

static void setup(void)
{
	ck_assert_int_eq(pci_host_init(&pci), 0);
}

static void teardown(void)
{
	pci_host_destroy(&pci);
}

static int io(uint16_t port, uint32_t size, bool write, uint32_t *value)
{
	uint8_t data[4] = { 0 };
	struct io_access a = { .addr = port,
			       .offset = port - PORT_PCI_CONFIG,
			       .size = size,
			       .write = write,
			       .data = data };
	int ret;

	if (write)
		memcpy(data, value, size);
	ret = pci_io(&pci, &a);
	if (!write) {
		*value = 0;
		memcpy(value, data, size);
	}
	return ret;
}

static uint32_t cfg_read(uint32_t bdf_reg, uint16_t offset, uint32_t size)
{
	uint32_t addr = PCI_ADDR_ENABLE | bdf_reg, v;

	ck_assert_int_eq(io(PORT_PCI_CONFIG, 4, true, &addr), VM_RUNNING);
	ck_assert_int_eq(io(PORT_PCI_DATA + offset, size, false, &v), VM_RUNNING);
	return v;
}

static void cfg_write(uint32_t bdf_reg, uint16_t offset, uint32_t size, uint32_t v)
{
	uint32_t addr = PCI_ADDR_ENABLE | bdf_reg;

	ck_assert_int_eq(io(PORT_PCI_CONFIG, 4, true, &addr), VM_RUNNING);
	ck_assert_int_eq(io(PORT_PCI_DATA + offset, size, true, &v), VM_RUNNING);
}

#define DEV(d) ((uint32_t)(d) << 11)
#define BUS(b) ((uint32_t)(b) << 16)
#define FN(f)  ((uint32_t)(f) << 8)

START_TEST(test_host_bridge_found)
{
	ck_assert_uint_eq(cfg_read(0, 0, 4), 0x12378086u); /* i440FX, as QEMU's pc machine */
	ck_assert_uint_eq(cfg_read(0, 0, 2), 0x8086);
	ck_assert_uint_eq(cfg_read(0, 2, 2), 0x1237);
	ck_assert_uint_eq(cfg_read(0, 3, 1), 0x12);
	ck_assert_uint_eq(cfg_read(0x08, 0, 4) >> 8, 0x060000); /* class: host bridge */
	ck_assert_uint_eq(cfg_read(0x0c, 2, 1), 0);		/* header type 0, one function */
}
END_TEST

START_TEST(test_absent_functions_read_all_ones)
{
	ck_assert_uint_eq(cfg_read(DEV(1), 0, 4), 0xffffffffu);
	ck_assert_uint_eq(cfg_read(DEV(31) | FN(7), 0, 2), 0xffff);
	ck_assert_uint_eq(cfg_read(FN(1), 0, 4), 0xffffffffu);
	ck_assert_uint_eq(cfg_read(BUS(1), 0, 4), 0xffffffffu);
	cfg_write(DEV(3), 0x10, 4, 0x12345678); /* ignored */
	ck_assert_uint_eq(cfg_read(DEV(3), 0x10, 4), 0xffffffffu);
}
END_TEST

START_TEST(test_read_only_registers_ignore_writes)
{
	cfg_write(0, 0, 4, 0xdeadbeef);
	ck_assert_uint_eq(cfg_read(0, 0, 4), 0x12378086u);
	cfg_write(0, 0x08, 4, 0);
	ck_assert_uint_eq(cfg_read(0x08, 0, 4) >> 24, 0x06);
	/* The command register keeps its I/O, memory and bus-master bits only. */
	cfg_write(0x04, 0, 2, 0xffff);
	ck_assert_uint_eq(cfg_read(0x04, 0, 2), 0x0007);
	cfg_write(0x04, 0, 1, 0x02);
	ck_assert_uint_eq(cfg_read(0x04, 0, 4), 0x0002);
}
END_TEST

START_TEST(test_address_register)
{
	uint32_t v = 0x8000f8ffu, back;

	ck_assert_int_eq(io(PORT_PCI_CONFIG, 4, true, &v), VM_RUNNING);
	ck_assert_int_eq(io(PORT_PCI_CONFIG, 4, false, &back), VM_RUNNING);
	ck_assert_uint_eq(back, 0x8000f8fcu); /* the two low bits are reserved */
	/* Without the enable bit the data port reads all-ones. */
	v = 0;
	ck_assert_int_eq(io(PORT_PCI_CONFIG, 4, true, &v), VM_RUNNING);
	ck_assert_int_eq(io(PORT_PCI_DATA, 4, false, &back), VM_RUNNING);
	ck_assert_uint_eq(back, 0xffffffffu);
	/* Byte and word accesses to 0xcf8-0xcfb are not the address register. */
	ck_assert_int_eq(io(PORT_PCI_CONFIG, 2, false, &back), VM_RUNNING);
	ck_assert_uint_eq(back, 0xffff);
}
END_TEST

START_TEST(test_reset_control_resets)
{
	uint32_t v = 0x02, back;

	ck_assert_int_eq(io(PORT_PCI_RESET, 1, true, &v), VM_RUNNING);
	ck_assert_int_eq(io(PORT_PCI_RESET, 1, false, &back), VM_RUNNING);
	ck_assert_uint_eq(back, 0x02);
	v = 0x06; /* Linux's reboot=pci */
	ck_assert_int_eq(io(PORT_PCI_RESET, 1, true, &v), VM_STOP_RESET);
}
END_TEST

TEST_SUITE("pci", { .name = "pci",
		    .setup = setup,
		    .teardown = teardown,
		    .tests = TESTS(test_host_bridge_found, test_absent_functions_read_all_ones,
				   test_read_only_registers_ignore_writes, test_address_register,
				   test_reset_control_resets) })
