/*
 * Persistent grant mapping cache: a chained hash on (domid, ref) over a fixed
 * array of entries, with an LRU list through the entries in use.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sv/gntcache.h"

struct entry {
    uint32_t domid;
    uint32_t ref;
    void *addr;
    bool writable;
    struct entry *hnext;       /* hash chain */
    struct entry *prev, *next; /* LRU list (most recent first) or free list (next) */
};

struct gntcache {
    struct gntcache_ops ops;
    void *ctx;
    size_t nbuckets; /* power of two */
    struct entry **buckets;
    struct entry *entries;
    struct entry lru;   /* sentinel: lru.next is the most recent */
    struct entry *free; /* unused entries, through next */
    struct gntcache_stats stats;
};

static size_t bucket_of(const struct gntcache *c, uint32_t domid, uint32_t ref)
{
    uint64_t k = ((uint64_t)domid << 32 | ref) * 0x9e3779b97f4a7c15ull;

    return (size_t)(k >> 32) & (c->nbuckets - 1);
}

static void lru_unlink(struct entry *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
}

static void lru_push_front(struct gntcache *c, struct entry *e)
{
    e->next = c->lru.next;
    e->prev = &c->lru;
    c->lru.next->prev = e;
    c->lru.next = e;
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
    c->lru.next = c->lru.prev = &c->lru;
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
    for (size_t i = 0; i < capacity; i++) {
        c->entries[i].next = c->free;
        c->free = &c->entries[i];
    }
    return c;
}

static void *xgt_map(void *ctx, uint32_t domid, uint32_t ref, int prot)
{
    return xengnttab_map_grant_ref(ctx, domid, ref, prot);
}

static int xgt_unmap(void *ctx, void *addr)
{
    return xengnttab_unmap(ctx, addr, 1) < 0 ? -errno : 0;
}

struct gntcache *gntcache_new_xengnttab(xengnttab_handle *xgt, size_t capacity)
{
    static const struct gntcache_ops xgt_ops = {.map = xgt_map, .unmap = xgt_unmap};

    return gntcache_new(capacity, &xgt_ops, xgt);
}

/* Unmap e and return it to the free list. */
static void drop(struct gntcache *c, struct entry *e)
{
    struct entry **pp = &c->buckets[bucket_of(c, e->domid, e->ref)];

    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(e);
    if (c->ops.unmap(c->ctx, e->addr) < 0)
        c->stats.unmap_errors++;
    e->next = c->free;
    c->free = e;
}

void gntcache_free(struct gntcache *c)
{
    if (!c)
        return;
    while (c->lru.next != &c->lru)
        drop(c, c->lru.next);
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

static struct entry *insert(struct gntcache *c, uint32_t domid, uint32_t ref, bool writable)
{
    void *addr = c->ops.map(c->ctx, domid, ref, PROT_READ | (writable ? PROT_WRITE : 0));
    struct entry *e;
    size_t b;

    if (!addr)
        return NULL;
    if (!c->free) {
        drop(c, c->lru.prev);
        c->stats.evictions++;
    }
    e = c->free;
    c->free = e->next;
    *e = (struct entry){.domid = domid, .ref = ref, .addr = addr, .writable = writable};
    b = bucket_of(c, domid, ref);
    e->hnext = c->buckets[b];
    c->buckets[b] = e;
    lru_push_front(c, e);
    return e;
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
        lru_unlink(e);
        lru_push_front(c, e);
        return e->addr;
    }
    c->stats.misses++;
    e = insert(c, domid, ref, writable);
    return e ? e->addr : NULL;
}

void gntcache_forget_domain(struct gntcache *c, uint32_t domid)
{
    struct entry *e = c->lru.next;

    while (e != &c->lru) {
        struct entry *next = e->next;

        if (e->domid == domid)
            drop(c, e);
        e = next;
    }
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
