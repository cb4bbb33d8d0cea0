/* /proc readings about domain processes (see procfs.c). */
#ifndef HV_PROCFS_H
#define HV_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Sets found[i] when pid maps, or holds an fd of, the frame with inode
 * inos[i].  A process that is gone holds nothing.  0 or -errno.
 */
int proc_find_frames(pid_t pid, const ino_t *inos, unsigned n, bool *found);
/* True when pid neither maps nor holds any of the n frames. */
bool proc_maps_clear(pid_t pid, const ino_t *inos, unsigned n);
/* Run state letter (R, S, T...) and CPU time of pid; -errno if it is gone. */
int proc_stat(pid_t pid, char *state, uint64_t *cpu_ns);

#endif
