/*
 * What domains may make the hypervisor hold.
 *
 * Each shareable frame is an fd of ours, each event channel port one or two
 * eventfds, each hypercall channel a socket: a domain that makes them in a
 * loop would take every fd the hypervisor has, and dom0 could no longer
 * connect.  Mappings (vm.max_map_count) a domain makes us hold only at its
 * creation (its shared_info and grant table): none per frame, port or
 * channel.
 * Two walls:
 *  - per domain, Xen's limits from its description (max_grant_frames bounds
 *    the grants, so the frames, it can share; max_maptrack_frames its
 *    mappings of others' grants; max_event_channels its ports; 64 channels);
 *  - for all domains together, one budget of fds: the fd limit, and no more
 *    than QUOTA_UNITS_PER_MAPPING per mapping of vm.max_map_count, less a
 *    reserve kept for dom0 and the hypervisor itself.  Everything a
 *    domain makes us hold is charged to it, so however many domains ask, the
 *    reserve stays free and the control socket keeps answering.
 */
#ifndef HV_QUOTA_H
#define HV_QUOTA_H

#include <stdint.h>

/* xl.cfg's defaults (xl.conf: max_grant_frames 64, max_maptrack_frames
 * 1024; max_event_channels 1023). */
#define QUOTA_DEFAULT_GRANT_FRAMES    64
#define QUOTA_DEFAULT_MAPTRACK_FRAMES 1024
#define QUOTA_DEFAULT_EVENT_CHANNELS  1023
/* Xen's maptrack entry (struct grant_mapping) is 16 bytes. */
#define QUOTA_MAPTRACK_PER_FRAME 256

/* Units of the budget per mapping of vm.max_map_count: a domain's creation
 * is charged at least this per mapping it makes us hold (hv.h asserts it),
 * and nothing else a domain does maps anything of ours. */
#define QUOTA_UNITS_PER_MAPPING 8

/* What is kept for dom0 and the hypervisor: an eighth, at least this. */
#define QUOTA_MIN_RESERVE 512

struct quota {
    uint64_t limit; /* what domains may hold in all */
    uint64_t used;
};

/* The budget left by `fds` descriptors and `maps` mappings, less the reserve. */
void quota_init(struct quota *q, uint64_t fds, uint64_t maps);
/* Charges n (q may be NULL: not charged).  0 or -ENOSPC (nothing taken). */
int quota_take(struct quota *q, uint64_t n);
void quota_give(struct quota *q, uint64_t n);

#endif
