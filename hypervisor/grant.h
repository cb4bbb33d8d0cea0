/*
 * Grant tables (Xen v1 entries) and maptrack.
 *
 * Each domain's table is a memfd of SV_GNTTAB_FRAMES pages of
 * grant_entry_v1_t, mapped read-write by the domain and by the hypervisor,
 * which pins entries with the same compare-and-swap protocol as Xen: a map
 * sets GTF_reading (and GTF_writing for a writable map) only while the entry
 * still permits access to the mapping domain, so a granter that ends access
 * with a cmpxchg of its flags to 0 fails while a mapping exists.
 *
 * The "active" array counts pins per ref so the status bits are cleared
 * when the last pin of each kind goes.  Maptrack entries record, per mapping
 * domain, what each grant handle holds.
 */
#ifndef HV_GRANT_H
#define HV_GRANT_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>

#include "p2m.h"

/* An unmap notify armed on a mapping or a share (SV_MEM_notify). */
struct grant_notify {
    uint32_t action; /* UNMAP_NOTIFY_*; 0: none */
    uint32_t offset;
    evtchn_port_t port;
};

struct grant_active {
    uint32_t pin_rw;
    uint32_t pin_ro;
    bool shared; /* the ref shares frame `pfn` (SV_MEM_share) */
    uint64_t pfn;
    struct grant_notify notify; /* a shared ref's, fired when it is let go */
};

struct grant_table {
    uint64_t serial; /* unique for the hypervisor's life: a domid is reused */
    int fd;
    grant_entry_v1_t *entries;
    uint32_t nr_entries;
    struct grant_active *active;
    uint8_t *in_use; /* refs handed out by grant_alloc_refs() */
    uint32_t next_free;
};

struct maptrack_entry {
    bool used;
    bool readonly;
    bool device_map; /* also in the IOMMU contexts of the mapper's devices */
    domid_t granter;
    uint64_t granter_serial; /* the granter's table when pinned */
    grant_ref_t ref;
    struct frame *frame; /* holds a reference */
    const void *owner;   /* the channel that made the mapping */
    bool host_map;       /* an fd went out, holding its lock at byte `hold` (frame_open_held) */
    uint64_t hold;
    struct grant_notify notify; /* fired when the mapping goes */
};

/* Handles are 16 bits here. */
#define MAPTRACK_MAX_HANDLES 0xffff

struct maptrack {
    struct maptrack_entry *entries;
    uint32_t nr;  /* allocated slots */
    uint32_t max; /* mappings it may hold (0: MAPTRACK_MAX_HANDLES) */
};

int grant_table_init(struct grant_table *gt);
void grant_table_destroy(struct grant_table *gt);

/* First refs a guest keeps for itself (console, xenstore), as Xen reserves. */
#define GRANT_FIRST_FREE_REF GNTTAB_NR_RESERVED_ENTRIES

/* Takes count unused refs (>= GRANT_FIRST_FREE_REF); all or -ENOSPC. */
int grant_alloc_refs(struct grant_table *gt, uint32_t count, grant_ref_t *refs);
void grant_free_ref(struct grant_table *gt, grant_ref_t ref);
/* Fills an entry and publishes its flags last, as a granting guest does. */
void grant_fill(struct grant_table *gt, grant_ref_t ref, domid_t domid, uint64_t pfn,
                bool readonly);
/* Ends access to ref: -EBUSY (entry unchanged) while pinned or mapped. */
int grant_end_access(struct grant_table *gt, grant_ref_t ref);

/*
 * Pins ref for `mapper`: returns GNTST_okay and the granted pfn, or the
 * GNTST_* error Xen gives (bad ref, not granted to mapper, write pin of a
 * read-only grant).
 */
int16_t grant_pin(struct grant_table *gt, grant_ref_t ref, domid_t mapper, bool readonly,
                  uint64_t *pfn);
void grant_unpin(struct grant_table *gt, grant_ref_t ref, bool readonly);

/*
 * Drops the pin mapping e holds on gt, its granter's table, unless gt is a
 * later domain's that took the dead granter's domid: that domain's pins on
 * the same ref are not the mapping's to drop.
 */
void maptrack_unpin(struct grant_table *gt, const struct maptrack_entry *e);

/* Maptrack: returns a handle >= 0, -ENOSPC when max are held, or -ENOMEM. */
int maptrack_add(struct maptrack *mt, const struct maptrack_entry *e);
struct maptrack_entry *maptrack_get(struct maptrack *mt, grant_handle_t handle);
void maptrack_remove(struct maptrack *mt, grant_handle_t handle);
void maptrack_destroy(struct maptrack *mt);

#endif
