/*
 * The cgroups of dead domains, emptied and removed without the loop
 * waiting for them.
 *
 * A domain's cgroups hold what xl exec ran in it besides its process; a
 * killed task leaves its cgroup only once it has exited, which may take a
 * while (a frozen task, one freeing much memory, one in an uninterruptible
 * sleep).  The loop serves every domain and dom0's xl, so each cgroup is
 * killed once and looked at again later, 5 ms doubling up to a second,
 * until it is empty and removed.
 */
#ifndef HV_CGREAP_H
#define HV_CGREAP_H

#include <stdint.h>

/* Kills what is in cgroup dir of dead domain domid and removes it, now or
 * later (dir is copied); never waits. */
void cgreap_add(const char *dir, uint32_t domid);
/* The hypervisor stops: waits up to a second for what is left, then lets
 * go of it (logged). */
void cgreap_stop(void);

#endif
