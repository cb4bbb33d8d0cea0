/*
 * Xen's netif ABI (xen/io/netif.h, xen/io/ring.h) as the netback and netfront
 * cores use it: the header with the barriers ring.h needs, and the limits
 * both ends share.  Nothing here is Splitvisor's own wire format; it is
 * Xen's, with the constants Linux netback enforces.
 */
#ifndef SV_NETIF_ABI_H
#define SV_NETIF_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* In a tools build ring.h takes its CPU barriers (xen_mb/xen_rmb/xen_wmb)
 * from xenctrl.h; the rings are shared with another process, so they must be
 * real fences, and any file that also includes xenctrl.h gets the same ones. */
#include <xenctrl.h>
#include <xen/io/netif.h>

/* Xen's grant granularity; netif offsets and sizes are within one of these. */
#define NETIF_PAGE_SIZE 4096u
/* Entries of a one-page TX / RX shared ring (256 each). */
#define NETIF_TX_RING_SIZE __CONST_RING_SIZE(netif_tx, NETIF_PAGE_SIZE)
#define NETIF_RX_RING_SIZE __CONST_RING_SIZE(netif_rx, NETIF_PAGE_SIZE)
/* Data slots of one packet: what every backend must accept and, as in Linux
 * netback (max_skb_slots), the most ours accepts. */
#define NETIF_MAX_SLOTS XEN_NETIF_NR_SLOTS_MIN
/* Extra-info slots of one packet: one per known type, none repeated. */
#define NETIF_MAX_EXTRAS (XEN_NETIF_EXTRA_TYPE_MAX - 1)
/* Smallest frame: an Ethernet header. */
#define NETIF_MIN_FRAME 14u

/* Whether a peer's request producer index (read once) is sane: at most one
 * ring ahead of our responses, since slots we have not answered are not its
 * to reuse.  An index moved backwards fails too (unsigned wrap). */
static inline bool netif_req_prod_ok(RING_IDX prod, RING_IDX rsp_prod_pvt, unsigned int size)
{
    return prod - rsp_prod_pvt <= size;
}

#endif
