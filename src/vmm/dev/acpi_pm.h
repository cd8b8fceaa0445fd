/*
 * The ACPI power-management registers the FADT names (boot/acpi.h): the PM1a event block
 * (status, write 1 to clear; enable), the PM1a control block (SCI_EN reads 1; SLP_EN with
 * SLP_TYP 0 powers the machine off, which ends the run with 0, as QEMU's PIIX4 does; other sleep
 * types, S3 among them, are not supported and end the run as a guest error, named) and the PM
 * timer: a 24-bit count at 3.579545 MHz of the guest's own time (the kvmclock host's guest
 * timeline), so it is monotonic and goes on across a pause or a restore exactly as kvmclock does.
 */
#ifndef VMM_ACPI_PM_H
#define VMM_ACPI_PM_H

#include <pthread.h>
#include <stdint.h>

#include "core/compiler.h"
#include "core/io_bus.h"

struct acpi_pm {
	pthread_mutex_t lock;
	uint16_t status, enable, control;
	/* The guest's time in ns (injected: the machine gives the kvmclock host's). */
	uint64_t (*guest_ns)(void *opaque);
	void *opaque;
};

int acpi_pm_init(struct acpi_pm *pm) __must_check;
void acpi_pm_destroy(struct acpi_pm *pm);
/* The timer's count at guest time @ns. */
uint32_t acpi_pm_timer_at(uint64_t ns);
int acpi_pm_io(void *opaque, struct io_access *access);

#endif
