/* /proc readings about domain processes (see procfs.c). */
#ifndef HV_PROCFS_H
#define HV_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Run state letter (R, S, T...) and CPU time of pid; -errno if it is gone. */
int proc_stat(pid_t pid, char *state, uint64_t *cpu_ns);

#endif
