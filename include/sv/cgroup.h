/*
 * Where a process's cgroup is, for one controller: the hypervisor puts each
 * domain in cgroups of its own beside it, xl reads what a domain uses.
 */
#ifndef SV_CGROUP_H
#define SV_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Writes the directory of pid's cgroup in the hierarchy that has
 * `controller` ("memory", "pids", "cpu") into buf: a cgroup v1 hierarchy
 * mounted with that controller, else the unified (v2) one when its
 * cgroup.controllers offers it.  Returns 1 (v1), 2 (v2), -ENOENT when no
 * mounted hierarchy has the controller, or another -errno.
 */
int sv_cgroup_dir(pid_t pid, const char *controller, char *buf, size_t len);

/* The bytes charged now to the memory cgroup of domain process pid, which
 * the hypervisor named sv-<name>: 0, -ENOENT when it has none of its own,
 * or another -errno. */
int sv_cgroup_memory_used(pid_t pid, unsigned long long *bytes);

/* Gives domain process pid's own cpu cgroup Xen's credit weight `weight`
 * (default 256): cpu.shares 4 times it (v1), cpu.weight in proportion to
 * its default 100 (v2).  0, -ENOENT when it has none of its own, or
 * another -errno. */
int sv_cgroup_cpu_weight(pid_t pid, unsigned int weight);

#endif
