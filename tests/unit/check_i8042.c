/* The i8042: the reset command ends the run; reads say "no controller" the way Linux tests. */
#include "core/stop.h"
#include "dev/i8042.h"
#include "test_util.h"

static int access8(uint16_t port, bool write, uint8_t *value)
{
	struct io_access a = { .addr = port,
			       .offset = port - I8042_DATA_PORT,
			       .size = 1,
			       .write = write,
			       .data = value };

	return i8042_io(NULL, &a);
}

START_TEST(reset_command_ends_the_run)
{
	uint8_t v = I8042_CMD_RESET;

	ck_assert_int_eq(access8(I8042_COMMAND_PORT, true, &v), VM_STOP_RESET);
}
END_TEST

START_TEST(other_writes_are_ignored)
{
	uint8_t v = I8042_CMD_RESET;

	ck_assert_int_eq(access8(I8042_DATA_PORT, true, &v), VM_RUNNING); /* not a command */
	v = 0x20;							  /* read CTR */
	ck_assert_int_eq(access8(I8042_COMMAND_PORT, true, &v), VM_RUNNING);
	v = 0xaa; /* self-test */
	ck_assert_int_eq(access8(I8042_COMMAND_PORT, true, &v), VM_RUNNING);
}
END_TEST

/* Linux's i8042_flush: while the status has OBF, read a byte; more than 16 means "no
 * controller". Its reboot path's kb_wait: wait while the status has IBF. */
START_TEST(linux_finds_no_controller_and_can_still_reset)
{
	unsigned int drained = 0;
	uint8_t status = 0, data = 0;

	for (;;) {
		ck_assert_int_eq(access8(I8042_COMMAND_PORT, false, &status), VM_RUNNING);
		if (!(status & 0x01) || drained++ >= 16)
			break;
		ck_assert_int_eq(access8(I8042_DATA_PORT, false, &data), VM_RUNNING);
		ck_assert_uint_eq(data, 0xff);
	}
	ck_assert_uint_gt(drained, 16);	     /* the flush gives up: "No controller found" */
	ck_assert_uint_eq(status & 0x02, 0); /* kb_wait: input buffer empty, send at once */
}
END_TEST

TEST_MAIN("i8042", reset_command_ends_the_run, other_writes_are_ignored,
	  linux_finds_no_controller_and_can_still_reset)
