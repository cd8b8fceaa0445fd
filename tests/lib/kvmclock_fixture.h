/*
 * The kvmclock unit suites' fixture: a kvmclock host on a fake clock (1 GHz TSC advancing 10
 * ticks per read, MONOTONIC 5 ms ahead of it), fake kicks and TSC writes, guest RAM, and
 * helpers to write and read the MSRs and the published struct.
 */
#ifndef KVMCLOCK_FIXTURE_H
#define KVMCLOCK_FIXTURE_H

#include "clock/kvmclock.h"
#include "core/exit.h"
#include "mem_fixture.h"
#include "test_util.h"

#define MEM_SIZE    0x800000
#define GPA	    0x40010c /* 4-byte aligned, not 32: as Linux guests do */
#define REAL_OFFSET 1700000000000000000ull

extern uint64_t fake_tsc_now;
extern uint64_t fake_tsc_hz;	     /* the fake TSC's rate (1 GHz unless a suite sets it) */
uint64_t fake_mono_at(uint64_t tsc); /* the fake MONOTONIC at @tsc */
extern uint64_t fake_slew_from;	     /* MONOTONIC runs fake_slew_ppm off from this TSC on */
extern int fake_slew_ppm;	     /* (0 in each setup) */
extern int64_t real_step;	     /* steps of the fake CLOCK_REALTIME (date --set) */
extern uint64_t next_offset;	     /* the TSC offset the next guest TSC write gives */
extern unsigned int kicks;
extern struct kvmclock kc;
extern struct msr_table msrs;
extern struct doorbell db;

uint64_t fake_real(void *ctx); /* the fake CLOCK_REALTIME */
void setup_n(unsigned int nr_vcpus);
void setup_policy(unsigned int nr_vcpus, const char *spec); /* and the policy @spec */
void setup(void);					    /* one vCPU */
void teardown(void);
enum msr_result wr(unsigned int vcpu, uint32_t msr, uint64_t value);
uint64_t rd(unsigned int vcpu, uint32_t msr);
struct pvclock_vcpu_time_info at(uint64_t gpa);

#endif
