/* The unit suites' guest-memory fixture (mem_fixture.h). */
#include "mem_fixture.h"
#include "memmap.h"

struct guest_mem mem;

void mem_setup(uint64_t size)
{
	test_log_capture();
	ck_assert_int_eq(guest_mem_alloc(&mem, size), 0);
}

void mem_setup_min(void)
{
	mem_setup(GUEST_MEM_MIN);
}

void mem_teardown(void)
{
	guest_mem_free(&mem);
	test_log_release();
}
