/* The unit suites' guest-memory fixture: guest RAM in `mem`, the log captured around each test. */
#ifndef MEM_FIXTURE_H
#define MEM_FIXTURE_H

#include "core/guest_mem.h"
#include "test_util.h"

extern struct guest_mem mem;

/* Capture the log and allocate @size bytes of guest RAM (zeroed) / free it and stop capturing. */
void mem_setup(uint64_t size);
void mem_teardown(void);
/* The checked fixture with the smallest RAM the VMM accepts (GUEST_MEM_MIN). */
void mem_setup_min(void);
#define MEM_FIXTURE .setup = mem_setup_min, .teardown = mem_teardown

#endif
