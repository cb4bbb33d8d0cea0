/* The driver domain's PF and its VMDq pools (see pf.h). */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pf.h"
#include "sv/hcall.h"
#include "sv/log.h"
#include "sv/msg.h"
#include "sv/vlan.h"
#include "sv/abi/xnic.h"
#include "sv/xnic_drv.h"

#define TX_RING 256
/* A zero-copy packet's cookie: flag | 1 + its head buffer (0: none) << 16 | tag. */
#define TX_ZC_FLAG       (1u << 31)
#define TX_ZC_HEAD_SHIFT 16
#define TX_ZC_TAG_MASK   0xffffu
#define TX_BUFS          32                      /* PF_TX_BUF each: TSO packets and jumbo frames */
#define TX_SMALL         (TX_RING - 1 - TX_BUFS) /* TX_SMALL_BUF each: most frames; all fill the ring */
#define TX_SMALL_BUF     2048u
#define RX_RING          1024 /* a few TSO bursts of 45 segments: the NIC drops what finds no buffer */
#define RX_RING_MQ       512 /* a pool's further queues: RSS gives each a share of the flows */
#define RX_BUFS          (RX_RING - 1)
#define RX_BUF           9216
#define RX_FRAME         65535 /* an RSC frame: a TSO packet delivered whole */
#define MAX_POOLS        32    /* PF queue pairs we drive (XNIC_MAX_QUEUES) */
/* RX descriptors a queue takes per turn of netdd's loop (Linux's NAPI
 * weight, in frames, is 64).  Unbounded, a queue the NIC kept filling
 * held the loop while the other pools' RX rings overflowed: the flows
 * served first took the NIC, those dropped backed off (TCP pairs on pools
 * got 174 to 1739 Mbit/s side by side). */
#define POOL_RX_BUDGET 256u

/* One queue pair of a pool: queue k of pool p is PF queue pair
 * XNIC_POOL_QUEUE(npools, p, k), so q < npools is a pool's first. */
struct pf_pool {
    struct pf *pf;
    unsigned q;    /* PF queue pair */
    unsigned pool; /* its pool = vport */
    unsigned rx_ring;
    bool in_use;
    bool releasing; /* put, its stop still queued at the NIC: not free yet */
    bool started;   /* its memory is allocated (kept across owners) */
    pf_rx_fn *rx;
    pf_rx_end_fn *rx_end;
    pf_tx_done_fn *tx_done;
    void *ctx;
    struct xnic_drv_rings rings;
    uint8_t *tx_buf, *tx_small, *rx_buf;
    uint64_t tx_iova, tx_small_iova, rx_iova;
    bool tx_busy[TX_BUFS + TX_SMALL]; /* large buffers, then small ones */
    unsigned tx_cursor;               /* small buffers complete in order: the next one */
    bool tx_starved;                  /* the owner found none: tx_room() when one frees */
    pf_tx_room_fn *tx_room;
    struct xnic_drv_rx_done held[RX_BUFS]; /* reaped RX descriptors not yet delivered */
    unsigned nheld;
    bool rx_blocked; /* the owner could not take the next frame: wait for rx_retry */
    bool trunked;    /* a pool's first queue: the pool has a trunk set (pf_pool_trunk) */
    bool rss_on;     /* a pool's first queue: the pool hashes (pf_pool_rss) */
    /* A pool's first queue: its vport configuration (pf_pool_standby sets
     * it again with or without STANDBY). */
    uint8_t mac[6];
    uint16_t vlan;
    uint32_t flags;
};

struct pf {
    struct xnic_drv *drv;
    uint8_t *ram;
    uint64_t ram_size, ram_used;
    unsigned npools, pool_queues, nqueues;
    struct pf_pool pools[MAX_POOLS]; /* by PF queue pair */
    struct event *vec_ev[1 + MAX_POOLS];
    struct event *more_ev; /* queues whose RX budget ran out: served next turn */
    bool more[MAX_POOLS];  /* by PF queue pair */
    pf_misc_fn *misc;
    void *misc_ctx;
    struct event *admin_timer; /* serves queued admin commands that time out */
    uint32_t kept; /* taken over: pools still as the dead owner left them (bit p: pool p) */
    uint8_t rx_scratch[RX_FRAME]; /* a frame whose buffers are not adjacent */
};

/* Not cleared: the domain's RAM is a fresh memfd (it reads zero), and of a
 * pool's memory only the rings must start zeroed, which pool_start() does
 * each time.  Clearing faulted in a pool's ~12 MB at once as its vif
 * connected: 200-290 ms a pool on a loaded host, in series with every other
 * vif's connect after a driver domain restart.  Pages now fault in as the
 * NIC and netdd first touch them. */
static void *dma_alloc(struct pf *pf, size_t len, uint64_t *iova)
{
    len = (len + 4095) & ~(size_t)4095;
    if (pf->ram_used + len > pf->ram_size)
        return NULL;
    *iova = pf->ram_used;
    pf->ram_used += len;
    return pf->ram + *iova;
}

/* Gives the host back the pages of a queue's buffers (the RAM is a shared
 * memfd: MADV_REMOVE frees them for the NIC model's mapping too); they read
 * as zero and come back one by one as the next owner's traffic touches
 * them.  Only once the NIC has stopped the queue. */
static void pool_memory_release(struct pf_pool *p)
{
    const struct {
        uint8_t *addr;
        size_t len;
    } bufs[] = {{p->tx_buf, (size_t)TX_BUFS * PF_TX_BUF},
                {p->tx_small, (size_t)TX_SMALL * TX_SMALL_BUF},
                {p->rx_buf, (size_t)(p->rx_ring - 1) * RX_BUF}};

    if (!p->started)
        return;
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
        if (madvise(bufs[i].addr, (bufs[i].len + 4095) & ~(size_t)4095, MADV_REMOVE) < 0)
            log_warn("pool %u queue pair %u: giving back its buffers", p->pool, p->q);
}

static void pool_post(struct pf_pool *p, unsigned i)
{
    xnic_drv_rx_post(p->pf->drv, p->q, p->rx_iova + (uint64_t)i * RX_BUF, RX_BUF,
                     (void *)(uintptr_t)(i + 1));
}

static unsigned held_buf(const struct pf_pool *p, unsigned k)
{
    return (unsigned)(uintptr_t)p->held[k].cookie - 1;
}

/* Descriptors of the frame that starts at held[k], its EOP included; 0
 * while the EOP is not reaped yet. */
static unsigned held_frame_descs(const struct pf_pool *p, unsigned k)
{
    for (unsigned i = k; i < p->nheld; i++)
        if (p->held[i].status & XNIC_RXS_EOP)
            return i - k + 1;
    return 0;
}

/* The bytes (*len) of the n-descriptor frame at held[k]: in place when its
 * buffers are adjacent, all full but the last (buffers are re-posted in the
 * order they come back, so only a frame that wraps past the last buffer is
 * not), else gathered into the PF's scratch buffer; NULL when too long for
 * it (not a frame the device makes). */
static const uint8_t *held_frame(struct pf_pool *p, unsigned k, unsigned n, size_t *len)
{
    unsigned first = held_buf(p, k);
    bool adjacent = true;
    size_t off = 0;

    *len = 0;
    for (unsigned i = 0; i < n; i++) {
        adjacent = adjacent && held_buf(p, k + i) == first + i &&
                   (i == n - 1 || p->held[k + i].len == RX_BUF);
        *len += p->held[k + i].len;
    }
    if (adjacent)
        return p->rx_buf + (size_t)first * RX_BUF;
    if (*len > RX_FRAME)
        return NULL;
    for (unsigned i = k; i < k + n; off += p->held[i++].len)
        memcpy(p->pf->rx_scratch + off, p->rx_buf + (size_t)held_buf(p, i) * RX_BUF,
               p->held[i].len);
    return p->pf->rx_scratch;
}

/* The NIC's RX status and write-back in netif's terms: checksum verified
 * (L4_OK); for RSC, as the other pool sent it: checksum partial and, for a
 * TSO packet delivered whole, GSO; RSS's hash with its type. */
static struct pf_rx_meta rx_meta(uint16_t status, const struct xnic_rx_wb *wb)
{
    struct pf_rx_meta m = {.o = netif_offload_from_xnic_rx(status, wb),
                           .rsc = (status & XNIC_RXS_RSC) != 0};

    /* XNIC_RSS_TYPE_* bit n is netif's hash type n. */
    if ((status & XNIC_RXS_RSS) && wb->hash_type) {
        m.hashed = true;
        m.hash = (struct vif_back_rx_hash){wb->rss_hash, (uint8_t)__builtin_ctz(wb->hash_type)};
    }
    return m;
}

/* Delivers reaped frames in order; stops at the first the owner cannot take,
 * or at a frame not completely reaped yet. */
static void pool_deliver(struct pf_pool *p)
{
    unsigned done = 0, n;
    size_t len;

    p->rx_blocked = false;
    while ((n = held_frame_descs(p, done)) > 0) {
        const struct xnic_drv_rx_done *eop = &p->held[done + n - 1];
        const uint8_t *frame = held_frame(p, done, n, &len);

        struct pf_rx_meta m = rx_meta(eop->status, &eop->wb);

        if (frame && !XNIC_DS_ERR(eop->status) && p->rx &&
            p->rx(p->ctx, frame, len, &m) == -EAGAIN) {
            p->rx_blocked = true;
            break;
        }
        if (!p->in_use)
            return; /* the owner closed in the callback: pf_pool_put() emptied the pool */
        for (unsigned k = done; k < done + n; k++)
            pool_post(p, held_buf(p, k));
        done += n;
    }
    memmove(p->held, p->held + done, (p->nheld - done) * sizeof(p->held[0]));
    p->nheld -= done;
    if (done && p->rx_end)
        p->rx_end(p->ctx);
    if (done)
        xnic_drv_rx_kick(p->pf->drv, p->q);
}

/* Takes the NIC's TX completions: buffers free again, zero-copy packets
 * answered.  Nothing else: this runs inside the owner's TX loop (when it
 * finds no room), where a received frame must not be delivered, since
 * delivering one may close the very vif whose loop it is. */
static unsigned pool_reap_tx(struct pf_pool *p)
{
    struct xnic_drv_tx_done td[TX_RING];
    unsigned n = xnic_drv_tx_reap(p->pf->drv, p->q, td, TX_RING);

    for (unsigned i = 0; i < n; i++) {
        uintptr_t cookie = (uintptr_t)td[i].cookie;

        if (cookie & TX_ZC_FLAG) {
            uintptr_t head = (cookie & ~(uintptr_t)TX_ZC_FLAG) >> TX_ZC_HEAD_SHIFT;

            p->tx_busy[head - 1] = false;
            if (p->tx_done)
                p->tx_done(p->ctx, (uint32_t)(cookie & TX_ZC_TAG_MASK), td[i].status);
        } else {
            p->tx_busy[cookie - 1] = false;
        }
    }
    return n;
}

/* Descriptors to reap at once: 64, fewer if the held array or the budget
 * has less room. */
static unsigned rx_batch(const struct pf_pool *p, unsigned budget)
{
    unsigned n = RX_BUFS - p->nheld;

    n = n < 64 ? n : 64;
    return n < budget ? n : budget;
}

static void pool_service(struct pf_pool *p)
{
    unsigned n = pool_reap_tx(p), budget = POOL_RX_BUDGET;

    if (n && p->tx_starved && p->tx_room) {
        p->tx_starved = false;
        p->tx_room(p->ctx);
        if (!p->in_use)
            return;
    }
    if (p->rx_blocked)
        return; /* the owner is full: the NIC keeps the rest for now */
    while (budget &&
           (n = xnic_drv_rx_reap(p->pf->drv, p->q, p->held + p->nheld, rx_batch(p, budget))) > 0) {
        budget -= n;
        p->nheld += n;
        pool_deliver(p);
        if (p->rx_blocked || !p->in_use)
            return;
    }
    /* Budget spent: the rest in the next turn, after the events due now
     * (a timer of 0: event_active() would run it again before polling). */
    if (!budget) {
        p->pf->more[p->q] = true;
        event_add(p->pf->more_ev, &(struct timeval){0, 0});
    }
}

static void on_more(evutil_socket_t fd, short what, void *arg)
{
    struct pf *pf = arg;

    (void)fd, (void)what;
    for (unsigned q = 0; q < pf->nqueues; q++)
        if (pf->more[q]) {
            pf->more[q] = false;
            if (pf->pools[q].in_use)
                pool_service(&pf->pools[q]);
        }
}

static void on_vector(evutil_socket_t fd, short what, void *arg)
{
    struct pf_pool *p = arg;
    eventfd_t v;

    (void)what;
    (void)eventfd_read(fd, &v);
    if (p && p->in_use)
        pool_service(p);
}

/* Queued admin commands: served as each completes (the misc vector), and
 * every ADMIN_POLL_MS while some wait, so that one the NIC never answers
 * times out (after a second) instead of holding up those behind it. */
#define ADMIN_POLL_MS 100

static void admin_serve(struct pf *pf)
{
    static const struct timeval poll = {0, ADMIN_POLL_MS * 1000};

    if (xnic_drv_admin_service(pf->drv) && !evtimer_pending(pf->admin_timer, NULL))
        evtimer_add(pf->admin_timer, &poll);
}

/* The misc vector: the owner's causes (link changes, VFs' mailbox
 * messages), then admin completions. */
static void on_misc(evutil_socket_t fd, short what, void *arg)
{
    struct pf *pf = arg;
    eventfd_t v;
    uint32_t icr;

    (void)what;
    (void)eventfd_read(fd, &v);
    icr = xnic_drv_take_icr(pf->drv);
    if (pf->misc)
        pf->misc(pf->misc_ctx, icr);
    admin_serve(pf);
}

void pf_set_misc(struct pf *pf, pf_misc_fn *misc, void *ctx)
{
    pf->misc = misc;
    pf->misc_ctx = ctx;
}

struct xnic_drv *pf_drv(const struct pf *pf)
{
    return pf->drv;
}

static void on_admin_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    admin_serve(arg);
}

/* done runs from the loop, never inside the caller (who may not be ready
 * for it: a vif is attaching only once its attach has returned). */
int pf_barrier(struct pf *pf, pf_done_fn *done, void *ctx)
{
    int err = xnic_drv_admin_barrier(pf->drv, done, ctx);

    if (!err)
        event_active(pf->admin_timer, EV_TIMEOUT, 1);
    return err;
}

/* The barrier of commands nobody waits for: their failure is logged. */
static void admin_logged(void *ctx, int status)
{
    if (status)
        log_warnx("PF: %s: %s", (const char *)ctx, strerror(-status));
}

static int logged_barrier(struct pf *pf, const char *what, int err)
{
    if (!err)
        err = pf_barrier(pf, admin_logged, (void *)what);
    return err;
}

void pf_pool_rx_retry(struct pf_pool *p)
{
    pool_deliver(p);
    if (!p->rx_blocked && p->in_use)
        pool_service(p);
}

unsigned pf_pool_rx_held(const struct pf_pool *p)
{
    return p->nheld;
}

/* Takes the start info's RAM and the PCI functions this domain owns. */
static int pf_find(struct pf *pf, int chan, struct sv_pci_open *o, int *fds)
{
    struct sv_start_info si;
    struct sv_pci_func funcs[64];
    int sfds[SV_START_INFO_FDS];
    int n, err = hcall_start_info(chan, &si, sfds);

    if (err < 0)
        return err;
    pf->ram_size = si.nr_ram_pages * 4096;
    pf->ram =
        mmap(NULL, pf->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, sfds[SV_START_FD_RAM], 0);
    msg_close_fds(sfds, SV_START_INFO_FDS);
    if (pf->ram == MAP_FAILED)
        return -errno;
    pf->ram_used = 1 << 20;
    n = hcall_pci_funcs(chan, funcs, 64);
    for (int i = 0; i < n; i++)
        if (funcs[i].func == 0)
            return hcall_pci_open_fds(chan, funcs[i].bdf, o, fds);
    return -ENODEV;
}

/*
 * A PF taken over from a dead owner without a reset (docs/networking.md,
 * "Hand-over"): the NIC kept switching the VFs and kept the pools' MACs
 * (what came for them was dropped and counted: the buffers were in the dead
 * domain's memory), so no frame for a guest went to the wire or another
 * port meanwhile.  Each pool keeps what it had until we start it: then it
 * is cleared in its configuration (pool_start), since its trunk set, RSS table or filters
 * would be wrong for whichever vif gets it now.
 */
static void take_over(struct pf *pf, const char *bdf)
{
    const volatile uint8_t *regs = xnic_drv_regs(pf->drv);
    uint64_t drops;

    if (!(*(const volatile uint32_t *)(regs + XNIC_REG_STATUS) & XNIC_STATUS_KEPT))
        return;
    drops = *(const volatile uint64_t *)(regs + XNIC_REG_HANDOVER_DROPS);
    pf->kept = (uint32_t)((1ull << xnic_drv_num_pools(pf->drv)) - 1);
    log_info("PF %s taken over without a reset: the VFs kept, %llu frames for the pools dropped "
             "while no driver ran",
             bdf, (unsigned long long)drops);
}

struct pf *pf_open(struct event_base *base)
{
    struct pf *pf = calloc(1, sizeof(*pf));
    struct sv_pci_open o = {0};
    int fds[1 + 2 * SV_PCI_MAX_VECTORS];
    int chan = hcall_open(), nfds, err;

    if (!pf || chan < 0)
        goto out_free;
    nfds = pf_find(pf, chan, &o, fds);
    close(chan);
    chan = -1; /* not closed again at out_free */
    if (nfds < 0) {
        log_errorx("no PF assigned to this domain (%s)", strerror(-nfds));
        goto out_free;
    }
    pf->drv = xnic_drv_open(fds[0], fds + 1, fds + 1 + o.nvec, o.nvec, false, &err);
    if (!pf->drv) {
        msg_close_fds(fds, nfds);
        log_errorx("PF %s: %s", o.bdf, strerror(-err));
        goto out_free;
    }
    pf->nqueues = o.nqueues < MAX_POOLS ? o.nqueues : MAX_POOLS;
    pf->npools = xnic_drv_num_pools(pf->drv);
    pf->pool_queues = xnic_drv_pool_queues(pf->drv);
    if (pf->npools * pf->pool_queues != pf->nqueues) { /* not a layout we know: a queue a pool */
        pf->npools = pf->nqueues;
        pf->pool_queues = 1;
    }
    for (unsigned q = 0; q < pf->nqueues; q++)
        pf->pools[q] = (struct pf_pool){.pf = pf,
                                        .q = q,
                                        .pool = q % pf->npools,
                                        .rx_ring = q < pf->npools ? RX_RING : RX_RING_MQ};
    for (unsigned v = 0; v < o.nvec && v <= MAX_POOLS; v++) {
        struct pf_pool *p = v && v - 1 < pf->nqueues ? &pf->pools[v - 1] : NULL;

        pf->vec_ev[v] = event_new(base, xnic_drv_vector_fd(pf->drv, v), EV_READ | EV_PERSIST,
                                  v ? on_vector : on_misc, v ? (void *)p : pf);
        if (pf->vec_ev[v])
            event_add(pf->vec_ev[v], NULL);
    }
    pf->more_ev = evtimer_new(base, on_more, pf);
    pf->admin_timer = evtimer_new(base, on_admin_timer, pf);
    if (!pf->more_ev || !pf->admin_timer || !pf->vec_ev[XNIC_VEC_MISC]) {
        log_errorx("PF %s: cannot watch its misc vector: %s", o.bdf, strerror(ENOMEM));
        pf_close(pf);
        return NULL;
    }
    /* A vif's connect and disconnect are NIC commands: the loop that
     * serves every vif must not wait for them (pf_barrier). */
    xnic_drv_admin_queued(pf->drv, true);
    take_over(pf, o.bdf);
    /* Pool 0 is the default pool: the software switch's (pf_switch_pool). */
    log_info("PF %s up: %u pools of %u queue pairs, link %s", o.bdf, pf->npools, pf->pool_queues,
             xnic_drv_link_up(pf->drv) ? "up" : "down");
    return pf;

out_free:
    if (chan >= 0)
        close(chan);
    free(pf);
    return NULL;
}

void pf_close(struct pf *pf)
{
    if (!pf)
        return;
    for (unsigned q = 0; q < pf->npools; q++)
        if (pf->pools[q].in_use)
            pf_pool_put(&pf->pools[q]);    /* with its further queues */
    xnic_drv_admin_queued(pf->drv, false); /* runs what is queued, barriers too */
    for (unsigned v = 0; v <= MAX_POOLS; v++)
        if (pf->vec_ev[v])
            event_free(pf->vec_ev[v]);
    if (pf->more_ev)
        event_free(pf->more_ev);
    if (pf->admin_timer)
        event_free(pf->admin_timer);
    xnic_drv_close(pf->drv);
    free(pf);
}

unsigned pf_pools_free(const struct pf *pf)
{
    unsigned n = 0;

    for (unsigned q = 1; q < pf->npools; q++)
        n += !pf->pools[q].in_use && !pf->pools[q].releasing;
    return n;
}

static int pool_memory(struct pf_pool *p)
{
    struct pf *pf = p->pf;

    if (p->started)
        return 0;
    p->rings = (struct xnic_drv_rings){.tx_size = TX_RING, .rx_size = p->rx_ring};
    p->rings.tx = dma_alloc(pf, TX_RING * sizeof(struct xnic_tx_desc), &p->rings.tx_iova);
    p->rings.rx = dma_alloc(pf, p->rx_ring * sizeof(struct xnic_rx_desc), &p->rings.rx_iova);
    p->tx_buf = dma_alloc(pf, (size_t)TX_BUFS * PF_TX_BUF, &p->tx_iova);
    p->tx_small = dma_alloc(pf, (size_t)TX_SMALL * TX_SMALL_BUF, &p->tx_small_iova);
    p->rx_buf = dma_alloc(pf, (size_t)(p->rx_ring - 1) * RX_BUF, &p->rx_iova);
    if (!p->rings.tx || !p->rings.rx || !p->tx_buf || !p->tx_small || !p->rx_buf)
        return -ENOMEM;
    p->started = true;
    return 0;
}

/* Whether p is the first queue of a pool the dead owner left, to be cleared
 * as it is configured; if so, says what the NIC dropped for the pool since
 * the take-over (its queues were off), before starting the queue zeroes
 * its counters. */
static bool kept_pool(struct pf_pool *p)
{
    struct pf *pf = p->pf;
    struct xnic_queue_stats st;
    uint64_t dropped = 0;

    if (p->q != p->pool || !(pf->kept >> p->pool & 1))
        return false;
    for (unsigned k = 0; k < pf->pool_queues; k++) {
        xnic_drv_stats(pf->drv, XNIC_POOL_QUEUE(pf->npools, p->pool, k), &st);
        dropped += st.rx_no_buf;
    }
    pf->kept &= ~(1u << p->pool);
    log_info("pool %u, kept from the dead owner: %llu frames dropped since the take-over; cleared",
             p->pool, (unsigned long long)dropped);
    return true;
}

/* Starts queue pair p with its rings (rsc: coalesced receive) and posts its
 * RX buffers; its pool's first queue also gets the pool's MAC, port VLAN and
 * flags. */
static int pool_start(struct pf_pool *p, const uint8_t mac[6], uint16_t vlan, uint32_t flags,
                      bool standby, bool rsc, pf_rx_fn *rx, pf_rx_end_fn *rx_end,
                      pf_tx_done_fn *tx_done, void *ctx)
{
    struct pf *pf = p->pf;
    bool kept = kept_pool(p);
    int err = pool_memory(p);

    if (!err) {
        memset(p->rings.tx, 0, TX_RING * sizeof(struct xnic_tx_desc));
        memset(p->rings.rx, 0, p->rx_ring * sizeof(struct xnic_rx_desc));
        p->rings.rx_rsc = rsc;
        err = xnic_drv_queue_start(pf->drv, p->q, &p->rings, 1);
    }
    if (!err && p->q == p->pool) {
        memcpy(p->mac, mac, sizeof(p->mac));
        p->vlan = vlan;
        p->flags = flags;
        /* A kept pool is cleared in its configuration's command: until it
         * runs, its MAC keeps the guest's frames from the wire. */
        err = xnic_drv_vport_config(pf->drv, p->pool, mac, vlan,
                                    flags | (standby ? XNIC_VPF_STANDBY : 0) |
                                        (kept ? XNIC_VPORT_CLEAR : 0));
    }
    if (err) {
        log_warnx("pool %u queue pair %u: cannot start: %s", p->pool, p->q, strerror(-err));
        if (kept) /* cleared when it starts after all */
            pf->kept |= 1u << p->pool;
        return err;
    }
    p->in_use = true;
    p->rx = rx;
    p->rx_end = rx_end;
    p->tx_done = tx_done;
    p->ctx = ctx;
    p->nheld = 0;
    p->rx_blocked = false;
    p->tx_starved = false;
    p->tx_room = NULL;
    memset(p->tx_busy, 0, sizeof(p->tx_busy));
    for (unsigned i = 0; i < p->rx_ring - 1; i++)
        pool_post(p, i);
    xnic_drv_rx_kick(pf->drv, p->q);
    return 0;
}

struct pf_pool *pf_pool_get(struct pf *pf, const uint8_t mac[6], uint16_t vlan, bool standby,
                            bool rsc, pf_rx_fn *rx, pf_rx_end_fn *rx_end, pf_tx_done_fn *tx_done,
                            void *ctx)
{
    for (unsigned q = 1; q < pf->npools; q++) {
        struct pf_pool *p = &pf->pools[q];

        if (p->in_use || p->releasing)
            continue;
        if (pool_start(p, mac, vlan, XNIC_VPF_BCAST | XNIC_VPF_ALLMULTI | XNIC_VPF_SPOOFCHK,
                       standby, rsc, rx, rx_end, tx_done, ctx))
            return NULL;
        return p;
    }
    return NULL;
}

struct pf_pool *pf_switch_pool(struct pf *pf, pf_rx_fn *rx, void *ctx)
{
    static const uint8_t none[6];
    struct pf_pool *p = &pf->pools[0];

    if (p->in_use)
        return p;
    return pool_start(p, none, 0, XNIC_VPF_BCAST | XNIC_VPF_ALLMULTI, false, false, rx, NULL, NULL,
                      ctx)
               ? NULL
               : p;
}

int pf_switch_add(struct pf *pf, const uint8_t mac[6], uint16_t vlan)
{
    return logged_barrier(pf, "steering a MAC to the switch",
                          xnic_drv_filter_add(pf->drv, mac, vlan ? vlan : XNIC_VLAN_ANY, 0));
}

void pf_switch_del(struct pf *pf, const uint8_t mac[6], uint16_t vlan)
{
    logged_barrier(pf, "steering a MAC away from the switch",
                   xnic_drv_filter_del(pf->drv, mac, vlan ? vlan : XNIC_VLAN_ANY, 0));
}

unsigned pf_pool_queues(const struct pf *pf)
{
    return pf->pool_queues;
}

struct pf_pool *pf_pool_queue(struct pf_pool *p, unsigned k, pf_rx_fn *rx, pf_rx_end_fn *rx_end,
                              pf_tx_done_fn *tx_done, void *ctx)
{
    struct pf *pf = p->pf;
    struct pf_pool *qp;

    if (p->q != p->pool || !p->in_use || k == 0 || k >= pf->pool_queues)
        return NULL;
    qp = &pf->pools[XNIC_POOL_QUEUE(pf->npools, p->pool, k)];
    if (qp->in_use || qp->releasing)
        return NULL;
    return pool_start(qp, NULL, 0, 0, false, p->rings.rx_rsc, rx, rx_end, tx_done, ctx) ? NULL : qp;
}

int pf_pool_rss(struct pf_pool *p, uint8_t types, const uint8_t key[XNIC_RSS_KEY_SIZE],
                const uint32_t *mapping, unsigned size)
{
    uint8_t table[XNIC_RSS_TABLE_MAX];
    int err;

    if (size > XNIC_RSS_TABLE_MAX || p->q != p->pool)
        return -EINVAL;
    for (unsigned i = 0; i < size; i++) {
        if (mapping[i] >= p->pf->pool_queues)
            return -EINVAL;
        table[i] = (uint8_t)mapping[i];
    }
    /* A pool starts without hashing (the FLR, or the last owner's put,
     * turned it off): a single-queue vif's connect needs no command.  The
     * NIC runs commands one at a time, each a round trip to its process,
     * so one fewer a vif is one fewer in every other vif's connect after
     * a restart. */
    if (!types && !p->rss_on)
        return 0;
    err = xnic_drv_rss_config(p->pf->drv, p->pool, types, key, table, size);
    /* A failed command may have left hashing on: the next owner must not inherit it. */
    p->rss_on = err || types;
    return logged_barrier(p->pf, "RSS", err);
}

/* The stop of a pool's queues (released: its first) completed: the NIC
 * writes none of their memory any more, and they may have a new owner. */
static void released(void *ctx, int status)
{
    struct pf_pool *p = ctx;
    struct pf *pf = p->pf;

    if (status)
        log_warnx("pool %u: stopping it: %s", p->pool, strerror(-status));
    else
        pool_memory_release(p); /* a queue the NIC may still write into keeps its pages */
    p->releasing = false;
    for (unsigned k = 1; p->q == p->pool && k < pf->pool_queues; k++) {
        struct pf_pool *qp = &pf->pools[XNIC_POOL_QUEUE(pf->npools, p->pool, k)];

        if (!qp->in_use && qp->releasing) {
            qp->releasing = false;
            if (!status)
                pool_memory_release(qp);
        }
    }
}

static void queue_put(struct pf_pool *p)
{
    xnic_drv_queue_stop(p->pf->drv, p->q);
    p->releasing = true;
    p->in_use = false;
    p->rx = NULL;
    p->nheld = 0;
    p->rx_blocked = false;
}

void pf_pool_put(struct pf_pool *p)
{
    static const uint8_t none[6], key[XNIC_RSS_KEY_SIZE];
    struct pf *pf = p->pf;

    if (p->q != p->pool) {
        queue_put(p);
        goto out;
    }
    for (unsigned k = 1; k < pf->pool_queues; k++) {
        struct pf_pool *qp = &pf->pools[XNIC_POOL_QUEUE(pf->npools, p->pool, k)];

        if (qp->in_use)
            queue_put(qp);
    }
    if (p->rss_on)
        xnic_drv_rss_config(pf->drv, p->pool, 0, key, NULL, 0);
    p->rss_on = false;
    xnic_drv_vport_config(pf->drv, p->pool, none, 0, 0);
    pf_pool_trunk(p, &(struct sv_vlan_set){0});
    queue_put(p);
out:
    /* Without the barrier (no memory) the pool is never handed out again:
     * better than to another owner while the NIC may still write it. */
    if (pf_barrier(pf, released, p) < 0)
        log_warnx("pool %u: cannot queue its release", p->pool);
}

int pf_pool_standby(struct pf_pool *p, bool standby)
{
    if (p->q != p->pool || !p->in_use)
        return -EINVAL;
    return logged_barrier(p->pf, "standby",
                          xnic_drv_vport_config(p->pf->drv, p->pool, p->mac, p->vlan,
                                                p->flags | (standby ? XNIC_VPF_STANDBY : 0)));
}

int pf_pool_trunk(struct pf_pool *p, const struct sv_vlan_set *trunk)
{
    int err;

    if (!p->trunked && sv_vlan_set_empty(trunk)) /* four admin commands saved */
        return 0;
    err = xnic_drv_vport_trunk(p->pf->drv, p->pool, trunk);
    /* A failed command may have set a block: the next owner must not inherit it. */
    p->trunked = err || !sv_vlan_set_empty(trunk);
    return err;
}

unsigned pf_pool_index(const struct pf_pool *p)
{
    return p->pool;
}

unsigned pf_pool_queue_pair(const struct pf_pool *p)
{
    return p->q;
}

void pf_pool_set_tx_room(struct pf_pool *p, pf_tx_room_fn *fn)
{
    p->tx_room = fn;
}

/* TX buffer i: its address and IOVA (large ones first, then small). */
static uint8_t *tx_buf_at(const struct pf_pool *p, unsigned i, uint64_t *iova)
{
    size_t off = i < TX_BUFS ? (size_t)i * PF_TX_BUF : (size_t)(i - TX_BUFS) * TX_SMALL_BUF;

    *iova = (i < TX_BUFS ? p->tx_iova : p->tx_small_iova) + off;
    return (i < TX_BUFS ? p->tx_buf : p->tx_small) + off;
}

/* The index of the buffer at buf, or -1 when it is none of ours. */
static int tx_buf_index(const struct pf_pool *p, const uint8_t *buf)
{
    if (buf >= p->tx_buf && buf < p->tx_buf + (size_t)TX_BUFS * PF_TX_BUF &&
        (size_t)(buf - p->tx_buf) % PF_TX_BUF == 0)
        return (int)((size_t)(buf - p->tx_buf) / PF_TX_BUF);
    if (buf >= p->tx_small && buf < p->tx_small + (size_t)TX_SMALL * TX_SMALL_BUF &&
        (size_t)(buf - p->tx_small) % TX_SMALL_BUF == 0)
        return TX_BUFS + (int)((size_t)(buf - p->tx_small) / TX_SMALL_BUF);
    return -1;
}

/* A free buffer for len bytes: the small one at the cursor (small buffers
 * are taken in turn and the NIC completes in ring order, so when that one
 * is busy they all are), else a large one; -1 when none (or no descriptor
 * is free: zero-copy packets share the ring). */
static int tx_find(const struct pf_pool *p, size_t len)
{
    if (!xnic_drv_tx_room(p->pf->drv, p->q))
        return -1;
    if (len <= TX_SMALL_BUF && !p->tx_busy[TX_BUFS + p->tx_cursor])
        return (int)(TX_BUFS + p->tx_cursor);
    for (unsigned i = 0; i < TX_BUFS; i++)
        if (!p->tx_busy[i])
            return (int)i;
    return -1;
}

void *pf_pool_tx_buffer(struct pf_pool *p, size_t len, size_t *cap)
{
    uint64_t iova;
    int i = tx_find(p, len);

    if (i < 0) {
        pool_reap_tx(p);
        i = tx_find(p, len);
    }
    if (i < 0) {
        p->tx_starved = true;
        return NULL;
    }
    *cap = i < TX_BUFS ? PF_TX_BUF - 1 : TX_SMALL_BUF;
    return tx_buf_at(p, (unsigned)i, &iova);
}

/* Buffer i goes to the device: busy until its packet completes. */
static void tx_take(struct pf_pool *p, int i)
{
    p->tx_busy[i] = true;
    if (i >= TX_BUFS)
        p->tx_cursor = (unsigned)(i - TX_BUFS + 1) % TX_SMALL;
}

int pf_pool_tx_submit(struct pf_pool *p, void *buf, size_t len, unsigned cmd, uint16_t mss,
                      uint8_t hdr_len)
{
    int i = tx_buf_index(p, buf);
    struct xnic_drv_seg seg = {.len = (uint16_t)len};
    size_t cap = i < TX_BUFS ? PF_TX_BUF - 1 : TX_SMALL_BUF;
    int err;

    if (i < 0 || len == 0 || len > cap)
        return -EINVAL;
    tx_buf_at(p, (unsigned)i, &seg.iova);
    err = xnic_drv_tx(p->pf->drv, p->q, &seg, 1, cmd, mss, hdr_len, (void *)(uintptr_t)(i + 1));
    if (!err)
        tx_take(p, i);
    return err;
}

int pf_pool_tx_segs(struct pf_pool *p, const void *head, size_t head_len,
                    const struct xnic_drv_seg *segs, unsigned n, unsigned cmd, uint16_t mss,
                    uint8_t hdr_len, uint32_t tag)
{
    struct xnic_drv_seg all[PF_TX_SEGS_MAX + 1];
    int i = tx_buf_index(p, head);
    int err;

    if (tag > TX_ZC_TAG_MASK || n > PF_TX_SEGS_MAX || i < 0 || !head_len ||
        head_len > (i < TX_BUFS ? PF_TX_BUF - 1 : TX_SMALL_BUF))
        return -EINVAL;
    all[0] = (struct xnic_drv_seg){.len = (uint16_t)head_len};
    tx_buf_at(p, (unsigned)i, &all[0].iova);
    memcpy(all + 1, segs, n * sizeof(*segs));
    if (xnic_drv_tx_room(p->pf->drv, p->q) < n + 1)
        pool_reap_tx(p);
    err = xnic_drv_tx(p->pf->drv, p->q, all, n + 1, cmd, mss, hdr_len,
                      (void *)(TX_ZC_FLAG | tag | (uintptr_t)(i + 1) << TX_ZC_HEAD_SHIFT));
    if (!err)
        tx_take(p, i);
    return err;
}

void pf_pool_tx_kick(struct pf_pool *p)
{
    xnic_drv_tx_kick(p->pf->drv, p->q);
}
