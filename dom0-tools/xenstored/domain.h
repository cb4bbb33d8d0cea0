/*
 * Domains as xenstored sees them: introduced or not, the target a device
 * model domain manages (SET_TARGET), what each owns against its quotas, and
 * the permission rule that follows from who a connection is.
 */
#ifndef XSD_DOMAIN_H
#define XSD_DOMAIN_H

#include "core.h"

/* The record of domid, created on first use; NULL on ENOMEM. */
struct domain *domain_get(struct xsd *xs, uint32_t domid);
/* The record of domid if it exists, else NULL. */
struct domain *domain_find(struct xsd *xs, uint32_t domid);
/* The record of domid if it is introduced, else NULL. */
struct domain *domain_introduced(struct xsd *xs, uint32_t domid);
void domain_free_all(struct xsd *xs);

/* Quota q of domid: its own when dom0 set one, else the global. */
unsigned int domain_quota(struct xsd *xs, uint32_t domid, int q);

/* Charges (delta > 0) or gives back bytes of domid's memory account; dom0
 * is not counted.  Crossing the soft limit is logged once. */
void domain_memory_add(struct xsd *xs, uint32_t domid, long delta);
/* True when domid (never dom0) would go over its memory quota by holding
 * bytes more. */
bool domain_memory_over(struct xsd *xs, uint32_t domid, size_t bytes);

/*
 * The rights conn has on a node with these permissions (Xen's rule): a
 * privileged connection, the owner (perms[0].id) and the domain that targets
 * the owner get READ|WRITE|OWNER; otherwise the first ACL entry naming the
 * connection's domain (or its target) decides, else perms[0]'s bits.
 */
unsigned int domain_perms_for(const struct conn *conn, const struct xs_permissions *perms,
                              unsigned int nperms);

/*
 * XS_INTRODUCE: records domid's ring frame and event channel and fires
 * @introduceDomain the first time.  A second introduction only updates the
 * event channel, as in Xen.  0 or -ENOMEM, -EINVAL for domid 0 or a
 * reserved id.
 */
int domain_introduce(struct xsd *xs, uint32_t domid, unsigned long mfn, unsigned int port);

/*
 * XS_RELEASE or the domain's death: closes every connection of domid,
 * removes the nodes it owns (Xen >= 4.17 default), forgets the domain and
 * fires @releaseDomain.  0, or -ENOENT when domid was not introduced.
 */
int domain_release(struct xsd *xs, uint32_t domid);

/* The domain shut down (not yet dead): fires @releaseDomain once until
 * domain_resume().  -ENOENT when not introduced. */
int domain_shutdown(struct xsd *xs, uint32_t domid);
int domain_resume(struct xsd *xs, uint32_t domid);

#endif
