/* The byte checksum firmware tables carry (MP, ACPI): the byte that makes the sum 0. */
#ifndef VMM_TABLE_CHECKSUM_H
#define VMM_TABLE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

static inline uint8_t table_checksum(const void *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += ((const uint8_t *)p)[i];
	return (uint8_t)-sum;
}

#endif
