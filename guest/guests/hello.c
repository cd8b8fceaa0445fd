/* hello: greets through both output paths and ends DONE with exit code 0. */
#include "guest/guest.h"

int main(int argc, char **argv)
{
	guest_puts("hello from the guest (debug console)\n");
	GUEST_PRINT("hello from pvclock-vmm guest: %u vCPU(s), %lu MiB RAM\n",
		    guest_boot_info()->nr_vcpus,
		    (unsigned long)(guest_boot_info()->mem_size >> 20));
	return 0;
}
