/*
 * Integration-test helper: run a bundled guest through the VMM library, capturing its console
 * output and the run's result for the test to check.
 */
#ifndef GUEST_RUN_H
#define GUEST_RUN_H

#include "test_util.h"
#include "vmm.h"

#define GUEST_RUN_TIMEOUT_NS 60000000000ull

/* The last run: its console text (NUL-terminated after run_guest) and its result. */
extern char *out_text;
extern FILE *out;
extern struct vmm_result res;

/* Fixture: capture the log and open the console stream / close and free them. */
void guest_run_setup(void);
void guest_run_teardown(void);
#define GUEST_RUN_FIXTURE .setup = guest_run_setup, .teardown = guest_run_teardown
/* Run GUEST_DIR/@name.elf with @argc/@argv (argv[0] is filled in) on @vcpus vCPUs. */
void run_guest(const char *name, int argc, char **argv, unsigned int vcpus, uint64_t timeout_ns);

#endif
