/*
 * Internal state of the xnic device core, shared by its control half
 * (xnic_dev.c: functions, admin commands, mailbox, FLR) and its data half
 * (xnic_dp.c: descriptor processing, switching, interrupts).
 */
#ifndef XNIC_DEV_PRIV_H
#define XNIC_DEV_PRIV_H

#include "sv/util.h"
#include "sv/abi/xnic.h"
#include "xnic_dev.h"
#include "xnic_filter.h"
#include "xnic_sched.h"

#define XNIC_ETH_HLEN    14u
#define XNIC_MAX_CHAIN   32u /* TX descriptors per packet */
#define XNIC_MAX_RX_BUFS 32u /* RX descriptors per frame */
/* Pieces of a TX packet in its sender's memory: each descriptor's bytes
 * start and end in at most two pages more than their length fills. */
#define XNIC_TX_TAIL_PIECES (XNIC_MAX_TSO / SV_PAGE_SIZE + 1 + 2 * XNIC_MAX_CHAIN)

/* The TX packet at a queue's head, read once by peek and used by xmit. */
struct tx_chain {
    bool valid;
    unsigned ndesc;
    uint32_t len; /* bytes over all buffers */
    uint8_t cmd;
    uint16_t mss;
    uint8_t hdr_len;
    uint8_t err;     /* XNIC_ERR_* found while reading the chain */
    bool unreadable; /* the last descriptor itself could not be read */
    struct xnic_tx_desc desc[XNIC_MAX_CHAIN];
};

/* One queue pair of a function (named for the vport it serves: a VF has
 * one, a PF pool has the device's queues_per_pool). */
struct vport {
    struct func *fn;
    unsigned q;     /* queue index inside fn */
    unsigned vport; /* the switch port it belongs to (pool, or pools + VF) */
    bool tx_en, rx_en;
    bool rsc;        /* RX takes local senders' offloaded frames whole (XNIC_QF_RSC) */
    bool tx_kicked;  /* doorbell seen (or poll mode), queue may have work */
    bool tx_polling; /* its TX_POLLING bit is set (a doorbell started this look) */
    bool irq_pending;
    uint64_t tx_base, rx_base; /* latched at QUEUE_ENABLE */
    uint32_t tx_size, rx_size;
    uint32_t tx_head, rx_head; /* authoritative; mirrored into the page */
    struct tx_chain chain;
};

struct mailbox {
    bool full;
    uint32_t len;
    uint8_t msg[XNIC_MBX_MSG_SIZE];
};

struct func {
    struct xnic_dev *dev;
    unsigned idx;
    bool vf;
    uint32_t bdf;
    unsigned nq;
    unsigned first_vport; /* its queue 0 in dev->vp[] */
    struct iommu_ctx *iommu;
    bool attached;
    /* PF only: its owner died and a successor may take the switch over
     * (xnic_dev_park); what the switch gave its pools meanwhile is counted. */
    bool parked;
    uint64_t parked_drops;
    uint8_t *regs; /* the shared register page */
    int db[1 + XNIC_MAX_QUEUES];
    int vec[1 + XNIC_MAX_QUEUES];
    unsigned nvec;
    uint32_t admin_seq;   /* last admin seq completed */
    struct mailbox to_pf; /* VF only: message for the PF */
    struct mailbox to_vf; /* VF only: message from the PF */
};

/* A pool's receive side scaling, set by XNIC_CMD_RSS_CONFIG (types 0: off). */
struct pool_rss {
    uint8_t types;
    uint16_t size;
    uint8_t key[XNIC_RSS_KEY_SIZE];
    uint8_t table[XNIC_RSS_TABLE_MAX];
};

struct xnic_dev {
    unsigned pools, vfs, nfuncs, nvports;
    unsigned pool_queues; /* queue pairs per pool */
    unsigned nqueues;     /* queue pairs of all functions: entries of vp[] */
    uint8_t bus;
    const struct xnic_dev_ops *ops;
    void *ops_arg;
    bool link_up;
    uint32_t link_mbps;
    struct func fn[XNIC_MAX_FUNCS];
    struct vport vp[XNIC_SCHED_MAX]; /* PF queues (by PF queue number), then VFs */
    struct pool_rss rss[XNIC_MAX_POOLS];
    struct xnic_classifier cls;
    struct xnic_sched sched;
    uint8_t txbuf[XNIC_MAX_TSO + 4]; /* gathered TX packet (+ room for a VLAN tag) */
    size_t tx_have;                  /* bytes of it in txbuf; the rest are in tx_tail */
    struct iommu_piece tx_tail[XNIC_TX_TAIL_PIECES]; /* in the sender's memory */
    unsigned tx_ntail;
    uint8_t segbuf[XNIC_MAX_FRAME];  /* one TSO segment */
    uint8_t rxbuf[XNIC_MAX_TSO + 4]; /* a frame with its port VLAN stripped (RSC: whole) */
};

/* Typed access to the shared page: the owner may change it at any time, so
 * every value is loaded once and checked by the caller. */
static inline uint32_t reg_rd32(const struct func *fn, unsigned off)
{
    return __atomic_load_n((const uint32_t *)(fn->regs + off), __ATOMIC_ACQUIRE);
}

static inline uint64_t reg_rd64(const struct func *fn, unsigned off)
{
    return __atomic_load_n((const uint64_t *)(fn->regs + off), __ATOMIC_ACQUIRE);
}

static inline void reg_wr32(struct func *fn, unsigned off, uint32_t v)
{
    __atomic_store_n((uint32_t *)(fn->regs + off), v, __ATOMIC_RELEASE);
}

static inline void reg_wr64(struct func *fn, unsigned off, uint64_t v)
{
    __atomic_store_n((uint64_t *)(fn->regs + off), v, __ATOMIC_RELEASE);
}

/* Whether the device is reading v's TX ring (a doorbell came, or it has work
 * left), mirrored in TX_POLLING so the owner can skip the doorbell.  Sequentially
 * consistent: the owner writes its tail, then reads the bit (a fence between),
 * so either it sees the bit clear and rings, or our next tail read sees it. */
static inline void vport_tx_watch(struct vport *v, bool on)
{
    uint32_t *bits = (uint32_t *)(v->fn->regs + XNIC_REG_TX_POLLING);

    v->tx_kicked = v->tx_polling = on;
    if (on)
        __atomic_fetch_or(bits, 1u << v->q, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(bits, ~(1u << v->q), __ATOMIC_SEQ_CST);
    /* An SC RMW does not order the caller's next tail load (C11; arm64 LL/SC). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline struct xnic_queue_stats *vport_stats(struct vport *v)
{
    return (struct xnic_queue_stats *)(v->fn->regs + XNIC_REG_QSTATS(v->q));
}

static inline struct xnic_wire_stats *wire_stats(struct xnic_dev *dev)
{
    return (struct xnic_wire_stats *)(dev->fn[0].regs + XNIC_REG_WSTATS);
}

/* Counters live in the owner's page; a function without a page has none. */
#define VSTAT_ADD(v, field, n)                                                                     \
    do {                                                                                           \
        if ((v)->fn->attached)                                                                     \
            vport_stats(v)->field += (n);                                                          \
    } while (0)
#define WSTAT_ADD(dev, field, n)                                                                   \
    do {                                                                                           \
        if ((dev)->fn[0].attached)                                                                 \
            wire_stats(dev)->field += (n);                                                         \
    } while (0)

/* xnic_dp.c */
void xnic_dp_queue_error(struct vport *v, enum xnic_err err);
void xnic_dp_raise(struct func *fn, unsigned vec);

#endif
