/* ACPI PM1a event and control blocks and the PM timer (acpi_pm.h). */
#include "dev/acpi_pm.h"

#include <string.h>

#include "core/log.h"
#include "core/stop.h"
#include "ports.h"

#define PM1_SCI_EN	0x0001u
#define PM1_SLP_TYP(v)	(((v) >> 10) & 7u)
#define PM1_SLP_EN	0x2000u
#define PM1_STATUS_BITS 0x8d31u /* the fixed status bits ACPI defines */
#define PM_TMR_MASK	0xffffffu

int acpi_pm_init(struct acpi_pm *pm)
{
	memset(pm, 0, sizeof(*pm));
	pm->control = PM1_SCI_EN;
	return -pthread_mutex_init(&pm->lock, NULL);
}

void acpi_pm_destroy(struct acpi_pm *pm)
{
	pthread_mutex_destroy(&pm->lock);
}

uint32_t acpi_pm_timer_at(uint64_t ns)
{
	return (uint32_t)((unsigned __int128)ns * ACPI_PM_TMR_HZ / 1000000000u) & PM_TMR_MASK;
}

/* The 12 bytes of the block as registers, little-endian: read them all, or write some. */
static void acpi_pm_regs(struct acpi_pm *pm, uint8_t regs[ACPI_PM_LEN])
{
	uint32_t timer = pm->guest_ns ? acpi_pm_timer_at(pm->guest_ns(pm->opaque)) : 0;

	memcpy(regs + 0, &pm->status, 2);
	memcpy(regs + 2, &pm->enable, 2);
	memcpy(regs + 4, &pm->control, 2);
	memset(regs + 6, 0, 2);
	memcpy(regs + 8, &timer, 4);
}

/* A write to PM1a_CNT: SLP_EN asks for a sleep state. */
static int acpi_pm_control(struct acpi_pm *pm, uint16_t value)
{
	pm->control = (uint16_t)((value & ~PM1_SLP_EN) | PM1_SCI_EN);
	if (!(value & PM1_SLP_EN))
		return VM_RUNNING;
	if (PM1_SLP_TYP(value) == 0)
		return VM_STOP_POWEROFF;
	pr_err("guest asked for ACPI sleep type %u (PM1a_CNT 0x%04x): only 0, power off (S5), "
	       "is supported; S3 and S4 are not",
	       PM1_SLP_TYP(value), value);
	return VM_STOP_GUEST_ERROR;
}

int acpi_pm_io(void *opaque, struct io_access *a)
{
	struct acpi_pm *pm = opaque;
	unsigned int off = (unsigned int)a->offset;
	uint8_t regs[ACPI_PM_LEN], old[ACPI_PM_LEN];
	int stop = VM_RUNNING;

	pthread_mutex_lock(&pm->lock);
	acpi_pm_regs(pm, regs);
	if (!a->write) {
		memcpy(a->data, regs + off, a->size);
	} else {
		uint16_t status, enable, control;

		memcpy(old, regs, sizeof(regs));
		memcpy(regs + off, a->data, a->size);
		memcpy(&status, regs + 0, 2);
		memcpy(&enable, regs + 2, 2);
		memcpy(&control, regs + 4, 2);
		if (off < 2)
			pm->status &= (uint16_t) ~(status & PM1_STATUS_BITS); /* write 1 to clear */
		if (off < 4 && off + a->size > 2)
			pm->enable = enable;
		if (off < 6 && off + a->size > 4)
			stop = acpi_pm_control(pm, control);
	}
	pthread_mutex_unlock(&pm->lock);
	return stop;
}
