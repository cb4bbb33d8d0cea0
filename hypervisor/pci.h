/*
 * PCI ownership, IOMMU contexts and interrupt routing for the NICs the
 * hypervisor starts (one xnic device-model process each).
 *
 * Functions start owned by the host (dom0) and not assignable; dom0 makes
 * them assignable, then assigns them to one domain at a time.  Every assign,
 * deassign and owner death resets the function (FLR).  An owned function's
 * IOMMU context maps its owner's RAM at IOVA = pfn << 12 and each frame the
 * owner maps with GNTMAP_device_map at IOVA = PCI_GRANT_IOVA_BASE + mfn << 12
 * (the dev_bus_addr the map reports).  Its MSI-X vectors are the doorbells of
 * ports in the owner's event channel space, so a device can only interrupt
 * its owner.
 */
#ifndef HV_PCI_H
#define HV_PCI_H

#include <stdint.h>

#include "hv.h"

#define PCI_GRANT_IOVA_BASE (1ULL << 40)

/* Starts the NIC described by spec ("wire=tap:NAME,pools=N,vfs=N,bus=BB"). */
int pci_nic_start(const char *spec, unsigned index);
/* Stops every NIC (their functions reset first). */
void pci_nics_stop(void);
/* Owner death or destroy: reset and take back every function d owns. */
void pci_release_domain(struct domain *d);
/* A frame d maps with GNTMAP_device_map enters (or leaves) the IOMMU context
 * of every function d owns. */
int pci_iommu_map_frame(struct domain *d, const struct frame *f);
void pci_iommu_unmap_frame(struct domain *d, const struct frame *f);

#endif
