/* /proc readings about domain processes (see procfs.c). */
#ifndef HV_PROCFS_H
#define HV_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Sets found[i] when pid maps, or holds an fd of, the frame with inode
 * inos[i]: one scan of every thread (its maps, each distinct fd table),
 * whatever n is.  A process that is gone holds nothing.  0 or -errno.
 */
int proc_find_frames(pid_t pid, const ino_t *inos, unsigned n, bool *found);
/* Scans made so far (what a batch of unmaps costs; SV_SYSCTL_physinfo). */
uint64_t proc_scan_count(void);
/* Run state letter (R, S, T...) and CPU time of pid; -errno if it is gone. */
int proc_stat(pid_t pid, char *state, uint64_t *cpu_ns);

#endif
