/* spin: never finishes, so the watchdog (--timeout) has something to stop. */
#include "guest/guest.h"

int main(int argc, char **argv)
{
	GUEST_PRINT("spin: looping until the host stops me\n");
	for (;;)
		cpu_relax();
}
