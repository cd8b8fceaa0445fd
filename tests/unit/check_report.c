/* Unit tests for the report channel: decoding and the DOORBELL_REPORT service on fake RAM. */
#include "core/exit.h"
#include "dev/report.h"
#include "mem_fixture.h"
#include "test_util.h"

#define MEM_SIZE   0x800000
#define REPORT_GPA 0x550000

static struct report_dev dev;
static char *text;
static size_t text_len;
static FILE *out;
static struct guest_report *guest_r;

static void setup(void)
{
	mem_setup(MEM_SIZE);
	out = open_memstream(&text, &text_len);
	ck_assert_int_eq(report_dev_init(&dev, &mem, out), 0);
	guest_r = guest_mem_ptr(&mem, REPORT_GPA, sizeof(*guest_r));
	*guest_r = (struct guest_report){ .magic = REPORT_MAGIC, .cmd = REPORT_PRINT };
	strcpy(guest_r->file, "guest.c");
	strcpy(guest_r->msg, "hi\n");
}

static void teardown(void)
{
	report_dev_destroy(&dev);
	fclose(out);
	free(text);
	mem_teardown();
}

static int signal_report(uint64_t gpa)
{
	return report_dev_ring(&dev, 1, gpa);
}

static void expect_malformed(const char *why)
{
	ck_assert_int_eq(signal_report(REPORT_GPA), VM_STOP_GUEST_ERROR);
	ck_assert_logged("vCPU 1: malformed report at GPA 0x550000: ");
	ck_assert_logged(why);
}

START_TEST(test_decode_good)
{
	struct guest_report r;
	char why[64];

	ck_assert_int_eq(report_decode(guest_r, sizeof(r), &r, why, sizeof(why)), 0);
	ck_assert_str_eq(r.msg, "hi\n");
	ck_assert_int_eq(report_decode(guest_r, sizeof(r) - 1, &r, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "report is 431 bytes, expected 432");
}
END_TEST

START_TEST(test_print_goes_to_output)
{
	ck_assert_int_eq(signal_report(REPORT_GPA), VM_RUNNING);
	fflush(out);
	ck_assert_str_eq(text, "hi\n");
}
END_TEST

START_TEST(test_sync_counts)
{
	guest_r->cmd = REPORT_SYNC;
	guest_r->nr_values = 1;
	guest_r->values[0] = 7;
	ck_assert_int_eq(signal_report(REPORT_GPA), VM_RUNNING);
	ck_assert_int_eq(signal_report(REPORT_GPA), VM_RUNNING);
	ck_assert_uint_eq(dev.outcome.syncs, 2);
	ck_assert_uint_eq(dev.outcome.last_sync, 7);
}
END_TEST

START_TEST(test_done_exit_code)
{
	guest_r->cmd = REPORT_DONE;
	guest_r->nr_values = 1;
	guest_r->values[0] = 42;
	ck_assert_int_eq(signal_report(REPORT_GPA), VM_STOP_DONE);
	ck_assert_int_eq(dev.outcome.exit_code, 42);
}
END_TEST

START_TEST(test_done_exit_code_out_of_range)
{
	guest_r->cmd = REPORT_DONE;
	guest_r->nr_values = 1;
	guest_r->values[0] = 64;
	ck_assert_int_eq(signal_report(REPORT_GPA), VM_STOP_GUEST_ERROR);
	ck_assert_logged("guest DONE with exit code 64 outside 0..63");
	guest_r->nr_values = 0;
	ck_assert_int_eq(signal_report(REPORT_GPA), VM_STOP_GUEST_ERROR);
}
END_TEST

START_TEST(test_abort_prints_location_and_values)
{
	guest_r->cmd = REPORT_ABORT;
	guest_r->line = 12;
	guest_r->nr_values = 2;
	guest_r->values[0] = 42;
	guest_r->values[1] = 41;
	strcpy(guest_r->msg, "answer == 41");
	ck_assert_int_eq(signal_report(REPORT_GPA), VM_STOP_ABORT);
	ck_assert_logged("guest assertion failed at guest.c:12: answer == 41");
	ck_assert_logged("left:  42 (0x2a)");
	ck_assert_logged("right: 41 (0x29)");
}
END_TEST

START_TEST(test_bad_magic)
{
	guest_r->magic = 0x1234;
	expect_malformed("bad magic 0x1234");
}
END_TEST

START_TEST(test_bad_command)
{
	guest_r->cmd = 99;
	expect_malformed("unknown command 99");
	guest_r->cmd = 0;
	expect_malformed("unknown command 0");
}
END_TEST

START_TEST(test_too_many_values)
{
	guest_r->nr_values = 5;
	expect_malformed("nr_values 5 exceeds the maximum of 4");
}
END_TEST

START_TEST(test_unterminated_message)
{
	memset(guest_r->msg, 'A', sizeof(guest_r->msg));
	expect_malformed("message not NUL-terminated within 320 bytes");
}
END_TEST

START_TEST(test_unterminated_file)
{
	memset(guest_r->file, 'F', sizeof(guest_r->file));
	expect_malformed("file name not NUL-terminated within 64 bytes");
}
END_TEST

START_TEST(test_report_outside_ram)
{
	ck_assert_int_eq(signal_report(0xfffffff0), VM_STOP_GUEST_ERROR);
	ck_assert_logged("report at GPA 0xfffffff0 (+432 bytes) lies outside guest RAM");
}
END_TEST

START_TEST(test_report_straddling_ram_end)
{
	ck_assert_int_eq(signal_report(MEM_SIZE - 100), VM_STOP_GUEST_ERROR);
	ck_assert_logged("lies outside guest RAM");
	/* Exactly at the end is fine. */
	memcpy(guest_mem_ptr(&mem, MEM_SIZE - sizeof(*guest_r), sizeof(*guest_r)), guest_r,
	       sizeof(*guest_r));
	ck_assert_int_eq(signal_report(MEM_SIZE - sizeof(*guest_r)), VM_RUNNING);
}
END_TEST

START_TEST(test_report_above_4g)
{
	/* The doorbell carries 64 bits: a GPA that would alias low RAM if truncated is refused. */
	ck_assert_int_eq(signal_report(0x100000000ull + REPORT_GPA), VM_STOP_GUEST_ERROR);
	ck_assert_logged("report at GPA 0x100550000 (+432 bytes) lies outside guest RAM");
}
END_TEST

TEST_SUITE("report",
	   { .name = "core",
	     .setup = setup,
	     .teardown = teardown,
	     .tests = TESTS(test_decode_good, test_print_goes_to_output, test_sync_counts,
			    test_done_exit_code, test_done_exit_code_out_of_range,
			    test_abort_prints_location_and_values, test_bad_magic, test_bad_command,
			    test_too_many_values, test_unterminated_message, test_unterminated_file,
			    test_report_outside_ram, test_report_straddling_ram_end,
			    test_report_above_4g) })
