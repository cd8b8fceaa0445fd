/* Unit tests for fw_cfg: QEMU's items over the selector and data ports. */
#include "core/io_bus.h"
#include "core/stop.h"
#include "dev/fw_cfg.h"
#include "test_util.h"

static void fw_cfg_select_key(struct fw_cfg *f, uint16_t key)
{
	struct io_access a = { .addr = PORT_FW_CFG_SELECTOR,
			       .offset = 0,
			       .size = 2,
			       .write = true,
			       .data = (uint8_t *)&key };

	ck_assert_int_eq(fw_cfg_io(f, &a), VM_RUNNING);
}

static uint64_t fw_cfg_read_bytes(struct fw_cfg *f, unsigned int len)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < len; i++) {
		uint8_t b = 0; /* the bus zero-fills read data before the device sees it */
		struct io_access a = {
			.addr = PORT_FW_CFG_DATA, .offset = 1, .size = 1, .data = &b
		};

		ck_assert_int_eq(fw_cfg_io(f, &a), VM_RUNNING);
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

START_TEST(test_fw_cfg_items)
{
	struct fw_cfg f;

	ck_assert_int_eq(fw_cfg_init(&f, 3, 256ull << 20), 0);
	fw_cfg_select_key(&f, FW_CFG_SIGNATURE);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 4), 0x554d4551); /* "QEMU" */
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 2), 0);		 /* past the end */
	fw_cfg_select_key(&f, FW_CFG_ID);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 4), 1);
	fw_cfg_select_key(&f, FW_CFG_NB_CPUS);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 2), 3);
	fw_cfg_select_key(&f, FW_CFG_MAX_CPUS);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 2), 3);
	fw_cfg_select_key(&f, FW_CFG_RAM_SIZE);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 8), 256ull << 20);
	fw_cfg_select_key(&f, FW_CFG_FILE_DIR);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 4), 0);
	fw_cfg_select_key(&f, 0x1234); /* unknown */
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 8), 0);
	/* Selecting again rewinds. */
	fw_cfg_select_key(&f, FW_CFG_NB_CPUS);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 1), 3);
	fw_cfg_select_key(&f, FW_CFG_NB_CPUS);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 1), 3);
	fw_cfg_destroy(&f);
}
END_TEST

/* As under QEMU, other widths and directions within the two ports change nothing. */
START_TEST(test_fw_cfg_odd_accesses_ignored)
{
	struct fw_cfg f;
	uint8_t byte = FW_CFG_RAM_SIZE;
	uint16_t word = 0xeeee;
	struct io_access byte_select = {
		.addr = PORT_FW_CFG_SELECTOR, .size = 1, .write = true, .data = &byte
	};
	struct io_access data_write = {
		.addr = PORT_FW_CFG_DATA, .offset = 1, .size = 1, .write = true, .data = &byte
	};
	struct io_access word_read = { .addr = PORT_FW_CFG_SELECTOR,
				       .size = 2,
				       .data = (uint8_t *)&word };

	ck_assert_int_eq(fw_cfg_init(&f, 2, 64ull << 20), 0);
	fw_cfg_select_key(&f, FW_CFG_NB_CPUS);
	ck_assert_int_eq(fw_cfg_io(&f, &byte_select), VM_RUNNING);
	ck_assert_int_eq(fw_cfg_io(&f, &data_write), VM_RUNNING);
	word = 0; /* the bus zero-fills read data */
	ck_assert_int_eq(fw_cfg_io(&f, &word_read), VM_RUNNING);
	ck_assert_uint_eq(word, 0);
	ck_assert_uint_eq(fw_cfg_read_bytes(&f, 2), 2); /* still NB_CPUS, from its start */
	fw_cfg_destroy(&f);
}
END_TEST

TEST_MAIN("fw_cfg", test_fw_cfg_items, test_fw_cfg_odd_accesses_ignored)
