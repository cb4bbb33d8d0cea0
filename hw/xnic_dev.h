/*
 * xnic device core: the PCI functions (PF + VFs), their register pages,
 * queues, admin commands, mailbox, the TX scheduler, the internal switch
 * (VEB), anti-spoofing, counters and FLR.  No sockets and no event loop: the
 * program (xnic_main.c) feeds it doorbell kicks and wire frames, and it calls
 * back to transmit on the wire and to report IOMMU faults.
 *
 * Functions are numbered 0 (PF) and 1 + n (VF n).  Vports are numbered pools
 * first (0 .. pools-1), then VFs (pools + n).  Pool p owns the PF's queue
 * pairs p, p + pools, p + 2 * pools, ... (XNIC_POOL_QUEUE); received frames
 * are spread over them by RSS.
 * Errors: negative errno.
 */
#ifndef XNIC_DEV_H
#define XNIC_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu.h"
#include "sv/abi/xnic.h"

#define XNIC_MAX_FUNCS (1 + XNIC_MAX_VFS)

/* A packet the wire's far side finishes, in virtio_net_hdr's terms: its
 * TCP/UDP checksum field holds the pseudo-header sum (CHECKSUM_PARTIAL). */
struct xnic_wire_offload {
    uint8_t gso_type;     /* XNIC_GSO_NONE, or TCPV4/TCPV6: segment at gso_size */
    uint16_t gso_size;    /* TCP payload bytes per segment */
    uint16_t hdr_len;     /* Ethernet + IP + TCP header bytes */
    uint16_t csum_start;  /* where the TCP/UDP header starts */
    uint16_t csum_offset; /* its checksum field, from csum_start */
};

struct xnic_dev_ops {
    /* Sends a frame out of the wire; returns 0 or -errno (counted as tx_errors). */
    int (*wire_tx)(void *arg, const uint8_t *frame, size_t len);
    /* The same for a packet the far side segments and checksums (a TSO packet
     * whole, a frame with its checksum partial); NULL when the wire cannot
     * take that, and the device cuts and fills them itself. */
    int (*wire_tx_offload)(void *arg, const uint8_t *frame, size_t len,
                           const struct xnic_wire_offload *o);
    /* An IOMMU fault that passed the rate limit (see iommu_fault_fn). */
    iommu_fault_fn *fault;
};

struct xnic_dev_config {
    unsigned pools;       /* 1 .. XNIC_MAX_POOLS */
    unsigned pool_queues; /* queue pairs per pool, pools * it <= XNIC_MAX_QUEUES;
                           * 0: as many as fit, up to 4 */
    unsigned vfs;         /* 0 .. XNIC_MAX_VFS */
    uint8_t bus;          /* PF is bus:00.0, VF n is bus:(0x10 + n / 8).(n % 8) */
    unsigned fault_burst; /* fault reports per second per function */
    const struct xnic_dev_ops *ops;
    void *ops_arg;
};

struct xnic_dev;

/* NULL with errno on a bad config or no memory.  Free with xnic_dev_free. */
struct xnic_dev *xnic_dev_new(const struct xnic_dev_config *cfg);
/* Detaches every function (closing the fds it owns) and frees; NULL is ok. */
void xnic_dev_free(struct xnic_dev *dev);

unsigned xnic_dev_num_funcs(const struct xnic_dev *dev);
unsigned xnic_dev_num_pools(const struct xnic_dev *dev);
unsigned xnic_dev_pool_queues(const struct xnic_dev *dev);
unsigned xnic_dev_num_vfs(const struct xnic_dev *dev);
bool xnic_dev_link_up(const struct xnic_dev *dev);
/* BDF of function f as in XNIC_REG_FUNC (without the VF bit); f must be valid. */
uint32_t xnic_dev_func_bdf(const struct xnic_dev *dev, unsigned f);
unsigned xnic_dev_func_nqueues(const struct xnic_dev *dev, unsigned f);
/* Doorbells and vectors function f needs: 1 + its queues each. */
unsigned xnic_dev_func_nvec(const struct xnic_dev *dev, unsigned f);
/* Function index of a BDF string "DDDD:BB:DD.F", or -ENOENT. */
int xnic_dev_func_by_name(const struct xnic_dev *dev, const char *bdf);

/*
 * Gives function f to an owner: reg_fd is its register page (a memfd of at
 * least 4096 bytes sealed with F_SEAL_SHRINK, which the device maps and
 * resets), doorbells[] and vectors[] eventfds, xnic_dev_func_nvec() of each.
 * On success the device owns every fd (closed at detach); on failure the
 * caller keeps them.  -EBUSY when f is already attached, -EPERM when reg_fd
 * is not sealed.
 */
int xnic_dev_attach(struct xnic_dev *dev, unsigned f, int reg_fd, const int *doorbells,
                    const int *vectors, unsigned n);
/* FLR, then drops the register page, fds and IOMMU context of f. */
int xnic_dev_detach(struct xnic_dev *dev, unsigned f);
/*
 * The PF's owner died and a successor may come: stops every PF queue (no
 * DMA into the dead owner's memory), drops its page, fds and IOMMU context,
 * but keeps the switch (pools' configuration, filters, RSS, default pool)
 * and the VFs running.  Frames the switch gives a pool meanwhile are
 * dropped and counted.  Until xnic_dev_take_over(), an attach or an FLR
 * resets it as ever.  -EINVAL for a VF, -ENOENT when f is not attached.
 */
int xnic_dev_park(struct xnic_dev *dev, unsigned f);
/* As xnic_dev_attach, but a parked PF keeps its switch: its page says
 * XNIC_STATUS_KEPT and HANDOVER_DROPS.  A function not parked is reset. */
int xnic_dev_take_over(struct xnic_dev *dev, unsigned f, int reg_fd, const int *doorbells,
                       const int *vectors, unsigned n);
/* Function-level reset: stops all DMA of f and clears its state (see docs). */
int xnic_dev_flr(struct xnic_dev *dev, unsigned f);
bool xnic_dev_attached(const struct xnic_dev *dev, unsigned f);
/* Doorbell eventfd i of an attached function (the event loop watches it). */
int xnic_dev_doorbell_fd(const struct xnic_dev *dev, unsigned f, unsigned i);
/* The IOMMU context of function f (exists whether or not f is attached). */
struct iommu_ctx *xnic_dev_iommu(struct xnic_dev *dev, unsigned f);

/* Doorbell i of function f was rung: runs the admin command or marks the
 * queue's TX as pending.  Call xnic_dev_tx_run afterwards. */
void xnic_dev_kick(struct xnic_dev *dev, unsigned f, unsigned i);
/* Poll mode: looks at every enabled queue's tail and admin seq as if kicked. */
void xnic_dev_poll(struct xnic_dev *dev);
/* Services TX queues round-robin, up to budget packets; raises interrupts.
 * Returns true while work remains (call again soon). */
bool xnic_dev_tx_run(struct xnic_dev *dev, unsigned budget);
/* A frame arrived from the wire: classify and DMA it to its vports. */
void xnic_dev_wire_rx(struct xnic_dev *dev, const uint8_t *frame, size_t len);
/* Raises the interrupts that deliveries since the last call made pending. */
void xnic_dev_flush_irqs(struct xnic_dev *dev);
/* Copies function f's counters (zero when not attached).  -ENOENT for a bad f. */
int xnic_dev_stats(const struct xnic_dev *dev, unsigned f, uint64_t *dma_faults,
                   struct xnic_wire_stats *wire, struct xnic_queue_stats *queues);
/* Link state shown in every function's STATUS (raises XNIC_ICR_LINK on change). */
void xnic_dev_set_link(struct xnic_dev *dev, bool up, uint32_t mbps);

#endif
