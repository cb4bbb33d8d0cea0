/*
 * Persistent grant mapping cache for a backend: keeps frontend pages mapped
 * across requests, keyed by (domid, ref), so a frontend that recycles its
 * buffer refs (netfront does) costs one map per buffer instead of one per
 * packet.  Bounded; to make room, a mapping not used lately is unmapped
 * (CLOCK: a hit costs a flag in its entry, not a move in a list).
 * Built on xengnttab_map_grant_ref/xengnttab_unmap, or on an injected
 * map/unmap pair (tests, other mappers).
 *
 * Not thread-safe: one cache per backend thread.
 */
#ifndef SV_GNTCACHE_H
#define SV_GNTCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xengnttab.h>

struct gntcache;

struct gntcache_ops {
    /* Map one page of domid's grant ref with prot (PROT_READ[|PROT_WRITE]):
     * its address, or NULL with errno set. */
    void *(*map)(void *ctx, uint32_t domid, uint32_t ref, int prot);
    /* Unmap a page map returned: 0 or a negative errno. */
    int (*unmap)(void *ctx, void *addr);
    /* Optional: unmap n such pages at once (gntcache_free and
     * gntcache_forget_domain use it; one unmap a page cost a hypercall
     * each).  0 or a negative errno. */
    int (*unmap_many)(void *ctx, void *const *addrs, size_t n);
    /* Optional: map n refs of domid at once, each a page of its own that
     * unmap takes (pages[i], NULL where ref i failed); how many it mapped
     * (gntcache_prefetch uses it). */
    size_t (*map_each)(void *ctx, uint32_t domid, const uint32_t *refs, size_t n, int prot,
                       void **pages);
};

struct gntcache_stats {
    uint64_t hits, misses, evictions, unmap_errors, prefetched;
};

/* A cache of at most capacity (>= 1) mappings through ops (copied; ctx is
 * passed to each call).  NULL with errno (EINVAL, ENOMEM).  Free with
 * gntcache_free(). */
struct gntcache *gntcache_new(size_t capacity, const struct gntcache_ops *ops, void *ctx);
/* The same over an open xengnttab handle, which must outlive the cache. */
struct gntcache *gntcache_new_xengnttab(xengnttab_handle *xgt, size_t capacity);
/* Unmaps every cached page and frees c (NULL is fine). */
void gntcache_free(struct gntcache *c);

/* The page of (domid, ref), mapped writable when writable (a read-only
 * mapping is replaced).  Valid until the next call on c that may evict
 * (get, forget, free).  NULL with errno from the map. */
void *gntcache_get(struct gntcache *c, uint32_t domid, uint32_t ref, bool writable);

/* Maps ahead, with one map_each call, those of refs[n] that are not cached,
 * as far as free entries last and GNTCACHE_PREFETCH_MAX a call (nothing is
 * evicted for a ref that may never be used), so that the gets that follow
 * find them.  Refs that cannot be mapped are left for gntcache_get to fail
 * on.  How many it mapped; 0 without map_each. */
#define GNTCACHE_PREFETCH_MAX 256
size_t gntcache_prefetch(struct gntcache *c, uint32_t domid, const uint32_t *refs, size_t n,
                         bool writable);

/* Unmap everything of domid (its frontend went away or misbehaved). */
void gntcache_forget_domain(struct gntcache *c, uint32_t domid);
/* Unmap (domid, ref) if cached (the caller maps that page otherwise now,
 * and two mappings of one frame cannot both be unmapped at once). */
void gntcache_forget(struct gntcache *c, uint32_t domid, uint32_t ref);
/* Whether (domid, ref) is cached. */
bool gntcache_has(const struct gntcache *c, uint32_t domid, uint32_t ref);

/* Copy helpers for netback's callbacks: offset + len must be within a page.
 * 0, or -errno from the map. */
int gntcache_copy_from(struct gntcache *c, uint32_t domid, uint32_t ref, uint16_t offset, void *dst,
                       uint16_t len);
int gntcache_copy_to(struct gntcache *c, uint32_t domid, uint32_t ref, uint16_t offset,
                     const void *src, uint16_t len);

void gntcache_get_stats(const struct gntcache *c, struct gntcache_stats *s);

/* True when a new mapping would evict another (every entry is in use) and
 * (domid, ref) is not mapped: the caller may prefer a grant copy. */
bool gntcache_would_evict(const struct gntcache *c, uint32_t domid, uint32_t ref);

#endif
