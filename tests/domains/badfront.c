/*
 * badfront: a domain image for the test net_hostile that plays a hostile
 * netfront on its vif 0, with Xen's library APIs only (xenstore, xengntshr,
 * xenevtchn) and netif.h's rings, none of our netfront core.  It does the
 * real handshake (grants two ring pages and buffer pages, binds an unbound
 * port, writes the keys, state Connected, waits for the backend's
 * Connected), sends one well-formed frame as a control, then breaks the
 * protocol the way its argument names and notifies the backend:
 *
 *   bad-index      TX req_prod far beyond the ring
 *   oversize       a 65535-byte first slot followed by slots adding up to more
 *   cross-page     a slot whose offset + size runs past its page
 *   bad-ref        a TX slot naming a grant ref never granted
 *   slot-flood     one packet chained over 64 slots (the limit is 18)
 *   unknown-extra  an extra-info slot of a type netif.h does not define
 *   bad-gso        a GSO extra of an unknown GSO type
 *   tiny-mss       a TCPv4 GSO extra with MSS 1: no violation, so the
 *                  backend must answer it DROPPED ("TINY MSS status=S")
 *                  and stay Connected, not make the NIC send 65,000 frames
 *   rx-bad-ref     RX buffers posted with refs never granted
 *   rx-bad-index   RX req_prod far beyond the ring
 *   notify-flood   rings the backend's port as fast as it can for 12 s; no
 *                  protocol violation, so the backend must stay Connected,
 *                  but it must not starve the other vifs either
 *   reconnect-flood  closes and connects again 40 times with fresh grants,
 *                  each time sending a good frame: more times than netdd
 *                  has VMDq pools, so anything it leaks per connection shows
 *   tx-storm       queues well-formed frames (for no one) as fast as the
 *                  backend answers them, for 12 s: no violation either, but
 *                  a backend serving it without a budget serves no one else
 *   reply-storm MAC IP OWN-IP  posts RX buffers with a ref never granted,
 *                  then keeps its TX ring full of TSO packets and ARP
 *                  requests for IP at MAC (a good guest) from OWN-IP: the
 *                  answers come back while the backend is out of NIC TX
 *                  buffers for us, and delivering one must close the vif
 *                  cleanly ("RX copy to a bad grant"), not free it inside
 *                  the TX loop; 16 rounds, connecting again after each
 *                  close, then "REPLY STORM <n> rounds"
 *   xs-storm       writes keys in its own frontend directory (a junk key,
 *                  and its state again) as fast as xenstore takes them for
 *                  12 s ("XS STORMING", "XS STORMED <n> writes"): the
 *                  backend must go on serving the other vifs
 *   state-flap     Closed, Initialising, Connected 100 times a second for
 *                  12 s ("FLAPPING", "FLAPPED <n> times"): each a reconnect
 *                  for the backend, which must not stall the other vifs
 *   ctrl-flood     maps a real control ring and feeds it SET_HASH_KEY
 *                  requests naming a ref never granted as fast as the
 *                  backend answers, for 12 s ("CTRL FLOODING", "CTRL
 *                  FLOODED <n> requests"): no violation, but a backend
 *                  without a budget on that ring serves no one else
 *   ring-as-buffer a TX slot naming our RX ring's page as its buffer
 *   double-map     one page as a small frame, a large one read in place,
 *                  and a GSO packet with segment size 47, then bad-index:
 *                  after the close nothing may stay mapped ("UNSHARE ok")
 *   unmap-storm    a frame from each of 1024 more pages, then Closed
 *                  ("UNMAP READY", half a second, Closed, "UNMAP CLOSED"):
 *                  the backend's teardown must not stall the other vifs
 *   bcast-storm    tx-storm with broadcasts ("BCAST STORMING", "BCAST
 *                  STORMED <n> frames"): copies into every other guest
 *   cpu-burn       no attack: spins in its own process for 12 s ("BURNING",
 *                  "BURNED <n> loops"), its vif connected and idle, as the
 *                  control that tells what an attacking guest's own CPU
 *                  costs the others on a small host from what it makes
 *                  the host's daemons do
 *   rewrite-src MAC IP OWN-IP  for REWRITE_MS, UDP frames of 3000 bytes
 *                  (read in place by the NIC: over the copybreak) to MAC
 *                  from OWN-IP, the vif's address, as fast as the backend
 *                  answers, while a thread rewrites their source in our page
 *                  to IP and back without pause: whatever the backend
 *                  checked, the NIC must send what it checked, so no frame
 *                  from IP may arrive anywhere ("REWROTE <n> frames <k>
 *                  rewrites"); payload "SVREWRITE"
 *   rewrite-dst MAC IP OWN-IP  rewrite-src's frames, their destination
 *                  flipped between MAC and broadcast instead: whatever the
 *                  backend judged unicast must go out unicast, so no more
 *                  broadcasts arrive than the vif's budget lets through
 *   rx-stall       never posts an RX buffer: frames for it pile up in netdd
 *                  (no violation either; the other vifs must not notice)
 *   bad-ring-ref   publishes a tx-ring-ref never granted (handshake lie)
 *   bad-evtchn     publishes an event-channel port of ours that is offered
 *                  to dom0, not to the backend (handshake lie)
 *   too-many-queues  asks for 99 queues (multi-queue-num-queues), more than
 *                  the backend offered (handshake lie)
 *   bad-ctrl-ref   names a control ring (ctrl-ring-ref) never granted
 *                  (handshake lie)
 *
 * The RX modes bite when a frame arrives for the vif (the test pings it).
 * A last argument "flood-ms=N" makes the 12 s of the load modes N ms.
 * Console lines the test waits for: "BACKEND CONNECTED" (or "BACKEND
 * REFUSED" after a handshake lie, which skips to the end), "GOOD TX status=S",
 * "FLOODING" and "FLOODED <n> notifications" (notify-flood),
 * "MISBEHAVED <mode>", "BACKEND STATE <n>" on each change after that,
 * "BACKEND CLOSED" when the backend reaches Closed, then "UNSHARE ok" when
 * every grant could be ended (the backend unmapped everything) or
 * "UNSHARE busy".  Then it stays alive until destroyed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "sv/log.h"
#include "sv/abi/netif_abi.h"
#include "sv/xenbus.h"

#define VIF_DIR          "device/vif/0"
#define BUF_PAGES        32    /* TX and RX buffers, one page each */
#define GOOD_RX_BUFS     8     /* what the TX modes post, as a normal frontend would */
#define FLOOD_SLOTS      64    /* slot-flood: far above NETIF_MAX_SLOTS, well within the ring */
#define FAR_AHEAD        4096u /* bad-index, rx-bad-index: sixteen rings ahead */
#define STATE_TIMEOUT_MS 15000
#define FLOOD_MS         12000 /* the pings, then TCP, of net_hostile meanwhile */
#define RECONNECTS       40    /* more than the NIC's 15 VMDq pools */
#define REWRITE_MS       6000
#define REWRITE_LEN      3000 /* over netdd's 2 KiB copybreak, within a page */

/* How long the load modes last: FLOOD_MS, or the last argument's
 * "flood-ms=N" (net_hostile's longer TCP runs must end within the load). */
static long long flood_ms = FLOOD_MS;

struct front {
    struct xs_handle *xs;
    xenevtchn_handle *xce;
    xengntshr_handle *xgs;
    char backend[160];
    uint32_t backend_id;
    uint8_t mac[6];
    void *ring[2]; /* TX, RX shared rings */
    uint32_t ring_ref[2];
    uint8_t *buf; /* BUF_PAGES pages */
    uint32_t buf_ref[BUF_PAGES];
    uint32_t stray_ref; /* a ref of our table we never granted */
    evtchn_port_t port;
    unsigned queues; /* non-zero: the multi-queue-num-queues we write */
    bool ctrl_ring;  /* write ctrl-ring-ref (stray_ref) and event-channel-ctrl */
    void *ctrl;      /* a real control ring (ctrl-flood) */
    uint32_t ctrl_ref;
    evtchn_port_t ctrl_port;
    xen_netif_ctrl_front_ring_t ctrlr;
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    RING_IDX tx_answered;                 /* storm(): requests known answered */
    uint32_t tx_sent[NETIF_TX_RING_SIZE]; /* storm(): what each slot's first word was */
};

struct mode {
    const char *name;
    void (*misbehave)(struct front *f); /* breaks the rings once connected */
    bool post_rx;                       /* post good RX buffers first (the TX modes) */
    void (*lie)(struct front *f);       /* tampers with the keys the handshake publishes */
};

/* ---- the handshake ---- */

static int read_backend(struct front *f)
{
    char *path = NULL, *mac = NULL;
    unsigned b[6];
    int err = xenbus_read(f->xs, XBT_NULL, VIF_DIR, "backend", &path);

    if (!err && xenbus_scanf(f->xs, XBT_NULL, VIF_DIR, "backend-id", "%u", &f->backend_id) != 1)
        err = -EINVAL;
    if (!err)
        err = xenbus_read(f->xs, XBT_NULL, VIF_DIR, "mac", &mac);
    if (!err && sscanf(mac, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
        err = -EINVAL;
    if (!err) {
        snprintf(f->backend, sizeof(f->backend), "%s", path);
        for (int i = 0; i < 6; i++)
            f->mac[i] = (uint8_t)b[i];
    }
    free(path);
    free(mac);
    return err;
}

static int share(struct front *f)
{
    uint32_t top = 0;

    for (int d = 0; d < 2; d++) {
        f->ring[d] = xengntshr_share_pages(f->xgs, f->backend_id, 1, &f->ring_ref[d], 1);
        if (!f->ring[d])
            return -errno;
        top = f->ring_ref[d] > top ? f->ring_ref[d] : top;
    }
    f->buf = xengntshr_share_pages(f->xgs, f->backend_id, BUF_PAGES, f->buf_ref, 1);
    if (!f->buf)
        return -errno;
    for (int i = 0; i < BUF_PAGES; i++)
        top = f->buf_ref[i] > top ? f->buf_ref[i] : top;
    f->stray_ref = top + 64; /* inside our table, past everything we granted */
    SHARED_RING_INIT((netif_tx_sring_t *)f->ring[0]);
    SHARED_RING_INIT((netif_rx_sring_t *)f->ring[1]);
    FRONT_RING_INIT(&f->tx, (netif_tx_sring_t *)f->ring[0], NETIF_PAGE_SIZE);
    FRONT_RING_INIT(&f->rx, (netif_rx_sring_t *)f->ring[1], NETIF_PAGE_SIZE);
    f->tx_answered = 0;
    return 0;
}

static int write_keys(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    struct front *f = arg;
    int err = xenbus_printf(h, t, VIF_DIR, "tx-ring-ref", "%u", f->ring_ref[0]);

    if (!err)
        err = xenbus_printf(h, t, VIF_DIR, "rx-ring-ref", "%u", f->ring_ref[1]);
    if (!err)
        err = xenbus_printf(h, t, VIF_DIR, "event-channel", "%u", f->port);
    if (!err && f->queues)
        err = xenbus_printf(h, t, VIF_DIR, "multi-queue-num-queues", "%u", f->queues);
    if (!err && f->ctrl_ring)
        err = xenbus_printf(h, t, VIF_DIR, "ctrl-ring-ref", "%u",
                            f->ctrl ? f->ctrl_ref : f->stray_ref);
    if (!err && f->ctrl_ring)
        err = xenbus_printf(h, t, VIF_DIR, "event-channel-ctrl", "%u",
                            f->ctrl ? f->ctrl_port : f->port);
    if (!err)
        err = xenbus_write(h, t, VIF_DIR, "request-rx-copy", "1");
    if (!err)
        err = xenbus_write(h, t, VIF_DIR, "feature-sg", "1");
    if (!err)
        err = xenbus_printf(h, t, VIF_DIR, "state", "%d", XenbusStateConnected);
    return err;
}

/* Waits for the backend's state to be want (or beyond, at_least); *got is it. */
static int wait_backend(struct front *f, XenbusState want, bool at_least, XenbusState *got)
{
    int err = xenbus_wait_state(f->xs, f->backend, want, at_least, STATE_TIMEOUT_MS, got);

    if (err)
        log_warnx("backend %s: state %d, waited for %d: %s", f->backend, *got, want,
                  strerror(-err));
    return err;
}

/* The handshake from the backend's InitWait, with the mode's lie if it has
 * one: 0 when the backend answered (Connected, or Closing/Closed when it
 * refused us) or -errno. */
static int handshake(struct front *f, void (*lie)(struct front *f), XenbusState *be)
{
    int port, err;

    if ((err = wait_backend(f, XenbusStateInitWait, false, be)) || (err = share(f)))
        return err;
    port = xenevtchn_bind_unbound_port(f->xce, f->backend_id);
    if (port < 0)
        return -errno;
    f->port = (evtchn_port_t)port;
    if (lie)
        lie(f);
    if ((err = xenbus_transaction(f->xs, write_keys, f)))
        return err;
    return wait_backend(f, XenbusStateConnected, true, be);
}

static int connect_vif(struct front *f, const struct mode *m, XenbusState *be)
{
    int err = read_backend(f);

    if (!err)
        err = xenbus_watch_state(f->xs, f->backend, "be");
    return err ? err : handshake(f, m->lie, be);
}

static void unshare_one(struct front *f, void **pages, int count, bool *busy)
{
    if (*pages && xengntshr_unshare(f->xgs, *pages, count) == 0)
        *pages = NULL;
    *busy |= *pages != NULL;
}

/* Ends every grant: false when one is still mapped (by the backend). */
static bool unshare_all(struct front *f)
{
    bool busy = false;

    unshare_one(f, &f->ring[0], 1, &busy);
    unshare_one(f, &f->ring[1], 1, &busy);
    unshare_one(f, (void **)&f->buf, BUF_PAGES, &busy);
    unshare_one(f, &f->ctrl, 1, &busy);
    return !busy;
}

/* Closed, then over again with fresh grants and port, as a frontend may. */
static int reconnect(struct front *f)
{
    XenbusState be;
    int err;

    if ((err = xenbus_switch_state(f->xs, VIF_DIR, XenbusStateClosed)) ||
        (err = wait_backend(f, XenbusStateClosed, false, &be)))
        return err;
    xenevtchn_unbind(f->xce, f->port);
    if (!unshare_all(f))
        return -EBUSY;
    if ((err = xenbus_switch_state(f->xs, VIF_DIR, XenbusStateInitialising)) ||
        (err = handshake(f, NULL, &be)))
        return err;
    return be == XenbusStateConnected ? 0 : -ECONNREFUSED;
}

/* ---- rings ---- */

static netif_tx_request_t *tx_slot(struct front *f)
{
    return RING_GET_REQUEST(&f->tx, f->tx.req_prod_pvt++);
}

static void push(struct front *f)
{
    if (!f->ring[0] || !f->ring[1])
        return; /* a reconnect failed half way: no rings */
    RING_PUSH_REQUESTS(&f->tx);
    RING_PUSH_REQUESTS(&f->rx);
    xenevtchn_notify(f->xce, f->port);
}

/* RX buffers: the upper half of our pages (TX uses the lower), or a stray ref. */
static void post_rx(struct front *f, unsigned n, bool stray)
{
    for (unsigned i = 0; i < n; i++) {
        netif_rx_request_t *r = RING_GET_REQUEST(&f->rx, f->rx.req_prod_pvt);

        r->id = (uint16_t)f->rx.req_prod_pvt++;
        r->gref = stray ? f->stray_ref : f->buf_ref[BUF_PAGES - 1 - i % (BUF_PAGES / 2)];
    }
}

/* A broadcast of the local experimental ethertype from our MAC: harmless. */
static void good_frame(struct front *f, netif_tx_request_t *r)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

    memset(f->buf, 0, 60);
    memcpy(f->buf, bcast, 6);
    memcpy(f->buf + 6, f->mac, 6);
    f->buf[12] = 0x88;
    f->buf[13] = 0xb5;
    *r = (netif_tx_request_t){.gref = f->buf_ref[0], .offset = 0, .flags = 0, .id = 0, .size = 60};
}

/* The status of the next TX response, or -ETIMEDOUT. */
static int tx_response(struct front *f, int timeout_ms)
{
    struct pollfd p = {xenevtchn_fd(f->xce), POLLIN, 0};

    for (int waited = 0; waited < timeout_ms; waited += 50) {
        xenevtchn_port_or_error_t port;

        if (f->tx.sring->rsp_prod != f->tx.rsp_cons) {
            xen_rmb();
            return RING_GET_RESPONSE(&f->tx, f->tx.rsp_cons++)->status;
        }
        if (poll(&p, 1, 50) > 0 && (port = xenevtchn_pending(f->xce)) >= 0)
            xenevtchn_unmask(f->xce, (evtchn_port_t)port);
    }
    return -ETIMEDOUT;
}

/* ---- the misbehaviours ---- */

static void bad_index(struct front *f)
{
    f->tx.req_prod_pvt += FAR_AHEAD;
}

static void oversize(struct front *f)
{
    netif_tx_request_t *first = tx_slot(f);

    good_frame(f, first);
    first->size = 65535;
    first->flags = NETTXF_more_data;
    /* 16 full pages after it: 65536 bytes besides the first slot's share. */
    for (int i = 1; i <= 16; i++)
        *tx_slot(f) = (netif_tx_request_t){.gref = f->buf_ref[i],
                                           .id = (uint16_t)i,
                                           .size = NETIF_PAGE_SIZE,
                                           .flags = i < 16 ? NETTXF_more_data : 0};
}

static void cross_page(struct front *f)
{
    netif_tx_request_t *r = tx_slot(f);

    good_frame(f, r);
    r->offset = NETIF_PAGE_SIZE - 30;
}

static void bad_ref(struct front *f)
{
    netif_tx_request_t *r = tx_slot(f);

    good_frame(f, r);
    r->gref = f->stray_ref;
}

static void slot_flood(struct front *f)
{
    netif_tx_request_t *first = tx_slot(f);

    good_frame(f, first);
    first->size = FLOOD_SLOTS * 60;
    first->flags = NETTXF_more_data;
    for (int i = 1; i < FLOOD_SLOTS; i++)
        *tx_slot(f) = (netif_tx_request_t){.gref = f->buf_ref[i % BUF_PAGES],
                                           .id = (uint16_t)i,
                                           .size = 60,
                                           .flags = i + 1 < FLOOD_SLOTS ? NETTXF_more_data : 0};
}

/* A first slot announcing an extra, then the extra itself in the next slot. */
static void tx_with_extra(struct front *f, const netif_extra_info_t *e)
{
    netif_tx_request_t *first = tx_slot(f);

    good_frame(f, first);
    first->flags = NETTXF_extra_info;
    memcpy(tx_slot(f), e, sizeof(*e));
}

static void unknown_extra(struct front *f)
{
    netif_extra_info_t e = {.type = XEN_NETIF_EXTRA_TYPE_MAX};

    tx_with_extra(f, &e);
}

static void bad_gso(struct front *f)
{
    netif_extra_info_t e = {.type = XEN_NETIF_EXTRA_TYPE_GSO, .u.gso = {.size = 1400, .type = 99}};

    tx_with_extra(f, &e);
}

/* A GSO packet cut into 1-byte segments: not a ring violation, so the
 * backend answers it (dropped) and the vif stays up. */
static void tiny_mss(struct front *f)
{
    netif_extra_info_t e = {.type = XEN_NETIF_EXTRA_TYPE_GSO,
                            .u.gso = {.size = 1, .type = XEN_NETIF_GSO_TYPE_TCPV4}};

    tx_with_extra(f, &e);
    push(f);
    printf("TINY MSS status=%d\n", tx_response(f, 5000));
}

static void rx_bad_ref(struct front *f)
{
    post_rx(f, 64, true);
}

static void rx_bad_index(struct front *f)
{
    f->rx.req_prod_pvt += FAR_AHEAD;
}

static void rx_stall(struct front *f)
{
    (void)f; /* attack() posted no RX buffer, and none will come */
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void notify_flood(struct front *f)
{
    long long end = now_ms() + flood_ms;
    unsigned long n = 0;

    puts("FLOODING");
    while (now_ms() < end)
        for (int i = 0; i < 1000; i++, n++)
            xenevtchn_notify(f->xce, f->port);
    printf("FLOODED %lu notifications\n", n);
}

/* More connections than netdd has VMDq pools, each with a good frame. */
static void reconnect_flood(struct front *f)
{
    int n, err = 0, status = 0;

    for (n = 0; n < RECONNECTS && !err && !status; n++) {
        err = reconnect(f);
        if (!err) {
            good_frame(f, tx_slot(f));
            push(f);
            status = tx_response(f, 5000);
        }
    }
    if (err || status)
        printf("RECONNECT %d failed: %s, TX status %d\n", n, strerror(-err), status);
    else
        printf("RECONNECTED %d times\n", n);
}

/* Whether the backend answered ring slot i: a response ({id, status})
 * overwrote the first four bytes, where the request had its gref. */
static bool tx_answered(struct front *f, RING_IDX i, grant_ref_t gref)
{
    return ((volatile netif_tx_request_t *)RING_GET_REQUEST(&f->tx, i))->gref != gref;
}

/* The packet of n slots reqs (in our buffers), queued as fast as the
 * backend takes it, never more than a ring ahead of its answers, for ms. */
static void storm(struct front *f, const netif_tx_request_t *reqs, unsigned n, int ms)
{
    long long end = now_ms() + ms;
    int notify;

    if ((int)(f->tx.rsp_cons - f->tx_answered) > 0) /* answers tx_response() took */
        f->tx_answered = f->tx.rsp_cons;
    for (unsigned long i = 0; i % 4096 || now_ms() < end; i++) {
        while (f->tx_answered != f->tx.req_prod_pvt &&
               tx_answered(f, f->tx_answered, f->tx_sent[f->tx_answered % NETIF_TX_RING_SIZE]))
            f->tx_answered++;
        /* A response is two stores (id, status): reuse a slot only once later
         * answers show both landed (x86 orders stores), or a late status would
         * corrupt the request written over it. */
        if (f->tx.req_prod_pvt - f->tx_answered + n > NETIF_TX_RING_SIZE - 16)
            continue;
        for (unsigned k = 0; k < n; k++) {
            f->tx_sent[f->tx.req_prod_pvt % NETIF_TX_RING_SIZE] = reqs[k].gref;
            *tx_slot(f) = reqs[k];
        }
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->tx, notify);
        if (notify)
            xenevtchn_notify(f->xce, f->port);
    }
}

/* Well-formed frames for no one: a backend without a budget per event
 * keeps serving this vif alone. */
static void tx_storm(struct front *f)
{
    static const uint8_t nobody[6] = {0x02, 0, 0, 0, 0, 0x01};
    netif_tx_request_t req;

    good_frame(f, &req);
    memcpy(f->buf, nobody, sizeof(nobody));
    req.id = (uint16_t)(req.gref ^ 1); /* so that no response looks like a request */
    puts("STORMING");
    storm(f, &req, 1, flood_ms);
    printf("STORMED %u frames\n", f->tx.req_prod_pvt);
}

/* Broadcasts (the harmless good frame) as fast as the backend takes them:
 * each is a copy into every other guest. */
static void bcast_storm(struct front *f)
{
    netif_tx_request_t req;

    good_frame(f, &req);
    req.id = (uint16_t)(req.gref ^ 1); /* so that no response looks like a request */
    puts("BCAST STORMING");
    storm(f, &req, 1, flood_ms);
    printf("BCAST STORMED %u frames\n", f->tx.req_prod_pvt);
}

/* The CPU an attack spends of its own, without the attack. */
static void cpu_burn(struct front *f)
{
    long long end = now_ms() + flood_ms;
    volatile unsigned long n = 0;

    (void)f;
    puts("BURNING");
    while (now_ms() < end)
        for (int i = 0; i < 100000; i++)
            n++;
    printf("BURNED %lu loops\n", (unsigned long)n);
}

/* reply-storm's victim: its MAC and IPv4 address, and ours. */
static uint8_t peer_mac[6];
static uint8_t peer_ip[4], own_ip[4];

/* reply-storm's packets: a 65000-byte TSO packet for no one, its headers
 * alone in the first slot (so the backend copies it into one of the NIC's
 * few large TX buffers and answers at once), which keeps the NIC busy (it
 * cuts it into 45 segments) longer than it takes the backend to post it;
 * then an ARP request for the peer's address at its MAC, from ours.  19
 * slots, the extra and the ARP request's included. */
#define REPLY_STORM_SLOTS  19
#define REPLY_STORM_ROUNDS 16
static void reply_storm_packets(struct front *f, netif_tx_request_t *req)
{
    static const uint8_t nobody[6] = {0x02, 0, 0, 0, 0, 0x01};
    static const uint8_t tcp4[] = {0x08, 0x00, 0x45, 0, 0xfd, 0xe2, 0, 0, 0x40, 0, 0x40, 6};
    static const uint8_t arp[] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1}; /* who-has */
    netif_extra_info_t gso = {.type = XEN_NETIF_EXTRA_TYPE_GSO,
                              .u.gso = {.size = 200, .type = XEN_NETIF_GSO_TYPE_TCPV4}};
    uint8_t *tso = f->buf + NETIF_PAGE_SIZE, *a = f->buf + 2 * NETIF_PAGE_SIZE;
    unsigned k = 0;

    memset(tso, 0, 54);
    memcpy(tso, nobody, 6);
    memcpy(tso + 6, f->mac, 6);
    memcpy(tso + 12, tcp4, sizeof(tcp4));
    memcpy(tso + 26, own_ip, 4);
    memcpy(tso + 30, own_ip, 4);
    tso[46] = 0x50; /* TCP data offset: 5 words */
    req[k++] = (netif_tx_request_t){
        .gref = f->buf_ref[1], .size = 65000, .flags = NETTXF_more_data | NETTXF_extra_info};
    memcpy(&req[k++], &gso, sizeof(gso));
    /* The first slot holds the headers alone: the backend copies it. */
    for (unsigned i = 0; i < 16; i++, k++)
        req[k] = (netif_tx_request_t){.gref = f->buf_ref[3 + i],
                                      .size = i < 15 ? NETIF_PAGE_SIZE : 65000 - 54 - 15 * 4096,
                                      .flags = i < 15 ? NETTXF_more_data : 0};
    memset(a, 0, 60);
    memcpy(a, peer_mac, 6);
    memcpy(a + 6, f->mac, 6);
    memcpy(a + 12, arp, sizeof(arp));
    memcpy(a + 22, f->mac, 6);
    memcpy(a + 28, own_ip, 4);
    memcpy(a + 38, peer_ip, 4);
    req[k] = (netif_tx_request_t){.gref = f->buf_ref[2], .size = 60};
    for (unsigned i = 0; i < REPLY_STORM_SLOTS; i++)
        if (i != 1) /* so that no response looks like a request */
            req[i].id = (uint16_t)(req[i].gref ^ 1);
}

static volatile bool rewriting;
static unsigned long rewrites;

/* What rewrite_loop() flips, at offset off of the frame, between a and b
 * (len bytes each). */
struct rewrite {
    volatile uint8_t *frame;
    size_t off, len;
    const uint8_t *a, *b;
};

/* Flips the field until told to stop: each store is seen by whoever reads
 * next. */
static void *rewrite_loop(void *arg)
{
    const struct rewrite *r = arg;

    while (rewriting) {
        for (size_t i = 0; i < r->len; i++)
            r->frame[r->off + i] = r->b[i];
        for (size_t i = 0; i < r->len; i++)
            r->frame[r->off + i] = r->a[i];
        rewrites++;
    }
    return NULL;
}

/* A frame from our address to the victim, read in place, with one field
 * changed under the backend's feet (rewrite-src, rewrite-dst). */
static void rewrite_storm(struct front *f, size_t off, size_t len, const uint8_t *to)
{
    static const uint8_t udp4[] = {
        0x08, 0x00, 0x45, 0, (REWRITE_LEN - 14) >> 8, (REWRITE_LEN - 14) & 0xff, 0, 0,
        0x40, 0,    0x40, 17};
    uint8_t *p = f->buf + NETIF_PAGE_SIZE;
    static uint8_t was[6];
    netif_tx_request_t req = {.gref = f->buf_ref[1], .size = REWRITE_LEN};
    struct rewrite r = {.frame = p, .off = off, .len = len, .a = was, .b = to};
    pthread_t t;

    memset(p, 0, REWRITE_LEN);
    memcpy(p, peer_mac, 6);
    memcpy(p + 6, f->mac, 6);
    memcpy(p + 12, udp4, sizeof(udp4));
    memcpy(p + 26, own_ip, 4);
    memcpy(p + 30, peer_ip, 4);
    p[34] = p[36] = 0x1e; /* UDP 7777 -> 7777 */
    p[35] = p[37] = 0x61;
    p[38] = (REWRITE_LEN - 34) >> 8;
    p[39] = (REWRITE_LEN - 34) & 0xff;
    memcpy(p + 42, "SVREWRITE", 9);
    memcpy(was, p + off, len);
    req.id = (uint16_t)(req.gref ^ 1); /* so that no response looks like a request */
    rewriting = true;
    if (pthread_create(&t, NULL, rewrite_loop, &r))
        fatalx("rewrite: no thread");
    storm(f, &req, 1, REWRITE_MS);
    rewriting = false;
    pthread_join(t, NULL);
    printf("REWROTE %u frames %lu rewrites\n", f->tx.req_prod_pvt, rewrites);
}

static void rewrite_src(struct front *f)
{
    rewrite_storm(f, 26, 4, peer_ip);
}

static void rewrite_dst(struct front *f)
{
    static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

    rewrite_storm(f, 0, 6, broadcast);
}

/* Posts RX buffers with a ref never granted, then keeps its TX ring full of
 * reply_storm_packets(): every ARP answer is a frame the backend cannot
 * deliver, arriving while it is busy with our ring and out of room on the
 * NIC's TX ring.  Whether the first answer comes in while the backend is in
 * its TX loop is a race, so over again (each time the backend closes the
 * vif, it is connected afresh), REPLY_STORM_ROUNDS times. */
static void reply_storm(struct front *f)
{
    netif_tx_request_t req[REPLY_STORM_SLOTS];
    int err = 0, round;

    for (round = 0; round < REPLY_STORM_ROUNDS && !err; round++) {
        if (round)
            err = reconnect(f);
        if (err)
            break;
        reply_storm_packets(f, req);
        post_rx(f, NETIF_RX_RING_SIZE, true);
        push(f);
        /* The TSO packets alone first, until the NIC's ring is full, so that
         * the first answer finds the backend out of room. */
        storm(f, req, REPLY_STORM_SLOTS - 1, 300);
        storm(f, req, REPLY_STORM_SLOTS, 1500);
    }
    printf("REPLY STORM %d rounds%s%s\n", round, err ? ", reconnect failed: " : "",
           err ? strerror(-err) : "");
}

/* Writes in our own frontend directory as fast as xenstore takes it, for
 * FLOOD_MS: a key the backend has no business with, and our state (the
 * same value again, each write an event for a watcher of it). */
static void xs_storm(struct front *f)
{
    long long end = now_ms() + flood_ms;
    unsigned long n;

    puts("XS STORMING");
    for (n = 0; n % 64 || now_ms() < end; n++) {
        if (n % 2)
            xenbus_printf(f->xs, XBT_NULL, VIF_DIR, "junk", "%lu", n);
        else
            xenbus_printf(f->xs, XBT_NULL, VIF_DIR, "state", "%d", XenbusStateConnected);
    }
    printf("XS STORMED %lu writes\n", n);
}

/* Closed, Initialising, Connected, 100 times a second for FLOOD_MS, our
 * rings and keys left as they are: each Connected is a connect for the
 * backend, each Closed a disconnect. */
static void state_flap(struct front *f)
{
    static const XenbusState cycle[] = {XenbusStateClosed, XenbusStateInitialising,
                                        XenbusStateConnected};
    long long end = now_ms() + flood_ms;
    unsigned n;

    puts("FLAPPING");
    for (n = 0; now_ms() < end; n++) {
        for (unsigned k = 0; k < 3; k++)
            xenbus_switch_state(f->xs, VIF_DIR, cycle[k]);
        usleep(10000);
    }
    printf("FLAPPED %u times\n", n);
}

/* Control ring requests as fast as the backend answers them, for
 * FLOOD_MS: SET_HASH_KEY naming a ref never granted (each answered
 * INVALID_PARAMETER, no violation), the port rung for each batch. */
static void ctrl_flood(struct front *f)
{
    long long end = now_ms() + flood_ms;
    unsigned long n = 0;

    puts("CTRL FLOODING");
    while (now_ms() < end) {
        for (int k = 0; k < 1000; k++) {
            f->ctrlr.rsp_cons = f->ctrlr.sring->rsp_prod;
            while (RING_FREE_REQUESTS(&f->ctrlr) > 0)
                *RING_GET_REQUEST(&f->ctrlr, f->ctrlr.req_prod_pvt++) =
                    (struct xen_netif_ctrl_request){.id = (uint16_t)n++,
                                                    .type = XEN_NETIF_CTRL_TYPE_SET_HASH_KEY,
                                                    .data = {f->stray_ref, 40, 0}};
            RING_PUSH_REQUESTS(&f->ctrlr);
            xenevtchn_notify(f->xce, f->ctrl_port);
        }
    }
    printf("CTRL FLOODED %lu requests\n", n);
}

/* A TX slot naming our own RX ring page as its buffer: the backend must
 * refuse it (and close), not map the ring a second time, which left the
 * ring's grant pinned after the close. */
static void ring_as_buffer(struct front *f)
{
    netif_tx_request_t *r = tx_slot(f);

    good_frame(f, r);
    r->gref = f->ring_ref[1];
}

/* A frame of len bytes for no one in buffer page i (one slot). */
static netif_tx_request_t frame_in(struct front *f, unsigned i, uint16_t len)
{
    static const uint8_t nobody[6] = {0x02, 0, 0, 0, 0, 0x01};
    uint8_t *p = f->buf + (size_t)i * NETIF_PAGE_SIZE;

    memset(p, 0, len);
    memcpy(p, nobody, 6);
    memcpy(p + 6, f->mac, 6);
    p[12] = 0x88;
    p[13] = 0xb5;
    return (netif_tx_request_t){.gref = f->buf_ref[i], .id = (uint16_t)i, .size = len};
}

/* One page used every way the backend maps a page: a small frame (copied:
 * the backend's mapping cache), a large one (read in place: a device
 * mapping), a large GSO packet with segment size 47 (mapped for the device,
 * then refused there and copied), then a ring violation: every mapping
 * must be gone after the close, none pinned by a mapping of the same page
 * the hypervisor would not believe gone. */
static void double_map(struct front *f)
{
    netif_extra_info_t gso = {.type = XEN_NETIF_EXTRA_TYPE_GSO,
                              .u.gso = {.size = 47, .type = XEN_NETIF_GSO_TYPE_TCPV4}};
    netif_tx_request_t *r;

    *tx_slot(f) = frame_in(f, 1, 60);
    *tx_slot(f) = frame_in(f, 1, 3000);
    *tx_slot(f) = frame_in(f, 2, 60);
    r = tx_slot(f);
    *r = frame_in(f, 2, 3000);
    r->flags = NETTXF_extra_info;
    memcpy(tx_slot(f), &gso, sizeof(gso));
    push(f);
    for (int i = 0; i < 4; i++)
        tx_response(f, 2000);
    bad_index(f);
}

/* 1024 pages more, a frame from each (the backend maps every one, once),
 * then Closed: the backend unmaps them all at once, which froze it for
 * seconds when each unmap was a hypercall (and a scan of its maps). */
#define STORM_PAGES 1024
static void unmap_storm(struct front *f)
{
    static uint32_t refs[STORM_PAGES];
    uint8_t *pages[STORM_PAGES / 128]; /* a share takes at most 253 */
    XenbusState be;

    for (unsigned b = 0; b < STORM_PAGES / 128; b++) {
        pages[b] = xengntshr_share_pages(f->xgs, f->backend_id, 128, refs + b * 128, 0);
        if (!pages[b])
            fatal("share");
    }
    for (unsigned i = 0; i < STORM_PAGES; i++) {
        uint8_t *p = pages[i / 128] + (size_t)(i % 128) * NETIF_PAGE_SIZE;

        memcpy(p, f->buf, 60); /* the good frame attack() sent */
        *tx_slot(f) = (netif_tx_request_t){.gref = refs[i], .id = (uint16_t)i, .size = 60};
        if (i % 128 == 127) {
            push(f);
            for (int k = 0; k < 128; k++)
                tx_response(f, 2000);
        }
    }
    puts("UNMAP READY");
    usleep(500000);
    xenbus_switch_state(f->xs, VIF_DIR, XenbusStateClosed);
    wait_backend(f, XenbusStateClosed, false, &be);
    puts("UNMAP CLOSED");
    sleep(3); /* our own unsharing (the hypervisor's work) after the test's pings */
}

static void lie_ring_ref(struct front *f)
{
    f->ring_ref[0] = f->stray_ref;
}

/* A port of ours, but offered to dom0: the backend may not bind it. */
static void lie_evtchn(struct front *f)
{
    int port = xenevtchn_bind_unbound_port(f->xce, 0);

    if (port > 0)
        f->port = (evtchn_port_t)port;
}

static void lie_queues(struct front *f)
{
    f->queues = 99;
}

static void lie_ctrl_ref(struct front *f)
{
    f->ctrl_ring = true;
}

/* Not a lie: a real control ring on a port of its own, for ctrl-flood. */
static void with_ctrl(struct front *f)
{
    int port = xenevtchn_bind_unbound_port(f->xce, f->backend_id);

    f->ctrl = xengntshr_share_pages(f->xgs, f->backend_id, 1, &f->ctrl_ref, 1);
    if (!f->ctrl || port < 0)
        fatal("control ring");
    f->ctrl_port = (evtchn_port_t)port;
    f->ctrl_ring = true;
    SHARED_RING_INIT((xen_netif_ctrl_sring_t *)f->ctrl);
    FRONT_RING_INIT(&f->ctrlr, (xen_netif_ctrl_sring_t *)f->ctrl, NETIF_PAGE_SIZE);
}

static const struct mode modes[] = {
    {"bad-index", bad_index, true, NULL},
    {"oversize", oversize, true, NULL},
    {"cross-page", cross_page, true, NULL},
    {"bad-ref", bad_ref, true, NULL},
    {"slot-flood", slot_flood, true, NULL},
    {"unknown-extra", unknown_extra, true, NULL},
    {"bad-gso", bad_gso, true, NULL},
    {"tiny-mss", tiny_mss, true, NULL},
    {"rx-bad-ref", rx_bad_ref, false, NULL},
    {"rx-bad-index", rx_bad_index, false, NULL},
    {"notify-flood", notify_flood, true, NULL},
    {"tx-storm", tx_storm, true, NULL},
    {"reply-storm", reply_storm, false, NULL},
    {"xs-storm", xs_storm, true, NULL},
    {"state-flap", state_flap, true, NULL},
    {"ctrl-flood", ctrl_flood, true, with_ctrl},
    {"ring-as-buffer", ring_as_buffer, true, NULL},
    {"double-map", double_map, true, NULL},
    {"unmap-storm", unmap_storm, true, NULL},
    {"bcast-storm", bcast_storm, true, NULL},
    {"cpu-burn", cpu_burn, true, NULL},
    {"rx-stall", rx_stall, false, NULL},
    {"rewrite-src", rewrite_src, true, NULL},
    {"rewrite-dst", rewrite_dst, true, NULL},
    {"reconnect-flood", reconnect_flood, false, NULL},
    {"bad-ring-ref", NULL, false, lie_ring_ref},
    {"bad-evtchn", NULL, false, lie_evtchn},
    {"too-many-queues", NULL, false, lie_queues},
    {"bad-ctrl-ref", NULL, false, lie_ctrl_ref},
};

static const struct mode *find_mode(const char *name)
{
    for (size_t i = 0; name && i < sizeof(modes) / sizeof(modes[0]); i++)
        if (!strcmp(modes[i].name, name))
            return &modes[i];
    return NULL;
}

static bool parse_victim(int argc, char **argv)
{
    unsigned m[6];

    if (argc != 3 || inet_pton(AF_INET, argv[1], peer_ip) != 1 ||
        inet_pton(AF_INET, argv[2], own_ip) != 1 ||
        sscanf(argv[0], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        peer_mac[i] = (uint8_t)m[i];
    return true;
}

/* ---- after the attack ---- */

/* Reports the backend's states until Closed. */
static void watch_backend(struct front *f)
{
    XenbusState last = xenbus_read_state(f->xs, XBT_NULL, f->backend), got;

    printf("BACKEND STATE %d\n", last);
    while (last != XenbusStateClosed) {
        if (xenbus_wait_state(f->xs, f->backend, XenbusStateClosed, false, 1000, &got) &&
            got == last)
            continue;
        last = got;
        printf("BACKEND STATE %d\n", last);
    }
    puts("BACKEND CLOSED");
}

/* A good frame as a control, then the mode's misbehaviour. */
static void attack(struct front *f, const struct mode *m)
{
    if (m->post_rx)
        post_rx(f, GOOD_RX_BUFS, false);
    good_frame(f, tx_slot(f));
    push(f);
    printf("GOOD TX status=%d\n", tx_response(f, 5000));
    m->misbehave(f);
    push(f);
    printf("MISBEHAVED %s\n", m->name);
}

int main(int argc, char **argv)
{
    const struct mode *m = find_mode(argc > 1 ? argv[1] : NULL);
    struct front f = {0};
    XenbusState be = XenbusStateUnknown;
    int err;

    log_init(getenv("SV_DOMAIN_NAME") ? getenv("SV_DOMAIN_NAME") : argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0); /* the test reads our console line by line */
    if (argc > 2 && sscanf(argv[argc - 1], "flood-ms=%lld", &flood_ms) == 1) {
        if (flood_ms < 1000 || flood_ms > 600000)
            fatalx("flood-ms=%lld: from 1000 to 600000", flood_ms);
        argc--;
    }
    if (!m || ((!strcmp(m->name, "reply-storm") || !strncmp(m->name, "rewrite-", 8)) &&
               !parse_victim(argc - 2, argv + 2)))
        fatalx("usage: badfront MODE (bad-index, oversize, bad-ref, slot-flood, ...)");
    f.xs = xs_open(0);
    f.xce = xenevtchn_open(NULL, 0);
    f.xgs = xengntshr_open(NULL, 0);
    if (!f.xs || !f.xce || !f.xgs)
        fatal("cannot reach xenstore, event channels or grant sharing");
    if ((err = connect_vif(&f, m, &be)))
        fatalx("vif 0: no answer from the backend: %s", strerror(-err));
    if (be == XenbusStateConnected && m->misbehave) {
        puts("BACKEND CONNECTED");
        attack(&f, m);
    } else {
        puts("BACKEND REFUSED");
    }
    watch_backend(&f);
    puts(unshare_all(&f) ? "UNSHARE ok" : "UNSHARE busy");
    for (;;)
        pause();
}
