/*
 * Software GRO of a receive path (netdd's pools for their guests, a guest's
 * own VF for its TAP): consecutive TCP/IPv4 segments of one flow, as the
 * NIC's TSO cut them, are merged back into one GSO frame before they go on,
 * so the receiver takes one frame (one ring slot chain, one TAP write) per
 * 64 KiB instead of one per 1.5 KiB.
 * Only what is safe is merged: IPv4 without options or fragments, TCP
 * segments carrying data with ACK (PSH allowed on the last), in sequence,
 * headers otherwise identical, TCP checksum verified by the NIC.
 */
#ifndef SV_GRO_H
#define SV_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/netif_offload.h"

#define GRO_MAX 65535u

struct gro {
    uint8_t buf[GRO_MAX];
    size_t len;     /* 0: nothing held */
    size_t hdr_len; /* Ethernet + IPv4 + TCP */
    uint16_t mss;   /* payload of the first segment */
    uint32_t next_seq;
    unsigned segs;
    bool closed; /* a short or PSH segment ended the run */
};

enum gro_verdict {
    GRO_TAKEN, /* merged into, or started, the held frame */
    GRO_FLUSH, /* deliver the held frame first, then offer this one again */
    GRO_PASS,  /* not mergeable: deliver it as it is */
};

/* Offers one received frame (csum_ok: the NIC verified its TCP checksum). */
enum gro_verdict gro_add(struct gro *g, const uint8_t *frame, size_t len, bool csum_ok);
/* Finishes the held frame (fixes its IPv4 header) and returns it (NULL when
 * none) with its offload: GSO when it merged several segments.  It stays held
 * until gro_reset(). */
const uint8_t *gro_finish(struct gro *g, size_t *len, struct netif_offload *o);
void gro_reset(struct gro *g);

#endif
