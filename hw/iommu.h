/*
 * IOMMU translation context of one PCI function, as the device model keeps it.
 * The hypervisor owns the contents (it sends backings and map/unmap updates);
 * the device model walks the context for every descriptor and buffer access.
 *
 * Page-granular (4 KiB): an IOVA page maps to (backing id, page number inside
 * the backing, permissions).  A backing is a memfd the hypervisor handed over;
 * the context mmaps it once.  Lookup is a three-level radix table (12 bits per
 * level over a 48-bit IOVA), so a walk costs three loads per page.
 *
 * Errors: negative errno.  Faults are reported through a rate-limited callback.
 */
#ifndef SV_IOMMU_H
#define SV_IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/abi/xnic_ctl.h" /* IOMMU_PERM_*, enum iommu_fault_reason */

#define IOMMU_IOVA_BITS    48
#define IOMMU_MAX_BACKINGS (1u << 20)

struct iommu_fault {
    uint32_t bdf;  /* function: bus << 8 | dev << 3 | fn */
    uint64_t iova; /* first faulting address */
    bool write;    /* the blocked access was a device write */
    enum iommu_fault_reason reason;
};

/* Called for faults that pass the rate limit; suppressed counts how many were
 * dropped since the last call.  Must not call back into the context. */
typedef void iommu_fault_fn(void *arg, const struct iommu_fault *f, uint64_t suppressed);

/* One host-contiguous piece of a DMA. */
struct iommu_piece {
    void *ptr;
    size_t len;
};

struct iommu_ctx;

/* A new, empty context (every access faults) for function bdf; NULL with
 * errno on failure.  Free with iommu_ctx_free. */
struct iommu_ctx *iommu_ctx_new(uint32_t bdf);
/* Unmaps every backing and frees the tables; NULL is accepted. */
void iommu_ctx_free(struct iommu_ctx *ctx);

/* Reports at most `burst` faults per second through fn (0 disables reports). */
void iommu_set_fault_handler(struct iommu_ctx *ctx, iommu_fault_fn *fn, void *arg, unsigned burst);

/*
 * Checks that fd can back device memory: sealed against shrinking
 * (F_SEAL_SHRINK: an owner that truncated it would crash the device model on
 * its next access) and a non-zero multiple of a page.  Sets *size.  0, or
 * -EPERM (not sealed), -EINVAL (size), -errno.
 */
int iommu_fd_check(int fd, size_t *size);

/*
 * Adds backing `id` (< IOMMU_MAX_BACKINGS, passing iommu_fd_check): mmaps fd (its whole size,
 * shared, read-write or read-only as the fd allows).  The context does not keep fd; the caller
 * closes it.  -EEXIST if id is in use, -EINVAL on a bad id/size.
 */
int iommu_add_backing(struct iommu_ctx *ctx, uint32_t id, int fd);
/* Unmaps every IOVA page pointing at backing id, then the backing itself. */
int iommu_del_backing(struct iommu_ctx *ctx, uint32_t id);

/*
 * Maps count pages from iova (page-aligned) to pages page..page+count-1 of
 * backing id with perms (IOMMU_PERM_*).  Replaces earlier entries.  -EINVAL on
 * misalignment or pages beyond the backing, -ENOENT for an unknown backing,
 * -EACCES for write permission on a read-only backing, -ENOMEM.
 */
int iommu_map(struct iommu_ctx *ctx, uint64_t iova, uint32_t id, uint64_t page, uint64_t count,
              unsigned perms);
/* Removes count pages from iova; pages that were not mapped are ignored. */
int iommu_unmap(struct iommu_ctx *ctx, uint64_t iova, uint64_t count);
/* Removes every mapping and backing (the context faults everything again). */
void iommu_clear(struct iommu_ctx *ctx);

/*
 * Translates [iova, iova + len) for a read or write DMA into at most max
 * pieces, one per page unless adjacent pages are adjacent in host memory.
 * Returns the number of pieces, or -EFAULT after filling *fault (also counted
 * and reported, rate-limited) when any page is missing or lacks the right;
 * -E2BIG when more than max pieces would be needed.  len 0 returns 0.
 */
int iommu_walk(struct iommu_ctx *ctx, uint64_t iova, size_t len, bool write,
               struct iommu_piece *pieces, unsigned max, struct iommu_fault *fault);

/* Copy helpers over iommu_walk: the whole range is checked before one byte
 * moves, so a faulting DMA changes nothing.  0 or -EFAULT. */
int iommu_read(struct iommu_ctx *ctx, uint64_t iova, void *dst, size_t len,
               struct iommu_fault *fault);
int iommu_write(struct iommu_ctx *ctx, uint64_t iova, const void *src, size_t len,
                struct iommu_fault *fault);

/* Faults seen since the context was made (reported or suppressed). */
uint64_t iommu_fault_count(const struct iommu_ctx *ctx);

#endif
