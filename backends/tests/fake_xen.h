/*
 * An in-process stand-in for xenstore, event channels and grant mapping,
 * linked into unit tests of code written against Xen's libraries (the
 * executable's definitions take the place of libxenstore's, libxenevtchn's
 * and libxengnttab's).  The store is a flat table of paths; a grant is
 * any ref but FAKE_BAD_REF, and maps to a fresh page holding an empty
 * shared ring, or a copy of the page the test gave that ref; the counters
 * say what is still held.
 */
#ifndef FAKE_XEN_H
#define FAKE_XEN_H

#include <stdbool.h>
#include <stdint.h>

#define FAKE_BAD_REF 666u /* a grant ref the "hypervisor" refuses to map */

struct fake_xen_held {
    int pages;    /* grant pages mapped and not unmapped */
    int ports;    /* event channels bound and not unbound */
    int watches;  /* xenstore watches set and not removed */
    int batches;  /* xengnttab_map_grant_refs_each calls (not "held": a count of calls) */
    int xs_waits; /* xenstore round trips: each call, a batch of reads (xs_read_many) one */
};

void fake_xs_reset(void);
/* Writes a value ("" is a value; NULL removes the node). */
void fake_xs_set(const char *path, const char *value);
/* The node's value, or NULL; lives until the node changes. */
const char *fake_xs_get(const char *path);
/* The node as an integer; -1 when absent. */
int fake_xs_int(const char *path);
struct fake_xen_held fake_xen_held(void);
/* From now on ref maps to a copy of page (4096 bytes, kept by the caller);
 * NULL page: every ref an empty ring again. */
void fake_xen_grant(uint32_t ref, const void *page);
/* Where ref's page was last mapped (NULL: not yet, or no page given). */
void *fake_xen_mapped(uint32_t ref);
/* The pages the last map call of several refs at once made (a queue's
 * TX and RX rings, side by side). */
void *fake_xen_last_map(void);

#endif
