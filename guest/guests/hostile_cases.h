/*
 * The hostile guest's cases, in one table that the guest and its test both expand, so a case
 * cannot exist in one and be missing from the other:
 *
 *   X(id, "name", vcpus, policy, timeout_ms, status, "logged")
 *
 * The guest (hostile.c) runs the case named on its command line; check_hostile runs each one on
 * @vcpus vCPUs under @policy (NULL: every-entry), stopping it after @timeout_ms (0: 60 s), and
 * expects exit status @status and @logged among the VMM's messages ("": none needed). README,
 * "Bad input", documents the same outcomes.
 */
#ifndef HOSTILE_CASES_H
#define HOSTILE_CASES_H

#define HOSTILE_CASES(X)                                                                           \
	X(GPA_OUTSIDE_RAM, "gpa-outside-ram", 1, NULL, 0, 0,                                       \
	  "lies outside guest RAM; clock left off")                                                \
	X(GPA_RAM_END, "gpa-ram-end", 1, NULL, 0, 0, "lies outside guest RAM; clock left off")     \
	X(GPA_STRADDLE_PAGE, "gpa-straddle-page", 1, NULL, 0, 0,                                   \
	  "crosses a page boundary; clock left off")                                               \
	X(GPA_PAGE_TABLES, "gpa-page-tables", 1, NULL, 0, 0,                                       \
	  "overlaps the VMM's page tables and boot data")                                          \
	X(GPA_BOOT_INFO, "gpa-boot-info", 1, NULL, 0, 0,                                           \
	  "overlaps the VMM's page tables and boot data")                                          \
	X(GPA_STACK, "gpa-stack", 1, NULL, 0, 0, "overlaps the VMM's page tables and boot data")   \
	X(GPA_MMIO_HOLE, "gpa-mmio-hole", 1, NULL, 0, 0,                                           \
	  "value 0xd0000001: struct at GPA 0xd0000000")                                            \
	X(GPA_HIGH_BITS, "gpa-high-bits", 1, NULL, 0, 0, "value 0xfff0000000100001")               \
	X(WALL_OUTSIDE_RAM, "wall-outside-ram", 1, NULL, 0, 0, "WRMSR 0x4b564d00 value 0x3fffffc") \
	X(MSR_GARBAGE, "msr-garbage", 1, NULL, 0, 0, "clock left off (logged once per vCPU)")      \
	X(MSR_TOGGLE, "msr-toggle", 1, NULL, 0, 0, "")                                             \
	X(UNKNOWN_MSR_READ, "unknown-msr-read", 1, NULL, 0, 0, "")                                 \
	X(UNKNOWN_MSR_WRITE, "unknown-msr-write", 1, NULL, 0, 0, "")                               \
	X(UNKNOWN_PORT_OUT, "unknown-port-out", 1, NULL, 0, 66,                                    \
	  "guest port write of 0x42 (size 1) to 0x378")                                            \
	X(UNKNOWN_PORT_IN, "unknown-port-in", 1, NULL, 0, 66,                                      \
	  "guest port read (size 1) from 0x61")                                                    \
	X(STRING_IO_OUT, "string-io-out", 1, NULL, 0, 0, "")                                       \
	X(STRING_IO_IN, "string-io-in", 1, NULL, 0, 66,                                            \
	  "debug console takes byte OUTs, got a 1-byte IN")                                        \
	X(REPORT_OUTSIDE_RAM, "report-outside-ram", 1, NULL, 0, 66,                                \
	  "report at GPA 0xfffff000 (+432 bytes) lies outside guest RAM")                          \
	X(REPORT_UNTERMINATED, "report-unterminated", 1, NULL, 0, 66,                              \
	  "message not NUL-terminated within 320 bytes")                                           \
	X(REPORT_OVERSIZED, "report-oversized", 1, NULL, 0, 66,                                    \
	  "nr_values 99 exceeds the maximum of 4")                                                 \
	X(REPORT_HALF_WRITTEN, "report-half-written", 1, NULL, 0, 66, "unknown command 0")         \
	X(EXIT_CODE_RANGE, "exit-code-range", 1, NULL, 0, 66,                                      \
	  "guest DONE with exit code 99 outside 0..63")                                            \
	X(PROBE_OUTSIDE_RAM, "probe-outside-ram", 1, NULL, 0, 66,                                  \
	  "clock probe at GPA 0x123456789000 (+32 bytes) lies outside guest RAM")                  \
	X(DOORBELL_READ, "doorbell-read", 1, NULL, 0, 66,                                          \
	  "guest read (size 8) of the doorbell at 0xfe000000")                                     \
	X(DOORBELL_SIZE, "doorbell-size", 1, NULL, 0, 66,                                          \
	  "guest store of 0x1234 (size 4) to doorbell register null: it takes 8-byte stores")      \
	X(DOORBELL_OFFSET, "doorbell-offset", 1, NULL, 0, 66,                                      \
	  "guest store of 0x42 (size 8) to the doorbell at 0xfe000800: no register there")         \
	X(EXCEPTION, "exception", 1, NULL, 0, 65,                                                  \
	  "unexpected exception #UD (vector 6) in ring 0 at rip")                                  \
	X(RING3_UD2, "ring3-ud2", 1, NULL, 0, 65,                                                  \
	  "unexpected exception #UD (vector 6) in ring 3 at rip")                                  \
	X(RING3_PORT, "ring3-port", 1, NULL, 0, 65,                                                \
	  "unexpected exception #GP (vector 13) in ring 3 at rip")                                 \
	X(RING3_WRMSR, "ring3-wrmsr", 1, NULL, 0, 65,                                              \
	  "unexpected exception #GP (vector 13) in ring 3 at rip")                                 \
	X(STACK_OVERFLOW, "stack-overflow", 1, NULL, 0, 65,                                        \
	  "unexpected exception #DF (vector 8) in ring 0 at rip")                                  \
	X(INFINITE_LOOP, "infinite-loop", 1, NULL, 300, 68,                                        \
	  "guest still running after the 0.300 s timeout")                                         \
	X(HLT_CLI, "hlt-cli", 1, NULL, 0, 66, "guest executed HLT with nothing to wake it")        \
	X(NEVER_ENABLES, "never-enables", 1, NULL, 0, 0, "")                                       \
	X(SAME_GPA, "same-gpa", 2, NULL, 0, 0, "")                                                 \
	X(SCRIBBLE, "scribble", 1, "live:100us", 0, 0, "")

#endif
