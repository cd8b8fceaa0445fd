/* Why a run ends: the one vocabulary devices, the clock and the run loop share. */
#ifndef VMM_STOP_H
#define VMM_STOP_H

/* VM_RUNNING (0) means "keep going" wherever a stop reason is returned. */
enum vm_stop {
	VM_RUNNING = 0,
	VM_STOP_DONE,	     /* the guest reported DONE with an exit code */
	VM_STOP_ABORT,	     /* the guest reported a failed assertion */
	VM_STOP_GUEST_ERROR, /* the guest broke the rules: bad report, unclaimed port, all halted */
	VM_STOP_CRASH,	     /* triple fault, KVM internal error, unexpected exit */
	VM_STOP_TIMEOUT,     /* the watchdog fired */
	VM_STOP_VMM_ERROR,   /* a host-side failure */
	VM_STOP_DEBUG_EXIT,  /* the guest wrote the isa-debug-exit port */
	VM_STOP_RESET,	     /* the guest reset the machine (a Linux reboot): exit status 0 */
	VM_STOP_PANIC,	     /* a Linux guest panicked ("Kernel panic" on its console) */
	VM_STOP_CONTROL,     /* `stop` on the control socket: exit status 0, as QEMU's quit */
	VM_STOP_POWEROFF,    /* the guest powered off (ACPI S5): exit status 0 */
};

const char *vm_stop_name(enum vm_stop stop);

#endif
