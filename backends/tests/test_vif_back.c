/*
 * Unit tests of vif_back, netback's xenbus glue, over an in-memory xenstore
 * and fake grant and event-channel calls (fake_xen.h): which directories it
 * serves, the xenbus transitions as a table of what a frontend writes and
 * where the backend ends, teardown that gives back every page, port and
 * watch, a frontend flapping its state held to a few connects a second,
 * a host whose device attaches and detaches later, and a GSO packet below
 * the device's MSS floor cut here within the TX budget.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

#include "sv/abi/netif_abi.h"
#include "sv/log.h"
#include "sv/netif_offload.h"
#include "sv/ratelimit.h"
#include "sv/vif_back.h"
#include "fake_xen.h"

#define BE     "/local/domain/1/backend/vif/2/0"
#define FE     "/local/domain/2/device/vif/0"
#define BE_KEY BE "/state"
#define FE_KEY FE "/state"

struct host {
    int attach_result, detach_result;
    int attached, detached, polls;
    uint64_t poll_delay; /* the last poll_later()'s */
    unsigned nqueues;
    bool tx_room;     /* tx_buffer() gives buf */
    unsigned buffers; /* tx_buffer() calls: frames copied (or their heads) */
    unsigned sent;    /* frames transmit() took */
    size_t longest;   /* the longest of them */
    uint8_t buf[2048];
};

static int attach(void *arg, struct vif_back *v, const uint8_t mac[6], unsigned nqueues)
{
    struct host *h = arg;

    (void)v, (void)mac;
    if (h->attach_result)
        return h->attach_result;
    h->attached++;
    h->nqueues = nqueues;
    return 0;
}

static int detach(void *arg, struct vif_back *v)
{
    (void)v;
    ((struct host *)arg)->detached++;
    return ((struct host *)arg)->detach_result;
}

static void *tx_buffer(void *arg, struct vif_back *v, unsigned q, size_t *cap)
{
    struct host *h = arg;

    (void)v, (void)q;
    h->buffers++;
    if (!h->tx_room)
        return NULL;
    *cap = sizeof(h->buf);
    return h->buf;
}

static int transmit(void *arg, struct vif_back *v, unsigned q, void *buf, size_t len,
                    const struct netif_offload *o)
{
    struct host *h = arg;

    (void)v, (void)q, (void)buf;
    assert_int_equal(o->gso_type, XEN_NETIF_GSO_TYPE_NONE);
    h->sent++;
    h->longest = len > h->longest ? len : h->longest;
    return 0;
}

static void rx_ready(void *arg, struct vif_back *v, unsigned q)
{
    (void)arg, (void)v, (void)q;
}

static void flush(void *arg, struct vif_back *v, unsigned q)
{
    (void)arg, (void)v, (void)q;
}

static void poll_later(void *arg, struct vif_back *v, uint64_t delay_ns)
{
    (void)v;
    ((struct host *)arg)->polls++;
    ((struct host *)arg)->poll_delay = delay_ns;
}

static const struct vif_port_ops ops = {
    .attach = attach,
    .detach = detach,
    .tx_buffer = tx_buffer,
    .transmit = transmit,
    .rx_ready = rx_ready,
    .flush = flush,
    .poll_later = poll_later,
};

static struct host host;

static struct vif_back_env env(unsigned max_queues)
{
    return (struct vif_back_env){.ops = &ops, .host = &host, .max_queues = max_queues};
}

/* Writes "k=v k=v ..." under dir. */
static void put(const char *dir, const char *pairs)
{
    char buf[512], *save = NULL;

    snprintf(buf, sizeof(buf), "%s", pairs);
    for (char *kv = strtok_r(buf, " ", &save); kv; kv = strtok_r(NULL, " ", &save)) {
        char path[256], *eq = strchr(kv, '=');

        assert_non_null(eq);
        *eq = '\0';
        snprintf(path, sizeof(path), "%s/%s", dir, kv);
        fake_xs_set(path, eq + 1);
    }
}

static void toolstack_wrote(const char *extra)
{
    fake_xs_reset();
    memset(&host, 0, sizeof(host));
    put(BE, "frontend=" FE " frontend-id=2 mac=00:16:3e:00:00:01 state=1 online=1");
    if (extra)
        put(BE, extra);
    put(FE, "state=1 backend=" BE);
}

static void frontend_state(struct vif_back *v, int state)
{
    char s[4];

    snprintf(s, sizeof(s), "%d", state);
    fake_xs_set(FE_KEY, s);
    assert_int_equal(vif_back_watch(v, FE_KEY), 0);
}

static void nothing_held(void)
{
    struct fake_xen_held h = fake_xen_held();

    assert_int_equal(h.pages, 0);
    assert_int_equal(h.ports, 0);
    assert_int_equal(h.watches, 0);
}

static void serving_writes_features_and_waits(void **state)
{
    struct vif_back_env e = env(4);
    struct vif_back *v;

    (void)state;
    toolstack_wrote("multi-queue-num-queues=2 rate=50000,20000 rx-rate=50000,20000,262144 "
                    "ip=10.0.0.2/24");
    /* What a netdd before us that could not serve it said (fail_serving). */
    fake_xs_set(BE "/error", "28 cannot write its features: No space left on device");
    v = vif_back_new(&e, BE);
    assert_non_null(v);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateInitWait);
    assert_null(fake_xs_get(BE "/error"));
    assert_int_equal(fake_xs_int(BE "/feature-rx-copy"), 1);
    assert_int_equal(fake_xs_int(BE "/multi-queue-max-queues"), 2); /* the toolstack's cap */
    assert_int_equal(vif_back_frontend(v), 2);
    assert_int_equal(fake_xen_held().watches, 1);
    vif_back_free(v);
    nothing_held();
}

/* Backend directories the toolstack (or whoever could write there) got
 * wrong: not served, nothing left behind. */
static void unusable_directories_are_not_served(void **state)
{
    static const char *const bad[] = {
        "frontend=", /* removed below: no frontend at all */
        "mac=00:16:3e:zz:00:01",
        "vlan=4095",
        "vlan=42x",
        "trunk=1-5000",
        "trunk=x",
        "rate=0,20000",
        "rate=50000,0",
        "rate=50000,2000000",
        "rate=50000",
        "rate=50000,20000x",
        "rate=-1,20000",
        "rate=50000,20000,262144", /* a burst is ours, for rx-rate only */
        "rx-rate=0,20000",
        "rx-rate=50000,20000,",
        "rx-rate=50000,20000,x",
        "rx-rate=50000,20000,1,2",
        "ip=10.0.0.300",
        "ip=fd00::1::2",
    };
    struct vif_back_env e = env(1);

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        toolstack_wrote(bad[i]);
        if (i == 0)
            fake_xs_set(BE "/frontend", NULL);
        if (vif_back_new(&e, BE))
            fail_msg("served a backend with %s", bad[i]);
        nothing_held();
    }
}

/* One frontend's keys and state against a fresh backend in InitWait:
 * where the backend ends, and whether the host was asked to attach. */
static void the_xenbus_transitions(void **state)
{
    static const struct {
        const char *why;
        unsigned max_queues;
        const char *frontend_keys;
        int frontend_state;
        int attach_result;
        int backend_state;
        unsigned nqueues; /* attached with; 0: not attached */
        int ports;
    } cases[] = {
        {"one queue", 1, "tx-ring-ref=8 rx-ring-ref=9 event-channel=5 request-rx-copy=1",
         XenbusStateInitialised, 0, XenbusStateConnected, 1, 1},
        {"Connected at once", 1, "tx-ring-ref=8 rx-ring-ref=9 event-channel=5 request-rx-copy=1",
         XenbusStateConnected, 0, XenbusStateConnected, 1, 1},
        {"split event channels", 1,
         "tx-ring-ref=8 rx-ring-ref=9 event-channel-tx=5 event-channel-rx=6 request-rx-copy=1",
         XenbusStateInitialised, 0, XenbusStateConnected, 1, 2},
        {"two queues", 2,
         "multi-queue-num-queues=2 request-rx-copy=1 "
         "queue-0/tx-ring-ref=8 queue-0/rx-ring-ref=9 queue-0/event-channel=5 "
         "queue-1/tx-ring-ref=10 queue-1/rx-ring-ref=11 queue-1/event-channel=6",
         XenbusStateInitialised, 0, XenbusStateConnected, 2, 2},
        {"a ctrl ring", 1,
         "tx-ring-ref=8 rx-ring-ref=9 event-channel=5 request-rx-copy=1 ctrl-ring-ref=12 "
         "event-channel-ctrl=7",
         XenbusStateInitialised, 0, XenbusStateConnected, 1, 2},
        {"still initialising", 1, "tx-ring-ref=8 rx-ring-ref=9 event-channel=5 request-rx-copy=1",
         XenbusStateInitialising, 0, XenbusStateInitWait, 0, 0},
        {"no request-rx-copy", 1, "tx-ring-ref=8 rx-ring-ref=9 event-channel=5",
         XenbusStateInitialised, 0, XenbusStateClosed, 0, 0},
        {"no rx ring", 1, "tx-ring-ref=8 event-channel=5 request-rx-copy=1", XenbusStateInitialised,
         0, XenbusStateClosed, 0, 0},
        {"no event channel", 1, "tx-ring-ref=8 rx-ring-ref=9 request-rx-copy=1",
         XenbusStateInitialised, 0, XenbusStateClosed, 0, 0},
        {"a ring the hypervisor refuses", 1,
         "tx-ring-ref=666 rx-ring-ref=9 event-channel=5 request-rx-copy=1", XenbusStateInitialised,
         0, XenbusStateClosed, 0, 0},
        {"more queues than offered", 1,
         "multi-queue-num-queues=2 request-rx-copy=1 queue-0/tx-ring-ref=8 "
         "queue-0/rx-ring-ref=9 queue-0/event-channel=5",
         XenbusStateInitialised, 0, XenbusStateClosed, 0, 0},
        {"zero queues", 2, "multi-queue-num-queues=0 request-rx-copy=1", XenbusStateInitialised, 0,
         XenbusStateClosed, 0, 0},
        {"second queue missing", 2,
         "multi-queue-num-queues=2 request-rx-copy=1 queue-0/tx-ring-ref=8 "
         "queue-0/rx-ring-ref=9 queue-0/event-channel=5",
         XenbusStateInitialised, 0, XenbusStateClosed, 0, 0},
        {"ctrl ring without its port", 1,
         "tx-ring-ref=8 rx-ring-ref=9 event-channel=5 request-rx-copy=1 ctrl-ring-ref=12",
         XenbusStateInitialised, 0, XenbusStateClosed, 0, 0},
        {"the host has no pool", 1, "tx-ring-ref=8 rx-ring-ref=9 event-channel=5 request-rx-copy=1",
         XenbusStateInitialised, -28, XenbusStateClosed, 0, 0},
        {"a state that does not exist", 1,
         "tx-ring-ref=8 rx-ring-ref=9 event-channel=5 request-rx-copy=1", 99, 0,
         XenbusStateInitWait, 0, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vif_back_env e = env(cases[i].max_queues);
        struct vif_back *v;

        toolstack_wrote(NULL);
        put(FE, cases[i].frontend_keys);
        host.attach_result = cases[i].attach_result;
        v = vif_back_new(&e, BE);
        assert_non_null(v);
        frontend_state(v, cases[i].frontend_state);
        if (fake_xs_int(BE_KEY) != cases[i].backend_state)
            fail_msg("%s: backend state %d, not %d", cases[i].why, fake_xs_int(BE_KEY),
                     cases[i].backend_state);
        if (host.nqueues != cases[i].nqueues)
            fail_msg("%s: attached %u queues, not %u", cases[i].why, host.nqueues,
                     cases[i].nqueues);
        if (fake_xen_held().ports != cases[i].ports)
            fail_msg("%s: %d ports bound, not %d", cases[i].why, fake_xen_held().ports,
                     cases[i].ports);
        if (!cases[i].nqueues && fake_xen_held().pages)
            fail_msg("%s: %d pages left mapped", cases[i].why, fake_xen_held().pages);
        vif_back_free(v);
        nothing_held();
    }
}

/* A vif whose frontend published its rings and went Connected; the host
 * answers attach and detach with result. */
static struct vif_back *frontend_connected(int result)
{
    static struct vif_back_env e;
    struct vif_back *v;

    e = env(1);
    toolstack_wrote(NULL);
    host.attach_result = host.detach_result = result;
    put(FE, "tx-ring-ref=8 rx-ring-ref=9 event-channel=5 request-rx-copy=1");
    v = vif_back_new(&e, BE);
    assert_non_null(v);
    frontend_state(v, XenbusStateConnected);
    return v;
}

static struct vif_back *connected(void)
{
    struct vif_back *v = frontend_connected(0);

    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateConnected);
    return v;
}

/* Closing, then starting over, as a guest's netfront does on reboot. */
static void close_and_reconnect(void **state)
{
    struct vif_back *v = connected();
    struct fake_xen_held h;

    (void)state;
    frontend_state(v, XenbusStateClosing);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateClosed);
    assert_int_equal(host.detached, 1);
    h = fake_xen_held();
    assert_int_equal(h.pages, 0);
    assert_int_equal(h.ports, 0);

    frontend_state(v, XenbusStateInitialising);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateInitWait);
    frontend_state(v, XenbusStateConnected);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateConnected);
    assert_int_equal(host.attached, 2);
    vif_back_free(v);
    assert_int_equal(host.detached, 2);
    nothing_held();
}

/* The toolstack unplugs (online=0, then the backend Closing, as xl does):
 * the vif is torn down whatever the frontend says. */
static void the_toolstack_unplugs(void **state)
{
    struct vif_back *v = connected();

    (void)state;
    fake_xs_set(BE "/online", "0");
    assert_int_equal(vif_back_watch(v, BE "/online"), 0);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateClosed);
    assert_int_equal(host.detached, 1);
    frontend_state(v, XenbusStateInitialising); /* offline: no new InitWait */
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateClosed);
    vif_back_free(v);
    nothing_held();
}

static void the_frontend_vanishes(void **state)
{
    struct vif_back *v = connected();

    (void)state;
    fake_xs_set(FE_KEY, NULL);
    assert_int_equal(vif_back_watch(v, FE_KEY), 0);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateClosed);
    assert_int_equal(fake_xen_held().pages, 0);
    vif_back_free(v);
    nothing_held();
}

/* Watches on other paths are not this vif's business. */
static void foreign_watches_are_ignored(void **state)
{
    struct vif_back *v = connected();

    (void)state;
    fake_xs_set(FE_KEY, "5");
    assert_int_equal(vif_back_watch(v, "/local/domain/3/device/vif/0/state"), 0);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateConnected);
    vif_back_free(v);
    nothing_held();
}

/* A frontend flapping Closing/Initialising/Connected gets a burst of
 * connects, then has to wait: the watch says for how long. */
static void a_flapping_frontend_is_held_back(void **state)
{
    struct vif_back *v = connected();
    uint64_t wait = 0;
    int attempts = 0;

    (void)state;
    while (!wait && attempts++ < 100) {
        frontend_state(v, XenbusStateClosing);
        frontend_state(v, XenbusStateInitialising);
        fake_xs_set(FE_KEY, "4");
        wait = vif_back_watch(v, FE_KEY);
    }
    assert_true(wait > 0);
    assert_true(attempts <= 8);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateInitWait);
    vif_back_free(v);
    nothing_held();
}

/* netdd's one thread waits for xenstore once a look at a vif's states, and
 * a connect reads the frontend with two waits (its keys, then its queue's):
 * one read after the other, they were 3 and 20. */
static void looks_and_connects_wait_for_xenstore_little(void **state)
{
    struct vif_back *v = connected();
    int before = fake_xen_held().xs_waits;

    (void)state;
    assert_int_equal(vif_back_watch(v, FE_KEY), 0);
    assert_int_equal(fake_xen_held().xs_waits - before, 1);
    frontend_state(v, XenbusStateClosing);
    frontend_state(v, XenbusStateInitialising);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateInitWait);
    before = fake_xen_held().xs_waits;
    frontend_state(v, XenbusStateConnected);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateConnected);
    /* The look, the frontend's keys, its queue's, and the switch
     * (transaction start, read, write, end). */
    assert_int_equal(fake_xen_held().xs_waits - before, 1 + 2 + 4);
    vif_back_free(v);
}

/* A host whose device takes time (netdd: queued NIC commands) answers
 * -EINPROGRESS: the vif stays in InitWait until the host says attached,
 * and goes Closed only once the host says its device stopped (the
 * frontend may end its grants when it sees Closed). */
static struct vif_back *attaching(void)
{
    struct vif_back *v = frontend_connected(-EINPROGRESS);

    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateInitWait);
    frontend_state(v, XenbusStateConnected); /* no second attach meanwhile */
    return v;
}

static void a_slow_host_attaches_and_detaches_later(void **state)
{
    struct vif_back *v = attaching();

    (void)state;
    vif_back_attached(v, 0);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateConnected);
    frontend_state(v, XenbusStateClosing);
    assert_int_equal(host.detached, 1);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateConnected);
    frontend_state(v, XenbusStateClosing); /* no second detach meanwhile */
    assert_int_equal(host.detached, 1);
    vif_back_detached(v);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateClosed);
    frontend_state(v, XenbusStateInitialising);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateInitWait);
    vif_back_free(v);
    nothing_held();
}

/* The frontend closes before the host has attached: the port is detached
 * all the same, and the late "attached" changes nothing. */
static void closed_while_attaching(void **state)
{
    struct vif_back *v = attaching();

    (void)state;
    frontend_state(v, XenbusStateClosing);
    assert_int_equal(host.detached, 1);
    vif_back_attached(v, 0);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateInitWait);
    vif_back_detached(v);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateClosed);
    vif_back_free(v);
    nothing_held();
}

/* A failed attach closes the vif; one removed while detaching is freed
 * when the host's device has stopped (ASan and valgrind check it). */
static void failed_attach_and_free_while_detaching(void **state)
{
    struct vif_back *v = attaching();

    (void)state;
    vif_back_attached(v, -EIO);
    assert_int_equal(host.detached, 1);
    vif_back_detached(v);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateClosed);
    vif_back_free(v);

    v = attaching();
    vif_back_attached(v, 0);
    vif_back_free(v);
    assert_int_equal(host.detached, 1);
    vif_back_detached(v);
    nothing_held();
}

/* A TCP/IPv4 GSO packet of 14400 payload bytes at MSS 48 (300 segments),
 * over data pages 100-103 after its GSO extra, on TX ring page 8. */
#define SEG_PAYLOAD 14400u
#define SEG_FRAME   (54u + SEG_PAYLOAD)
static uint8_t seg_pages[4][4096], seg_ring[4096];

static void gso_packet_granted(void)
{
    static uint8_t frame[SEG_FRAME];
    netif_tx_sring_t *sring = (netif_tx_sring_t *)seg_ring;
    netif_tx_front_ring_t tx;
    netif_extra_info_t *gso;
    uint16_t ipl = SEG_FRAME - 14;

    memset(frame, 0, sizeof(frame));
    memcpy(frame, "\x02\0\0\0\0\x02\x00\x16\x3e\x00\x00\x01\x08\x00", 14);
    frame[14] = 0x45, frame[16] = (uint8_t)(ipl >> 8), frame[17] = (uint8_t)ipl;
    frame[22] = 64, frame[23] = 6; /* TTL, TCP */
    memcpy(frame + 26, "\x0a\0\0\x01\x0a\0\0\x02", 8);
    frame[46] = 0x50, frame[47] = 0x10; /* data offset 5, ACK */
    for (unsigned i = 0; i < 4; i++) {
        memcpy(seg_pages[i], frame + i * 4096u, i < 3 ? 4096u : SEG_FRAME - 3 * 4096u);
        fake_xen_grant(100 + i, seg_pages[i]);
    }
    SHARED_RING_INIT(sring);
    FRONT_RING_INIT(&tx, sring, 4096);
    *RING_GET_REQUEST(&tx, 0) = (netif_tx_request_t){
        .gref = 100,
        .size = SEG_FRAME,
        .flags = NETTXF_extra_info | NETTXF_more_data | NETTXF_csum_blank | NETTXF_data_validated};
    gso = (netif_extra_info_t *)RING_GET_REQUEST(&tx, 1);
    *gso = (netif_extra_info_t){.type = XEN_NETIF_EXTRA_TYPE_GSO};
    gso->u.gso.size = 48;
    gso->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    for (unsigned i = 1; i < 4; i++)
        *RING_GET_REQUEST(&tx, i + 1) =
            (netif_tx_request_t){.gref = 100 + i,
                                 .id = (uint16_t)(i + 1),
                                 .size = (uint16_t)(i < 3 ? 4096u : SEG_FRAME - 3 * 4096u),
                                 .flags = i < 3 ? NETTXF_more_data : 0};
    sring->req_prod = 5;
    fake_xen_grant(8, seg_ring);
}

/* A GSO packet with an MSS the host's device does not cut is cut here, a
 * segment per frame of the TX budget: the rest on the next poll, and the
 * guest's request is answered after the last. */
static void gso_under_the_floor_is_cut_within_the_budget(void **state)
{
    static struct vif_back_env e;
    netif_tx_sring_t *ring;
    struct vif_back *v;

    (void)state;
    e = env(1);
    e.tx_min_mss = 64;
    toolstack_wrote(NULL);
    host.tx_room = true;
    gso_packet_granted();
    put(FE, "tx-ring-ref=8 rx-ring-ref=9 event-channel=5 request-rx-copy=1 feature-sg=1");
    v = vif_back_new(&e, BE);
    assert_non_null(v);
    frontend_state(v, XenbusStateConnected); /* connects, and looks at the ring */
    ring = fake_xen_mapped(8);
    assert_non_null(ring);
    assert_true(host.sent > 0 && host.sent < 300);
    assert_true(host.polls > 0);
    assert_int_equal(ring->rsp_prod, 0);
    vif_back_poll(v);
    assert_int_equal(host.sent, 300);
    assert_int_equal(host.longest, 54 + 48);
    assert_int_equal(ring->rsp_prod, 5);
    assert_int_equal(ring->ring[0].rsp.status, NETIF_RSP_OKAY);
    vif_back_publish_counters(v);
    assert_string_equal(fake_xs_get(BE "/soft-tso"), "packets 1 segments 300");
    vif_back_free(v);
    fake_xen_grant(0, NULL);
    nothing_held();
}

/* The event of v's only queue (the fake hands out ports from 1). */
static void queue_event(struct vif_back *v)
{
    for (evtchn_port_t p = 1; p < 256; p++)
        if (vif_back_event(v, p) != VIF_EVENT_NOT_MINE)
            return;
    fail_msg("no port of the vif");
}

/* The pages of the buffers the frontend posted are mapped in one call at
 * the first frame for them (not as it posts them: a frontend that receives
 * nothing maps nothing), those of the TX packets it queued at the next TX
 * pass: not one hypercall each as requests name them. */
static void posted_buffers_mapped_in_one_call(void **state)
{
    static const uint8_t frame[60] = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x01};
    struct vif_back *v = connected();
    netif_tx_sring_t *tx = fake_xen_last_map();
    netif_rx_sring_t *rx = (netif_rx_sring_t *)((char *)tx + 4096);
    int pages = fake_xen_held().pages;

    (void)state;
    for (unsigned i = 0; i < 40; i++)
        rx->ring[i].req = (netif_rx_request_t){.id = (uint16_t)i, .gref = 100 + i};
    __atomic_store_n(&rx->req_prod, 40, __ATOMIC_RELEASE);
    queue_event(v);
    assert_int_equal(fake_xen_held().batches, 0);
    assert_int_equal(vif_back_receive(v, 0, frame, sizeof(frame), NULL, NULL), 0);
    assert_int_equal(fake_xen_held().batches, 1);
    assert_int_equal(fake_xen_held().pages, pages + 40);
    assert_int_equal(vif_back_receive(v, 0, frame, sizeof(frame), NULL, NULL), 0);
    assert_int_equal(fake_xen_held().batches, 1); /* nothing new: no call */
    assert_int_equal(fake_xen_held().pages, pages + 40);
    /* A TX packet of two slots (the host has no buffer: it waits). */
    tx->ring[0].req = (netif_tx_request_t){.gref = 200, .size = 5000, .flags = NETTXF_more_data};
    tx->ring[1].req = (netif_tx_request_t){.gref = 201, .size = 904, .id = 1};
    __atomic_store_n(&tx->req_prod, 2, __ATOMIC_RELEASE);
    queue_event(v);
    assert_int_equal(fake_xen_held().batches, 2);
    assert_int_equal(fake_xen_held().pages, pages + 42);
    vif_back_free(v);
    nothing_held();
}

/* Queues n TX requests of 60 bytes from gref on v's only queue, from
 * ring index *prod on, and lets the vif take them. */
static void queue_frames(struct vif_back *v, netif_tx_sring_t *tx, RING_IDX *prod, unsigned n,
                         grant_ref_t gref)
{
    for (unsigned i = 0; i < n; i++, ++*prod)
        tx->ring[*prod % NETIF_TX_RING_SIZE].req =
            (netif_tx_request_t){.gref = gref, .size = 60, .id = (uint16_t)*prod};
    __atomic_store_n(&tx->req_prod, *prod, __ATOMIC_RELEASE);
    queue_event(v);
    for (unsigned k = 0; k < 8 && tx->rsp_prod != *prod; k++)
        vif_back_poll(v); /* past the TX budget of a turn */
}

/* The port of v's only queue. */
static evtchn_port_t queue_port(struct vif_back *v)
{
    for (evtchn_port_t p = 1; p < 256; p++)
        if (vif_back_event(v, p) != VIF_EVENT_NOT_MINE)
            return p;
    fail_msg("no port of the vif");
    return 0;
}

/* Broadcasts past the vif's budget (a burst of 256) are not taken: the
 * one at the head of the ring waits, uncopied, with what is behind it,
 * until the host polls after the wait the vif asked for (16 of the
 * budget's 1000 a second); the guest's events meanwhile find no work.
 * None is dropped; each frame that waited counts once in mcast-held. */
static void broadcasts_past_the_budget_wait_on_the_ring(void **state)
{
    static uint8_t bcast[4096], unicast[4096];
    struct vif_back *v = connected();
    netif_tx_sring_t *tx = fake_xen_last_map();
    RING_IDX prod = 0;
    unsigned sent, held = 0;
    uint64_t t, t0;

    (void)state;
    memset(bcast, 0xff, 6);
    memcpy(bcast + 6, "\x00\x16\x3e\x00\x00\x01\x88\xb5", 8);
    memcpy(unicast, "\x00\x16\x3e\x00\x00\x02\x00\x16\x3e\x00\x00\x01\x88\xb5", 14);
    fake_xen_grant(100, bcast);
    fake_xen_grant(101, unicast);
    host.tx_room = true;
    host.sent = host.buffers = 0;
    t0 = t = ratelimit_now_ns();
    queue_frames(v, tx, &prod, 256, 100); /* the burst */
    assert_int_equal(host.sent, 256);
    queue_frames(v, tx, &prod, 200, 100);
    queue_frames(v, tx, &prod, 56, 101);
    /* The budget refills by one a millisecond: as many may pass (under
     * valgrind, all of them). */
    t = (ratelimit_now_ns() - t) / 1000000 + 1;
    sent = host.sent;
    assert_true(sent >= 256 && sent <= 256 + t);
    assert_int_equal(tx->rsp_prod, sent);
    assert_true(host.buffers <= sent + 1); /* the held one copied once at most */
    if (sent < 512) {
        evtchn_port_t port;
        enum vif_back_event e;

        assert_true(host.poll_delay >= 15000000ull && host.poll_delay <= 16000000ull);
        /* An event takes nothing but what the budget gained (under
         * valgrind, time passes), and with nothing is spurious. */
        port = queue_port(v);
        e = vif_back_event(v, port);
        assert_true(host.sent <= 256 + (ratelimit_now_ns() - t0) / 1000000 + 1);
        assert_true(e == VIF_EVENT_SPURIOUS || host.sent != sent);
    }
    /* The host polls when asked: the rest goes, a batch at a time. */
    for (int i = 0; i < 100 && tx->rsp_prod != prod; i++) {
        usleep(20000);
        vif_back_poll(v);
    }
    assert_int_equal(tx->rsp_prod, 512);
    assert_int_equal(host.sent, 512);
    for (RING_IDX i = 0; i < 512; i++)
        assert_int_equal(tx->ring[i % NETIF_TX_RING_SIZE].rsp.status, NETIF_RSP_OKAY);
    vif_back_publish_counters(v);
    held = (unsigned)fake_xs_int(BE "/mcast-held");
    assert_true(held >= (sent < 456 ? 1 : 0) && held <= 200);
    host.tx_room = false;
    vif_back_free(v);
    fake_xen_grant(0, NULL);
    nothing_held();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serving_writes_features_and_waits),
        cmocka_unit_test(unusable_directories_are_not_served),
        cmocka_unit_test(the_xenbus_transitions),
        cmocka_unit_test(close_and_reconnect),
        cmocka_unit_test(the_toolstack_unplugs),
        cmocka_unit_test(the_frontend_vanishes),
        cmocka_unit_test(foreign_watches_are_ignored),
        cmocka_unit_test(a_flapping_frontend_is_held_back),
        cmocka_unit_test(looks_and_connects_wait_for_xenstore_little),
        cmocka_unit_test(a_slow_host_attaches_and_detaches_later),
        cmocka_unit_test(closed_while_attaching),
        cmocka_unit_test(failed_attach_and_free_while_detaching),
        cmocka_unit_test(gso_under_the_floor_is_cut_within_the_budget),
        cmocka_unit_test(posted_buffers_mapped_in_one_call),
        cmocka_unit_test(broadcasts_past_the_budget_wait_on_the_ring),
    };
    int failed;

    log_init("test_vif_back");
    log_set_level(LOG_LEVEL_ERROR);
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    fake_xs_reset();
    return failed;
}
