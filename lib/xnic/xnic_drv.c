/*
 * xnic driver library (sv/xnic_drv.h): register access, admin commands,
 * ring bookkeeping (next-to-use / next-to-clean with cookies) and doorbells.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include "sv/vlan.h"
#include "sv/xnic_drv.h"

struct ring {
    void *mem;
    uint32_t size;
    uint32_t next_use;   /* next slot to fill (the tail we publish) */
    uint32_t next_clean; /* oldest slot not yet reaped */
    uint32_t published;  /* the tail last written to the device */
    void **cookie;
};

struct drv_queue {
    bool started;
    struct ring tx, rx;
};

/* A queued admin command, or a barrier reporting the commands before it. */
struct admin_entry {
    TAILQ_ENTRY(admin_entry) link;
    struct xnic_admin cmd;
    bool barrier;
    xnic_drv_done_fn *done; /* a barrier's */
    void *ctx;
};

/* A command that has not completed in this long never will. */
#define ADMIN_TIMEOUT_MS 1000

struct xnic_drv {
    uint8_t *regs;
    unsigned n; /* doorbells = vectors = 1 + queues */
    int db[1 + XNIC_MAX_QUEUES];
    int vec[1 + XNIC_MAX_QUEUES];
    bool poll_mode;
    uint32_t seq;
    struct drv_queue q[XNIC_MAX_QUEUES];
    /* queued admin (xnic_drv_admin_queued) */
    bool queued;
    TAILQ_HEAD(, admin_entry) admin_q;
    bool admin_posted;   /* the first entry is at the device */
    long admin_deadline; /* when it times out */
    int admin_err;       /* the first failure since the last barrier */
};

static uint32_t rd32(const struct xnic_drv *d, unsigned off)
{
    return __atomic_load_n((const uint32_t *)(d->regs + off), __ATOMIC_ACQUIRE);
}

static void wr32(struct xnic_drv *d, unsigned off, uint32_t v)
{
    __atomic_store_n((uint32_t *)(d->regs + off), v, __ATOMIC_RELEASE);
}

static void wr64(struct xnic_drv *d, unsigned off, uint64_t v)
{
    __atomic_store_n((uint64_t *)(d->regs + off), v, __ATOMIC_RELEASE);
}

struct xnic_drv *xnic_drv_open(int reg_fd, const int *doorbells, const int *vectors, unsigned n,
                               bool poll_mode, int *err)
{
    struct xnic_drv *d;
    void *regs;

    *err = 0;
    if (n < 2 || n > 1 + XNIC_MAX_QUEUES) {
        *err = -EINVAL;
        return NULL;
    }
    regs = mmap(NULL, XNIC_REG_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, reg_fd, 0);
    if (regs == MAP_FAILED) {
        *err = -errno;
        return NULL;
    }
    d = calloc(1, sizeof(*d));
    if (!d) {
        *err = -ENOMEM;
        goto unmap;
    }
    d->regs = regs;
    if (rd32(d, XNIC_REG_MAGIC) != XNIC_MAGIC || rd32(d, XNIC_REG_VERSION) != XNIC_VERSION ||
        rd32(d, XNIC_REG_NQUEUES) + 1 != n) {
        *err = -ENODEV;
        goto free_d;
    }
    d->n = n;
    memcpy(d->db, doorbells, n * sizeof(int));
    for (unsigned i = 0; i < n; i++)
        d->vec[i] = vectors ? vectors[i] : -1;
    d->poll_mode = poll_mode;
    TAILQ_INIT(&d->admin_q);
    d->seq = rd32(d, XNIC_REG_ADMIN + offsetof(struct xnic_admin, done_seq));
    close(reg_fd);
    return d;
free_d:
    free(d);
unmap:
    munmap(regs, XNIC_REG_PAGE_SIZE);
    return NULL;
}

void xnic_drv_close(struct xnic_drv *d)
{
    struct admin_entry *e;

    if (!d)
        return;
    while ((e = TAILQ_FIRST(&d->admin_q))) {
        TAILQ_REMOVE(&d->admin_q, e, link);
        free(e);
    }
    for (unsigned q = 0; q < XNIC_MAX_QUEUES; q++) {
        free(d->q[q].tx.cookie);
        free(d->q[q].rx.cookie);
    }
    for (unsigned i = 0; i < d->n; i++) {
        close(d->db[i]);
        if (d->vec[i] >= 0)
            close(d->vec[i]);
    }
    munmap(d->regs, XNIC_REG_PAGE_SIZE);
    free(d);
}

bool xnic_drv_is_vf(const struct xnic_drv *d)
{
    return rd32(d, XNIC_REG_FUNC) & XNIC_FUNC_VF;
}

unsigned xnic_drv_num_queues(const struct xnic_drv *d)
{
    return d->n - 1;
}

unsigned xnic_drv_num_pools(const struct xnic_drv *d)
{
    unsigned pools = rd32(d, XNIC_REG_POOLS);

    return xnic_drv_is_vf(d) || !pools ? 1 : pools;
}

unsigned xnic_drv_pool_queues(const struct xnic_drv *d)
{
    unsigned q = rd32(d, XNIC_REG_POOL_QUEUES);

    return xnic_drv_is_vf(d) || !q ? 1 : q;
}

bool xnic_drv_link_up(const struct xnic_drv *d)
{
    return rd32(d, XNIC_REG_STATUS) & XNIC_STATUS_LINK_UP;
}

uint32_t xnic_drv_take_icr(struct xnic_drv *d)
{
    uint32_t *icr = (uint32_t *)(d->regs + XNIC_REG_ICR);
    uint32_t cause = __atomic_load_n(icr, __ATOMIC_ACQUIRE);

    /* Only the bits read are cleared: one the device sets meanwhile stays. */
    __atomic_fetch_and(icr, ~cause, __ATOMIC_ACQ_REL);
    return cause;
}

const volatile uint8_t *xnic_drv_regs(const struct xnic_drv *d)
{
    return d->regs;
}

int xnic_drv_vector_fd(const struct xnic_drv *d, unsigned v)
{
    return v < d->n ? d->vec[v] : -1;
}

void xnic_drv_mask_vector(struct xnic_drv *d, unsigned v, bool masked)
{
    uint64_t *mask = (uint64_t *)(d->regs + XNIC_REG_VEC_MASK);

    if (v >= d->n)
        return;
    /* Sequentially consistent: after an unmask the caller reads its rings,
     * and the device writes them before it reads the mask. */
    if (masked)
        __atomic_fetch_or(mask, 1ull << v, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(mask, ~(1ull << v), __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void ring_doorbell(struct xnic_drv *d, unsigned i)
{
    uint64_t one = 1;

    if (d->poll_mode)
        return;
    /* Fails only when the counter is saturated: the device has a kick pending. */
    if (write(d->db[i], &one, sizeof(one)) < 0)
        return;
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Hands cmd to the device (one at a time per function). */
static void admin_post(struct xnic_drv *d, const struct xnic_admin *cmd)
{
    struct xnic_admin *a = (struct xnic_admin *)(d->regs + XNIC_REG_ADMIN);

    a->opcode = cmd->opcode;
    memcpy(&a->u, &cmd->u, sizeof(a->u));
    wr32(d, XNIC_REG_ADMIN + offsetof(struct xnic_admin, seq), ++d->seq);
    ring_doorbell(d, XNIC_DB_ADMIN);
}

/* The posted command's status (its results copied into cmd), -EINPROGRESS
 * while it runs, -ETIMEDOUT past deadline; with wait, only the last two
 * never. */
static int admin_check(struct xnic_drv *d, struct xnic_admin *cmd, long deadline, bool wait)
{
    struct xnic_admin *a = (struct xnic_admin *)(d->regs + XNIC_REG_ADMIN);
    unsigned done = XNIC_REG_ADMIN + offsetof(struct xnic_admin, done_seq);
    unsigned posted = XNIC_REG_ADMIN + offsetof(struct xnic_admin, seq);

    while (rd32(d, done) != d->seq) {
        struct pollfd pfd = {.fd = d->vec[XNIC_VEC_MISC], .events = POLLIN};

        /* An FLR we did not ask for (or a detach) cleared the page with
         * our command on it: it never runs.  Our own RESET clears it too,
         * before it completes. */
        if (cmd->opcode != XNIC_CMD_RESET && rd32(d, posted) != d->seq)
            return -ECONNRESET;
        if (now_ms() > deadline)
            return -ETIMEDOUT;
        if (!wait)
            return -EINPROGRESS;
        /* The misc vector also carries mailbox/link events and is not ours to
         * drain: wait on it briefly (or just sleep without one), then recheck. */
        if (pfd.fd < 0 || poll(&pfd, 1, 1) > 0)
            nanosleep(&(struct timespec){0, 20000}, NULL);
    }
    /* A RESET zeroes the page; the device then expects seq 0 again. */
    if (cmd->opcode == XNIC_CMD_RESET)
        d->seq = 0;
    memcpy(&cmd->u, &a->u, sizeof(cmd->u));
    cmd->status = a->status;
    return cmd->status;
}

/* What a queued command's completion changes in our bookkeeping. */
static void admin_completed(struct xnic_drv *d, const struct xnic_admin *cmd, int status)
{
    if (!status)
        return;
    if (cmd->opcode == XNIC_CMD_QUEUE_ENABLE && cmd->u.queue.queue < XNIC_MAX_QUEUES)
        d->q[cmd->u.queue.queue].started = false;
    if (!d->admin_err)
        d->admin_err = status;
}

/* Hands the first entry to the device when it is a command and none is
 * there. */
static void admin_start(struct xnic_drv *d)
{
    struct admin_entry *e = TAILQ_FIRST(&d->admin_q);

    if (!e || e->barrier || d->admin_posted)
        return;
    admin_post(d, &e->cmd);
    d->admin_posted = true;
    d->admin_deadline = now_ms() + ADMIN_TIMEOUT_MS;
}

/* Serves the queue in order: completes the command at the device (waiting
 * for it with wait), runs the barriers behind it and posts the next one.
 * A barrier's callback may queue more, or run a command synchronously
 * (which serves the queue first): nothing is held across it. */
static void admin_run(struct xnic_drv *d, bool wait)
{
    struct admin_entry *e;

    while ((e = TAILQ_FIRST(&d->admin_q))) {
        int rc;

        if (e->barrier) {
            rc = d->admin_err;
            d->admin_err = 0;
            TAILQ_REMOVE(&d->admin_q, e, link);
            if (e->done)
                e->done(e->ctx, rc);
            free(e);
            continue;
        }
        admin_start(d);
        rc = admin_check(d, &e->cmd, d->admin_deadline, wait);
        if (rc == -EINPROGRESS)
            return;
        d->admin_posted = false;
        TAILQ_REMOVE(&d->admin_q, e, link);
        admin_completed(d, &e->cmd, rc);
        free(e);
    }
}

static int admin_enqueue(struct xnic_drv *d, const struct xnic_admin *cmd, xnic_drv_done_fn *done,
                         void *ctx)
{
    struct admin_entry *e = calloc(1, sizeof(*e));

    if (!e)
        return -ENOMEM;
    if (cmd)
        e->cmd = *cmd;
    e->barrier = !cmd;
    e->done = done;
    e->ctx = ctx;
    TAILQ_INSERT_TAIL(&d->admin_q, e, link);
    admin_start(d); /* a barrier's done runs in xnic_drv_admin_service(), never here */
    return 0;
}

int xnic_drv_admin(struct xnic_drv *d, struct xnic_admin *cmd, int timeout_ms)
{
    admin_run(d, true); /* what was queued goes first: one command at a time */
    admin_post(d, cmd);
    return admin_check(d, cmd, now_ms() + timeout_ms, true);
}

bool xnic_drv_admin_queued(struct xnic_drv *d, bool queued)
{
    bool was = d->queued;

    if (!queued)
        admin_run(d, true);
    d->queued = queued;
    return was;
}

int xnic_drv_admin_barrier(struct xnic_drv *d, xnic_drv_done_fn *done, void *ctx)
{
    return admin_enqueue(d, NULL, done, ctx);
}

bool xnic_drv_admin_service(struct xnic_drv *d)
{
    admin_run(d, false);
    return !TAILQ_EMPTY(&d->admin_q);
}

/* A configuration command: queued in queued mode (0 or -ENOMEM now, its
 * status at the next barrier), else run at once. */
static int simple_cmd(struct xnic_drv *d, struct xnic_admin *cmd)
{
    if (d->queued)
        return admin_enqueue(d, cmd, NULL, NULL);
    return xnic_drv_admin(d, cmd, ADMIN_TIMEOUT_MS);
}

/* ---- queues --------------------------------------------------------------- */

static bool size_ok(uint32_t n)
{
    return n >= XNIC_MIN_RING && n <= XNIC_MAX_RING && !(n & (n - 1));
}

static int ring_init(struct ring *r, void *mem, uint32_t size)
{
    void **cookie = calloc(size, sizeof(void *));

    if (!cookie)
        return -ENOMEM;
    free(r->cookie);
    *r = (struct ring){.mem = mem, .size = size, .cookie = cookie};
    return 0;
}

int xnic_drv_queue_start(struct xnic_drv *d, unsigned q, const struct xnic_drv_rings *r,
                         uint32_t weight)
{
    struct xnic_admin cmd = {.opcode = XNIC_CMD_QUEUE_ENABLE};
    unsigned base = XNIC_REG_QUEUE(q);
    int rc;

    if (q >= d->n - 1 || !size_ok(r->tx_size) || !size_ok(r->rx_size))
        return -EINVAL;
    if ((rc = ring_init(&d->q[q].tx, r->tx, r->tx_size)) < 0 ||
        (rc = ring_init(&d->q[q].rx, r->rx, r->rx_size)) < 0)
        return rc;
    wr64(d, base + offsetof(struct xnic_queue_regs, tx_base), r->tx_iova);
    wr64(d, base + offsetof(struct xnic_queue_regs, rx_base), r->rx_iova);
    wr32(d, base + offsetof(struct xnic_queue_regs, tx_tail), 0);
    wr32(d, base + offsetof(struct xnic_queue_regs, rx_tail), 0);
    wr32(d, XNIC_REG_QSIZE(q), r->tx_size | r->rx_size << 16);
    /* The counters are the owner's to write: a queue pair starts counting
     * from zero for its new user (a pool handed to another vif shows none
     * of the last one's frames).  Stopped, it counts nothing meanwhile. */
    for (size_t off = 0; off < sizeof(struct xnic_queue_stats); off += sizeof(uint64_t))
        wr64(d, XNIC_REG_QSTATS(q) + off, 0);
    cmd.u.queue.queue = q;
    cmd.u.queue.flags = XNIC_QF_TX | XNIC_QF_RX | (r->rx_rsc ? XNIC_QF_RSC : 0);
    cmd.u.queue.weight = weight;
    /* Queued, the queue is ours to fill from now on: the device reads the
     * tails only once it is enabled (a failed enable clears started). */
    rc = simple_cmd(d, &cmd);
    d->q[q].started = rc == 0;
    return rc;
}

bool xnic_drv_queue_enabled(const struct xnic_drv *d, unsigned q)
{
    uint32_t both = XNIC_QS_TX_EN | XNIC_QS_RX_EN;

    return q < d->n - 1 && (rd32(d, XNIC_REG_QSTATUS(q)) & both) == both;
}

int xnic_drv_queue_stop(struct xnic_drv *d, unsigned q)
{
    struct xnic_admin cmd = {.opcode = XNIC_CMD_QUEUE_DISABLE};

    if (q >= d->n - 1)
        return -EINVAL;
    cmd.u.queue.queue = q;
    cmd.u.queue.flags = XNIC_QF_TX | XNIC_QF_RX;
    d->q[q].started = false;
    return simple_cmd(d, &cmd);
}

static struct drv_queue *queue(struct xnic_drv *d, unsigned q)
{
    return q < d->n - 1 && d->q[q].started ? &d->q[q] : NULL;
}

static uint32_t ring_used(const struct ring *r)
{
    return (r->next_use - r->next_clean) & (r->size - 1);
}

/* One slot stays empty so that head == tail means "empty" to the device. */
static uint32_t ring_room(const struct ring *r)
{
    return r->size - 1 - ring_used(r);
}

/* Claims the next free slot of r for cookie; the caller checked ring_room. */
static uint32_t ring_push(struct ring *r, void *cookie)
{
    uint32_t slot = r->next_use;

    r->cookie[slot] = cookie;
    r->next_use = (slot + 1) & (r->size - 1);
    return slot;
}

int xnic_drv_rx_post(struct xnic_drv *d, unsigned q, uint64_t iova, uint16_t len, void *cookie)
{
    struct drv_queue *dq = queue(d, q);
    struct xnic_rx_desc *desc;

    if (!dq)
        return -EINVAL;
    if (!ring_room(&dq->rx))
        return -ENOSPC;
    desc = (struct xnic_rx_desc *)dq->rx.mem + ring_push(&dq->rx, cookie);
    *desc = (struct xnic_rx_desc){.addr = iova, .buf_len = len};
    return 0;
}

void xnic_drv_rx_kick(struct xnic_drv *d, unsigned q)
{
    struct drv_queue *dq = queue(d, q);

    if (!dq)
        return;
    wr32(d, XNIC_REG_QUEUE(q) + offsetof(struct xnic_queue_regs, rx_tail), dq->rx.next_use);
}

/* Both descriptor kinds keep their status at offset 14. */
#define DESC_STATUS_OFF offsetof(struct xnic_tx_desc, status)
_Static_assert(offsetof(struct xnic_rx_desc, status) == DESC_STATUS_OFF, "status offsets");

/* Takes the oldest outstanding descriptor of r if the device is done with it:
 * its slot and status, the status cleared for the slot's next use. */
static bool ring_take(struct ring *r, uint32_t *slot, uint16_t *status)
{
    uint16_t *st;

    if (!ring_used(r))
        return false;
    st = (uint16_t *)((uint8_t *)r->mem + (size_t)r->next_clean * 16 + DESC_STATUS_OFF);
    *status = __atomic_load_n(st, __ATOMIC_ACQUIRE);
    if (!(*status & XNIC_DS_DD))
        return false;
    *st = 0;
    *slot = r->next_clean;
    r->next_clean = (r->next_clean + 1) & (r->size - 1);
    return true;
}

unsigned xnic_drv_rx_reap(struct xnic_drv *d, unsigned q, struct xnic_drv_rx_done *out,
                          unsigned max)
{
    struct drv_queue *dq = queue(d, q);
    unsigned n = 0;
    uint32_t slot;
    uint16_t status;

    while (dq && n < max && ring_take(&dq->rx, &slot, &status)) {
        const struct xnic_rx_desc *desc = (const struct xnic_rx_desc *)dq->rx.mem + slot;

        out[n++] =
            (struct xnic_drv_rx_done){dq->rx.cookie[slot], desc->len, status, desc->vlan_tci,
                                      (status & XNIC_RXS_EOP) ? desc->wb : (struct xnic_rx_wb){0}};
    }
    return n;
}

unsigned xnic_drv_tx_room(const struct xnic_drv *d, unsigned q)
{
    return q < d->n - 1 && d->q[q].started ? ring_room(&d->q[q].tx) : 0;
}

int xnic_drv_tx(struct xnic_drv *d, unsigned q, const struct xnic_drv_seg *segs, unsigned nseg,
                unsigned cmd, uint16_t mss, uint8_t hdr_len, void *cookie)
{
    struct drv_queue *dq = queue(d, q);

    if (!dq || !nseg || (cmd & ~(XNIC_TXD_CSUM | XNIC_TXD_TSO)))
        return -EINVAL;
    if (ring_room(&dq->tx) < nseg)
        return -ENOSPC;
    for (unsigned i = 0; i < nseg; i++) {
        bool last = i == nseg - 1;
        struct xnic_tx_desc *desc =
            (struct xnic_tx_desc *)dq->tx.mem + ring_push(&dq->tx, last ? cookie : NULL);

        *desc = (struct xnic_tx_desc){.addr = segs[i].iova, .len = segs[i].len};
        if (i == 0) {
            desc->cmd = (uint8_t)cmd;
            desc->mss = mss;
            desc->hdr_len = hdr_len;
        }
        if (last)
            desc->cmd |= XNIC_TXD_EOP;
    }
    return 0;
}

void xnic_drv_tx_kick(struct xnic_drv *d, unsigned q)
{
    struct drv_queue *dq = queue(d, q);

    /* Nothing new since the tail last written: the device knows it already. */
    if (!dq || dq->tx.next_use == dq->tx.published)
        return;
    wr32(d, XNIC_REG_QUEUE(q) + offsetof(struct xnic_queue_regs, tx_tail), dq->tx.next_use);
    dq->tx.published = dq->tx.next_use;
    /* A device still reading this ring sees the tail on its own (the fence
     * pairs with its own between clearing TX_POLLING and a last tail read). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!(rd32(d, XNIC_REG_TX_POLLING) & (1u << q)))
        ring_doorbell(d, XNIC_DB_QUEUE(q));
}

unsigned xnic_drv_tx_reap(struct xnic_drv *d, unsigned q, struct xnic_drv_tx_done *out,
                          unsigned max)
{
    struct drv_queue *dq = queue(d, q);
    unsigned n = 0;
    uint32_t slot;
    uint16_t status;

    while (dq && n < max && ring_take(&dq->tx, &slot, &status)) {
        /* Only a packet's last descriptor carries a cookie; report one per packet. */
        if (((const struct xnic_tx_desc *)dq->tx.mem)[slot].cmd & XNIC_TXD_EOP)
            out[n++] = (struct xnic_drv_tx_done){dq->tx.cookie[slot], status};
    }
    return n;
}

void xnic_drv_stats(const struct xnic_drv *d, unsigned q, struct xnic_queue_stats *out)
{
    if (q >= d->n - 1) {
        memset(out, 0, sizeof(*out));
        return;
    }
    memcpy(out, d->regs + XNIC_REG_QSTATS(q), sizeof(*out));
}

/* ---- PF configuration and mailbox ---------------------------------------- */

static int filter_cmd(struct xnic_drv *d, uint32_t op, const uint8_t mac[6], uint16_t vlan,
                      unsigned vport)
{
    struct xnic_admin cmd = {.opcode = op};

    memcpy(cmd.u.filter.mac, mac, 6);
    cmd.u.filter.vlan = vlan;
    cmd.u.filter.vport = vport;
    return simple_cmd(d, &cmd);
}

int xnic_drv_filter_add(struct xnic_drv *d, const uint8_t mac[6], uint16_t vlan, unsigned vport)
{
    return filter_cmd(d, XNIC_CMD_FILTER_ADD, mac, vlan, vport);
}

int xnic_drv_filter_del(struct xnic_drv *d, const uint8_t mac[6], uint16_t vlan, unsigned vport)
{
    return filter_cmd(d, XNIC_CMD_FILTER_DEL, mac, vlan, vport);
}

int xnic_drv_vport_config(struct xnic_drv *d, unsigned vport, const uint8_t mac[6], uint16_t pvid,
                          uint32_t flags)
{
    struct xnic_admin cmd = {.opcode = XNIC_CMD_VPORT_CONFIG};

    cmd.u.vport.vport = vport;
    cmd.u.vport.flags = flags;
    cmd.u.vport.pvid = pvid;
    memcpy(cmd.u.vport.mac, mac, 6);
    return simple_cmd(d, &cmd);
}

int xnic_drv_vport_trunk(struct xnic_drv *d, unsigned vport, const struct sv_vlan_set *trunk)
{
    struct xnic_admin cmd = {.opcode = XNIC_CMD_VLAN_SET};
    int rc = 0;

    cmd.u.vlan.vport = vport;
    for (unsigned base = 0; rc == 0 && base <= SV_VLAN_MAX; base += XNIC_VLAN_BLOCK) {
        cmd.u.vlan.base = (uint16_t)base;
        memset(cmd.u.vlan.bits, 0, sizeof(cmd.u.vlan.bits));
        for (unsigned i = 0; i < XNIC_VLAN_BLOCK; i++)
            if (sv_vlan_set_has(trunk, base + i))
                cmd.u.vlan.bits[i / 8] |= (uint8_t)(1u << (i % 8));
        rc = simple_cmd(d, &cmd);
    }
    return rc;
}

int xnic_drv_rss_config(struct xnic_drv *d, unsigned pool, uint8_t types,
                        const uint8_t key[XNIC_RSS_KEY_SIZE], const uint8_t *table, unsigned size)
{
    struct xnic_admin cmd = {.opcode = XNIC_CMD_RSS_CONFIG};

    if (pool > UINT8_MAX || size > XNIC_RSS_TABLE_MAX)
        return -EINVAL;
    cmd.u.rss.pool = (uint8_t)pool;
    cmd.u.rss.types = types;
    cmd.u.rss.table_size = (uint16_t)size;
    memcpy(cmd.u.rss.key, key, XNIC_RSS_KEY_SIZE);
    if (size)
        memcpy(cmd.u.rss.table, table, size);
    return simple_cmd(d, &cmd);
}

int xnic_drv_set_default(struct xnic_drv *d, unsigned vport)
{
    struct xnic_admin cmd = {.opcode = XNIC_CMD_SET_DEFAULT};

    cmd.u.deflt.vport = vport;
    return simple_cmd(d, &cmd);
}

int xnic_drv_mbx_send(struct xnic_drv *d, unsigned peer, const void *msg, unsigned len)
{
    struct xnic_admin cmd = {.opcode = XNIC_CMD_MBX_SEND};

    if (len > XNIC_MBX_MSG_SIZE)
        return -EINVAL;
    cmd.u.mbx.peer = peer;
    cmd.u.mbx.len = len;
    memcpy(cmd.u.mbx.msg, msg, len);
    return xnic_drv_admin(d, &cmd, ADMIN_TIMEOUT_MS);
}

int xnic_drv_mbx_recv(struct xnic_drv *d, unsigned peer, void *msg, unsigned size)
{
    struct xnic_admin cmd = {.opcode = XNIC_CMD_MBX_RECV};
    int rc;

    cmd.u.mbx.peer = peer;
    rc = xnic_drv_admin(d, &cmd, ADMIN_TIMEOUT_MS);
    if (rc < 0)
        return rc;
    if (cmd.u.mbx.len > size || cmd.u.mbx.len > XNIC_MBX_MSG_SIZE)
        return -EMSGSIZE;
    memcpy(msg, cmd.u.mbx.msg, cmd.u.mbx.len);
    return (int)cmd.u.mbx.len;
}

int xnic_drv_reset(struct xnic_drv *d)
{
    struct xnic_admin cmd = {.opcode = XNIC_CMD_RESET};
    int rc = xnic_drv_admin(d, &cmd, ADMIN_TIMEOUT_MS);

    for (unsigned q = 0; q < XNIC_MAX_QUEUES; q++)
        d->q[q].started = false;
    return rc;
}
