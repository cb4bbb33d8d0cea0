/*
 * PCI ownership, IOMMU contexts and interrupt routing for the NICs the
 * hypervisor starts (one xnic device-model process each).
 *
 * Functions start owned by the host (dom0) and not assignable; dom0 makes
 * them assignable, then assigns them to one domain at a time.  Every assign,
 * deassign and owner death resets the function (FLR), except the death of
 * a PF's owner that had it by SV_PCI_take_over (a driver domain), which
 * parks it (its DMA stopped, the dead owner's memory out of its IOMMU
 * context, the switch and the VFs kept) until a successor takes it over
 * (SV_PCI_take_over) or anything else resets it.  An owned function's
 * IOMMU context maps its owner's RAM at IOVA = pfn << 12 and each frame the
 * owner maps with GNTMAP_device_map at IOVA = PCI_GRANT_IOVA_BASE + mfn << 12
 * (the dev_bus_addr the map reports).  Its MSI-X vectors are the doorbells of
 * ports in the owner's event channel space, so a device can only interrupt
 * its owner.
 */
#ifndef HV_PCI_H
#define HV_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "hv.h"

#define PCI_GRANT_IOVA_BASE (1ULL << 40)

/* Starts NIC number index, an xnic run with the arguments in spec (space
 * separated, e.g. "--wire tap:sv-wire0 --vfs 4"; docs/xnic.md); its PF is
 * 0000:(03 + index):00.0 unless spec has --pf. */
int pci_nic_start(const char *spec, unsigned index);
/* Stops every NIC (their functions reset first). */
void pci_nics_stop(void);
/* Owner death or destroy: take back every function d owns: reset, or a
 * driver domain's PF parked. */
void pci_release_domain(struct domain *d);
/* A frame d maps with GNTMAP_device_map enters (or leaves) the IOMMU context
 * of every function d owns (and of any assigned to d later), writable for the
 * device only while one of d's device mappings of it is not GNTMAP_readonly.
 * map is all or nothing; unmap takes the readonly flag the map was made with. */
int pci_iommu_map_frame(struct domain *d, const struct frame *f, bool readonly);
void pci_iommu_unmap_frame(struct domain *d, const struct frame *f, bool readonly);

#endif
