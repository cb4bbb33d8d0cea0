/*
 * Per-function IOMMU context of the xnic device model: backings (mmapped
 * memfds), a three-level radix table IOVA page -> host page | permissions,
 * the per-DMA walk and the rate-limited fault reporter.  See iommu.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "iommu.h"
#include "sv/log.h"
#include "sv/util.h"

#define LEVEL_BITS 12
#define LEVEL_SIZE (1u << LEVEL_BITS)
#define LEVEL_MASK (LEVEL_SIZE - 1)
#define PERM_MASK  (IOMMU_PERM_READ | IOMMU_PERM_WRITE)

/* A leaf is the host address of the page ORed with its IOMMU_PERM_* bits;
 * 0 means unmapped. */
struct leaf_table {
    uintptr_t page[LEVEL_SIZE];
};
struct mid_table {
    struct leaf_table *leaf[LEVEL_SIZE];
};

struct backing {
    uint8_t *base; /* NULL: slot unused */
    size_t size;
    bool writable;
};

struct iommu_ctx {
    uint32_t bdf;
    struct mid_table *top[LEVEL_SIZE];
    struct backing *backings; /* grown on demand up to IOMMU_MAX_BACKINGS */
    uint32_t nbackings;       /* slots allocated */
    iommu_fault_fn *fault_fn;
    void *fault_arg;
    struct log_ratelimit reports;
    uint64_t faults;
};

struct iommu_ctx *iommu_ctx_new(uint32_t bdf)
{
    struct iommu_ctx *ctx = calloc(1, sizeof(*ctx));

    if (!ctx)
        return NULL;
    ctx->bdf = bdf;
    return ctx;
}

static void free_tables(struct iommu_ctx *ctx)
{
    for (unsigned i = 0; i < LEVEL_SIZE; i++) {
        if (!ctx->top[i])
            continue;
        for (unsigned j = 0; j < LEVEL_SIZE; j++)
            free(ctx->top[i]->leaf[j]);
        free(ctx->top[i]);
        ctx->top[i] = NULL;
    }
}

void iommu_clear(struct iommu_ctx *ctx)
{
    free_tables(ctx);
    for (unsigned id = 0; id < ctx->nbackings; id++) {
        struct backing *b = &ctx->backings[id];

        if (b->base)
            munmap(b->base, b->size);
        memset(b, 0, sizeof(*b));
    }
}

void iommu_ctx_free(struct iommu_ctx *ctx)
{
    if (!ctx)
        return;
    iommu_clear(ctx);
    free(ctx->backings);
    free(ctx);
}

void iommu_set_fault_handler(struct iommu_ctx *ctx, iommu_fault_fn *fn, void *arg, unsigned burst)
{
    ctx->fault_fn = fn;
    ctx->fault_arg = arg;
    ctx->reports = (struct log_ratelimit){.burst = burst};
}

/* A domain has one backing for its RAM plus one per shareable frame, so ids
 * run into the thousands; slots grow by doubling. */
static int grow_backings(struct iommu_ctx *ctx, uint32_t id)
{
    uint32_t n = ctx->nbackings ? ctx->nbackings : 64;
    struct backing *b;

    while (n <= id)
        n *= 2;
    if (n > IOMMU_MAX_BACKINGS)
        n = IOMMU_MAX_BACKINGS;
    b = realloc(ctx->backings, n * sizeof(*b));
    if (!b)
        return -ENOMEM;
    memset(b + ctx->nbackings, 0, (n - ctx->nbackings) * sizeof(*b));
    ctx->backings = b;
    ctx->nbackings = n;
    return 0;
}

static struct backing *backing(struct iommu_ctx *ctx, uint32_t id)
{
    return id < ctx->nbackings && ctx->backings[id].base ? &ctx->backings[id] : NULL;
}

int iommu_fd_check(int fd, size_t *size)
{
    struct stat st;
    int seals = fcntl(fd, F_GET_SEALS);

    if (seals < 0)
        return errno == EINVAL ? -EPERM : -errno;
    if (!(seals & F_SEAL_SHRINK))
        return -EPERM;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (st.st_size <= 0 || st.st_size % SV_PAGE_SIZE)
        return -EINVAL;
    *size = (size_t)st.st_size;
    return 0;
}

int iommu_add_backing(struct iommu_ctx *ctx, uint32_t id, int fd)
{
    struct backing *b;
    size_t size;
    int prot = PROT_READ | PROT_WRITE;
    void *base;
    int rc;

    if (id >= IOMMU_MAX_BACKINGS)
        return -EINVAL;
    rc = iommu_fd_check(fd, &size);
    if (rc < 0)
        return rc;
    if (id >= ctx->nbackings && grow_backings(ctx, id) < 0)
        return -ENOMEM;
    b = &ctx->backings[id];
    if (b->base)
        return -EEXIST;
    base = mmap(NULL, size, prot, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED && errno == EACCES) {
        prot = PROT_READ;
        base = mmap(NULL, size, prot, MAP_SHARED, fd, 0);
    }
    if (base == MAP_FAILED)
        return -errno;
    b->base = base;
    b->size = size;
    b->writable = prot & PROT_WRITE;
    return 0;
}

static uintptr_t *leaf_slot(struct iommu_ctx *ctx, uint64_t pfn, bool create)
{
    unsigned i0 = (pfn >> (2 * LEVEL_BITS)) & LEVEL_MASK;
    unsigned i1 = (pfn >> LEVEL_BITS) & LEVEL_MASK;
    struct mid_table *mid = ctx->top[i0];

    if (!mid) {
        if (!create || !(mid = ctx->top[i0] = calloc(1, sizeof(*mid))))
            return NULL;
    }
    if (!mid->leaf[i1]) {
        if (!create || !(mid->leaf[i1] = calloc(1, sizeof(struct leaf_table))))
            return NULL;
    }
    return &mid->leaf[i1]->page[pfn & LEVEL_MASK];
}

static bool range_ok(uint64_t iova, uint64_t count)
{
    uint64_t pfn = iova >> SV_PAGE_SHIFT;
    uint64_t limit = 1ull << (IOMMU_IOVA_BITS - SV_PAGE_SHIFT);

    return !(iova & (SV_PAGE_SIZE - 1)) && pfn < limit && count <= limit - pfn;
}

int iommu_map(struct iommu_ctx *ctx, uint64_t iova, uint32_t id, uint64_t page, uint64_t count,
              unsigned perms)
{
    struct backing *b;
    uint64_t pfn = iova >> SV_PAGE_SHIFT;

    if (!range_ok(iova, count) || (perms & ~PERM_MASK) || !perms)
        return -EINVAL;
    b = backing(ctx, id);
    if (!b)
        return -ENOENT;
    if (page > b->size / SV_PAGE_SIZE || count > b->size / SV_PAGE_SIZE - page)
        return -EINVAL;
    if ((perms & IOMMU_PERM_WRITE) && !b->writable)
        return -EACCES;
    for (uint64_t i = 0; i < count; i++) {
        uintptr_t *slot = leaf_slot(ctx, pfn + i, true);

        if (!slot)
            return -ENOMEM;
        *slot = (uintptr_t)(b->base + (page + i) * SV_PAGE_SIZE) | perms;
    }
    return 0;
}

int iommu_unmap(struct iommu_ctx *ctx, uint64_t iova, uint64_t count)
{
    uint64_t pfn = iova >> SV_PAGE_SHIFT;

    if (!range_ok(iova, count))
        return -EINVAL;
    for (uint64_t i = 0; i < count; i++) {
        uintptr_t *slot = leaf_slot(ctx, pfn + i, false);

        if (slot)
            *slot = 0;
    }
    return 0;
}

int iommu_del_backing(struct iommu_ctx *ctx, uint32_t id)
{
    struct backing *b;
    uintptr_t lo, hi;

    b = backing(ctx, id);
    if (!b)
        return -ENOENT;
    lo = (uintptr_t)b->base;
    hi = lo + b->size;
    /* Rare (domain teardown): a full scan keeps the walk free of backing lookups. */
    for (unsigned i = 0; i < LEVEL_SIZE; i++) {
        for (unsigned j = 0; ctx->top[i] && j < LEVEL_SIZE; j++) {
            struct leaf_table *leaf = ctx->top[i]->leaf[j];

            for (unsigned k = 0; leaf && k < LEVEL_SIZE; k++) {
                uintptr_t host = leaf->page[k] & ~(uintptr_t)PERM_MASK;

                if (host >= lo && host < hi)
                    leaf->page[k] = 0;
            }
        }
    }
    munmap(b->base, b->size);
    memset(b, 0, sizeof(*b));
    return 0;
}

static void report_fault(struct iommu_ctx *ctx, const struct iommu_fault *f)
{
    uint64_t suppressed;

    ctx->faults++;
    if (ctx->fault_fn && log_ratelimit(&ctx->reports, &suppressed))
        ctx->fault_fn(ctx->fault_arg, f, suppressed);
}

static int fault(struct iommu_ctx *ctx, uint64_t iova, bool write, enum iommu_fault_reason reason,
                 struct iommu_fault *out)
{
    struct iommu_fault f = {.bdf = ctx->bdf, .iova = iova, .write = write, .reason = reason};

    report_fault(ctx, &f);
    if (out)
        *out = f;
    return -EFAULT;
}

static inline uintptr_t lookup(const struct iommu_ctx *ctx, uint64_t pfn)
{
    const struct mid_table *mid = ctx->top[(pfn >> (2 * LEVEL_BITS)) & LEVEL_MASK];
    const struct leaf_table *leaf;

    if (!mid)
        return 0;
    leaf = mid->leaf[(pfn >> LEVEL_BITS) & LEVEL_MASK];
    return leaf ? leaf->page[pfn & LEVEL_MASK] : 0;
}

int iommu_walk(struct iommu_ctx *ctx, uint64_t iova, size_t len, bool write,
               struct iommu_piece *pieces, unsigned max, struct iommu_fault *f)
{
    unsigned need = write ? IOMMU_PERM_WRITE : IOMMU_PERM_READ;
    uint64_t end = iova + len;
    unsigned n = 0;

    if (end < iova || end > (1ull << IOMMU_IOVA_BITS))
        return fault(ctx, iova, write, IOMMU_FAULT_RANGE, f);
    while (iova < end) {
        uintptr_t e = lookup(ctx, iova >> SV_PAGE_SHIFT);
        size_t off = iova & (SV_PAGE_SIZE - 1);
        size_t chunk = SV_PAGE_SIZE - off;
        uint8_t *host;

        if (!e)
            return fault(ctx, iova, write, IOMMU_FAULT_NOT_MAPPED, f);
        if (!(e & need))
            return fault(ctx, iova, write, IOMMU_FAULT_PERM, f);
        if (chunk > end - iova)
            chunk = end - iova;
        host = (uint8_t *)(e & ~(uintptr_t)PERM_MASK) + off;
        if (n && (uint8_t *)pieces[n - 1].ptr + pieces[n - 1].len == host) {
            pieces[n - 1].len += chunk;
        } else {
            if (n == max)
                return -E2BIG;
            pieces[n++] = (struct iommu_piece){host, chunk};
        }
        iova += chunk;
    }
    return (int)n;
}

/* Pieces for a copy of up to XNIC_MAX_TSO bytes plus a page of misalignment. */
#define COPY_PIECES 18

static int copy(struct iommu_ctx *ctx, uint64_t iova, void *buf, size_t len, bool write,
                struct iommu_fault *f)
{
    struct iommu_piece pieces[COPY_PIECES];
    uint8_t *p = buf;
    int n = 0;

    while (len) {
        size_t step =
            len < (COPY_PIECES - 1) * SV_PAGE_SIZE ? len : (COPY_PIECES - 1) * SV_PAGE_SIZE;

        n = iommu_walk(ctx, iova, step, write, pieces, COPY_PIECES, f);
        if (n < 0)
            return n;
        for (int i = 0; i < n; i++) {
            if (write)
                memcpy(pieces[i].ptr, p, pieces[i].len);
            else
                memcpy(p, pieces[i].ptr, pieces[i].len);
            p += pieces[i].len;
        }
        iova += step;
        len -= step;
    }
    return 0;
}

int iommu_read(struct iommu_ctx *ctx, uint64_t iova, void *dst, size_t len, struct iommu_fault *f)
{
    return copy(ctx, iova, dst, len, false, f);
}

int iommu_write(struct iommu_ctx *ctx, uint64_t iova, const void *src, size_t len,
                struct iommu_fault *f)
{
    return copy(ctx, iova, (void *)src, len, true, f);
}

uint64_t iommu_fault_count(const struct iommu_ctx *ctx)
{
    return ctx->faults;
}
