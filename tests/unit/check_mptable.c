/* Unit tests for the MP specification tables: layout, checksums, CPUs and interrupt routing. */
#include "boot/mptable.h"
#include "mem_fixture.h"
#include "memmap.h"
#include "test_util.h"

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s += p[i];
	return s;
}

START_TEST(test_tables_for_two_cpus)
{
	const uint8_t *fp, *cfg, *e;
	uint32_t cfg_addr;
	uint16_t len, entries;
	unsigned int cpus = 0, buses = 0, ioapics = 0, irqs = 0, lints = 0;

	ck_assert_int_eq(mptable_write(&mem, 2, 0x600, 0x201), 0);
	fp = guest_mem_ptr(&mem, MPTABLE_BASE, 16);
	ck_assert_mem_eq(fp, "_MP_", 4);
	ck_assert_uint_eq(sum(fp, 16), 0);
	ck_assert_uint_eq(fp[8], 1); /* length: 16 bytes */
	ck_assert_uint_eq(fp[9], 4); /* spec 1.4 */
	memcpy(&cfg_addr, fp + 4, 4);
	cfg = guest_mem_ptr(&mem, cfg_addr, 44);
	ck_assert_mem_eq(cfg, "PCMP", 4);
	memcpy(&len, cfg + 4, 2);
	memcpy(&entries, cfg + 34, 2);
	ck_assert_uint_eq(sum(cfg, len), 0);
	ck_assert_uint_eq(entries, 2 + 1 + 1 + 16 + 2);
	e = cfg + 44;
	for (unsigned int i = 0; i < entries; i++) {
		switch (e[0]) {
		case 0: /* processor: APIC ID i, enabled, the first one the BSP */
			ck_assert_uint_eq(e[1], cpus);
			ck_assert_uint_eq(e[3], cpus == 0 ? 3 : 1);
			cpus++;
			e += 20;
			continue;
		case 1: buses++; break;
		case 2:
			ioapics++;
			ck_assert_uint_eq(e[1], 2);
			break; /* the IOAPIC's ID */
		case 3:	       /* ISA IRQ n on IOAPIC pin n, IRQ 0 on pin 2 (the override) */
			ck_assert_uint_eq(e[7], e[5] ? e[5] : 2);
			ck_assert_uint_eq(e[6], 2);
			irqs++;
			break;
		case 4: lints++; break;
		default: ck_abort_msg("unknown entry type %u", e[0]);
		}
		e += 8;
	}
	ck_assert_uint_eq(e - cfg, len);
	ck_assert_uint_eq(cpus, 2);
	ck_assert_uint_eq(buses, 1);
	ck_assert_uint_eq(ioapics, 1);
	ck_assert_uint_eq(irqs, 16);
	ck_assert_uint_eq(lints, 2);
}
END_TEST

START_TEST(test_bad_counts_refused)
{
	ck_assert_int_eq(mptable_write(&mem, 0, 0, 0), -EINVAL);
	ck_assert_logged("MP table: cannot describe 0 CPUs");
}
END_TEST

TEST_SUITE("mptable", { .name = "core",
			MEM_FIXTURE,
			.tests = TESTS(test_tables_for_two_cpus, test_bad_counts_refused) })
