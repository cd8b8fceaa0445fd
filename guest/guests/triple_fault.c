/* triple_fault: drops the IDT, then raises #UD: with no handler, that becomes a triple fault. */
#include "guest/guest.h"

int main(int argc, char **argv)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = { 0, 0 };

	__asm__ volatile("lidt %0; ud2" : : "m"(none));
	return 0;
}
