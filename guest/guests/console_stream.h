/* The line mb_console_stream writes and check_console_stream expects: one definition for both. */
#ifndef CONSOLE_STREAM_H
#define CONSOLE_STREAM_H

#define STREAM_PAYLOAD	"one 16550, any CPU: bytes leave in the order written"
#define STREAM_FORMAT	"w%02u %06lu " STREAM_PAYLOAD "\n" /* writer (CPU), line number */
#define STREAM_LINE_LEN 64				   /* "wNN NNNNNN " + payload + "\n" */
#define STREAM_HEADER	"mb_console_stream: "		   /* how the guest's own lines begin */

_Static_assert(sizeof(STREAM_PAYLOAD) - 1 + 12 == STREAM_LINE_LEN, "line length");

#endif
