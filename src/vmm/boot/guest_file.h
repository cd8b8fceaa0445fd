/* Reading the files a guest is made of (images, multiboot modules) into host memory. */
#ifndef VMM_GUEST_FILE_H
#define VMM_GUEST_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/compiler.h"

/*
 * Read the regular file @path, at most @max_size bytes, into a malloc'd *@data of *@size
 * bytes. On failure *@data is NULL and one message says what is wrong, naming the file as
 * "@what @path" (e.g. "guest image build/guest/hello.elf").
 */
int guest_file_read(const char *path, const char *what, uint64_t max_size, void **data,
		    size_t *size) __must_check;

#endif
