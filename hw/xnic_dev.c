/*
 * xnic device core, control half: functions and their register pages,
 * attach/detach, FLR, admin commands (dispatched through a table) and the
 * PF<->VF mailbox.  The data path is in xnic_dp.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sv/util.h"
#include "xnic_dev_priv.h"

/* Bytes credited per DRR turn: the largest packet (a TSO packet with a
 * port VLAN tag), so that every turn of a queue with work sends at least
 * one packet -- DRR's condition for O(1) work per packet.  With a 1514-byte
 * quantum a 64 KB TSO packet waited ~43 rounds of looking at every queue. */
#define SCHED_QUANTUM (XNIC_MAX_TSO + 4)

static uint32_t make_bdf(uint8_t bus, unsigned f)
{
    unsigned devno = f ? 0x10 + (f - 1) / 8 : 0;
    unsigned fnno = f ? (f - 1) % 8 : 0;

    return (uint32_t)bus << 8 | devno << 3 | fnno;
}

/* PF queue q serves pool q % pools (XNIC_POOL_QUEUE); VF n's queue is
 * vp[pools * pool_queues + n]. */
static void func_init(struct xnic_dev *dev, unsigned f, unsigned fault_burst)
{
    struct func *fn = &dev->fn[f];

    fn->dev = dev;
    fn->idx = f;
    fn->vf = f > 0;
    fn->bdf = make_bdf(dev->bus, f);
    fn->nq = f ? 1 : dev->pools * dev->pool_queues;
    fn->first_vport = f ? dev->pools * dev->pool_queues + f - 1 : 0;
    fn->nvec = 1 + fn->nq;
    for (unsigned i = 0; i <= XNIC_MAX_QUEUES; i++)
        fn->db[i] = fn->vec[i] = -1;
    for (unsigned q = 0; q < fn->nq; q++) {
        dev->vp[fn->first_vport + q].fn = fn;
        dev->vp[fn->first_vport + q].q = q;
        dev->vp[fn->first_vport + q].vport = f ? dev->pools + f - 1 : q % dev->pools;
    }
    iommu_set_fault_handler(fn->iommu, dev->ops->fault, dev->ops_arg, fault_burst);
}

/* As many queue pairs per pool as the register map leaves room for, up to 4. */
static unsigned default_pool_queues(unsigned pools)
{
    unsigned q = XNIC_MAX_QUEUES / pools;

    return q > 4 ? 4 : q;
}

struct xnic_dev *xnic_dev_new(const struct xnic_dev_config *cfg)
{
    struct xnic_dev *dev;

    unsigned pool_queues;

    if (!cfg->pools || cfg->pools > XNIC_MAX_POOLS || cfg->vfs > XNIC_MAX_VFS || !cfg->ops) {
        errno = EINVAL;
        return NULL;
    }
    pool_queues = cfg->pool_queues ? cfg->pool_queues : default_pool_queues(cfg->pools);
    if (cfg->pools * pool_queues > XNIC_MAX_QUEUES) {
        errno = EINVAL;
        return NULL;
    }
    dev = calloc(1, sizeof(*dev));
    if (!dev)
        return NULL;
    dev->pools = cfg->pools;
    dev->vfs = cfg->vfs;
    dev->nfuncs = 1 + cfg->vfs;
    dev->nvports = cfg->pools + cfg->vfs;
    dev->pool_queues = pool_queues;
    dev->nqueues = cfg->pools * pool_queues + cfg->vfs;
    dev->bus = cfg->bus;
    dev->ops = cfg->ops;
    dev->ops_arg = cfg->ops_arg;
    xnic_cls_init(&dev->cls, dev->nvports);
    xnic_sched_init(&dev->sched, dev->nqueues, SCHED_QUANTUM);
    for (unsigned f = 0; f < dev->nfuncs; f++) {
        dev->fn[f].iommu = iommu_ctx_new(make_bdf(dev->bus, f));
        if (!dev->fn[f].iommu) {
            xnic_dev_free(dev);
            errno = ENOMEM;
            return NULL;
        }
        func_init(dev, f, cfg->fault_burst);
    }
    return dev;
}

void xnic_dev_free(struct xnic_dev *dev)
{
    if (!dev)
        return;
    for (unsigned f = 0; f < dev->nfuncs; f++) {
        xnic_dev_detach(dev, f);
        iommu_ctx_free(dev->fn[f].iommu);
    }
    free(dev);
}

unsigned xnic_dev_num_funcs(const struct xnic_dev *dev)
{
    return dev->nfuncs;
}

unsigned xnic_dev_num_pools(const struct xnic_dev *dev)
{
    return dev->pools;
}

unsigned xnic_dev_pool_queues(const struct xnic_dev *dev)
{
    return dev->pool_queues;
}

unsigned xnic_dev_num_vfs(const struct xnic_dev *dev)
{
    return dev->vfs;
}

bool xnic_dev_link_up(const struct xnic_dev *dev)
{
    return dev->link_up;
}

uint32_t xnic_dev_func_bdf(const struct xnic_dev *dev, unsigned f)
{
    return dev->fn[f].bdf;
}

unsigned xnic_dev_func_nqueues(const struct xnic_dev *dev, unsigned f)
{
    return dev->fn[f].nq;
}

unsigned xnic_dev_func_nvec(const struct xnic_dev *dev, unsigned f)
{
    return dev->fn[f].nvec;
}

int xnic_dev_func_by_name(const struct xnic_dev *dev, const char *bdf)
{
    unsigned dom, bus, devno, fnno;
    char tail;

    if (sscanf(bdf, "%x:%x:%x.%x%c", &dom, &bus, &devno, &fnno, &tail) != 4 || dom || fnno > 7)
        return -ENOENT;
    for (unsigned f = 0; f < dev->nfuncs; f++) {
        if (dev->fn[f].bdf == (bus << 8 | devno << 3 | fnno))
            return (int)f;
    }
    return -ENOENT;
}

bool xnic_dev_attached(const struct xnic_dev *dev, unsigned f)
{
    return f < dev->nfuncs && dev->fn[f].attached;
}

int xnic_dev_doorbell_fd(const struct xnic_dev *dev, unsigned f, unsigned i)
{
    if (!xnic_dev_attached(dev, f) || i >= dev->fn[f].nvec)
        return -1;
    return dev->fn[f].db[i];
}

struct iommu_ctx *xnic_dev_iommu(struct xnic_dev *dev, unsigned f)
{
    return f < dev->nfuncs ? dev->fn[f].iommu : NULL;
}

static void write_identity(struct func *fn)
{
    struct xnic_dev *dev = fn->dev;
    const struct xnic_vport_cfg *cfg = &dev->cls.vport[dev->vp[fn->first_vport].vport];

    if (!fn->attached)
        return;
    if (fn->vf) {
        memcpy(fn->regs + XNIC_REG_MAC, cfg->mac, 6);
        memcpy(fn->regs + XNIC_REG_PVID, &cfg->pvid, 2);
    }
    reg_wr32(fn, XNIC_REG_STATUS, XNIC_STATUS_READY | (dev->link_up ? XNIC_STATUS_LINK_UP : 0));
    reg_wr32(fn, XNIC_REG_LINK_SPEED, dev->link_up ? dev->link_mbps : 0);
}

/* The page as the owner finds it after reset. */
static void reset_page(struct func *fn)
{
    memset(fn->regs, 0, XNIC_REG_PAGE_SIZE);
    reg_wr32(fn, XNIC_REG_MAGIC, XNIC_MAGIC);
    reg_wr32(fn, XNIC_REG_VERSION, XNIC_VERSION);
    reg_wr32(fn, XNIC_REG_FUNC, fn->bdf | (fn->vf ? XNIC_FUNC_VF : 0));
    reg_wr32(fn, XNIC_REG_NQUEUES, fn->nq);
    reg_wr32(fn, XNIC_REG_MAX_FRAME, XNIC_MAX_FRAME);
    if (!fn->vf) {
        reg_wr32(fn, XNIC_REG_NUM_VFS, fn->dev->vfs);
        reg_wr32(fn, XNIC_REG_POOLS, fn->dev->pools);
        reg_wr32(fn, XNIC_REG_POOL_QUEUES, fn->dev->pool_queues);
    }
    write_identity(fn);
}

static void stop_vport(struct xnic_dev *dev, struct vport *v)
{
    unsigned idx = (unsigned)(v - dev->vp);

    /* TX_POLLING goes with the page: reset_page clears it when attached. */
    v->tx_en = v->rx_en = v->rsc = v->tx_kicked = v->tx_polling = v->irq_pending = false;
    v->tx_head = v->rx_head = 0;
    v->chain.valid = false;
    xnic_sched_reset(&dev->sched, idx);
}

/* A VF's TX weight is the PF's to set (VPORT_CONFIG), never the VF's own. */
static void vf_weight_apply(struct xnic_dev *dev, unsigned vport)
{
    xnic_sched_set_weight(&dev->sched, dev->pools * dev->pool_queues + vport - dev->pools,
                          dev->cls.vport[vport].weight);
}

/* A PF reset takes the switch configuration with it, but a VF that has an
 * owner keeps what the PF gave it (MAC, VLAN, flags, weight, trunk set):
 * the NIC goes on switching its traffic while the PF's driver restarts,
 * and the new one finds it configured.  A free VF is cleared. */
static void reset_switch(struct xnic_dev *dev)
{
    struct xnic_vport_cfg cfg[XNIC_MAX_VFS];
    struct sv_vlan_set trunk[XNIC_MAX_VFS];

    for (unsigned f = 1; f < dev->nfuncs; f++) {
        cfg[f - 1] = dev->cls.vport[dev->pools + f - 1];
        trunk[f - 1] = dev->cls.trunk[dev->pools + f - 1];
    }
    xnic_cls_init(&dev->cls, dev->nvports);
    for (unsigned f = 1; f < dev->nfuncs; f++)
        if (dev->fn[f].attached) {
            dev->cls.vport[dev->pools + f - 1] = cfg[f - 1];
            dev->cls.trunk[dev->pools + f - 1] = trunk[f - 1];
        }
    memset(dev->rss, 0, sizeof(dev->rss));
    for (unsigned f = 1; f < dev->nfuncs; f++) {
        vf_weight_apply(dev, dev->pools + f - 1);
        memset(&dev->fn[f].to_pf, 0, sizeof(dev->fn[f].to_pf));
        memset(&dev->fn[f].to_vf, 0, sizeof(dev->fn[f].to_vf));
        write_identity(&dev->fn[f]);
        if (dev->fn[f].attached)
            reg_wr32(&dev->fn[f], XNIC_REG_MBX_PEND, 0);
    }
}

int xnic_dev_flr(struct xnic_dev *dev, unsigned f)
{
    struct func *fn;

    if (f >= dev->nfuncs)
        return -ENOENT;
    fn = &dev->fn[f];
    for (unsigned q = 0; q < fn->nq; q++)
        stop_vport(dev, &dev->vp[fn->first_vport + q]);
    if (fn->vf) {
        memset(&fn->to_pf, 0, sizeof(fn->to_pf));
        memset(&fn->to_vf, 0, sizeof(fn->to_vf));
    } else {
        reset_switch(dev);
    }
    fn->admin_seq = 0;
    fn->parked = false;
    fn->parked_drops = 0;
    if (fn->attached)
        reset_page(fn);
    return 0;
}

/* The VFs' messages that waited for the PF while it had no page. */
static void pf_mbx_pending(struct xnic_dev *dev)
{
    uint32_t pend = 0;

    for (unsigned f = 1; f < dev->nfuncs; f++)
        if (dev->fn[f].to_pf.full)
            pend |= 1u << (f - 1);
    reg_wr32(&dev->fn[0], XNIC_REG_MBX_PEND, pend);
}

/* A take-over of a parked PF: the page as after reset, its queues off (the
 * rings were in the dead owner's memory), but the switch is kept and the
 * page says so, with what the switch gave the pools meanwhile. */
static void take_over(struct func *fn)
{
    uint64_t drops = fn->parked_drops;

    fn->parked = false;
    fn->parked_drops = 0;
    fn->admin_seq = 0;
    reset_page(fn);
    reg_wr32(fn, XNIC_REG_STATUS, reg_rd32(fn, XNIC_REG_STATUS) | XNIC_STATUS_KEPT);
    reg_wr64(fn, XNIC_REG_HANDOVER_DROPS, drops);
    pf_mbx_pending(fn->dev);
}

static int attach(struct xnic_dev *dev, unsigned f, int reg_fd, const int *doorbells,
                  const int *vectors, unsigned n, bool keep)
{
    struct func *fn;
    size_t size;
    void *regs;
    int rc;

    if (f >= dev->nfuncs)
        return -ENOENT;
    fn = &dev->fn[f];
    if (fn->attached)
        return -EBUSY;
    if (n != fn->nvec)
        return -EINVAL;
    rc = iommu_fd_check(reg_fd, &size);
    if (rc < 0)
        return rc;
    regs = mmap(NULL, XNIC_REG_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, reg_fd, 0);
    if (regs == MAP_FAILED)
        return -errno;
    fn->regs = regs;
    for (unsigned i = 0; i < n; i++) {
        fn->db[i] = doorbells[i];
        fn->vec[i] = vectors[i];
    }
    close(reg_fd);
    fn->attached = true;
    if (keep && fn->parked)
        take_over(fn);
    else
        xnic_dev_flr(dev, f);
    return 0;
}

int xnic_dev_attach(struct xnic_dev *dev, unsigned f, int reg_fd, const int *doorbells,
                    const int *vectors, unsigned n)
{
    return attach(dev, f, reg_fd, doorbells, vectors, n, false);
}

int xnic_dev_take_over(struct xnic_dev *dev, unsigned f, int reg_fd, const int *doorbells,
                       const int *vectors, unsigned n)
{
    return attach(dev, f, reg_fd, doorbells, vectors, n, true);
}

/* Forgets f's owner: its page, fds and IOMMU context. */
static void release(struct func *fn)
{
    munmap(fn->regs, XNIC_REG_PAGE_SIZE);
    fn->regs = NULL;
    fn->attached = false;
    for (unsigned i = 0; i < fn->nvec; i++) {
        close(fn->db[i]);
        close(fn->vec[i]);
        fn->db[i] = fn->vec[i] = -1;
    }
    iommu_clear(fn->iommu);
}

int xnic_dev_detach(struct xnic_dev *dev, unsigned f)
{
    if (f >= dev->nfuncs || !dev->fn[f].attached)
        return -ENOENT;
    xnic_dev_flr(dev, f);
    release(&dev->fn[f]);
    return 0;
}

int xnic_dev_park(struct xnic_dev *dev, unsigned f)
{
    struct func *fn;

    if (f >= dev->nfuncs || !dev->fn[f].attached)
        return -ENOENT;
    fn = &dev->fn[f];
    if (fn->vf)
        return -EINVAL;
    /* No DMA from here on: the rings and buffers posted were the owner's. */
    for (unsigned q = 0; q < fn->nq; q++)
        stop_vport(dev, &dev->vp[fn->first_vport + q]);
    release(fn);
    fn->parked = true;
    fn->parked_drops = 0;
    return 0;
}

/* ---- admin commands ------------------------------------------------------ */

static bool ring_size_ok(uint32_t n)
{
    return n >= XNIC_MIN_RING && n <= XNIC_MAX_RING && !(n & (n - 1));
}

static int cmd_queue_enable(struct func *fn, struct xnic_admin *a)
{
    struct xnic_dev *dev = fn->dev;
    uint32_t q = a->u.queue.queue, flags = a->u.queue.flags;
    unsigned off;
    uint32_t qsize;
    struct vport *v;

    if (q >= fn->nq || !flags || (flags & ~(XNIC_QF_TX | XNIC_QF_RX | XNIC_QF_RSC)) ||
        (flags & (XNIC_QF_RX | XNIC_QF_RSC)) == XNIC_QF_RSC)
        return -EINVAL;
    off = XNIC_REG_QUEUE(q);
    qsize = reg_rd32(fn, XNIC_REG_QSIZE(q));
    v = &dev->vp[fn->first_vport + q];
    if ((flags & XNIC_QF_TX) &&
        (!ring_size_ok(qsize & 0xffff) ||
         (reg_rd64(fn, off + offsetof(struct xnic_queue_regs, tx_base)) & 15)))
        return -EINVAL;
    if ((flags & XNIC_QF_RX) &&
        (!ring_size_ok(qsize >> 16) ||
         (reg_rd64(fn, off + offsetof(struct xnic_queue_regs, rx_base)) & 15)))
        return -EINVAL;
    if (flags & XNIC_QF_TX) {
        v->tx_base = reg_rd64(fn, off + offsetof(struct xnic_queue_regs, tx_base));
        v->tx_size = qsize & 0xffff;
        v->tx_head = 0;
        v->chain.valid = false;
        v->tx_en = true;
        reg_wr32(fn, off + offsetof(struct xnic_queue_regs, tx_head), 0);
        if (fn->vf)
            vf_weight_apply(dev, v->vport);
        else
            xnic_sched_set_weight(&dev->sched, fn->first_vport + q, a->u.queue.weight);
        xnic_sched_reset(&dev->sched, fn->first_vport + q);
    }
    if (flags & XNIC_QF_RX) {
        v->rx_base = reg_rd64(fn, off + offsetof(struct xnic_queue_regs, rx_base));
        v->rx_size = qsize >> 16;
        v->rx_head = 0;
        v->rx_en = true;
        v->rsc = flags & XNIC_QF_RSC;
        reg_wr32(fn, off + offsetof(struct xnic_queue_regs, rx_head), 0);
    }
    reg_wr32(fn, XNIC_REG_QSTATUS(q),
             (v->tx_en ? XNIC_QS_TX_EN : 0) | (v->rx_en ? XNIC_QS_RX_EN : 0));
    return 0;
}

static int cmd_queue_disable(struct func *fn, struct xnic_admin *a)
{
    uint32_t q = a->u.queue.queue, flags = a->u.queue.flags;
    struct vport *v;

    if (q >= fn->nq)
        return -EINVAL;
    v = &fn->dev->vp[fn->first_vport + q];
    if (flags & XNIC_QF_TX) {
        v->tx_en = false;
        vport_tx_watch(v, false);
        v->chain.valid = false;
    }
    if (flags & XNIC_QF_RX)
        v->rx_en = v->rsc = false;
    reg_wr32(fn, XNIC_REG_QSTATUS(q),
             (v->tx_en ? XNIC_QS_TX_EN : 0) | (v->rx_en ? XNIC_QS_RX_EN : 0));
    return 0;
}

static int cmd_filter_add(struct func *fn, struct xnic_admin *a)
{
    return xnic_cls_filter_add(&fn->dev->cls, a->u.filter.mac, a->u.filter.vlan, a->u.filter.vport);
}

static int cmd_filter_del(struct func *fn, struct xnic_admin *a)
{
    return xnic_cls_filter_del(&fn->dev->cls, a->u.filter.mac, a->u.filter.vlan, a->u.filter.vport);
}

static int cmd_vport_config(struct func *fn, struct xnic_admin *a)
{
    struct xnic_dev *dev = fn->dev;
    struct xnic_vport_cfg cfg = {.pvid = a->u.vport.pvid,
                                 .flags = a->u.vport.flags & ~XNIC_VPORT_CLEAR,
                                 .weight = a->u.vport.weight};
    unsigned vport = a->u.vport.vport;
    int rc;

    if (cfg.flags & ~(XNIC_VPF_BCAST | XNIC_VPF_ALLMULTI | XNIC_VPF_SPOOFCHK | XNIC_VPF_STANDBY) ||
        cfg.weight > XNIC_SCHED_MAX_WEIGHT)
        return -EINVAL;
    memcpy(cfg.mac, a->u.vport.mac, 6);
    rc = xnic_cls_vport_set(&dev->cls, vport, &cfg);
    if (rc == 0 && (a->u.vport.flags & XNIC_VPORT_CLEAR)) {
        xnic_cls_forget_vport(&dev->cls, vport);
        dev->cls.trunk[vport] = (struct sv_vlan_set){0};
        if (vport < dev->pools)
            dev->rss[vport] = (struct pool_rss){0};
    }
    if (rc == 0 && vport >= dev->pools) {
        write_identity(&dev->fn[1 + vport - dev->pools]);
        vf_weight_apply(dev, vport);
    }
    return rc;
}

/* One block of a vport's trunk set, checked whole before it is used. */
static int cmd_vlan_set(struct func *fn, struct xnic_admin *a)
{
    struct xnic_dev *dev = fn->dev;
    const struct xnic_cmd_vlan *c = &a->u.vlan;
    struct sv_vlan_set trunk;

    if (c->vport >= dev->nvports || c->base % XNIC_VLAN_BLOCK || c->base > SV_VLAN_MAX)
        return -EINVAL;
    trunk = dev->cls.trunk[c->vport];
    memset(&trunk.bits[c->base / 64], 0, XNIC_VLAN_BLOCK / 8);
    for (unsigned i = 0; i < XNIC_VLAN_BLOCK; i++) {
        unsigned vid = c->base + i;

        if (!(c->bits[i / 8] >> (i % 8) & 1))
            continue;
        if (vid < 1 || vid > SV_VLAN_MAX)
            return -EINVAL;
        sv_vlan_set_add(&trunk, vid);
    }
    return xnic_cls_vport_trunk(&dev->cls, c->vport, &trunk);
}

/* Checked whole before any of it is used: a bad entry changes nothing. */
static int cmd_rss_config(struct func *fn, struct xnic_admin *a)
{
    struct xnic_dev *dev = fn->dev;
    const struct xnic_cmd_rss *c = &a->u.rss;
    struct pool_rss *r;

    if (c->pool >= dev->pools || (c->types & ~XNIC_RSS_TYPES_ALL) ||
        c->table_size > XNIC_RSS_TABLE_MAX || (c->types && !c->table_size))
        return -EINVAL;
    for (unsigned i = 0; i < c->table_size; i++)
        if (c->table[i] >= dev->pool_queues)
            return -EINVAL;
    r = &dev->rss[c->pool];
    r->types = c->types;
    r->size = c->types ? c->table_size : 0;
    memcpy(r->key, c->key, sizeof(r->key));
    memcpy(r->table, c->table, sizeof(r->table));
    return 0;
}

static int cmd_set_default(struct func *fn, struct xnic_admin *a)
{
    return xnic_cls_set_default(&fn->dev->cls, a->u.deflt.vport);
}

/* The VF at the other end of a mailbox command, or NULL. */
static struct func *mbx_vf(struct func *fn, const struct xnic_admin *a)
{
    if (fn->vf)
        return fn;
    if (a->u.mbx.peer >= fn->dev->vfs)
        return NULL;
    return &fn->dev->fn[1 + a->u.mbx.peer];
}

static void mbx_set_pending(struct func *fn, uint32_t bit, bool on)
{
    if (!fn->attached)
        return;
    if (on) {
        __atomic_fetch_or((uint32_t *)(fn->regs + XNIC_REG_MBX_PEND), bit, __ATOMIC_RELEASE);
        __atomic_fetch_or((uint32_t *)(fn->regs + XNIC_REG_ICR), XNIC_ICR_MAILBOX,
                          __ATOMIC_RELEASE);
        xnic_dp_raise(fn, XNIC_VEC_MISC);
    } else {
        __atomic_fetch_and((uint32_t *)(fn->regs + XNIC_REG_MBX_PEND), ~bit, __ATOMIC_RELEASE);
    }
}

static int cmd_mbx_send(struct func *fn, struct xnic_admin *a)
{
    struct func *vf = mbx_vf(fn, a);
    struct mailbox *box;
    struct func *to;

    if (!vf || a->u.mbx.len > XNIC_MBX_MSG_SIZE)
        return -EINVAL;
    box = fn->vf ? &vf->to_pf : &vf->to_vf;
    to = fn->vf ? &fn->dev->fn[0] : vf;
    if (box->full)
        return -EBUSY;
    box->full = true;
    box->len = a->u.mbx.len;
    memcpy(box->msg, a->u.mbx.msg, box->len);
    mbx_set_pending(to, fn->vf ? 1u << (vf->idx - 1) : 1u, true);
    return 0;
}

static int cmd_mbx_recv(struct func *fn, struct xnic_admin *a)
{
    struct func *vf = mbx_vf(fn, a);
    struct mailbox *box;

    if (!vf)
        return -EINVAL;
    box = fn->vf ? &vf->to_vf : &vf->to_pf;
    if (!box->full)
        return -ENOENT;
    a->u.mbx.len = box->len;
    memcpy(a->u.mbx.msg, box->msg, box->len);
    box->full = false;
    mbx_set_pending(fn, fn->vf ? 1u : 1u << (vf->idx - 1), false);
    return 0;
}

static int cmd_nop(struct func *fn, struct xnic_admin *a)
{
    (void)fn;
    (void)a;
    return 0;
}

static int cmd_reset(struct func *fn, struct xnic_admin *a)
{
    (void)a;
    return xnic_dev_flr(fn->dev, fn->idx);
}

static const struct {
    int (*fn)(struct func *fn, struct xnic_admin *a);
    bool pf_only;
} admin_table[XNIC_CMD_MAX] = {
    [XNIC_CMD_NOP] = {cmd_nop, false},
    [XNIC_CMD_QUEUE_ENABLE] = {cmd_queue_enable, false},
    [XNIC_CMD_QUEUE_DISABLE] = {cmd_queue_disable, false},
    [XNIC_CMD_FILTER_ADD] = {cmd_filter_add, true},
    [XNIC_CMD_FILTER_DEL] = {cmd_filter_del, true},
    [XNIC_CMD_VPORT_CONFIG] = {cmd_vport_config, true},
    [XNIC_CMD_SET_DEFAULT] = {cmd_set_default, true},
    [XNIC_CMD_MBX_SEND] = {cmd_mbx_send, false},
    [XNIC_CMD_MBX_RECV] = {cmd_mbx_recv, false},
    [XNIC_CMD_RESET] = {cmd_reset, false},
    [XNIC_CMD_RSS_CONFIG] = {cmd_rss_config, true},
    [XNIC_CMD_VLAN_SET] = {cmd_vlan_set, true},
};

static int admin_dispatch(struct func *fn, struct xnic_admin *a)
{
    if (a->opcode >= XNIC_CMD_MAX || !admin_table[a->opcode].fn)
        return -EOPNOTSUPP;
    if (admin_table[a->opcode].pf_only && fn->vf)
        return -EPERM;
    return admin_table[a->opcode].fn(fn, a);
}

static void admin_run(struct func *fn)
{
    struct xnic_admin *shared = (struct xnic_admin *)(fn->regs + XNIC_REG_ADMIN);
    uint32_t seq = reg_rd32(fn, XNIC_REG_ADMIN + offsetof(struct xnic_admin, seq));
    struct xnic_admin a;
    int rc;

    if (seq == fn->admin_seq)
        return;
    /* One private copy: the owner cannot change a command while it runs. */
    memcpy(&a, shared, sizeof(a));
    rc = admin_dispatch(fn, &a);
    if (!fn->attached)
        return;
    /* After RESET the page reads seq 0, which the device now expects. */
    if (a.opcode != XNIC_CMD_RESET) {
        fn->admin_seq = seq;
        memcpy(&shared->u, &a.u, sizeof(a.u));
    }
    shared->status = rc;
    reg_wr32(fn, XNIC_REG_ADMIN + offsetof(struct xnic_admin, done_seq), seq);
    __atomic_fetch_or((uint32_t *)(fn->regs + XNIC_REG_ICR), XNIC_ICR_ADMIN, __ATOMIC_RELEASE);
    xnic_dp_raise(fn, XNIC_VEC_MISC);
}

void xnic_dev_kick(struct xnic_dev *dev, unsigned f, unsigned i)
{
    struct func *fn;

    if (!xnic_dev_attached(dev, f))
        return;
    fn = &dev->fn[f];
    if (i == XNIC_DB_ADMIN)
        admin_run(fn);
    else if (i - 1 < fn->nq && dev->vp[fn->first_vport + i - 1].tx_en)
        vport_tx_watch(&dev->vp[fn->first_vport + i - 1], true);
}

void xnic_dev_poll(struct xnic_dev *dev)
{
    for (unsigned f = 0; f < dev->nfuncs; f++) {
        struct func *fn = &dev->fn[f];

        if (!fn->attached)
            continue;
        admin_run(fn);
        for (unsigned q = 0; q < fn->nq; q++)
            dev->vp[fn->first_vport + q].tx_kicked = true;
    }
}

int xnic_dev_stats(const struct xnic_dev *dev, unsigned f, uint64_t *dma_faults,
                   struct xnic_wire_stats *wire, struct xnic_queue_stats *queues)
{
    const struct func *fn;

    if (f >= dev->nfuncs)
        return -ENOENT;
    fn = &dev->fn[f];
    memset(wire, 0, sizeof(*wire));
    memset(queues, 0, fn->nq * sizeof(*queues));
    *dma_faults = 0;
    if (!fn->attached)
        return 0;
    *dma_faults = reg_rd64(fn, XNIC_REG_DMA_FAULTS);
    if (!fn->vf)
        memcpy(wire, fn->regs + XNIC_REG_WSTATS, sizeof(*wire));
    memcpy(queues, fn->regs + XNIC_REG_QSTATS(0), fn->nq * sizeof(*queues));
    return 0;
}

void xnic_dev_set_link(struct xnic_dev *dev, bool up, uint32_t mbps)
{
    bool changed = dev->link_up != up;

    dev->link_up = up;
    dev->link_mbps = mbps;
    for (unsigned f = 0; f < dev->nfuncs; f++) {
        struct func *fn = &dev->fn[f];

        if (!fn->attached)
            continue;
        write_identity(fn);
        if (changed) {
            __atomic_fetch_or((uint32_t *)(fn->regs + XNIC_REG_ICR), XNIC_ICR_LINK,
                              __ATOMIC_RELEASE);
            xnic_dp_raise(fn, XNIC_VEC_MISC);
        }
    }
}
