/*
 * Adversarial publishing (pvclock-vmm conform): policies whose host thread writes every corner
 * of the pvclock ABI into the guest's structs, to test guest clock readers. A mode is legal
 * (the ABI allows it: a correct reader keeps a monotonic clock within the mode's bound of
 * MONOTONIC) or illegal (the ABI forbids it: a careful reader may detect it).
 *
 * A mode only shapes what is written; kvmclock_adversary.c owns the thread, the lock and the
 * writes. Shapes are pure functions of the round, so they are tested on a fake clock.
 */
#ifndef VMM_ADVERSARY_H
#define VMM_ADVERSARY_H

#include <stdbool.h>
#include <stdint.h>

#include "pvclock_line.h"

struct clock_policy;

/* How a round's struct goes into guest RAM. */
enum adversary_write {
	ADVERSARY_SEQLOCK,    /* version odd, body, version even (the ABI's way) */
	ADVERSARY_HOLD_ODD,   /* version odd, a garbage body, hold_ns, then the real one, even */
	ADVERSARY_NO_VERSION, /* the body rewritten in place, field by field, version untouched */
};

/* One vCPU's struct in one round. */
struct adversary_view {
	struct pvclock_line line; /* in: the round's shared line; out: this vCPU's */
	uint8_t flags;		  /* in: the host's flags; out: what the struct says */
};

struct clock_adversary {
	bool legal;
	uint64_t bound_ns;	    /* legal: published time within this of MONOTONIC */
	uint64_t period_ns;	    /* between the thread's rounds */
	enum adversary_write write; /* ADVERSARY_HOLD_ODD holds for the policy's parameter */
	const char *conform_spec;   /* how conform runs it by default (NULL: its name) */
	/* Guest time starts past this many TSC ticks, for anchors that far back (else 0). */
	uint64_t rebase_ticks;
	/*
	 * Shape round @n's shared line, just re-anchored (NULL: keep it). The result is the line
	 * the next re-anchor is clamped against: what every vCPU's guest computes, exactly, and
	 * at its anchor's TSC never below the line it was given.
	 */
	void (*shape_line)(const struct clock_policy *p, uint64_t n, struct pvclock_line *line);
	/*
	 * Shape vCPU @vcpu's struct of round @n (NULL: the shared line and flags). For a legal
	 * mode the thread then lifts the line, by the few ns rounding can lose, to where it never
	 * goes below what this vCPU was given before.
	 */
	void (*shape_vcpu)(const struct clock_policy *p, uint64_t n, unsigned int vcpu,
			   struct adversary_view *v);
};

/*
 * The equivalent scale @k (0 = @s itself) of @s: shift raised by k, mul halved k times
 * (rounded down: the rate is never faster). Valid while mul keeps 22 bits: false past that.
 */
bool adversary_scale_variant(struct pvclock_scale s, unsigned int k, struct pvclock_scale *out);

/*
 * @line moved to anchor TSC line->tsc - @ticks: the same times, computed from far away (the
 * same ns at the old anchor, within a ns elsewhere: the shifts round differently). Kept as it
 * is where there is no room below (guest time or the TSC too small).
 */
void adversary_rebase(struct pvclock_line *line, uint64_t ticks);

#endif
