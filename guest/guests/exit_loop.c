/* exit_loop: N (argv[1]) OUTs to the null port, back to back: N exit round trips. */
#include "guest.h"

int main(int argc, char **argv)
{
	unsigned long n = guest_arg_ulong(argc, argv, 1, 1000);

	for (unsigned long i = 0; i < n; i++)
		outb(PORT_NULL, 0);
	return 0;
}
