/*
 * libFuzzer harness: the kvmclock MSR handlers and the publish before KVM_RUN, driven by a
 * guest that writes arbitrary values to the clock MSRs, on a fake clock; and conform's modes,
 * their parameter taken from the input, their rounds between the writes. The sanitizers catch
 * any write outside guest RAM; the guard pages around RAM catch it too. A legal mode must leave
 * every struct whole (version even) after each round.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock/adversary.h"
#include "clock/kvmclock_internal.h"
#include "core/log.h"

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

#define MAX_HOLD_NS 100000 /* odd-hold sleeps its parameter each round: keep runs short */

/*
 * The policy the input's first bytes name: every-entry or threshold:50, or (top bit set) one of
 * conform's modes, a parameter from the next bytes up to a zero. Returns the bytes used, or
 * 0 for a spec the parser refused (as it must refuse most) or a hold too long to run here.
 */
static size_t pick_policy(const uint8_t *data, size_t size, struct clock_policy *p)
{
	const struct clock_policy_ops *ops;
	char spec[64];
	size_t used = 1, len;

	if (!size || !(data[0] & 0x80))
		return clock_policy_parse(size && data[0] & 1 ? "threshold:50" : "every-entry", p)
			       ? 0
			       : 1;
	ops = clock_adversaries[data[0] % nr_clock_adversaries];
	len = (size_t)snprintf(spec, sizeof(spec), "%s", ops->name);
	if (ops->has_param) {
		spec[len++] = ':';
		while (used < size && data[used] && len < sizeof(spec) - 1)
			spec[len++] = (char)data[used++];
		spec[len] = '\0';
		used++;
	}
	if (clock_policy_parse(spec, p) || (ops->has_param && p->param_ns > MAX_HOLD_NS))
		return 0;
	return used;
}

/* Whether vCPU @i's struct shares a byte with another vCPU's (the guest may ask for that). */
static bool overlaps_another(const struct kvmclock *kc, unsigned int i)
{
	const size_t len = sizeof(struct pvclock_vcpu_time_info);
	const char *a = kc->vcpu[i].time_info;

	for (unsigned int j = 0; j < kc->nr_vcpus; j++) {
		const char *b = kc->vcpu[j].time_info;

		if (j != i && b && a < b + len && b < a + len)
			return true;
	}
	return false;
}

/*
 * After a legal mode's round every struct is whole, unless the guest put two vCPUs' structs
 * on the same bytes: then the later write's body lands on the earlier one's version, as it
 * would under KVM, and that struct's version says what the guest arranged.
 */
static void check_whole(const struct kvmclock *kc)
{
	for (unsigned int i = 0; i < kc->nr_vcpus; i++) {
		const volatile struct pvclock_vcpu_time_info *t = kc->vcpu[i].time_info;

		if (t && kc->policy.ops->adversary->legal && (t->version & 1) &&
		    !overlaps_another(kc, i))
			abort();
	}
}

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
	size_t first;

	if (!mem.host) {
		log_set_sink(quiet);
		if (guest_mem_alloc(&mem, GUEST_MEM_MIN))
			abort();
	}
	first = pick_policy(data, size, &policy);
	if (!first)
		return 0;
	kc = calloc(1, sizeof(*kc));
	doorbell_init(&db);
	if (!kc || kvmclock_init(kc, &mem, &fake, 2, 2000000000, &ops, &policy) ||
	    kvmclock_register(kc, &table, &db))
		abort();
	for (size_t i = first; i + 9 <= size; i += 9) {
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
		if (policy.ops->adversary && (op & 0x20)) {
			kvmclock_adversary_round(kc, i);
			check_whole(kc);
		}
	}
	kvmclock_destroy(kc);
	free(kc);
	return 0;
}
