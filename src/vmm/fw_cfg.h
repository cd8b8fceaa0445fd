/* QEMU's fw_cfg interface, traditional I/O ports: the facts test guests read (CPUs, RAM). */
#ifndef VMM_FW_CFG_H
#define VMM_FW_CFG_H

#include <pthread.h>
#include <stdint.h>

#include "io_bus.h"

#define FW_CFG_PORT_SELECTOR 0x510	/* 16-bit write: choose an item, rewind */
#define FW_CFG_PORT_DATA 0x511		/* 8-bit read: the item's next byte, 0 past its end */
#define FW_CFG_NR_PORTS 2

#define FW_CFG_SIGNATURE 0x0000		/* "QEMU" */
#define FW_CFG_ID 0x0001		/* u32: bit 0, the traditional interface (no DMA) */
#define FW_CFG_RAM_SIZE 0x0003		/* u64: bytes of guest RAM */
#define FW_CFG_NOGRAPHIC 0x0004		/* u16: 1, no display */
#define FW_CFG_NB_CPUS 0x0005		/* u16: vCPUs present */
#define FW_CFG_MAX_CPUS 0x000f		/* u16: vCPUs possible */
#define FW_CFG_FILE_DIR 0x0019		/* big-endian u32 count, then entries: here none */
#define FW_CFG_MAX_ITEMS 8
#define FW_CFG_ITEM_MAX 8

struct fw_cfg_item {
	uint16_t key;
	uint8_t len;
	uint8_t data[FW_CFG_ITEM_MAX];
};

/* vCPUs may use the ports concurrently; the lock keeps selector and offset together. */
struct fw_cfg {
	pthread_mutex_t lock;
	const struct fw_cfg_item *current;	/* NULL: an unknown key, reads as zeros */
	uint32_t offset;
	unsigned int nr;
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
};

int fw_cfg_init(struct fw_cfg *f, unsigned int nr_cpus, uint64_t ram_size) __must_check;
void fw_cfg_destroy(struct fw_cfg *f);
int fw_cfg_io(void *opaque, struct io_access *access);

#endif
