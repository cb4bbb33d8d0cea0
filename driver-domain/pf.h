/*
 * The driver domain's physical function: the xnic PF assigned to it, driven
 * with the xnic driver library from rings and buffers in the domain's own
 * RAM (IOVA = guest-physical address).  Each vif gets a VMDq pool whose
 * primary MAC is the vif's: the NIC sorts received frames into the pool,
 * and its RSS spreads them over the pool's queue pairs (one per netif
 * queue), so the driver domain never classifies them.  A struct pf_pool is
 * one queue pair: pf_pool_get() gives a pool's first, pf_pool_queue() the
 * others.
 */
#ifndef NETDD_PF_H
#define NETDD_PF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/abi/xnic.h"
#include "sv/netif_offload.h"
#include "sv/vif_back.h"

struct event_base;
struct pf;
struct pf_pool;

/* What the NIC said of a received frame, in netif's terms. */
struct pf_rx_meta {
    struct netif_offload o; /* verified checksum; for RSC, partial and GSO */
    bool rsc;               /* another pool's TSO/CSUM packet delivered whole */
    bool hashed;            /* the pool's RSS hashed it: hash is valid */
    struct vif_back_rx_hash hash;
};

/* A received frame for the queue's owner: 0 taken, -EAGAIN hold it and
 * retry at pf_pool_rx_retry() (the guest has no buffer posted now). */
typedef int pf_rx_fn(void *ctx, const void *frame, size_t len, const struct pf_rx_meta *m);
/* The end of a batch of received frames (the owner may flush what it merged). */
typedef void pf_rx_end_fn(void *ctx);
/* A packet sent with pf_pool_tx_segs() completed (status: XNIC_DS_*). */
typedef void pf_tx_done_fn(void *ctx, uint32_t tag, uint16_t status);

/*
 * NIC admin commands (a pool's start and stop, its MAC, VLANs and RSS, the
 * switch's steering) are queued and run one at a time while the loop goes
 * on (sv/xnic_drv.h, queued admin): the calls below return before the NIC
 * has done them.  pf_barrier's done(ctx, status) runs once it has done
 * every one asked for before (from the loop, never inside pf_barrier),
 * status the first failure since the last barrier; failures of those nobody waits for (RSS,
 * standby, steering) are logged.  A pool given back is handed out again only once stopped.
 * 0 or -ENOMEM (done is not called then).
 */
typedef void pf_done_fn(void *ctx, int status);
int pf_barrier(struct pf *pf, pf_done_fn *done, void *ctx);

/* Finds the PF assigned to this domain and brings it up; NULL (logged) if none. */
struct pf *pf_open(struct event_base *base);
void pf_close(struct pf *pf);
unsigned pf_pools_free(const struct pf *pf);

/* A pool for mac (broadcast on, anti-spoofing on) with port VLAN vlan (0:
 * none; the NIC tags and untags), a standby from the start (see
 * pf_pool_standby) or not, its first queue pair started, or NULL when none
 * is free.  rsc: its RX queues take other pools' TSO/CSUM packets
 * whole with partial checksums (XNIC_QF_RSC; status XNIC_RXS_RSC, GSO size
 * and type in wb); only for an owner that passes them on. */
struct pf_pool *pf_pool_get(struct pf *pf, const uint8_t mac[6], uint16_t vlan, bool standby,
                            bool rsc, pf_rx_fn *rx, pf_rx_end_fn *rx_end, pf_tx_done_fn *tx_done,
                            void *ctx);
/* Queue pairs each pool has (>= 1). */
unsigned pf_pool_queues(const struct pf *pf);
/* Starts queue k (1 .. pf_pool_queues() - 1) of the pool whose first queue
 * is p, with its own callbacks; NULL when it cannot (logged). */
struct pf_pool *pf_pool_queue(struct pf_pool *p, unsigned k, pf_rx_fn *rx, pf_rx_end_fn *rx_end,
                              pf_tx_done_fn *tx_done, void *ctx);
/* RSS of p's pool (p its first queue): types XNIC_RSS_TYPE_* (0: off),
 * mapping[size] queue indices below pf_pool_queues().  0 or -errno. */
int pf_pool_rss(struct pf_pool *p, uint8_t types, const uint8_t key[XNIC_RSS_KEY_SIZE],
                const uint32_t *mapping, unsigned size);
/* The VLANs p's pool (p its first queue) carries tagged besides its port
 * VLAN (sv/vlan.h); without any it is an access port.  0 or -errno. */
struct sv_vlan_set;
int pf_pool_trunk(struct pf_pool *p, const struct sv_vlan_set *trunk);
/* The misc vector's causes (xnic_drv_take_icr: link changes, VFs'
 * mailbox messages) go to misc, for the PF owner's VF configuration
 * (sv/vf_config.h), which drives the PF through pf_drv(). */
typedef void pf_misc_fn(void *ctx, uint32_t icr);
void pf_set_misc(struct pf *pf, pf_misc_fn *misc, void *ctx);
struct xnic_drv *pf_drv(const struct pf *pf);
/* Failover: a vif whose guest carries its traffic on a VF teamed with it
 * is a standby, its pool (p its first queue) STANDBY: the NIC delivers it
 * nothing (the VF gets the MAC's frames), and it may still send.  false
 * gives the pool back what pf_pool_get() set.  0 or -errno. */
int pf_pool_standby(struct pf_pool *p, bool standby);
/* Stops queue p; a pool's first queue takes the pool's other queues, its
 * MAC, RSS and trunk set with it.  Frames held for them are dropped. */
void pf_pool_put(struct pf_pool *p);

/*
 * The default pool (pool 0: broadcasts, unicast the NIC matched to nothing,
 * and MACs steered to it with pf_switch_add) for the software switch that
 * serves vifs once the pools run out.  No anti-spoofing: the switch checks
 * source MACs itself.  NULL when it cannot start.
 */
struct pf_pool *pf_switch_pool(struct pf *pf, pf_rx_fn *rx, void *ctx);
/* Steers frames for mac on vlan (0: any VLAN) to the default pool, or stops it. */
int pf_switch_add(struct pf *pf, const uint8_t mac[6], uint16_t vlan);
void pf_switch_del(struct pf *pf, const uint8_t mac[6], uint16_t vlan);
/* The pool p belongs to, and p's PF queue pair. */
unsigned pf_pool_index(const struct pf_pool *p);
unsigned pf_pool_queue_pair(const struct pf_pool *p);

/* TX: a free buffer for a frame of len bytes (*cap: its size, up to
 * PF_TX_BUF - 1), then submit it with the packet's length and offload
 * command.  NULL when all are in flight: the pool then calls its tx_room
 * callback (pf_pool_set_tx_room) once the NIC has sent some.  Looking for
 * room (here and in pf_pool_tx_segs) takes the NIC's TX completions
 * (tx_done may run) but never delivers a received frame: the caller is in
 * its TX loop. */
#define PF_TX_BUF 65536u
typedef void pf_tx_room_fn(void *ctx);
void *pf_pool_tx_buffer(struct pf_pool *p, size_t len, size_t *cap);
void pf_pool_set_tx_room(struct pf_pool *p, pf_tx_room_fn *fn);
int pf_pool_tx_submit(struct pf_pool *p, void *buf, size_t len, unsigned cmd, uint16_t mss,
                      uint8_t hdr_len);
void pf_pool_tx_kick(struct pf_pool *p);

/* Zero copy: a packet whose buffers the device reads where they are (IOVAs
 * of device-mapped grants, at most PF_TX_SEGS_MAX), after head (its
 * headers: head_len bytes in a pf_pool_tx_buffer(), busy until then);
 * tx_done(tag) when the device is done with them.  tag <= 0xffff.
 * -ENOSPC when the ring lacks the descriptors. */
#define PF_TX_SEGS_MAX 18 /* a netif packet's slots (XEN_NETIF_NR_SLOTS_MIN) */
struct xnic_drv_seg;
int pf_pool_tx_segs(struct pf_pool *p, const void *head, size_t head_len,
                    const struct xnic_drv_seg *segs, unsigned n, unsigned cmd, uint16_t mss,
                    uint8_t hdr_len, uint32_t tag);

/* Delivers held frames again (the guest posted RX buffers). */
void pf_pool_rx_retry(struct pf_pool *p);
/* RX descriptors the pool took from the NIC and holds undelivered: the
 * owner's backlog. */
unsigned pf_pool_rx_held(const struct pf_pool *p);

#endif
