/* The kvmclock unit suites' fixture (kvmclock_fixture.h). */
#include "kvmclock_fixture.h"

uint64_t fake_tsc_now = 1000000;

static uint64_t fake_tsc(void *ctx)
{
	return fake_tsc_now += 10;
}

uint64_t fake_tsc_hz = 1000000000;
uint64_t fake_slew_from;
int fake_slew_ppm;

uint64_t fake_mono_at(uint64_t tsc)
{
	uint64_t ns = (uint64_t)((unsigned __int128)tsc * 1000000000u / fake_tsc_hz) + 5 + 5000000;

	if (fake_slew_ppm && tsc > fake_slew_from)
		ns += (uint64_t)((int64_t)(tsc - fake_slew_from) * fake_slew_ppm / 1000000);
	return ns;
}

/* A 1 GHz TSC unless a suite says otherwise; MONOTONIC 5 ms ahead, read halfway on. */
static uint64_t fake_mono(void *ctx)
{
	return fake_mono_at(fake_tsc_now);
}

int64_t real_step;

uint64_t fake_real(void *ctx)
{
	return fake_mono(ctx) + REAL_OFFSET + (uint64_t)real_step;
}

static const struct pvclock_clock fake = { fake_tsc, fake_tsc, fake_mono, fake_real, NULL };
uint64_t next_offset;
unsigned int kicks;
struct kvmclock kc;

/* A kicked vCPU leaves KVM_RUN: here, at once (the sync then finds it out). */
static void fake_kick(void *opaque, unsigned int vcpu)
{
	kicks++;
	__atomic_store_n(&kc.vcpu[vcpu].inside, 0, __ATOMIC_SEQ_CST);
}

static int fake_write_tsc(void *opaque, unsigned int vcpu, uint32_t msr, uint64_t value,
			  uint64_t *offset)
{
	*offset = next_offset;
	return 0;
}

struct msr_table msrs;
struct doorbell db;

void setup_n(unsigned int nr_vcpus)
{
	setup_policy(nr_vcpus, "every-entry");
}

void setup_policy(unsigned int nr_vcpus, const char *spec)
{
	const struct kvmclock_ops ops = { fake_kick, fake_write_tsc, NULL };
	struct clock_policy policy;

	mem_setup(MEM_SIZE);
	ck_assert_int_eq(clock_policy_parse(spec, &policy), 0);
	memset(&msrs, 0, sizeof(msrs));
	doorbell_init(&db);
	ck_assert_int_eq(kvmclock_init(&kc, &mem, &fake, nr_vcpus, fake_tsc_hz, &ops, &policy), 0);
	ck_assert_int_eq(kvmclock_register(&kc, &msrs, &db), 0);
	next_offset = 0;
	kicks = 0;
	fake_slew_ppm = 0;
}

void setup(void)
{
	setup_n(1);
}

void teardown(void)
{
	kvmclock_destroy(&kc);
	mem_teardown();
}

enum msr_result wr(unsigned int vcpu, uint32_t msr, uint64_t value)
{
	const struct msr_handler *h = msr_table_find(&msrs, msr);

	ck_assert_ptr_nonnull(h);
	return h->write(h->opaque, vcpu, msr, value);
}

uint64_t rd(unsigned int vcpu, uint32_t msr)
{
	const struct msr_handler *h = msr_table_find(&msrs, msr);
	uint64_t v = 0;

	ck_assert_int_eq(h->read(h->opaque, vcpu, msr, &v), MSR_OK);
	return v;
}

struct pvclock_vcpu_time_info at(uint64_t gpa)
{
	struct pvclock_vcpu_time_info t;

	memcpy(&t, guest_mem_ptr(&mem, gpa, sizeof(t)), sizeof(t));
	return t;
}
