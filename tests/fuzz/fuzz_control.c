/* libFuzzer harness: a control-socket request, as the server checks and splits it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[CONTROL_REQUEST_MAX + 2];
	static struct control_reply reply;
	char *verb, *arg;
	size_t n = size > CONTROL_REQUEST_MAX + 1 ? CONTROL_REQUEST_MAX + 1 : size;

	memcpy(buf, data, n);
	reply.len = 0;
	reply.overflow = false;
	if (!control_parse_request(buf, n, size & 1, &verb, &arg, &reply)) {
		control_reply_string(&reply, verb);
		if (arg)
			control_reply_string(&reply, arg);
	}
	return 0;
}
