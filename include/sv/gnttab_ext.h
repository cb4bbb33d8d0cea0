/*
 * Splitvisor's extension of libxengnttab (Linux's gntdev has no user-space
 * equivalent; Linux netback does this in the kernel).
 */
#ifndef SV_GNTTAB_EXT_H
#define SV_GNTTAB_EXT_H

#include <stdint.h>
#include <xengnttab.h>

/*
 * Like xengnttab_map_grant_refs, and the frames also enter the IOMMU context
 * of every PCI function the caller owns (GNTMAP_device_map), so its device
 * can DMA straight into or out of the granted pages: dev_bus_addr[i] is the
 * IOVA of page i.  xengnttab_unmap takes them out again.
 */
void *xengnttab_map_grant_refs_device(xengnttab_handle *xgt, uint32_t count, uint32_t *domids,
                                      uint32_t *refs, int prot, uint64_t *dev_bus_addr);

/*
 * Maps count grants of domid with one hypercall per SV_HC_MAX_FDS of them,
 * each as a mapping of its own (one page, unmapped alone with
 * xengnttab_unmap(page, 1) or xengnttab_unmap_pages): pages[i], NULL
 * where ref i could not be mapped.  With dev_bus_addr (not NULL) each
 * also enters the IOMMU context of the caller's PCI functions, as
 * xengnttab_map_grant_refs_device does, at IOVA dev_bus_addr[i].  What a
 * backend mapping the buffers a frontend just posted needs: one hypercall
 * a page is a round trip through the hypervisor each, and a batch of them
 * held its one loop, and every other frontend, for seconds.  Returns how
 * many were mapped.
 */
uint32_t xengnttab_map_grant_refs_each(xengnttab_handle *xgt, uint32_t count, uint32_t domid,
                                       const uint32_t *refs, int prot, void **pages,
                                       uint64_t *dev_bus_addr);

/*
 * Unmaps count one-page mappings (each a page a map call returned for one
 * ref) with one hypercall per up to 1024: what a backend tearing down a
 * frontend's persistent mappings needs (one hypercall a page froze it for
 * seconds).  0, or -1 with errno: EINVAL (a page that is no mapping of
 * ours; the others are unmapped), EBUSY (the hypervisor did not believe
 * some unmaps yet: see below).
 */
int xengnttab_unmap_pages(xengnttab_handle *xgt, void *const *pages, uint32_t count);

/*
 * The hypervisor believes an unmap only when the frame is mapped nowhere in
 * the caller; an unmap of one of two mappings of the same frame is refused
 * (EBUSY from xengnttab_unmap and xengnttab_unmap_pages), but the page is
 * unmapped all the same and the handle kept here.  This tells the
 * hypervisor again about every kept handle: how many are still refused
 * (0: none; each keeps its grant pinned), or -1 with errno.
 */
int xengnttab_unmap_retry(xengnttab_handle *xgt);

/*
 * Grants the pages of a share (start_address and count as
 * xengntshr_share_pages returned them) to domid instead, by rewriting our
 * grant entries as a Xen guest does: no hypercall, no new frame, the refs
 * unchanged.  What a frontend following a new backend needs (its old one
 * dead): sharing its ~500 pages afresh, a frame and an fd each, took
 * 100-300 ms of a restart on a loaded host.  All or none: 0, or -1 with
 * errno EBUSY (a peer maps one of the pages: unshare and share anew;
 * rarely, the new grantee mapped a page already moved, which then stays
 * its) or EINVAL (no share of this handle's).
 */
int xengntshr_share_move(xengntshr_handle *xgs, void *start_address, uint32_t count,
                         uint32_t domid);

#endif
