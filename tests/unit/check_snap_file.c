/*
 * Unit tests for the snapshot file format (snapshot/snap_file.c): a round trip, the CRC32C,
 * and every defect a reader must refuse, named, before using a byte: any truncation, any
 * flipped byte, another magic or version, trailing bytes, unknown and repeated sections.
 */
#include "snapshot/snap_file.h"
#include "test_util.h"

static char *buf;
static size_t len;

/* A stream to write a snapshot to; slurp() gives back what was written. */
static FILE *stream(void)
{
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	return f;
}

static void slurp(FILE *f, char **out, size_t *n)
{
	*n = (size_t)ftell(f);
	*out = malloc(*n + 1);
	rewind(f);
	ck_assert_uint_eq(fread(*out, 1, *n, f), *n);
	fclose(f);
}

/* A small snapshot in memory: a machine section and two payloads of odd sizes. */
static void write_sample(void)
{
	struct snap_machine m = { .nr_vcpus = 2, .mem_size = 1u << 23 };
	static const char ram[] = "guest RAM";
	static const uint8_t regs[5] = { 1, 2, 3, 4, 5 };
	struct snap_writer w;
	FILE *f = stream();

	snap_writer_begin(&w, f);
	snap_write(&w, SNAP_MACHINE, 0, &m, sizeof(m));
	snap_write(&w, SNAP_RAM, 0, ram, sizeof(ram));
	snap_write(&w, SNAP_VCPU_REGS, 1, regs, sizeof(regs));
	ck_assert_int_eq(snap_writer_finish(&w), 0);
	slurp(f, &buf, &len);
	ck_assert_uint_eq(w.size, len);
}

static void setup(void)
{
	test_log_capture();
	write_sample();
}

static void teardown(void)
{
	free(buf);
	test_log_release();
}

static int parse(const void *data, size_t size)
{
	struct snap_file f;
	int ret = snap_parse(&f, data, size, "snap");

	if (!ret)
		free(f.sections);
	return ret;
}

START_TEST(test_round_trip)
{
	struct snap_machine m;
	struct snap_file f;
	const struct snap_section *s;

	ck_assert_int_eq(snap_parse(&f, buf, len, "snap"), 0);
	ck_assert_uint_eq(f.nr, 3);
	ck_assert_int_eq(snap_get(&f, SNAP_MACHINE, 0, &m, sizeof(m)), 0);
	ck_assert_uint_eq(m.nr_vcpus, 2);
	ck_assert_uint_eq(m.mem_size, 1u << 23);
	s = snap_find(&f, SNAP_RAM, 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->data, "guest RAM");
	s = snap_find(&f, SNAP_VCPU_REGS, 1);
	ck_assert_uint_eq(s->size, 5);
	ck_assert_uint_eq(((const uint8_t *)s->data)[4], 5);
	ck_assert_ptr_null(snap_find(&f, SNAP_VCPU_REGS, 0));
	/* A section of another size than the reader's struct is refused, named. */
	ck_assert_int_eq(snap_get(&f, SNAP_VCPU_REGS, 1, &m, sizeof(m)), -EINVAL);
	ck_assert_logged("snap: vCPU registers section 1 has 5 bytes");
	ck_assert_int_eq(snap_get(&f, SNAP_PIT, 0, &m, sizeof(m)), -EINVAL);
	ck_assert_logged("snap: no PIT section for 0");
	free(f.sections);
}
END_TEST

START_TEST(test_crc32c)
{
	static uint8_t big[4099];

	/* The check value of CRC32C (RFC 3720's polynomial). */
	ck_assert_uint_eq(snap_crc32c(0, "123456789", 9), 0xe3069283u);
	ck_assert_uint_eq(snap_crc32c_table(0, "123456789", 9), 0xe3069283u);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 131 + 7);
	for (size_t n = 0; n < sizeof(big); n += 97)
		ck_assert_uint_eq(snap_crc32c(0, big, n), snap_crc32c_table(0, big, n));
}
END_TEST

/* Every prefix of the file is refused: a truncated snapshot never restores. */
START_TEST(test_every_truncation_refused)
{
	for (size_t n = 0; n < len; n++)
		ck_assert_msg(parse(buf, n) == -EINVAL, "a %zu-byte prefix was accepted", n);
	ck_assert_logged("too short for a snapshot header");
	ck_assert_logged("(truncated)");
}
END_TEST

/* Every single flipped byte is caught, by a checksum or a check before it. */
START_TEST(test_every_flipped_byte_refused)
{
	char *copy = malloc(len);

	for (size_t i = 0; i < len; i++) {
		memcpy(copy, buf, len);
		copy[i] ^= 0x10;
		ck_assert_msg(parse(copy, len) == -EINVAL, "flipped byte %zu accepted", i);
	}
	free(copy);
	ck_assert_logged("checksum");
}
END_TEST

START_TEST(test_foreign_and_other_versions_refused)
{
	char *copy = malloc(len + 8);
	struct snap_header h;

	memcpy(copy, buf, len);
	memcpy(copy,
	       "\x7f"
	       "ELF",
	       4);
	ck_assert_int_eq(parse(copy, len), -EINVAL);
	ck_assert_logged("snap: not a pvclock-vmm snapshot");

	memcpy(copy, buf, len);
	memcpy(&h, copy, sizeof(h));
	h.version = 2;
	h.crc = snap_crc32c(0, &h, offsetof(struct snap_header, crc));
	memcpy(copy, &h, sizeof(h));
	ck_assert_int_eq(parse(copy, len), -EINVAL);
	ck_assert_logged("snap: snapshot format version 2; this pvclock-vmm reads version 1");

	memcpy(copy, buf, len);
	memset(copy + len, 0, 8);
	ck_assert_int_eq(parse(copy, len + 8), -EINVAL);
	ck_assert_logged("(trailing bytes)");
	free(copy);
}
END_TEST

/* A file whose header and checksums are right but whose sections break the rules. */
START_TEST(test_bad_sections_refused)
{
	struct snap_writer w;
	char *b;
	size_t n;
	FILE *f = stream();

	snap_writer_begin(&w, f);
	snap_write(&w, SNAP_RAM, 0, "a", 1);
	snap_write(&w, SNAP_RAM, 0, "b", 1);
	ck_assert_int_eq(snap_writer_finish(&w), 0);
	slurp(f, &b, &n);
	ck_assert_int_eq(parse(b, n), -EINVAL);
	ck_assert_logged("snap: section RAM 0 appears twice");
	free(b);

	f = stream();
	snap_writer_begin(&w, f);
	snap_write(&w, 999, 0, "a", 1);
	ck_assert_int_eq(snap_writer_finish(&w), 0);
	slurp(f, &b, &n);
	ck_assert_int_eq(parse(b, n), -EINVAL);
	ck_assert_logged("snap: section 0 has unknown type 999");
	free(b);

	f = stream();
	snap_writer_begin(&w, f);
	ck_assert_int_eq(snap_writer_finish(&w), 0);
	slurp(f, &b, &n);
	ck_assert_int_eq(parse(b, n), -EINVAL);
	ck_assert_logged("snap: 0 sections");
	free(b);
}
END_TEST

START_TEST(test_open_refuses_missing_and_empty_files)
{
	char path[] = "/tmp/check_snap_XXXXXX";
	int fd = mkstemp(path);
	struct snap_file f;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(snap_open(&f, path), -EINVAL);
	ck_assert_logged("empty");
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	ck_assert_int_eq(snap_open(&f, path), 0);
	ck_assert_uint_eq(f.nr, 3);
	snap_close(&f);
	close(fd);
	unlink(path);
	ck_assert_int_eq(snap_open(&f, path), -ENOENT);
	ck_assert_logged("No such file or directory");
}
END_TEST

TEST_SUITE("snap_file",
	   { .name = "format",
	     .setup = setup,
	     .teardown = teardown,
	     .tests = TESTS(test_round_trip, test_crc32c, test_every_truncation_refused,
			    test_every_flipped_byte_refused,
			    test_foreign_and_other_versions_refused, test_bad_sections_refused,
			    test_open_refuses_missing_and_empty_files) })
