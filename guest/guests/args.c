/* args: echoes its arguments, one per line; exits with the count of arguments after argv[0]. */
#include "guest/guest.h"

int main(int argc, char **argv)
{
	GUEST_PRINT("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		GUEST_PRINT("argv[%d]=%s\n", i, argv[i]);
	GUEST_ASSERT(argv[argc] == NULL);
	return argc - 1;
}
