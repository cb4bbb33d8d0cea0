/*
 * The hypercall handlers behind the dispatch table in channel.c.  Each takes
 * the call's context, validates its arguments (the dispatcher has already
 * checked sizes, batch counts and dom0-only rights), updates ctx->arg in
 * place as the result, and returns 0 or a negative errno for the whole call.
 */
#ifndef HV_HYPERCALLS_H
#define HV_HYPERCALLS_H

#include "hv.h"

/* hc_grant.c */
int hc_gnttab_map(struct hc_ctx *ctx);
int hc_gnttab_unmap(struct hc_ctx *ctx);
int hc_gnttab_copy(struct hc_ctx *ctx);
int hc_gnttab_query_size(struct hc_ctx *ctx);
int hc_gnttab_setup_table(struct hc_ctx *ctx);
int hc_mem_share(struct hc_ctx *ctx);
int hc_mem_unshare(struct hc_ctx *ctx);
int hc_mem_notify(struct hc_ctx *ctx);

/* hc_event.c */
int hc_evtchn_alloc_unbound(struct hc_ctx *ctx);
int hc_evtchn_bind_interdomain(struct hc_ctx *ctx);
int hc_evtchn_bind_virq(struct hc_ctx *ctx);
int hc_evtchn_close(struct hc_ctx *ctx);
int hc_evtchn_send(struct hc_ctx *ctx);
int hc_evtchn_status(struct hc_ctx *ctx);
int hc_evtchn_unmask(struct hc_ctx *ctx);

/* hc_domctl.c */
int hc_domctl_create(struct hc_ctx *ctx);
int hc_domctl_pause(struct hc_ctx *ctx);
int hc_domctl_unpause(struct hc_ctx *ctx);
int hc_domctl_destroy(struct hc_ctx *ctx);
int hc_domctl_getinfo(struct hc_ctx *ctx);
int hc_domctl_lookup(struct hc_ctx *ctx);
int hc_domctl_power_button(struct hc_ctx *ctx);
int hc_domctl_console_in(struct hc_ctx *ctx);
int hc_domctl_rename(struct hc_ctx *ctx);
int hc_sched_shutdown(struct hc_ctx *ctx);
int hc_sched_remote_shutdown(struct hc_ctx *ctx);
int hc_sysctl_readconsole(struct hc_ctx *ctx);
int hc_sysctl_physinfo(struct hc_ctx *ctx);
int hc_sysctl_shutdown(struct hc_ctx *ctx);
int hc_platform_channel_open(struct hc_ctx *ctx);
int hc_platform_start_info(struct hc_ctx *ctx);
int hc_platform_open_tun(struct hc_ctx *ctx);

/* pci.c */
int hc_pci_list(struct hc_ctx *ctx);
int hc_pci_assignable_add(struct hc_ctx *ctx);
int hc_pci_assignable_remove(struct hc_ctx *ctx);
int hc_pci_attach(struct hc_ctx *ctx);
int hc_pci_detach(struct hc_ctx *ctx);
int hc_pci_open(struct hc_ctx *ctx);
int hc_pci_stats(struct hc_ctx *ctx);

/* Room for results after the reply header. */
#define HC_RESULT_MAX (SV_HC_MAX_MSG - sizeof(struct hc_reply))

/* The domain a call names: DOMID_SELF is the caller; NULL if none. */
struct domain *hc_domain(const struct hc_ctx *ctx, domid_t domid);
/* Appends fd to the reply (taking ownership); -EMFILE when full. */
int hc_reply_fd(struct hc_ctx *ctx, int fd);

#endif
