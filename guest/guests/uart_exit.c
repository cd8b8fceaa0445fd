/* uart_exit [code]: prints through the 16550 at 0x3f8 (polled), ends through isa-debug-exit. */
#include "guest/guest.h"

static void uart_putc(char c)
{
	while (!(inb(0x3f8 + 5) & 0x20)) /* LSR: transmit holding register empty */
		cpu_relax();
	outb(0x3f8, (uint8_t)c);
}

int main(int argc, char **argv)
{
	uint8_t code = argc > 1 ? (uint8_t)(argv[1][0] - '0') : 0;

	for (const char *p = "hello over the UART\n"; *p; p++)
		uart_putc(*p);
	outb(0xf4, code); /* the run ends here with status (code << 1) | 1 */
	return 99;
}
