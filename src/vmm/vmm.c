/* vmm_run: boot or restore a VM (vmm_internal.h), run its vCPU threads under a watchdog. */
#include "vmm.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/compiler.h"
#include "core/log.h"
#include "machine/vcpu.h"
#include "vmm_internal.h"

static void vmm_collect(struct vmm *v, struct vmm_result *result)
{
	struct vm *vm = v->vm;

	memset(result, 0, sizeof(*result));
	result->stop = vm->stop;
	result->stop_rekicks = vm->stop_rekicks;
	result->guest_exit_code =
		vm->stop == VM_STOP_DEBUG_EXIT ? v->debug_exit.status : v->report.outcome.exit_code;
	result->syncs = v->report.outcome.syncs;
	result->last_sync = v->report.outcome.last_sync;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		result->vcpu_exits[i] = vm->vcpus[i]->nr_exits;
		result->nr_exits += vm->vcpus[i]->nr_exits;
	}
	kvmclock_total_stats(&vm->clock, &result->clock);
	result->calibrated_ns = v->calibrated_ns;
	result->tsc_hz = vm->clock.tsc_hz;
	if (vm->clock.settled_ns)
		result->settle_ns = vm->clock.settled_ns - vm->clock.start_ns;
	result->nr_vcpus = vm->nr_vcpus;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		result->vcpu_clock[i] = vm->clock.vcpu[i].stats;
}

/*
 * VMs whose vCPU threads would not stop (vm_wait_threads_done gave up): their threads may still
 * use them, so they are never freed, but kept reachable here rather than leaked.
 */
static struct vmm *abandoned[16];
static unsigned int nr_abandoned;
static pthread_mutex_t abandoned_lock = PTHREAD_MUTEX_INITIALIZER;

static void vmm_abandon(struct vmm *v)
{
	pthread_mutex_lock(&abandoned_lock);
	if (nr_abandoned < ARRAY_SIZE(abandoned))
		abandoned[nr_abandoned++] = v;
	pthread_mutex_unlock(&abandoned_lock);
}

/* Stop every thread of the run; -ETIMEDOUT if a vCPU would not stop (then @v is abandoned). */
static int vmm_stop_threads(struct vmm *v, unsigned int started)
{
	int ret = vm_wait_threads_done(v->vm);

	if (v->vm->clock_ready)
		kvmclock_stop(&v->vm->clock);
	if (ret) {
		vmm_abandon(v);
		return ret;
	}
	for (unsigned int i = 0; i < started; i++)
		vcpu_join(v->vm->vcpus[i]);
	return 0;
}

int vmm_run(const struct vmm_config *cfg, struct vmm_result *result)
{
	struct vmm *v = calloc(1, sizeof(*v));
	unsigned int started = 0;
	int ret;

	if (!v)
		return -ENOMEM;
	ret = cfg->restore_path ? vmm_restore(v, cfg) : vmm_boot(v, cfg);
	/* The socket first: if it cannot be had, no guest code has run. */
	if (!ret && cfg->control_path)
		ret = control_start(&v->control, cfg->control_path, vmm_control_handle, v);
	for (; !ret && started < v->vm->nr_vcpus; started++)
		ret = vcpu_start(v->vm->vcpus[started]);
	if (ret && v->vm)
		vm_request_stop(v->vm, VM_STOP_VMM_ERROR, 0);
	else if (!ret && vm_wait_stop(v->vm, cfg->timeout_ns) == VM_STOP_TIMEOUT)
		pr_err("guest still running after the %.3f s timeout: stopped",
		       cfg->timeout_ns / 1e9);
	control_stop(&v->control); /* before the vCPUs go: a command may be using them */
	if (v->vm && vmm_stop_threads(v, started))
		return -ETIMEDOUT;
	if (!ret)
		vmm_collect(v, result);
	vmm_disassemble(v);
	free(v);
	return ret;
}

void vmm_print_stats(const struct vmm_result *r, FILE *out)
{
	fprintf(out, "vCPU  exits  msr-writes  publishes  anchors  clamps  bad-addr  wide  syncs"
		     "  sync-max-us  probes  violations  best-sample-ns\n");
	for (unsigned int i = 0; i < r->nr_vcpus; i++) {
		const struct kvmclock_stats *s = &r->vcpu_clock[i];

		fprintf(out,
			"%4u  %5lu  %10lu  %9lu  %7lu  %6lu  %8lu  %4lu  %5lu  %11.1f  "
			"%6lu  %10lu  %14llu\n",
			i, r->vcpu_exits[i], s->msr_writes, s->publishes, s->anchors, s->clamps,
			s->bad_addresses, s->wide_samples, s->syncs, s->sync_wait_max_ns / 1e3,
			s->probes, s->probe_violations, (unsigned long long)s->best_sample_ns);
	}
	fprintf(out, "total exits %lu", r->nr_exits);
	if (r->clock.syncs)
		fprintf(out, "; %lu syncs kept the other vCPUs out %.1f us on average",
			r->clock.syncs, r->clock.sync_wait_ns / 1e3 / (double)r->clock.syncs);
	if (r->clock.max_wall_error_ns)
		fprintf(out, "; largest wall-clock error probed: %llu ns",
			(unsigned long long)r->clock.max_wall_error_ns);
	if (r->clock.rate_changes)
		fprintf(out, "; MONOTONIC's rate changed %lu times (followed)",
			r->clock.rate_changes);
	if (r->clock.max_adversary_error_ns)
		fprintf(out, "; published time at most %llu ns from MONOTONIC",
			(unsigned long long)r->clock.max_adversary_error_ns);
	fputc('\n', out);
}

int vmm_exit_status(const struct vmm_result *result)
{
	if (!result)
		return VMM_EXIT_VMM_ERROR;
	switch (result->stop) {
	case VM_STOP_DONE:
	case VM_STOP_DEBUG_EXIT: return result->guest_exit_code;
	case VM_STOP_ABORT: return VMM_EXIT_ABORT;
	case VM_STOP_GUEST_ERROR: return VMM_EXIT_GUEST_ERROR;
	case VM_STOP_CRASH: return VMM_EXIT_CRASH;
	case VM_STOP_TIMEOUT: return VMM_EXIT_TIMEOUT;
	case VM_STOP_RESET:
	case VM_STOP_POWEROFF:
	case VM_STOP_CONTROL: return 0;
	case VM_STOP_PANIC: return VMM_EXIT_GUEST_PANIC;
	default: return VMM_EXIT_VMM_ERROR;
	}
}
