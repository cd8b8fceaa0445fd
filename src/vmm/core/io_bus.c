/* Device range table: registration with overlap checks, and lookup by address. */
#include "core/io_bus.h"
#include "core/log.h"

#include <errno.h>
#include <stddef.h>

void io_bus_init(struct io_bus *bus, const char *name, uint64_t limit)
{
	bus->name = name;
	bus->limit = limit;
	bus->nr = 0;
}

int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len, const char *name,
		    io_handler_fn handler, void *opaque)
{
	if (len == 0 || base >= bus->limit || len > bus->limit - base || !handler) {
		pr_err("%s device %s: invalid range base 0x%llx length 0x%llx", bus->name, name,
		       (unsigned long long)base, (unsigned long long)len);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < bus->nr; i++) {
		const struct io_range *r = &bus->ranges[i];

		if (base < r->base + r->len && r->base < base + len) {
			pr_err("%s device %s at 0x%llx+0x%llx overlaps %s at 0x%llx+0x%llx",
			       bus->name, name, (unsigned long long)base, (unsigned long long)len,
			       r->name, (unsigned long long)r->base, (unsigned long long)r->len);
			return -EBUSY;
		}
	}
	if (bus->nr == IO_BUS_MAX_DEVICES) {
		pr_err("%s device %s: table full (%d devices)", bus->name, name,
		       IO_BUS_MAX_DEVICES);
		return -ENOSPC;
	}
	bus->ranges[bus->nr++] = (struct io_range){ base, len, name, handler, opaque };
	return 0;
}

const struct io_range *io_bus_find(const struct io_bus *bus, uint64_t addr, uint32_t size)
{
	for (unsigned int i = 0; i < bus->nr; i++) {
		const struct io_range *r = &bus->ranges[i];

		if (addr >= r->base && addr - r->base < r->len && size <= r->len - (addr - r->base))
			return &bus->ranges[i];
	}
	return NULL;
}
