/* fw_cfg: a selector port and a byte-wide data port over a small fixed table of items. */
#include "dev/fw_cfg.h"

#include <errno.h>
#include <string.h>

static void fw_cfg_add(struct fw_cfg *f, uint16_t key, uint64_t le_value, uint8_t len)
{
	struct fw_cfg_item *item = &f->items[f->nr++];

	item->key = key;
	item->len = len;
	for (uint8_t i = 0; i < len; i++)
		item->data[i] = (uint8_t)(le_value >> (8 * i));
}

int fw_cfg_init(struct fw_cfg *f, unsigned int nr_cpus, uint64_t ram_size)
{
	int ret;

	memset(f, 0, sizeof(*f));
	ret = pthread_mutex_init(&f->lock, NULL);
	if (ret)
		return -ret;
	fw_cfg_add(f, FW_CFG_SIGNATURE, FW_CFG_SIGNATURE_VALUE, 4);
	fw_cfg_add(f, FW_CFG_ID, 1, 4);
	fw_cfg_add(f, FW_CFG_RAM_SIZE, ram_size, 8);
	fw_cfg_add(f, FW_CFG_NOGRAPHIC, 1, 2);
	fw_cfg_add(f, FW_CFG_NB_CPUS, nr_cpus, 2);
	fw_cfg_add(f, FW_CFG_MAX_CPUS, nr_cpus, 2);
	fw_cfg_add(f, FW_CFG_FILE_DIR, 0, 4);
	return 0;
}

void fw_cfg_destroy(struct fw_cfg *f)
{
	pthread_mutex_destroy(&f->lock);
}

static void fw_cfg_select(struct fw_cfg *f, uint16_t key)
{
	f->current = NULL;
	f->offset = 0;
	for (unsigned int i = 0; i < f->nr; i++)
		if (f->items[i].key == key)
			f->current = &f->items[i];
}

/*
 * Within the two ports, other widths and directions are ignored and read as zeros, as QEMU
 * does; an access reaching past 0x511 is unclaimed, like any other port without a device.
 */
int fw_cfg_io(void *opaque, struct io_access *a)
{
	struct fw_cfg *f = opaque;
	uint16_t key;

	bool data_port = a->addr == PORT_FW_CFG_DATA;

	pthread_mutex_lock(&f->lock);
	if (a->write && !data_port && a->size == 2) {
		memcpy(&key, a->data, sizeof(key));
		fw_cfg_select(f, key);
	} else if (!a->write && data_port && a->size == 1) {
		if (f->current && f->offset < f->current->len)
			a->data[0] = f->current->data[f->offset];
		if (f->offset < UINT32_MAX)
			f->offset++;
	}
	pthread_mutex_unlock(&f->lock);
	return 0;
}
