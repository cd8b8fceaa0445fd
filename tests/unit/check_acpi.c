/*
 * Unit tests for the ACPI tables (boot/acpi.c) against the ACPI specification's layouts: the
 * RSDP where guests scan for it, both checksums, every table's checksum and signature, the FADT's
 * register blocks, the FACS alignment, one MADT local APIC per vCPU; and the PM registers
 * (dev/acpi_pm.c): the timer's rate and width, S5, refused sleep types.
 */
#include "boot/acpi.h"
#include "core/stop.h"
#include "dev/acpi_pm.h"
#include "mem_fixture.h"
#include "test_util.h"

static void setup(void)
{
	mem_setup(16u << 20);
}

static const uint8_t *at(uint64_t gpa, uint64_t len)
{
	const uint8_t *p = guest_mem_ptr(&mem, gpa, len);

	ck_assert_ptr_nonnull(p);
	return p;
}

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* The table at @gpa: signature and checksum checked; its bytes. */
static const uint8_t *table(uint32_t gpa, const char *sig)
{
	const uint8_t *t = at(gpa, 36);

	ck_assert_msg(!memcmp(t, sig, 4), "expected %s at 0x%x", sig, gpa);
	ck_assert_uint_eq(sum(at(gpa, u32(t + 4)), u32(t + 4)), 0);
	return t;
}

/* Scan 0xf0000-0xfffff in 16-byte steps, as kvm-unit-tests and Linux do. */
static uint32_t find_rsdp(void)
{
	for (uint32_t a = 0xf0000; a < 0x100000; a += 16)
		if (!memcmp(at(a, 8), "RSD PTR ", 8))
			return a;
	return 0;
}

START_TEST(test_tables)
{
	const uint8_t *rsdp, *rsdt, *xsdt, *fadt, *madt, *facs;
	uint32_t r;

	ck_assert_int_eq(acpi_write_tables(&mem, 3), 0);
	r = find_rsdp();
	ck_assert_uint_ne(r, 0);
	rsdp = at(r, 36);
	ck_assert_uint_eq(sum(rsdp, 20), 0);
	ck_assert_uint_eq(sum(rsdp, 36), 0);
	ck_assert_uint_eq(rsdp[15], 2); /* ACPI 2.0+: an XSDT too */
	rsdt = table(u32(rsdp + 16), "RSDT");
	xsdt = table((uint32_t)u32(rsdp + 24), "XSDT");
	ck_assert_uint_eq(u32(rsdt + 4), 36 + 2 * 4);
	ck_assert_uint_eq(u32(xsdt + 4), 36 + 2 * 8);
	ck_assert_uint_eq(u32(xsdt + 36), u32(rsdt + 36));
	fadt = table(u32(rsdt + 36), "FACP");
	madt = table(u32(rsdt + 40), "APIC");
	ck_assert_uint_eq(u32(fadt + 4), 116);
	ck_assert_uint_eq(u32(fadt + 76), ACPI_PM_TMR);
	ck_assert_uint_eq(u32(fadt + 56), ACPI_PM1_EVT);
	ck_assert_uint_eq(u32(fadt + 64), ACPI_PM1_CNT);
	ck_assert_uint_eq(fadt[91], 4);			   /* PM_TMR_LEN */
	ck_assert_uint_eq(u32(fadt + 112) & (1u << 8), 0); /* TMR_VAL_EXT clear: 24 bits */
	facs = at(u32(fadt + 36), 64);
	ck_assert(!memcmp(facs, "FACS", 4));
	ck_assert_uint_eq(u32(fadt + 36) % 64, 0);
	table(u32(fadt + 40), "DSDT");
	/* MADT: the LAPIC address, 3 local APICs (IDs 0-2, enabled), the IOAPIC, IRQ 0 on GSI 2. */
	ck_assert_uint_eq(u32(madt + 36), 0xfee00000u);
	for (unsigned int i = 0; i < 3; i++) {
		const uint8_t *e = madt + 44 + 8 * i;

		ck_assert_uint_eq(e[0], 0);
		ck_assert_uint_eq(e[3], i);
		ck_assert_uint_eq(u32(e + 4) & 1, 1);
	}
	ck_assert_uint_eq(madt[44 + 24], 1);
	ck_assert_uint_eq(u32(madt + 44 + 24 + 4), 0xfec00000u);
	ck_assert_uint_eq(madt[44 + 36], 2);
	ck_assert_uint_eq(u32(madt + 44 + 36 + 4), 2);
	ck_assert_uint_eq(u32(madt + 4), 44 + 24 + 12 + 10);
}
END_TEST

START_TEST(test_64_vcpus_fit)
{
	ck_assert_int_eq(acpi_write_tables(&mem, 64), 0);
	ck_assert_int_eq(acpi_write_tables(&mem, 0), -EINVAL);
	ck_assert_logged("ACPI: cannot describe 0 CPUs");
}
END_TEST

static uint64_t fake_ns;

static uint64_t fake_guest_ns(void *opaque)
{
	return fake_ns;
}

static int pm_io(struct acpi_pm *pm, uint16_t port, uint32_t size, bool write, uint32_t *v)
{
	uint8_t data[4] = { 0 };
	struct io_access a = { .addr = port,
			       .offset = port - ACPI_PM_BASE,
			       .size = size,
			       .write = write,
			       .data = data };
	int ret;

	memcpy(data, v, size);
	ret = acpi_pm_io(pm, &a);
	*v = 0;
	memcpy(v, data, size);
	return ret;
}

START_TEST(test_pm_timer_and_sleep)
{
	struct acpi_pm pm;
	uint32_t v = 0;

	ck_assert_int_eq(acpi_pm_init(&pm), 0);
	pm.guest_ns = fake_guest_ns;
	fake_ns = 1000000000; /* 1 s: 3579545 ticks */
	ck_assert_int_eq(pm_io(&pm, ACPI_PM_TMR, 4, false, &v), VM_RUNNING);
	ck_assert_uint_eq(v, 3579545u);
	fake_ns = 10000000000ull; /* 35795450 wraps at 24 bits */
	ck_assert_int_eq(pm_io(&pm, ACPI_PM_TMR, 4, false, &v), VM_RUNNING);
	ck_assert_uint_eq(v, 35795450u & 0xffffff);
	ck_assert_uint_eq(acpi_pm_timer_at(1000), 3); /* 3.58 ticks per us */
	/* SCI_EN reads 1: ACPI mode from the start. */
	ck_assert_int_eq(pm_io(&pm, ACPI_PM1_CNT, 2, false, &v), VM_RUNNING);
	ck_assert_uint_eq(v & 1, 1);
	v = 0x0100; /* the enable register keeps what is written */
	ck_assert_int_eq(pm_io(&pm, ACPI_PM1_EVT + 2, 2, true, &v), VM_RUNNING);
	ck_assert_int_eq(pm_io(&pm, ACPI_PM1_EVT + 2, 2, false, &v), VM_RUNNING);
	ck_assert_uint_eq(v, 0x0100);
	v = (1u << 10) | (1u << 13); /* S3, as kvm-unit-tests' s3 asks */
	ck_assert_int_eq(pm_io(&pm, ACPI_PM1_CNT, 2, true, &v), VM_STOP_GUEST_ERROR);
	ck_assert_logged("guest asked for ACPI sleep type 1 (PM1a_CNT 0x2400)");
	v = 1u << 13; /* SLP_TYP 0 (\_S5): power off */
	ck_assert_int_eq(pm_io(&pm, ACPI_PM1_CNT, 2, true, &v), VM_STOP_POWEROFF);
	acpi_pm_destroy(&pm);
}
END_TEST

TEST_SUITE("acpi", { .name = "acpi",
		     .setup = setup,
		     .teardown = mem_teardown,
		     .tests = TESTS(test_tables, test_64_vcpus_fit, test_pm_timer_and_sleep) })
