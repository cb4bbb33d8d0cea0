/*
 * xnic driver library: drives one PCI function of an xnic (PF or VF) from
 * its register page, doorbell eventfds and MSI-X vector eventfds, with rings
 * and buffers in memory the caller provides and addresses by IOVA.  Used by
 * the driver domain (PF), the VF driver of a direct-assignment guest and the
 * native test/bench programs.  Not thread-safe: one thread per function (or
 * lock around it).  Errors: negative errno.
 */
#ifndef SV_XNIC_DRV_H
#define SV_XNIC_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/abi/xnic.h"

struct xnic_drv;

/*
 * Opens a function: maps reg_fd and checks MAGIC/VERSION.  doorbells[] and
 * vectors[] hold n eventfds each (n = 1 + queues of the function).  vectors
 * may be NULL when interrupts reach the caller another way (a domain gets
 * them as event channel notifications).  On success the driver owns every fd
 * (closed by xnic_drv_close); on failure the caller keeps them.  poll_mode: never write doorbells
 * (the device polls tails).
 */
struct xnic_drv *xnic_drv_open(int reg_fd, const int *doorbells, const int *vectors, unsigned n,
                               bool poll_mode, int *err);
void xnic_drv_close(struct xnic_drv *d);

bool xnic_drv_is_vf(const struct xnic_drv *d);
unsigned xnic_drv_num_queues(const struct xnic_drv *d);
/* PF: its VMDq pools and queue pairs per pool (pool p's queue k is PF queue
 * XNIC_POOL_QUEUE(pools, p, k)); a VF: 1 and 1. */
unsigned xnic_drv_num_pools(const struct xnic_drv *d);
unsigned xnic_drv_pool_queues(const struct xnic_drv *d);
bool xnic_drv_link_up(const struct xnic_drv *d);
/* The misc vector's causes (XNIC_ICR_*) since the last call, cleared. */
uint32_t xnic_drv_take_icr(struct xnic_drv *d);
/* The register page, for reading counters and identity registers. */
const volatile uint8_t *xnic_drv_regs(const struct xnic_drv *d);
/* Vector eventfd v (poll it for interrupts), or -1 when opened without. */
int xnic_drv_vector_fd(const struct xnic_drv *d, unsigned v);
/* Masks or unmasks vector v; after an unmask, check the rings once more:
 * the device does not remember what it completed while masked. */
void xnic_drv_mask_vector(struct xnic_drv *d, unsigned v, bool masked);

/* Runs an admin command (in/out), waiting up to timeout_ms for completion
 * (after the queued ones, below).  Returns the device's status, -ETIMEDOUT,
 * or -ECONNRESET at once when an FLR (or a detach) cleared the command
 * before the device ran it.  The mailbox and reset always run this way. */
int xnic_drv_admin(struct xnic_drv *d, struct xnic_admin *cmd, int timeout_ms);

/*
 * Queued admin, for an owner whose one thread serves others meanwhile (the
 * driver domain): a command waits for the device, which may take
 * milliseconds (a real NIC's firmware does), and a thread waiting for it
 * serves nobody.  With queued on, the configuration calls below
 * (queue_start/stop, filter_add/del, vport_config, vport_trunk,
 * rss_config, set_default) only queue their commands (0, or -ENOMEM); they
 * run in order, one at a time, as the owner calls xnic_drv_admin_service()
 * (on the misc vector, which each completion raises, and now and then: a
 * command times out after a second).  A barrier's done(ctx, status) runs
 * once every command queued before it has completed: status is the first
 * failure among those since the previous barrier, or 0.  A queue started
 * this way may be filled at once (the device reads its tails once it is
 * enabled).  Barriers run only in xnic_drv_admin_service() (and in a
 * synchronous command, which serves the queue first), never inside the
 * call that queued them: call the service soon after queuing one.
 * Turning queued off runs what is queued first, waiting.
 */
typedef void xnic_drv_done_fn(void *ctx, int status);
/* Returns whether it was queued before (a caller may put it back). */
bool xnic_drv_admin_queued(struct xnic_drv *d, bool queued);
/* 0, or -ENOMEM (done is not called). */
int xnic_drv_admin_barrier(struct xnic_drv *d, xnic_drv_done_fn *done, void *ctx);
/* Completes what the device finished and posts the next command; true
 * while commands or barriers wait. */
bool xnic_drv_admin_service(struct xnic_drv *d);

/* Rings of one queue pair: 16-byte descriptors, sizes powers of two
 * (XNIC_MIN_RING..XNIC_MAX_RING), memory zeroed by the caller, mapped
 * read-write in the function's IOMMU context at the given IOVAs. */
struct xnic_drv_rings {
    void *tx;
    uint64_t tx_iova;
    uint32_t tx_size;
    void *rx;
    uint64_t rx_iova;
    uint32_t rx_size;
    bool rx_rsc; /* take local senders' TSO/CSUM frames whole, checksum partial
                  * (XNIC_QF_RSC): only for a caller that passes GSO on */
};

/* Programs and enables queue q (weight: TX scheduler weight, 0 = 1). */
int xnic_drv_queue_start(struct xnic_drv *d, unsigned q, const struct xnic_drv_rings *r,
                         uint32_t weight);
int xnic_drv_queue_stop(struct xnic_drv *d, unsigned q);
/* Whether the device has queue q's TX and RX enabled (QSTATUS): a queue
 * the driver started reads disabled after an FLR it did not ask for. */
bool xnic_drv_queue_enabled(const struct xnic_drv *d, unsigned q);

/* Posts an RX buffer; cookie comes back with its completion.  -ENOSPC when
 * the ring is full.  Visible to the device at the next xnic_drv_rx_kick. */
int xnic_drv_rx_post(struct xnic_drv *d, unsigned q, uint64_t iova, uint16_t len, void *cookie);
void xnic_drv_rx_kick(struct xnic_drv *d, unsigned q);

struct xnic_drv_rx_done {
    void *cookie;
    uint16_t len;
    uint16_t status; /* XNIC_RXS_* | error << 8 */
    uint16_t vlan_tci;
    /* The EOP descriptor's write-back: the RSS hash with XNIC_RXS_RSS; with
     * XNIC_RXS_RSC (checksums partial) the MSS and XNIC_GSO_* type of a TSO
     * packet delivered whole (0 when not GSO). */
    struct xnic_rx_wb wb;
};
/* Up to max completed RX buffers; their slots become free for posting. */
unsigned xnic_drv_rx_reap(struct xnic_drv *d, unsigned q, struct xnic_drv_rx_done *out,
                          unsigned max);

struct xnic_drv_seg {
    uint64_t iova;
    uint16_t len;
};
/* Posts one packet of nseg buffers (cmd: XNIC_TXD_CSUM / XNIC_TXD_TSO; EOP is
 * added).  -ENOSPC when the ring lacks room.  Sent at xnic_drv_tx_kick. */
int xnic_drv_tx(struct xnic_drv *d, unsigned q, const struct xnic_drv_seg *segs, unsigned nseg,
                unsigned cmd, uint16_t mss, uint8_t hdr_len, void *cookie);
void xnic_drv_tx_kick(struct xnic_drv *d, unsigned q);
/* Free TX descriptors of queue q. */
unsigned xnic_drv_tx_room(const struct xnic_drv *d, unsigned q);

struct xnic_drv_tx_done {
    void *cookie;
    uint16_t status; /* XNIC_DS_DD | error << 8 */
};
unsigned xnic_drv_tx_reap(struct xnic_drv *d, unsigned q, struct xnic_drv_tx_done *out,
                          unsigned max);

/* Copy of queue q's counters. */
void xnic_drv_stats(const struct xnic_drv *d, unsigned q, struct xnic_queue_stats *out);

/* PF only (VF: -EPERM from the device). vlan: VID or XNIC_VLAN_ANY. */
int xnic_drv_filter_add(struct xnic_drv *d, const uint8_t mac[6], uint16_t vlan, unsigned vport);
int xnic_drv_filter_del(struct xnic_drv *d, const uint8_t mac[6], uint16_t vlan, unsigned vport);
/* Primary MAC, port VLAN and XNIC_VPF_* flags of a pool or VF (vport = pools + vf);
 * with XNIC_VPORT_CLEAR its trunk set, RSS and filters go first. */
int xnic_drv_vport_config(struct xnic_drv *d, unsigned vport, const uint8_t mac[6], uint16_t pvid,
                          uint32_t flags);
/* The VLANs a pool or VF carries tagged besides its port VLAN (sv/vlan.h;
 * empty: an access port).  Four VLAN_SET commands. */
struct sv_vlan_set;
int xnic_drv_vport_trunk(struct xnic_drv *d, unsigned vport, const struct sv_vlan_set *trunk);
int xnic_drv_set_default(struct xnic_drv *d, unsigned vport);
/* Receive side scaling of a pool: frames sorted to it go to its queue
 * table[hash % size] (indices below xnic_drv_pool_queues()) by the Toeplitz
 * hash under key of the XNIC_RSS_TYPE_* types; types 0 turns it off (queue
 * 0 takes all).  size 1..128, table holds size entries; -EINVAL from the
 * device for a bad pool, type or entry. */
int xnic_drv_rss_config(struct xnic_drv *d, unsigned pool, uint8_t types,
                        const uint8_t key[XNIC_RSS_KEY_SIZE], const uint8_t *table, unsigned size);

/* Mailbox: PF peer = VF number; a VF's peer is always the PF (peer ignored).
 * send: -EBUSY while the peer has not read the previous message.
 * recv: -ENOENT when none waits; returns the message length. */
int xnic_drv_mbx_send(struct xnic_drv *d, unsigned peer, const void *msg, unsigned len);
int xnic_drv_mbx_recv(struct xnic_drv *d, unsigned peer, void *msg, unsigned size);

/* Function reset from the owner's side (same effect as an FLR). */
int xnic_drv_reset(struct xnic_drv *d);

#endif
