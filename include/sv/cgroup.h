/*
 * Where a process's cgroup is, for one controller: the hypervisor puts each
 * domain in cgroups of its own beside it, xl reads what a domain uses.
 */
#ifndef SV_CGROUP_H
#define SV_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

/* The controllers a domain's cgroups are made with, beside the hypervisor's
 * own (one directory per v1 hierarchy, or one unified). */
#define SV_CGROUP_NCONTROLLERS 3
extern const char *const sv_cgroup_controllers[SV_CGROUP_NCONTROLLERS];

/*
 * Writes the directory of pid's cgroup in the hierarchy that has
 * `controller` ("memory", "pids", "cpu") into buf: a cgroup v1 hierarchy
 * mounted with that controller, else the unified (v2) one when its
 * cgroup.controllers offers it.  Returns 1 (v1), 2 (v2), -ENOENT when no
 * mounted hierarchy has the controller, or another -errno.
 */
int sv_cgroup_dir(pid_t pid, const char *controller, char *buf, size_t len);

/* Like sv_cgroup_dir(), for a domain's own cgroup (sv-<name>.<domid>)
 * only: -ENOENT where domain process pid runs in the hypervisor's, which
 * must never be changed on a domain's behalf. */
int sv_cgroup_domain_dir(pid_t pid, const char *controller, char *buf, size_t len);

/* The leaf, in the hypervisor's own unified (v2) cgroup, that the host's
 * daemons run in, so that their parent may hand controllers to domains'
 * cgroups beside it (docs/architecture.md, "domain / host resources"). */
#define SV_CGROUP_HOST "sv-host"

/*
 * Makes the v2 cgroup own a parent of domains' cgroups, the way a service
 * systemd delegates a cgroup to does it: makes own/sv-host, moves self
 * there, then enables in own/cgroup.subtree_control each of the n
 * controllers ctrls that own/cgroup.controllers offers.  The kernel enables
 * none in a cgroup holding processes, so own must hold none but self: where
 * it holds another (one we did not start, such as a shell), nothing is
 * moved and *other is set to it.  Returns how many controllers are enabled,
 * -ENOENT when own offers none of them, -EBUSY (*other set, or 0 where the
 * kernel said so: a process came in meanwhile), or another -errno.
 */
int sv_cgroup_delegate(const char *own, const char *const *ctrls, size_t n, pid_t self,
                       pid_t *other);

/* The bytes charged now to the memory cgroup of domain process pid, which
 * the hypervisor named sv-<name>: 0, -ENOENT when it has none of its own,
 * or another -errno. */
int sv_cgroup_memory_used(pid_t pid, unsigned long long *bytes);

/* Gives domain process pid's own cpu cgroup Xen's credit weight `weight`
 * (default 256): cpu.shares 4 times it (v1), cpu.weight in proportion to
 * its default 100 (v2).  0, -ENOENT when it has none of its own, or
 * another -errno. */
int sv_cgroup_cpu_weight(pid_t pid, unsigned int weight);

/* Caps domain process pid's own cpu cgroup at cap percent of one CPU, as
 * Xen's credit cap (0: none): cpu.cfs_quota_us (v1) or cpu.max (v2) of a
 * 100 ms period.  0, -ENOENT when it has none of its own, or another -errno. */
int sv_cgroup_cpu_cap(pid_t pid, unsigned int cap);

/* What its cpu cgroup says: the credit weight and cap set above.  0,
 * -ENOENT, or another -errno. */
int sv_cgroup_cpu_get(pid_t pid, unsigned int *weight, unsigned int *cap);

/* Moves the calling process into every cgroup of its own that domain
 * process pid has (sv-<name>), so that it ends with the domain (xl exec):
 * the number joined (0: the domain has none), or -errno. */
int sv_cgroup_join_domain(pid_t pid);

/* Kills every process in cgroup dir: cgroup.kill where the kernel has it
 * (v2), and SIGKILL to each in cgroup.procs.  Never waits: killed tasks
 * leave cgroup.procs as they exit, not at once, so call it again later
 * until it says 0.  How many it still listed (0: empty), or -errno. */
int sv_cgroup_kill(const char *dir);

#endif
