/* MP specification 1.4 tables (mptable.h): the layouts are the specification's, checksummed. */
#include "boot/mptable.h"
#include "boot/table_checksum.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"

#define MP_SPEC_REV	  4
#define MP_ENTRY_CPU	  0
#define MP_ENTRY_BUS	  1
#define MP_ENTRY_IOAPIC	  2
#define MP_ENTRY_IOINT	  3
#define MP_ENTRY_LINT	  4
#define MP_CPU_ENABLED	  0x01
#define MP_CPU_BSP	  0x02
#define MP_LAPIC_VERSION  0x14
#define MP_IOAPIC_VERSION 0x11
#define MP_INT		  0
#define MP_NMI		  1
#define MP_EXTINT	  3
#define MP_ALL_LAPICS	  0xff
#define MP_ISA_IRQS	  16
#define MP_PIT_IOAPIC_PIN 2 /* the PC firmware's IRQ 0 override (see mptable.h) */

struct __attribute__((packed)) mp_floating {
	char signature[4]; /* "_MP_" */
	uint32_t config;   /* the configuration table's address */
	uint8_t length;	   /* in 16-byte units: 1 */
	uint8_t spec_rev;
	uint8_t checksum;
	uint8_t features[5]; /* 0: a configuration table is present */
};

struct __attribute__((packed)) mp_config {
	char signature[4]; /* "PCMP" */
	uint16_t length;   /* the base table, entries included */
	uint8_t spec_rev;
	uint8_t checksum;
	char oem[8];
	char product[12];
	uint32_t oem_table;
	uint16_t oem_table_size;
	uint16_t entries;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
};

struct __attribute__((packed)) mp_cpu {
	uint8_t type, apic_id, apic_version, flags;
	uint32_t signature, features, reserved[2];
};

struct __attribute__((packed)) mp_bus {
	uint8_t type, id;
	char name[6];
};

struct __attribute__((packed)) mp_ioapic {
	uint8_t type, id, version, flags;
	uint32_t address;
};

struct __attribute__((packed)) mp_irq {
	uint8_t type, irq_type;
	uint16_t flags; /* 0: polarity and trigger as the bus has them */
	uint8_t src_bus, src_irq, dst_apic, dst_pin;
};

_Static_assert(sizeof(struct mp_floating) == 16, "MP floating pointer is 16 bytes");
_Static_assert(sizeof(struct mp_config) == 44, "MP configuration table header is 44 bytes");
_Static_assert(sizeof(struct mp_cpu) == 20, "MP processor entry is 20 bytes");
_Static_assert(sizeof(struct mp_bus) == 8 && sizeof(struct mp_ioapic) == 8 &&
		       sizeof(struct mp_irq) == 8,
	       "MP bus, I/O APIC and interrupt entries are 8 bytes");

int mptable_write(struct guest_mem *mem, unsigned int nr_vcpus, uint32_t cpu_signature,
		  uint32_t cpu_features)
{
	size_t len = sizeof(struct mp_config) + nr_vcpus * sizeof(struct mp_cpu) +
		     sizeof(struct mp_bus) + sizeof(struct mp_ioapic) +
		     (MP_ISA_IRQS + 2) * sizeof(struct mp_irq);
	uint8_t *base = guest_mem_ptr(mem, MPTABLE_BASE, sizeof(struct mp_floating) + len);
	struct mp_floating *fp = (struct mp_floating *)base;
	struct mp_config *cfg = (struct mp_config *)(fp + 1);
	uint8_t *p = (uint8_t *)(cfg + 1);
	uint8_t ioapic_id = (uint8_t)nr_vcpus;

	if (!base || nr_vcpus == 0 || nr_vcpus >= MP_ALL_LAPICS) {
		pr_err("MP table: cannot describe %u CPUs in %llu bytes of RAM", nr_vcpus,
		       (unsigned long long)mem->size);
		return -EINVAL;
	}
	memset(base, 0, sizeof(*fp) + len);
	for (unsigned int i = 0; i < nr_vcpus; i++, p += sizeof(struct mp_cpu))
		*(struct mp_cpu *)p = (struct mp_cpu){
			MP_ENTRY_CPU,	  (uint8_t)i,
			MP_LAPIC_VERSION, MP_CPU_ENABLED | (i == 0 ? MP_CPU_BSP : 0),
			cpu_signature,	  cpu_features,
			{ 0, 0 },
		};
	*(struct mp_bus *)p = (struct mp_bus){ MP_ENTRY_BUS, 0, "ISA   " };
	p += sizeof(struct mp_bus);
	*(struct mp_ioapic *)p = (struct mp_ioapic){ MP_ENTRY_IOAPIC, ioapic_id, MP_IOAPIC_VERSION,
						     MP_CPU_ENABLED, MPTABLE_IOAPIC_ADDR };
	p += sizeof(struct mp_ioapic);
	for (unsigned int irq = 0; irq < MP_ISA_IRQS; irq++, p += sizeof(struct mp_irq))
		*(struct mp_irq *)p = (struct mp_irq){ MP_ENTRY_IOINT,
						       MP_INT,
						       0,
						       0,
						       (uint8_t)irq,
						       ioapic_id,
						       (uint8_t)(irq ? irq : MP_PIT_IOAPIC_PIN) };
	*(struct mp_irq *)p =
		(struct mp_irq){ MP_ENTRY_LINT, MP_EXTINT, 0, 0, 0, MP_ALL_LAPICS, 0 };
	p += sizeof(struct mp_irq);
	*(struct mp_irq *)p = (struct mp_irq){ MP_ENTRY_LINT, MP_NMI, 0, 0, 0, MP_ALL_LAPICS, 1 };

	memcpy(cfg->signature, "PCMP", 4);
	cfg->length = (uint16_t)len;
	cfg->spec_rev = MP_SPEC_REV;
	memcpy(cfg->oem, "PVCLOCK ", 8);
	memcpy(cfg->product, "PVCLOCK-VMM ", 12);
	cfg->entries = (uint16_t)(nr_vcpus + 2 + MP_ISA_IRQS + 2);
	cfg->lapic = MPTABLE_LAPIC_ADDR;
	cfg->checksum = table_checksum(cfg, len);

	memcpy(fp->signature, "_MP_", 4);
	fp->config = MPTABLE_BASE + sizeof(*fp);
	fp->length = 1;
	fp->spec_rev = MP_SPEC_REV;
	fp->checksum = table_checksum(fp, sizeof(*fp));
	return 0;
}
