/* QEMU's fw_cfg interface, traditional I/O ports: the facts test guests read (CPUs, RAM). */
#ifndef VMM_FW_CFG_H
#define VMM_FW_CFG_H

#include "core/compiler.h"
#include <pthread.h>
#include <stdint.h>

#include "fw_cfg_abi.h"
#include "core/io_bus.h"
#include "ports.h"

#define FW_CFG_MAX_ITEMS 8
#define FW_CFG_ITEM_MAX	 8

struct fw_cfg_item {
	uint16_t key;
	uint8_t len;
	uint8_t data[FW_CFG_ITEM_MAX];
};

/* vCPUs may use the ports concurrently; the lock keeps selector and offset together. */
struct fw_cfg {
	pthread_mutex_t lock;
	const struct fw_cfg_item *current; /* NULL: an unknown key, reads as zeros */
	uint32_t offset;
	unsigned int nr;
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
};

int fw_cfg_init(struct fw_cfg *f, unsigned int nr_cpus, uint64_t ram_size) __must_check;
void fw_cfg_destroy(struct fw_cfg *f);
int fw_cfg_io(void *opaque, struct io_access *access);

#endif
