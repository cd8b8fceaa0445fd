/*
 * ring0_speed: how fast this KVM runs guest ring-0 code: TSC cycles per iteration of a short
 * dependent loop (a few cycles on VMX/SVM hardware; thousands where ring 0 is emulated, as on
 * PVM). Scripts use it to decide whether a stock kernel can boot here at usable speed.
 */
#include "guest/guest.h"

int main(int argc, char **argv)
{
	const unsigned long n = 100000;
	volatile unsigned long x = 1;
	uint64_t t0 = rdtsc_ordered(), t1;

	for (unsigned long i = 0; i < n; i++)
		x = x * 3 + i;
	t1 = rdtsc_ordered();
	GUEST_PRINT("ring0_speed: %lu cycles per iteration\n", (unsigned long)((t1 - t0) / n));
	return 0;
}
