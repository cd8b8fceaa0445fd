/*
 * The control socket's commands (control/control.h has the protocol): pause, resume,
 * snapshot FILE, stats, stop. They run on the socket's thread, one at a time.
 */
#include "vmm_internal.h"

#include <errno.h>
#include <string.h>

#include "core/mono_time.h"
#include "machine/vcpu.h"

#define CONTROL_COMMANDS "pause, resume, snapshot FILE, stats, stop"

static const char *vmm_state_name(const struct vmm *v)
{
	if (vm_stopping(v->vm))
		return "stopped";
	return v->vm->paused ? "paused" : "running";
}

static void reply_ok_state(struct vmm *v, struct control_reply *r)
{
	control_reply_add(r, "{\"ok\":true,\"state\":\"%s\"", vmm_state_name(v));
}

/* The errors vm_pause and vm_resume give, in words. */
static void reply_pause_error(struct control_reply *r, const char *verb, int err)
{
	const char *why =
		err == -EALREADY    ? (strcmp(verb, "resume") ? "already paused" : "not paused")
		: err == -ESHUTDOWN ? "the guest has stopped"
		: err == -ETIMEDOUT ? "a vCPU did not stop within 5 s (the VMM's log names it)"
				    : strerror(-err);

	control_reply_error(r, "%s: %s", verb, why);
}

static void vmm_control_pause(struct vmm *v, struct control_reply *r)
{
	int ret = vm_pause(v->vm);

	if (ret)
		return reply_pause_error(r, "pause", ret);
	reply_ok_state(v, r);
	control_reply_add(r, ",\"guest_ns\":%llu}", (unsigned long long)vm_paused_guest_ns(v->vm));
}

static void vmm_control_resume(struct vmm *v, struct control_reply *r)
{
	int ret = vm_resume(v->vm);

	if (ret)
		return reply_pause_error(r, "resume", ret);
	reply_ok_state(v, r);
	control_reply_add(r, ",\"pause_clock\":\"%s\"}",
			  kvmclock_pause_mode_name(v->vm->pause_clock));
}

/* Pause if running, write, resume if it was running: the guest sees one pause. */
static void vmm_control_snapshot(struct vmm *v, const char *path, struct control_reply *r)
{
	bool was_paused = v->vm->paused;
	uint64_t t0 = mono_now_ns(), bytes = 0;
	int ret = was_paused ? 0 : vm_pause(v->vm);

	if (ret)
		return reply_pause_error(r, "snapshot", ret);
	ret = vmm_snapshot_save(v, path, &bytes);
	if (!was_paused && vm_resume(v->vm))
		ret = ret ? ret : -EIO;
	if (ret)
		return control_reply_error(r, "snapshot %s: %s", path, strerror(-ret));
	reply_ok_state(v, r);
	control_reply_add(r, ",\"file\":");
	control_reply_string(r, path);
	control_reply_add(r, ",\"bytes\":%llu,\"guest_ns\":%llu,\"ms\":%.1f}",
			  (unsigned long long)bytes, (unsigned long long)vm_paused_guest_ns(v->vm),
			  (mono_now_ns() - t0) / 1e6);
}

/* The --stats counters as they are now (read while the vCPUs count: a moment's view). */
static void vmm_control_stats(struct vmm *v, struct control_reply *r)
{
	struct kvmclock_stats t;
	unsigned long exits = 0;

	reply_ok_state(v, r);
	control_reply_add(r, ",\"pause_clock\":\"%s\",\"vcpus\":[",
			  kvmclock_pause_mode_name(v->vm->pause_clock));
	for (unsigned int i = 0; i < v->vm->nr_vcpus; i++) {
		const struct kvmclock_stats *s = &v->vm->clock.vcpu[i].stats;
		unsigned long n = __atomic_load_n(&v->vm->vcpus[i]->nr_exits, __ATOMIC_RELAXED);

		exits += n;
		control_reply_add(
			r,
			"%s{\"vcpu\":%u,\"exits\":%lu,\"msr_writes\":%lu,\"publishes\":%lu,"
			"\"anchors\":%lu,\"clamps\":%lu,\"syncs\":%lu}",
			i ? "," : "", i, n, s->msr_writes, s->publishes, s->anchors, s->clamps,
			s->syncs);
	}
	kvmclock_total_stats(&v->vm->clock, &t);
	control_reply_add(r,
			  "],\"exits\":%lu,\"publishes\":%lu,\"anchors\":%lu,\"syncs\":%lu,"
			  "\"rate_changes\":%lu}",
			  exits, t.publishes, t.anchors, t.syncs, t.rate_changes);
}

void vmm_control_handle(void *opaque, const char *verb, const char *arg, struct control_reply *r)
{
	struct vmm *v = opaque;
	bool takes_arg = !strcmp(verb, "snapshot");

	if (strcmp(verb, "pause") && strcmp(verb, "resume") && strcmp(verb, "snapshot") &&
	    strcmp(verb, "stats") && strcmp(verb, "stop"))
		return control_reply_error(r, "unknown command '%.64s' (commands: %s)", verb,
					   CONTROL_COMMANDS);
	if (takes_arg && !arg)
		return control_reply_error(r, "snapshot needs a FILE");
	if (!takes_arg && arg)
		return control_reply_error(r, "%s takes no argument, got '%.64s'", verb, arg);
	if (!strcmp(verb, "pause"))
		vmm_control_pause(v, r);
	else if (!strcmp(verb, "resume"))
		vmm_control_resume(v, r);
	else if (!strcmp(verb, "snapshot"))
		vmm_control_snapshot(v, arg, r);
	else if (!strcmp(verb, "stats"))
		vmm_control_stats(v, r);
	else {
		vm_request_stop(v->vm, VM_STOP_CONTROL, 0);
		control_reply_add(r, "{\"ok\":true,\"state\":\"stopped\"}");
	}
}
