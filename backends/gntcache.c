/*
 * Persistent grant mapping cache: a chained hash on (domid, ref) over a fixed
 * array of entries; CLOCK replacement (a hit sets a bit in its own entry, the
 * hand clears bits until it finds an entry unused since it last passed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sv/gntcache.h"
#include "sv/gnttab_ext.h"

struct entry {
    uint32_t domid;
    uint32_t ref;
    void *addr; /* NULL: free */
    bool writable;
    bool referenced;     /* used since the hand last passed */
    struct entry *hnext; /* hash chain, or the free list */
};

struct gntcache {
    struct gntcache_ops ops;
    void *ctx;
    size_t nbuckets; /* power of two */
    struct entry **buckets;
    struct entry *entries;
    size_t capacity;
    size_t hand;        /* the next entry the clock looks at */
    struct entry *free; /* unused entries, through hnext */
    size_t nfree;
    struct gntcache_stats stats;
};

static size_t bucket_of(const struct gntcache *c, uint32_t domid, uint32_t ref)
{
    uint64_t k = ((uint64_t)domid << 32 | ref) * 0x9e3779b97f4a7c15ull;

    return (size_t)(k >> 32) & (c->nbuckets - 1);
}

struct gntcache *gntcache_new(size_t capacity, const struct gntcache_ops *ops, void *ctx)
{
    struct gntcache *c;

    if (capacity == 0 || capacity > (1u << 24)) {
        errno = EINVAL;
        return NULL;
    }
    if (!(c = calloc(1, sizeof(*c))))
        return NULL;
    for (c->nbuckets = 1; c->nbuckets < 2 * capacity; c->nbuckets <<= 1)
        ;
    c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
    c->entries = calloc(capacity, sizeof(*c->entries));
    if (!c->buckets || !c->entries) {
        gntcache_free(c);
        errno = ENOMEM;
        return NULL;
    }
    c->ops = *ops;
    c->ctx = ctx;
    c->capacity = capacity;
    for (size_t i = capacity; i-- > 0;) { /* taken in the order the hand sweeps */
        c->entries[i].hnext = c->free;
        c->free = &c->entries[i];
    }
    c->nfree = capacity;
    return c;
}

static void *xgt_map(void *ctx, uint32_t domid, uint32_t ref, int prot)
{
    return xengnttab_map_grant_ref(ctx, domid, ref, prot);
}

static size_t xgt_map_each(void *ctx, uint32_t domid, const uint32_t *refs, size_t n, int prot,
                           void **pages)
{
    return xengnttab_map_grant_refs_each(ctx, (uint32_t)n, domid, refs, prot, pages, NULL);
}

static int xgt_unmap(void *ctx, void *addr)
{
    return xengnttab_unmap(ctx, addr, 1) < 0 ? -errno : 0;
}

static int xgt_unmap_many(void *ctx, void *const *addrs, size_t n)
{
    return xengnttab_unmap_pages(ctx, addrs, (uint32_t)n) < 0 ? -errno : 0;
}

struct gntcache *gntcache_new_xengnttab(xengnttab_handle *xgt, size_t capacity)
{
    static const struct gntcache_ops xgt_ops = {
        .map = xgt_map, .unmap = xgt_unmap, .unmap_many = xgt_unmap_many, .map_each = xgt_map_each};

    return gntcache_new(capacity, &xgt_ops, xgt);
}

/* Take e out of its chain and return it to the free list; its page is the
 * caller's to unmap. */
static void *unlink_entry(struct gntcache *c, struct entry *e)
{
    struct entry **pp = &c->buckets[bucket_of(c, e->domid, e->ref)];
    void *addr = e->addr;

    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    e->addr = NULL;
    e->hnext = c->free;
    c->free = e;
    c->nfree++;
    return addr;
}

/* Unmap e and return it to the free list. */
static void drop(struct gntcache *c, struct entry *e)
{
    if (c->ops.unmap(c->ctx, unlink_entry(c, e)) < 0)
        c->stats.unmap_errors++;
}

/* Drops every entry (of domid, or all when all): in one batch when the
 * mapper can, else one by one. */
static void drop_all(struct gntcache *c, bool all, uint32_t domid)
{
    void **addrs = c->ops.unmap_many ? malloc(c->capacity * sizeof(*addrs)) : NULL;
    size_t n = 0;

    for (size_t i = 0; i < c->capacity; i++) {
        struct entry *e = &c->entries[i];

        if (!e->addr || (!all && e->domid != domid))
            continue;
        if (addrs)
            addrs[n++] = unlink_entry(c, e);
        else
            drop(c, e);
    }
    if (n && c->ops.unmap_many(c->ctx, addrs, n) < 0)
        c->stats.unmap_errors++;
    free(addrs);
}

void gntcache_free(struct gntcache *c)
{
    if (!c)
        return;
    if (c->entries) /* not when gntcache_new() failed half way */
        drop_all(c, true, 0);
    free(c->buckets);
    free(c->entries);
    free(c);
}

static struct entry *lookup(const struct gntcache *c, uint32_t domid, uint32_t ref)
{
    struct entry *e = c->buckets[bucket_of(c, domid, ref)];

    while (e && (e->domid != domid || e->ref != ref))
        e = e->hnext;
    return e;
}

/* The entry to evict when every one is in use: the first the hand finds
 * unused since its last pass (at most two turns). */
static struct entry *clock_victim(struct gntcache *c)
{
    for (;;) {
        struct entry *e = &c->entries[c->hand];

        c->hand = (c->hand + 1) % c->capacity;
        if (!e->referenced)
            return e;
        e->referenced = false;
    }
}

/* Enters a page just mapped into a free entry. */
static struct entry *link_entry(struct gntcache *c, uint32_t domid, uint32_t ref, void *addr,
                                bool writable)
{
    struct entry *e = c->free;
    size_t b = bucket_of(c, domid, ref);

    c->free = e->hnext;
    c->nfree--;
    /* Not referenced yet: a page used once goes before those used again. */
    *e = (struct entry){.domid = domid, .ref = ref, .addr = addr, .writable = writable};
    e->hnext = c->buckets[b];
    c->buckets[b] = e;
    return e;
}

static int prot_of(bool writable)
{
    return PROT_READ | (writable ? PROT_WRITE : 0);
}

static struct entry *insert(struct gntcache *c, uint32_t domid, uint32_t ref, bool writable)
{
    void *addr = c->ops.map(c->ctx, domid, ref, prot_of(writable));

    if (!addr)
        return NULL;
    if (!c->free) {
        drop(c, clock_victim(c));
        c->stats.evictions++;
    }
    return link_entry(c, domid, ref, addr, writable);
}

/* Whether ref is among the n in refs. */
static bool listed(const uint32_t *refs, size_t n, uint32_t ref)
{
    for (size_t i = 0; i < n; i++)
        if (refs[i] == ref)
            return true;
    return false;
}

size_t gntcache_prefetch(struct gntcache *c, uint32_t domid, const uint32_t *refs, size_t n,
                         bool writable)
{
    uint32_t missing[GNTCACHE_PREFETCH_MAX];
    void *pages[GNTCACHE_PREFETCH_MAX];
    size_t room = c->nfree < GNTCACHE_PREFETCH_MAX ? c->nfree : GNTCACHE_PREFETCH_MAX;
    size_t k = 0, mapped = 0;

    if (!c->ops.map_each)
        return 0;
    /* Each frame once: two mappings of one frame cannot both be unmapped. */
    for (size_t i = 0; i < n && k < room; i++)
        if (!lookup(c, domid, refs[i]) && !listed(missing, k, refs[i]))
            missing[k++] = refs[i];
    if (!k || !c->ops.map_each(c->ctx, domid, missing, k, prot_of(writable), pages))
        return 0;
    for (size_t i = 0; i < k; i++)
        if (pages[i]) {
            link_entry(c, domid, missing[i], pages[i], writable);
            mapped++;
        }
    c->stats.prefetched += mapped;
    return mapped;
}

bool gntcache_would_evict(const struct gntcache *c, uint32_t domid, uint32_t ref)
{
    return !c->free && !lookup(c, domid, ref);
}

void *gntcache_get(struct gntcache *c, uint32_t domid, uint32_t ref, bool writable)
{
    struct entry *e = lookup(c, domid, ref);

    if (e && writable && !e->writable) {
        drop(c, e);
        e = NULL;
    }
    if (e) {
        c->stats.hits++;
        e->referenced = true;
        return e->addr;
    }
    c->stats.misses++;
    e = insert(c, domid, ref, writable);
    return e ? e->addr : NULL;
}

void gntcache_forget_domain(struct gntcache *c, uint32_t domid)
{
    drop_all(c, false, domid);
}

void gntcache_forget(struct gntcache *c, uint32_t domid, uint32_t ref)
{
    struct entry *e = lookup(c, domid, ref);

    if (e)
        drop(c, e);
}

bool gntcache_has(const struct gntcache *c, uint32_t domid, uint32_t ref)
{
    return lookup(c, domid, ref) != NULL;
}

/* A mapper that failed without errno still failed. */
static int map_error(void)
{
    return errno ? -errno : -EIO;
}

int gntcache_copy_from(struct gntcache *c, uint32_t domid, uint32_t ref, uint16_t offset, void *dst,
                       uint16_t len)
{
    const uint8_t *page = gntcache_get(c, domid, ref, false);

    if (!page)
        return map_error();
    memcpy(dst, page + offset, len);
    return 0;
}

int gntcache_copy_to(struct gntcache *c, uint32_t domid, uint32_t ref, uint16_t offset,
                     const void *src, uint16_t len)
{
    uint8_t *page = gntcache_get(c, domid, ref, true);

    if (!page)
        return map_error();
    memcpy(page + offset, src, len);
    return 0;
}

void gntcache_get_stats(const struct gntcache *c, struct gntcache_stats *s)
{
    *s = c->stats;
}
