/* The ACPI tables of the PC machine (acpi.h), laid out as the ACPI specification's tables. */
#include "boot/acpi.h"

#include <errno.h>
#include <string.h>

#include "boot/mptable.h"
#include "boot/table_checksum.h"
#include "core/log.h"
#include "memmap.h"

struct __attribute__((packed)) acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
};

struct __attribute__((packed)) acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
};

/* The FADT as ACPI 1.0 defines it (revision 1, 116 bytes): what the guests here read. */
struct __attribute__((packed)) acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl, dsdt;
	uint8_t model, pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt, pm1b_evt, pm1a_cnt, pm1b_cnt, pm2_cnt, pm_tmr, gpe0, gpe1;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len, gpe0_len, gpe1_len, gpe1_base,
		cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved;
	uint32_t flags;
};

struct __attribute__((packed)) acpi_facs {
	char signature[4];
	uint32_t length, hardware_signature, waking_vector, global_lock, flags;
	uint64_t x_waking_vector;
	uint8_t version;
	uint8_t reserved[31];
};

struct __attribute__((packed)) acpi_madt_lapic {
	uint8_t type, length, processor_id, apic_id;
	uint32_t flags;
};

struct __attribute__((packed)) acpi_madt_ioapic {
	uint8_t type, length, id, reserved;
	uint32_t address, gsi_base;
};

struct __attribute__((packed)) acpi_madt_override {
	uint8_t type, length, bus, source;
	uint32_t gsi;
	uint16_t flags;
};

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP (ACPI 2.0) is 36 bytes");
_Static_assert(sizeof(struct acpi_header) == 36, "table header is 36 bytes");
_Static_assert(sizeof(struct acpi_fadt) == 116, "FADT revision 1 is 116 bytes");
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS is 64 bytes");

#define FADT_WBINVD	 (1u << 0)
#define FADT_PROC_C1	 (1u << 2)
#define FADT_PWR_BUTTON	 (1u << 4) /* set: no fixed power button */
#define FADT_SLP_BUTTON	 (1u << 5)
#define MADT_PCAT_COMPAT 1u
#define FACS_ALIGN	 64u

/* \_S5 = Package(4){0, 0, 0, 0}: SLP_TYP 0 powers off, as on QEMU's PIIX4. */
static const uint8_t dsdt_aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0 };

static void acpi_header(struct acpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "PVCLK ", 6);
	memcpy(h->oem_table_id, "PVCLKVMM", 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "PVCK", 4);
	h->creator_revision = 1;
}

/* Checksum a table whose header starts at @t. */
static void acpi_seal(void *t)
{
	struct acpi_header *h = t;

	h->checksum = 0;
	h->checksum = table_checksum(t, h->length);
}

static void acpi_write_fadt(struct acpi_fadt *f, uint32_t facs, uint32_t dsdt)
{
	memset(f, 0, sizeof(*f));
	acpi_header(&f->h, "FACP", sizeof(*f), 1);
	f->firmware_ctrl = facs;
	f->dsdt = dsdt;
	f->sci_int = ACPI_SCI_IRQ;
	/* No SMI command port: the machine is in ACPI mode from the start (SCI_EN reads 1). */
	f->pm1a_evt = ACPI_PM1_EVT;
	f->pm1a_cnt = ACPI_PM1_CNT;
	f->pm_tmr = ACPI_PM_TMR;
	f->pm1_evt_len = 4;
	f->pm1_cnt_len = 2;
	f->pm_tmr_len = 4;
	f->p_lvl2_lat = 101; /* > 100: no C2 */
	f->p_lvl3_lat = 1001;
	f->flags = FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON;
	acpi_seal(f);
}

/* The MADT at @p: its length. */
static uint32_t acpi_write_madt(uint8_t *p, unsigned int nr_vcpus)
{
	struct acpi_header *h = (struct acpi_header *)p;
	uint32_t len = sizeof(*h) + 8;
	struct acpi_madt_ioapic *io;
	struct acpi_madt_override *ov;

	for (unsigned int i = 0; i < nr_vcpus; i++, len += sizeof(struct acpi_madt_lapic))
		*(struct acpi_madt_lapic *)(p + len) =
			(struct acpi_madt_lapic){ 0, sizeof(struct acpi_madt_lapic), (uint8_t)i,
						  (uint8_t)i, 1 };
	io = (struct acpi_madt_ioapic *)(p + len);
	*io = (struct acpi_madt_ioapic){ 1, sizeof(*io),	 (uint8_t)nr_vcpus,
					 0, MPTABLE_IOAPIC_ADDR, 0 };
	len += sizeof(*io);
	ov = (struct acpi_madt_override *)(p + len);
	*ov = (struct acpi_madt_override){ 2, sizeof(*ov), 0, 0, 2, 0 };
	len += sizeof(*ov);
	acpi_header(h, "APIC", len, 1);
	memcpy(p + sizeof(*h), &(uint32_t){ MPTABLE_LAPIC_ADDR }, 4);
	memcpy(p + sizeof(*h) + 4, &(uint32_t){ MADT_PCAT_COMPAT }, 4);
	acpi_seal(h);
	return len;
}

/* RSDT (32-bit entries) or XSDT (64-bit) at @p listing @tables: its length. */
static uint32_t acpi_write_sdt(uint8_t *p, const char *sig, const uint32_t *tables, unsigned int nr,
			       unsigned int width)
{
	uint32_t len = sizeof(struct acpi_header) + nr * width;

	acpi_header((struct acpi_header *)p, sig, len, 1);
	for (unsigned int i = 0; i < nr; i++) {
		uint64_t addr = tables[i];

		memcpy(p + sizeof(struct acpi_header) + i * width, &addr, width);
	}
	acpi_seal(p);
	return len;
}

int acpi_write_tables(struct guest_mem *mem, unsigned int nr_vcpus)
{
	uint8_t *base = guest_mem_ptr(mem, ACPI_BASE, ACPI_END - ACPI_BASE);
	uint32_t at = ACPI_BASE + FACS_ALIGN, facs, dsdt, fadt, madt, rsdt, xsdt, tables[2];
	struct acpi_rsdp *rsdp;
	struct acpi_header *d;

	if (!base || nr_vcpus == 0 || nr_vcpus > MEMMAP_MAX_VCPUS) {
		pr_err("ACPI: cannot describe %u CPUs", nr_vcpus);
		return -EINVAL;
	}
	memset(base, 0, ACPI_END - ACPI_BASE);
#define AT(gpa) (base + ((gpa)-ACPI_BASE))
	facs = at;
	*(struct acpi_facs *)AT(facs) = (struct acpi_facs){ .signature = "FACS",
							    .length = sizeof(struct acpi_facs),
							    .version = 1 };
	at += sizeof(struct acpi_facs);
	dsdt = at;
	d = (struct acpi_header *)AT(dsdt);
	acpi_header(d, "DSDT", sizeof(*d) + sizeof(dsdt_aml), 1);
	memcpy(d + 1, dsdt_aml, sizeof(dsdt_aml));
	acpi_seal(d);
	at += (d->length + 15) & ~15u;
	fadt = at;
	acpi_write_fadt((struct acpi_fadt *)AT(fadt), facs, dsdt);
	at += (sizeof(struct acpi_fadt) + 15) & ~15u;
	madt = at;
	at += (acpi_write_madt(AT(madt), nr_vcpus) + 15) & ~15u;
	tables[0] = fadt;
	tables[1] = madt;
	rsdt = at;
	at += (acpi_write_sdt(AT(rsdt), "RSDT", tables, 2, 4) + 15) & ~15u;
	xsdt = at;
	acpi_write_sdt(AT(xsdt), "XSDT", tables, 2, 8);
	rsdp = (struct acpi_rsdp *)AT(ACPI_BASE);
	*rsdp = (struct acpi_rsdp){ .signature = "RSD PTR ",
				    .oem_id = "PVCLK ",
				    .revision = 2,
				    .rsdt = rsdt,
				    .length = sizeof(*rsdp),
				    .xsdt = xsdt };
	rsdp->checksum = table_checksum(rsdp, 20);
	rsdp->ext_checksum = table_checksum(rsdp, sizeof(*rsdp));
#undef AT
	return 0;
}
