/*
 * mb_console_stream [BYTES [CHUNK]]: every CPU writes numbered lines through one shared
 * transmit buffer that any CPU drains to the 16550, CHUNK bytes (default 7) at a time, so a line
 * leaves through several CPUs, as a Linux tty or console does. BYTES (default 1000000) are split
 * evenly between the CPUs in whole lines of STREAM_LINE_LEN bytes:
 *   "w<cpu, 2 digits> <line number, 6 digits> <STREAM_PAYLOAD>\n" (console_stream.h).
 * The host checks that every line arrived whole, in order per CPU, none lost or doubled.
 * Exit: 0 when all lines were written.
 */
#include "guest/guest.h"
#include "guest/pc.h"
#include "ports.h"

#include "console_stream.h"

#define LOG_SIZE      4096u /* the transmit buffer: whole lines (they never wrap in log_buf) */
#define DEFAULT_BYTES 1000000ul
#define DEFAULT_CHUNK 7ul

_Static_assert(LOG_SIZE % STREAM_LINE_LEN == 0 && STREAM_LINE_LEN % 8 == 0, "whole lines");

static uint64_t log_buf[LOG_SIZE / 8];
static unsigned long log_head, log_tail; /* bytes ever appended / ever sent to the UART */
static int log_lock, console_owner;
static unsigned long lines_per_cpu, chunk = DEFAULT_CHUNK;
static unsigned int nr_cpus, finished;
static bool ready;

static bool try_lock(int *lock)
{
	return !__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE);
}

static void unlock(int *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/* As an 8250 console driver does: wait for THRE, then write the byte. */
static void uart_send(char c)
{
	while (!(inb(PORT_UART_COM1 + UART_REG_LSR) & UART_LSR_THRE))
		cpu_relax();
	outb(PORT_UART_COM1, (uint8_t)c);
}

/*
 * Append one line to the transmit buffer if it fits; false if it is full for now. Ring-0 code
 * is emulated instruction by instruction on some hosts: the line moves in eight-byte words.
 */
static bool log_append(const uint64_t *line)
{
	bool fits;

	while (!try_lock(&log_lock))
		cpu_relax();
	fits = log_head - __atomic_load_n(&log_tail, __ATOMIC_ACQUIRE) + STREAM_LINE_LEN <=
	       LOG_SIZE;
	if (fits) {
		uint64_t *slot = &log_buf[log_head % LOG_SIZE / 8];

		for (unsigned int i = 0; i < STREAM_LINE_LEN / 8; i++)
			slot[i] = line[i];
		__atomic_store_n(&log_head, log_head + STREAM_LINE_LEN, __ATOMIC_RELEASE);
	}
	unlock(&log_lock);
	return fits;
}

/* Whoever owns the console sends the next chunk, then lets go: lines change CPUs mid-way. */
static void log_drain_chunk(void)
{
	unsigned long head, tail;

	if (!try_lock(&console_owner))
		return;
	head = __atomic_load_n(&log_head, __ATOMIC_ACQUIRE);
	for (tail = log_tail; tail != head && tail - log_tail < chunk; tail++)
		uart_send(((const char *)log_buf)[tail % LOG_SIZE]);
	__atomic_store_n(&log_tail, tail, __ATOMIC_RELEASE);
	unlock(&console_owner);
}

static bool log_empty(void)
{
	return __atomic_load_n(&log_tail, __ATOMIC_ACQUIRE) ==
	       __atomic_load_n(&log_head, __ATOMIC_ACQUIRE);
}

/* The line number, six decimal digits at line[4..9], counts up in place (no printf per line). */
static void line_next(char *line)
{
	for (int i = 9; i >= 4 && ++line[i] > '9'; i--)
		line[i] = '0';
}

static void stream(unsigned int cpu)
{
	union {
		uint64_t words[STREAM_LINE_LEN / 8];
		char text[STREAM_LINE_LEN + 1];
	} line;
	unsigned long seq = 0;

	snprintf(line.text, sizeof(line.text), STREAM_FORMAT, cpu, 0ul);
	while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		cpu_relax();
	while (seq < lines_per_cpu || !log_empty()) {
		if (seq < lines_per_cpu && log_append(line.words)) {
			line_next(line.text);
			seq++;
		}
		log_drain_chunk();
	}
	__atomic_fetch_add(&finished, 1, __ATOMIC_RELEASE);
}

void guest_ap_main(unsigned int apic_id)
{
	stream(apic_id);
	for (;;)
		__asm__ volatile("cli; hlt");
}

int main(int argc, char **argv)
{
	unsigned long bytes = guest_arg_ulong(argc, argv, 1, DEFAULT_BYTES);
	unsigned int started;

	chunk = guest_arg_ulong(argc, argv, 2, DEFAULT_CHUNK);
	nr_cpus = pc_nr_cpus();
	GUEST_ASSERT(nr_cpus <= 100 && chunk > 0); /* two digits name a CPU */
	lines_per_cpu = bytes / nr_cpus / STREAM_LINE_LEN;
	GUEST_ASSERT(lines_per_cpu <= 1000000); /* six digits number a line */
	GUEST_PRINT(STREAM_HEADER "%u CPUs, %lu lines of %u bytes each, chunks of %lu\n", nr_cpus,
		    lines_per_cpu, STREAM_LINE_LEN, chunk);
	started = pc_start_aps(nr_cpus); /* they wait for 'ready' */
	GUEST_ASSERT_EQ(started, nr_cpus - 1);
	__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	stream(pc_apic_id());
	while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) < nr_cpus)
		cpu_relax();
	GUEST_PRINT(STREAM_HEADER "%lu bytes sent\n", log_tail);
	return 0;
}
