/* triple_fault: raises #UD with no IDT installed, which escalates to a triple fault. */
#include "guest.h"

int main(int argc, char **argv)
{
	__asm__ volatile("ud2");
	return 0;
}
