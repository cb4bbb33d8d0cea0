/*
 * The hypercall handlers behind the dispatch table in channel.c.  Each takes
 * the call's context, validates its arguments (the dispatcher has already
 * checked sizes, batch counts and dom0-only rights), updates ctx->arg in
 * place as the result, and returns 0 or a negative errno for the whole call.
 */
#ifndef HV_HYPERCALLS_H
#define HV_HYPERCALLS_H

#include "hv.h"

/* hc_<name>() for each call of SV_HYPERCALLS: grant and memory calls in
 * hc_grant.c, event channels in hc_event.c, PCI in pci.c, the rest in
 * hc_domctl.c. */
#define HC_PROTO(name, op, cmd, type, max, dom0) int hc_##name(struct hc_ctx *ctx);
SV_HYPERCALLS(HC_PROTO)
#undef HC_PROTO

/* Room for results after the reply header. */
#define HC_RESULT_MAX (SV_HC_MAX_MSG - sizeof(struct hc_reply))

/* The domain a call names: DOMID_SELF is the caller; NULL if none. */
struct domain *hc_domain(const struct hc_ctx *ctx, domid_t domid);
/* Appends fd to the reply (taking ownership); -EMFILE when full. */
int hc_reply_fd(struct hc_ctx *ctx, int fd);

#endif
