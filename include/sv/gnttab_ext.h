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

#endif
