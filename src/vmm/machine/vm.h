/*
 * struct vm: the KVM VM, its RAM, devices, vCPUs and the shared stop state.
 *
 * The one circle of calls between files in src/ is here, and it is inherent (kvmtool has it
 * too): a vCPU's run loop (vcpu.c) asks the VM to stop, park or hold it (vm_stop.c,
 * vm_pause.c), and a stop or a pause kicks the vCPUs out of KVM_RUN (vcpu_kick).
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <linux/kvm.h>
#include <pthread.h>

#include "clock/kvmclock.h"
#include "core/compiler.h"
#include "core/guest_mem.h"
#include "core/io_bus.h"
#include "core/msr_table.h"
#include "core/stop.h"
#include "dev/doorbell.h"
#include "memmap.h"

#define VM_STOP_REKICK_NS 100000000ull /* a stop re-kicks what has not stopped every 100 ms */

struct vcpu;

struct vm {
	int kvm_fd;
	int vm_fd;
	struct guest_mem mem;
	struct kvm_cpuid2 *cpuid; /* what KVM supports; vCPUs get this (plus our leaves) */
	struct io_bus pio;
	struct io_bus mmio;
	struct doorbell doorbell; /* the guest's way to the host from any ring */
	struct msr_table msrs;
	bool irqchip; /* in-kernel LAPICs, IOAPIC, PIC and PIT */
	unsigned int nr_vcpus;
	struct vcpu *vcpus[MEMMAP_MAX_VCPUS];
	struct kvmclock clock;
	bool clock_ready;

	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	int stop;		    /* enum vm_stop; set once, read without the lock */
	unsigned int running;	    /* vCPU threads still in their run loop (stop_lock) */
	unsigned int halted;	    /* vCPUs parked after a HLT (stop_lock) */
	unsigned long stop_rekicks; /* re-kicks the last vm_wait_threads_done needed */
	uint64_t stop_rekick_ns;    /* how long a stop waits before it kicks again */
	/* Pause (vm_pause.c): requested is read by vCPUs (atomic); the rest under stop_lock. */
	int pause_requested;
	unsigned int held; /* vCPUs holding for a pause */
	bool paused;	   /* every vCPU held, the clock noted (the controller's) */
	enum kvmclock_pause_mode pause_clock;
	bool guest_stopped_flag; /* a resume raises PVCLOCK_GUEST_STOPPED (tests may withhold it) */
	uint64_t paused_mono_ns; /* host MONOTONIC at the pause */
	uint64_t paused_guest_ns;	 /* guest time at the pause (the kvmclock it reads) */
	uint64_t paused_timeline_ns;	 /* the host's guest timeline then (differs for kernel) */
	struct kvm_clock_data kvm_clock; /* the kernel policy: KVM's clock at the pause */
	/*
	 * Hide CPUID 0x80000007 EDX[8] (invariant TSC): Linux rates kvm-clock below the TSC when
	 * it is set, and would not pick the clock this VMM exists to publish.
	 */
	bool hide_invariant_tsc;
	/*
	 * Does this KVM apply a vCPU's TSC offset to what the guest's RDTSC returns? (PVM
	 * accepts the offset and ignores it.) Probed while the VM is built (tsc_probe.h).
	 */
	bool tsc_offsets_applied;
};

/* Allocate the VM object and @mem_size bytes of RAM (no KVM yet, so images load first). */
int vm_alloc(struct vm **out, uint64_t mem_size) __must_check;
/* Open /dev/kvm, create the KVM VM and hand it the RAM at GPA 0. */
int vm_open_kvm(struct vm *vm) __must_check;
void vm_destroy(struct vm *vm);
/* Drive ISA interrupt line @irq of the in-kernel PIC and IOAPIC (no-op without them). */
void vm_set_irq_line(struct vm *vm, unsigned int irq, int level);
/* How many vCPUs this KVM takes in one VM. */
unsigned int vm_max_vcpus(const struct vm *vm);
/*
 * The PC machine's interrupt controllers in the kernel, before any vCPU exists: then vCPU 0
 * starts at its entry and the others wait for INIT/SIPI from the guest, as on hardware.
 */
int vm_create_irqchip(struct vm *vm) __must_check;

/*
 * Start the kvmclock host once every vCPU exists: TSC frequency, MSR handlers, and the KVM MSR
 * filter that sends exactly the MSRs in vm->msrs to userspace.
 */
int vm_setup_kvmclock(struct vm *vm, const struct clock_policy *policy) __must_check;

/* vm_stop.c: the stop state's lock and condition, made with the VM and freed with it. */
int vm_init_stop_state(struct vm *vm) __must_check;
void vm_destroy_stop_state(struct vm *vm);
/* End the run (the first reason wins) and kick every vCPU out of KVM_RUN. */
void vm_request_stop(struct vm *vm, enum vm_stop reason, unsigned int vcpu_id);
static inline int vm_stopping(const struct vm *vm)
{
	return __atomic_load_n(&vm->stop, __ATOMIC_SEQ_CST);
}
/* Wait until the run stops or @timeout_ns passes (0: no limit); returns the stop reason. */
enum vm_stop vm_wait_stop(struct vm *vm, uint64_t timeout_ns);
/*
 * vCPU threads count themselves in and out of their run loop; joining waits for all to be out,
 * because a running vCPU may still kick (pthread_kill) another, which must not be joined yet.
 * The wait is bounded: it re-kicks every 100 ms, names a vCPU that has not stopped after 1 s,
 * and gives up after 5 s with -ETIMEDOUT (the caller must then abandon the VM, not free it).
 */
void vm_vcpu_thread_enter(struct vm *vm);
void vm_vcpu_thread_leave(struct vm *vm);
int vm_wait_threads_done(struct vm *vm) __must_check;
/*
 * A vCPU that halted with nothing to wake it waits here until the run stops (VM_RUNNING), or,
 * the last one to halt, ends the run as a guest error (the guest can no longer report DONE).
 */
int vm_park_halted_vcpu(struct vm *vm, unsigned int vcpu_id);
/* Name each vCPU thread that is still out of the state a stop or a pause waits for. */
void vm_report_stuck(struct vm *vm, uint64_t waited_ns, const char *what);

/*
 * vm_pause.c: hold every vCPU out of KVM_RUN (each finishes its last exit first, so its state
 * is whole), note the guest time; resume: the clock goes on as vm->pause_clock says, with
 * PVCLOCK_GUEST_STOPPED for the guest. One controller at a time. vm_pause: 0, -EALREADY
 * (paused), -ESHUTDOWN (the run ended first), -ETIMEDOUT (a vCPU would not stop: named).
 */
int vm_pause(struct vm *vm) __must_check;
int vm_resume(struct vm *vm) __must_check;
static inline bool vm_pause_requested(const struct vm *vm)
{
	return __atomic_load_n(&vm->pause_requested, __ATOMIC_SEQ_CST);
}
/* A vCPU thread, after its last exit is finished: wait while the pause lasts. */
void vm_hold_vcpu(struct vm *vm);
/* The guest time at the pause (the kernel policy: KVM's clock). */
uint64_t vm_paused_guest_ns(const struct vm *vm);
/*
 * Before a restored VM runs: the guest clock goes on from @guest_ns (GUEST_STOPPED set), the
 * host's guest timeline (the PM timer's) from @timeline_ns.
 */
int vm_start_clock_at(struct vm *vm, uint64_t guest_ns, uint64_t timeline_ns) __must_check;

#endif
