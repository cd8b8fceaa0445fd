/*
 * libFuzzer harness: the kvmclock MSR handlers and the publish before KVM_RUN, driven by a
 * guest that writes arbitrary values to the clock MSRs, on a fake clock. The sanitizers catch
 * any write outside guest RAM; the guard pages around RAM catch it too.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "clock/kvmclock.h"

static uint64_t now_tsc = 1000000;

static uint64_t fake_tsc(void *ctx)
{
	return now_tsc += 37;
}

static uint64_t fake_mono(void *ctx)
{
	return now_tsc + 123456;
}

static const struct pvclock_clock fake = { fake_tsc, fake_tsc, fake_mono, fake_mono, NULL };

static void no_kick(void *opaque, unsigned int except)
{
}

static int fake_tsc_write(void *opaque, unsigned int vcpu, uint32_t msr, uint64_t v, uint64_t *off)
{
	*off = v;
	return 0;
}

static void quiet(enum log_level level, const char *msg)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input: records of 1 byte (vCPU, MSR choice, read or write, entry or not) + 8 bytes value. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t msrs[] = { 0x11, 0x12, 0x4b564d00, 0x4b564d01, 0x10, 0x3b };
	static struct guest_mem mem;
	const struct kvmclock_ops ops = { no_kick, fake_tsc_write, NULL };
	struct clock_policy policy;
	struct msr_table table = { 0 };
	struct doorbell db;
	struct kvmclock *kc;

	if (!mem.host) {
		log_set_sink(quiet);
		if (guest_mem_alloc(&mem, GUEST_MEM_MIN))
			abort();
	}
	kc = calloc(1, sizeof(*kc));
	doorbell_init(&db);
	if (!kc ||
	    clock_policy_parse(size && data[0] & 1 ? "threshold:50" : "every-entry", &policy) ||
	    kvmclock_init(kc, &mem, &fake, 2, 2000000000, &ops, &policy) ||
	    kvmclock_register(kc, &table, &db))
		abort();
	for (size_t i = 0; i + 9 <= size; i += 9) {
		uint8_t op = data[i];
		unsigned int vcpu = op & 1;
		const struct msr_handler *h = msr_table_find(&table, msrs[(op >> 1) % 6]);
		uint64_t value;

		memcpy(&value, data + i + 1, 8);
		if (op & 0x80) {
			if (h->read)
				h->read(h->opaque, vcpu, h->index, &value);
		} else {
			h->write(h->opaque, vcpu, h->index, value);
		}
		if (op & 0x40) {
			kvmclock_before_run(kc, vcpu);
			kvmclock_after_run(kc, vcpu);
		}
	}
	kvmclock_destroy(kc);
	free(kc);
	return 0;
}
