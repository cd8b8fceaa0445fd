/* exit_loop: N (argv[1]) OUTs to the null port, back to back: N exit round trips. */
#include "guest.h"

static unsigned long parse_count(const char *s)
{
	unsigned long n = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (unsigned long)(*s - '0');
	return n;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? parse_count(argv[1]) : 1000;

	for (unsigned long i = 0; i < n; i++)
		outb(PORT_NULL, 0);
	return 0;
}
