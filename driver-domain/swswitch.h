/*
 * The software L2 switch of the driver domain: when the NIC's VMDq pools
 * run out, further vifs share the default pool (pool 0).  The NIC steers
 * their MACs there (filters on vport 0); this switch sorts what arrives by
 * destination MAC, switches frames between its own vifs without the NIC,
 * sends everything else out through pool 0, and checks source MACs itself
 * (pool 0 has no anti-spoofing: it carries many MACs).  Its ports follow
 * the NIC's VLAN rule (sv/vlan.h), so that a vif is on the same VLANs on a
 * pool and here: a vif on a VLAN is an access port of it (its frames get
 * the tag on the way out and lose it on the way in), a vif without one an
 * access port of the untagged LAN, and only a vif with a trunk set sends
 * and receives tagged frames, of those VLANs.  A frame a port may not send
 * is dropped and counted as spoofed.
 */
#ifndef NETDD_SWSWITCH_H
#define NETDD_SWSWITCH_H

#include <stddef.h>
#include <stdint.h>

struct pf;
struct vif_back;
struct netif_offload;
struct swswitch;

struct swswitch *swswitch_new(struct pf *pf);
void swswitch_free(struct swswitch *s);

/* v joins the switch with mac: 0, or -ENOSPC (full) / -errno. */
int swswitch_attach(struct swswitch *s, struct vif_back *v, const uint8_t mac[6]);
void swswitch_detach(struct swswitch *s, struct vif_back *v);

/* A TX buffer of pool 0 for a frame of v of *cap bytes (*cap: the room it
 * has, the VLAN tag kept aside), or NULL (each vif's vif_back_poll() runs
 * once pool 0 has room again). */
void *swswitch_tx_buffer(struct swswitch *s, struct vif_back *v, size_t *cap);
/* A frame from v in that buffer: switched in software or sent through pool 0. */
int swswitch_transmit(struct swswitch *s, struct vif_back *v, void *buf, size_t len,
                      const struct netif_offload *o, unsigned cmd, uint16_t mss, uint8_t hdr_len);
void swswitch_flush(struct swswitch *s);
/* The guest of v posted RX buffers, or v's receive credit came: the frames
 * its port held over its receive rate (the last 64) are offered again. */
void swswitch_rx_ready(struct swswitch *s, struct vif_back *v);
/* Publishes each vif's counters in its backend directory (called now and then). */
void swswitch_publish(struct swswitch *s);

#endif
