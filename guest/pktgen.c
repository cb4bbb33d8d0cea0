/* pktgen: the poll-mode endpoint on a vif's rings (see pktgen.h). */
#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "sv/clock.h" /* pktgen measures as the benchmarks do */
#include "pktgen.h"
#include "sv/log.h"
#include "sv/netfront.h"
#include "sv/xenbus.h"
#include "sv/vif_front.h"

#define RX_CAP 2048 /* larger frames are not ours: counted bad */
/* Buffers go back every this many frames, not only after the whole ring:
 * a backend waiting for room (req_event) goes on while we drain the rest. */
#define RX_REFILL_EVERY 32

struct pktgen {
    struct pktgen_config cfg;
    struct vif_front_endpoint ep;
    struct netfront *nf; /* while connected */
    struct event *report_ev;
    uint64_t sent;           /* TX: frames queued (the next sequence number) */
    bool done_reported;      /* TX: --count frames all answered, said so */
    struct pktgen_tmpl tmpl; /* TX: the frame, patched per sequence number */
    struct pktgen_rx_stats rx;
    uint64_t last; /* sent / rx.frames at the last report */
    double last_t;
    uint8_t frame[PKTGEN_MAX_LEN];
    uint8_t rxbuf[RX_CAP];
};

/* Queues bursts until the ring (or --count) is full, one flush per burst:
 * the backend hears of a burst at most once.  -EPROTO when broken. */
static int tx_fill(struct pktgen *pg)
{
    for (;;) {
        unsigned n = 0;
        int err = 0;

        while (n < pg->cfg.burst && (!pg->cfg.count || pg->sent < pg->cfg.count)) {
            pktgen_tmpl_frame(&pg->tmpl, pg->sent, pg->frame);
            err = netfront_tx_send(pg->nf, NULL, pg->frame, pg->cfg.len);
            if (err)
                break;
            pg->sent++;
            n++;
        }
        if (n)
            netfront_tx_flush(pg->nf);
        if (err && err != -EAGAIN)
            return err;
        if (err || n < pg->cfg.burst)
            return 0; /* full (the reap armed rsp_event), or --count reached */
    }
}

/* Takes every complete RX frame, then reposts the buffers. */
static int rx_drain(struct pktgen *pg)
{
    struct virtio_net_hdr vh;
    unsigned taken = 0;
    uint64_t seq;
    int n;

    while ((n = netfront_rx_recv(pg->nf, &vh, pg->rxbuf, sizeof(pg->rxbuf))) != 0) {
        if (n == -EPROTO)
            return n;
        if (n > 0 && pktgen_frame_seq(pg->rxbuf, (size_t)n, &seq) == 0)
            pktgen_rx_account(&pg->rx, seq);
        else
            pg->rx.bad++;
        if (++taken % RX_REFILL_EVERY == 0 && netfront_rx_refill(pg->nf) < 0)
            return -EPROTO;
    }
    return netfront_rx_refill(pg->nf) < 0 ? -EPROTO : 0;
}

static int on_event(void *ctx, bool tx, bool rx)
{
    struct pktgen *pg = ctx;
    int err = 0;

    if (!pg->nf)
        return 0;
    if (tx && pg->cfg.mode == PKTGEN_TX)
        err = netfront_tx_reap(pg->nf) < 0 ? -EPROTO : tx_fill(pg);
    if (!err && rx)
        err = rx_drain(pg);
    return err;
}

static void on_connected(void *ctx, struct netfront *nf)
{
    struct pktgen *pg = ctx;

    pg->nf = nf;
    netfront_set_polled(nf, pg->cfg.busy_poll);
    /* The ring stays full: wake when three quarters of it can be refilled at
     * once; the quarter still in flight keeps the backend busy meanwhile.
     * (Half the ring cost a fifth more context switches per frame.) */
    netfront_set_tx_wake_after(nf, NETIF_TX_RING_SIZE * 3 / 4);
    log_info("pktgen %s: vif %u connected%s", pg->cfg.mode == PKTGEN_TX ? "tx" : "rx",
             pg->cfg.devid, pg->cfg.busy_poll ? " (busy poll)" : "");
    on_event(pg, true, true);
}

static void on_disconnected(void *ctx)
{
    struct pktgen *pg = ctx;

    pg->nf = NULL;
}

/* One pass over the rings: reap, send, take RX.  Whether it found anything
 * to do. */
static bool poll_once(struct pktgen *pg)
{
    struct netfront_stats s0, s1;
    uint64_t sent = pg->sent, seen = pg->rx.frames + pg->rx.bad;

    if (!pg->nf)
        return false;
    netfront_get_stats(pg->nf, &s0);
    /* A sender reaps and refills in the batches it would be woken for. */
    if (on_event(pg, netfront_tx_wake_due(pg->nf), true) < 0) {
        log_warnx("pktgen: backend broke the protocol");
        return false;
    }
    netfront_get_stats(pg->nf, &s1);
    return pg->sent != sent || pg->rx.frames + pg->rx.bad != seen || s1.tx_packets != s0.tx_packets;
}

/* Whether the rings are polled (no notifications asked for) or the backend
 * notifies: a pass with the queue no longer polled arms rsp_event on both
 * rings (and takes what came meanwhile). */
static void set_polled(struct pktgen *pg, bool polled)
{
    bool due;

    if (!pg->nf)
        return;
    due = netfront_tx_wake_due(pg->nf);
    netfront_set_polled(pg->nf, polled);
    if (polled)
        return;
    /* A sender not due only reaps, which arms rsp_event: refilling the few
     * slots that completed since would send a small batch each sleep. */
    if ((!due && pg->cfg.mode == PKTGEN_TX && netfront_tx_reap(pg->nf) < 0) ||
        on_event(pg, due, true) < 0)
        log_warnx("pktgen: backend broke the protocol");
}

/* The spin window's first step up from nothing, as KVM's halt polling
 * (halt_poll_ns_grow_start) starts at 10 us. */
#define BUSY_POLL_GROW_START 5e-6

/* The rings every pass, the other events every few passes (epoll costs a
 * system call; the rings cost none).  After a window of passes that found
 * nothing the guest asks for notifications and sleeps until the backend
 * (or anything else) wakes it, as Linux's busy polling does
 * (net.core.busy_poll).  Spinning for good is DPDK's model of a core of
 * its own; here the guests share the cores with netdd and the NIC model,
 * and a guest that never slept took the CPU the backend needed to give it
 * anything to find.  The window adapts as KVM's halt polling does: up to
 * --busy-poll-us while the sleeps that follow it are shorter than that
 * (spinning a little longer would have caught the work), halved when they
 * are longer (the spin was wasted), down to none: on a host with more busy
 * processes than cores the guest then behaves as the event-driven one.
 * An idle pass does not yield: a yielding task gives way to every task due
 * before it, while a woken one is usually run at once.  With
 * --busy-poll-us 0 it never sleeps and yields every idle pass instead, as
 * it used to (docs/benchmarks.md, busy polling). */
void pktgen_busy_loop(struct pktgen *pg, struct event_base *base)
{
    double max = pg->cfg.busy_poll_us / 1e6, window = max, idle_since = 0, slept;

    for (unsigned n = 0; !event_base_got_exit(base); n++) {
        if (poll_once(pg)) {
            idle_since = 0;
        } else if (!max) {
            if (pg->nf) {
                sched_yield();
            } else {
                event_base_loop(base, EVLOOP_ONCE); /* nothing to poll yet */
                continue;
            }
        } else if (!idle_since) {
            idle_since = sv_now_s();
        } else if (!pg->nf || sv_now_s() - idle_since >= window) {
            set_polled(pg, false);
            slept = sv_now_s();
            event_base_loop(base, EVLOOP_ONCE);
            slept = sv_now_s() - slept;
            set_polled(pg, true);
            if (slept > max)
                window = window / 2 < BUSY_POLL_GROW_START ? 0 : window / 2;
            else
                window = window < BUSY_POLL_GROW_START ? BUSY_POLL_GROW_START
                                                       : (window * 2 > max ? max : window * 2);
            idle_since = 0;
            continue;
        }
        if (n % 64 == 0)
            event_base_loop(base, EVLOOP_NONBLOCK);
    }
}

static void report_tx(struct pktgen *pg, double pps)
{
    struct netfront_stats s = {0};

    if (pg->nf)
        netfront_get_stats(pg->nf, &s);
    printf("pktgen tx pps %.0f sent %" PRIu64 " completed %" PRIu64 " errors %" PRIu64 "\n", pps,
           pg->sent, s.tx_packets, s.tx_errors);
    if (pg->cfg.count && !pg->done_reported && pg->nf && s.tx_packets == pg->cfg.count) {
        printf("pktgen tx done frames %" PRIu64 " errors %" PRIu64 "\n", s.tx_packets, s.tx_errors);
        pg->done_reported = true;
    }
}

static void on_report(evutil_socket_t fd, short what, void *arg)
{
    struct pktgen *pg = arg;
    uint64_t now_count = pg->cfg.mode == PKTGEN_TX ? pg->sent : pg->rx.frames;
    double t = sv_now_s(), pps = (double)(now_count - pg->last) / (t - pg->last_t);

    (void)fd;
    (void)what;
    pg->last = now_count;
    pg->last_t = t;
    if (pg->cfg.mode == PKTGEN_TX)
        report_tx(pg, pps);
    else
        printf("pktgen rx pps %.0f frames %" PRIu64 " bad %" PRIu64 " lost %" PRIu64
               " reordered %" PRIu64 "\n",
               pps, pg->rx.frames, pg->rx.bad, pg->rx.lost, pg->rx.reordered);
}

/* The vif's own MAC: the NIC drops frames from any other (anti-spoofing). */
static int read_mac(struct xs_handle *xs, unsigned devid, uint8_t mac[6])
{
    char dir[64], *val = NULL;
    unsigned b[6];
    int n;

    snprintf(dir, sizeof(dir), "device/vif/%u", devid);
    if (xenbus_read(xs, XBT_NULL, dir, "mac", &val) < 0)
        return -ENOENT;
    n = sscanf(val, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]);
    free(val);
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)b[i];
    return n == 6 ? 0 : -EINVAL;
}

struct pktgen *pktgen_new(const struct pktgen_config *cfg, struct event_base *base,
                          struct xs_handle *xs)
{
    static const struct timeval second = {.tv_sec = 1};
    struct pktgen *pg = calloc(1, sizeof(*pg));

    if (!pg)
        return NULL;
    pg->cfg = *cfg;
    if (read_mac(xs, cfg->devid, pg->cfg.src_mac) < 0) {
        log_warnx("pktgen: vif %u has no MAC in xenstore", cfg->devid);
        goto out_free;
    }
    pktgen_tmpl_init(&pg->tmpl, &pg->cfg);
    pg->ep = (struct vif_front_endpoint){
        .connected = on_connected, .disconnected = on_disconnected, .event = on_event, .ctx = pg};
    pg->report_ev = event_new(base, -1, EV_PERSIST, on_report, pg);
    if (!pg->report_ev || event_add(pg->report_ev, &second) < 0)
        goto out_free;
    pg->last_t = sv_now_s();
    return pg;

out_free:
    if (pg->report_ev)
        event_free(pg->report_ev);
    free(pg);
    return NULL;
}

void pktgen_free(struct pktgen *pg)
{
    if (!pg)
        return;
    event_free(pg->report_ev);
    free(pg);
}

const struct vif_front_endpoint *pktgen_endpoint(const struct pktgen *pg)
{
    return &pg->ep;
}

unsigned pktgen_devid(const struct pktgen *pg)
{
    return pg->cfg.devid;
}

bool pktgen_busy_poll(const struct pktgen *pg)
{
    return pg->cfg.busy_poll;
}
