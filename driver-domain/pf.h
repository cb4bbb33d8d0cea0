/*
 * The driver domain's physical function: the xnic PF assigned to it, driven
 * with the xnic driver library from rings and buffers in the domain's own
 * RAM (IOVA = guest-physical address).  Each vif gets a VMDq pool whose
 * primary MAC is the vif's: the NIC sorts received frames into the pool's
 * queue, so the driver domain never classifies them.
 */
#ifndef NETDD_PF_H
#define NETDD_PF_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct pf;
struct pf_pool;

/* A received frame for the pool's owner: 0 taken, -EAGAIN hold it and
 * retry at pf_pool_rx_retry() (the guest has no buffer posted now). */
typedef int (*pf_rx_fn)(void *ctx, const void *frame, size_t len, uint16_t status);
/* The end of a batch of received frames (the owner may flush what it merged). */
typedef void (*pf_rx_end_fn)(void *ctx);
/* A packet sent with pf_pool_tx_segs() completed (status: XNIC_DS_*). */
typedef void (*pf_tx_done_fn)(void *ctx, uint32_t tag, uint16_t status);

/* Finds the PF assigned to this domain and brings it up; NULL (logged) if none. */
struct pf *pf_open(struct event_base *base);
void pf_close(struct pf *pf);
unsigned pf_pools_free(const struct pf *pf);

/* A pool for mac (broadcast on, anti-spoofing on), or NULL when none is free. */
struct pf_pool *pf_pool_get(struct pf *pf, const uint8_t mac[6], pf_rx_fn rx, pf_rx_end_fn rx_end,
                            pf_tx_done_fn tx_done, void *ctx);
/* Stops the pool's queue, clears its MAC; frames held for it are dropped. */
void pf_pool_put(struct pf_pool *p);

/*
 * The default pool (pool 0: broadcasts, unicast the NIC matched to nothing,
 * and MACs steered to it with pf_switch_add) for the software switch that
 * serves vifs once the pools run out.  No anti-spoofing: the switch checks
 * source MACs itself.  NULL when it cannot start.
 */
struct pf_pool *pf_switch_pool(struct pf *pf, pf_rx_fn rx, void *ctx);
/* Steers frames for mac (any VLAN) to the default pool, or stops it. */
int pf_switch_add(struct pf *pf, const uint8_t mac[6]);
void pf_switch_del(struct pf *pf, const uint8_t mac[6]);
unsigned pf_pool_index(const struct pf_pool *p);

/* TX: a free buffer for a frame of len bytes (*cap: its size, up to
 * PF_TX_BUF - 1), then submit it with the packet's length and offload
 * command.  NULL when all are in flight: the pool then calls its tx_room
 * callback (pf_pool_set_tx_room) once the NIC has sent some. */
#define PF_TX_BUF 65536u
typedef void (*pf_tx_room_fn)(void *ctx);
void *pf_pool_tx_buffer(struct pf_pool *p, size_t len, size_t *cap);
void pf_pool_set_tx_room(struct pf_pool *p, pf_tx_room_fn fn);
int pf_pool_tx_submit(struct pf_pool *p, void *buf, size_t len, unsigned cmd, uint16_t mss,
                      uint8_t hdr_len);
void pf_pool_tx_kick(struct pf_pool *p);

/* Zero copy: a packet whose buffers the device reads where they are (IOVAs
 * of device-mapped grants); tx_done(tag) when the device is done with them.
 * -ENOSPC when the ring lacks n descriptors. */
struct xnic_drv_seg;
int pf_pool_tx_segs(struct pf_pool *p, const struct xnic_drv_seg *segs, unsigned n, unsigned cmd,
                    uint16_t mss, uint8_t hdr_len, uint32_t tag);

/* Delivers held frames again (the guest posted RX buffers). */
void pf_pool_rx_retry(struct pf_pool *p);

#endif
