/* Device range table: port I/O and MMIO accesses are routed to the device owning the address. */
#ifndef VMM_IO_BUS_H
#define VMM_IO_BUS_H

#include <stdbool.h>
#include <stdint.h>
#include "core/compiler.h"

#define IO_BUS_MAX_DEVICES 16

/* One guest access, as a device sees it. @data holds @size bytes (zero-filled for reads). */
struct io_access {
	uint64_t addr;	 /* absolute port or GPA */
	uint64_t offset; /* addr - base of the device */
	uint32_t size;
	bool write;
	uint8_t *data;
	unsigned int vcpu_id;
};

/* Returns 0 to let the guest continue, or an enum vm_stop reason to end the run. */
typedef int (*io_handler_fn)(void *opaque, struct io_access *access);

struct io_range {
	uint64_t base;
	uint64_t len;
	const char *name;
	io_handler_fn handler;
	void *opaque;
};

struct io_bus {
	const char *name; /* "port" or "MMIO", for messages */
	uint64_t limit;	  /* addresses are below this */
	unsigned int nr;
	struct io_range ranges[IO_BUS_MAX_DEVICES];
};

void io_bus_init(struct io_bus *bus, const char *name, uint64_t limit);
/* Claim [base, base + len); -EINVAL for zero length or out of range, -EBUSY for an overlap. */
int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len, const char *name,
		    io_handler_fn handler, void *opaque) __must_check;
const struct io_range *io_bus_find(const struct io_bus *bus, uint64_t addr, uint32_t size);

#endif
