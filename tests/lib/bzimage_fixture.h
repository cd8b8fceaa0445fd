/* A fabricated, well-formed Linux bzImage for the suites that load one (no kernel inside). */
#ifndef BZIMAGE_FIXTURE_H
#define BZIMAGE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#define BZIMAGE_FIXTURE_SETUP 1024 /* the setup part: the boot sector and one setup sector */

/*
 * Fill @img (BZIMAGE_FIXTURE_SETUP + @kernel_size bytes): protocol 2.15, loaded high, a 64-bit
 * entry, the kernel's bytes a known pattern ((offset * 7) & 0xff).
 */
void bzimage_fixture_make(uint8_t *img, size_t kernel_size);

#endif
