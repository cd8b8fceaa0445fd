/* pvclock-bench: the kvmclock host's costs from 1 to 64 vCPUs (bench_vcpus.c). */
#ifndef PVCLOCK_BENCH_VCPUS_H
#define PVCLOCK_BENCH_VCPUS_H

/* Print the table; 0, or -1 if a run failed. @dir: the build directory (guests in guest/). */
int bench_vcpus(const char *dir);

#endif
