/*
 * Unit tests of vif_back, netback's xenbus glue, over an in-memory xenstore
 * and fake grant and event-channel calls (fake_xen.h): which directories it
 * serves, the xenbus transitions as a table of what a frontend writes and
 * where the backend ends, teardown that gives back every page, port and
 * watch, a frontend flapping its state held to a few connects a second,
 * and a host whose device attaches and detaches later.
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

#include "sv/log.h"
#include "sv/vif_back.h"
#include "fake_xen.h"

#define BE     "/local/domain/1/backend/vif/2/0"
#define FE     "/local/domain/2/device/vif/0"
#define BE_KEY BE "/state"
#define FE_KEY FE "/state"

struct host {
    int attach_result, detach_result;
    int attached, detached, polls;
    unsigned nqueues;
    bool buffers; /* tx_buffer() gives buf */
    unsigned sent;
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
    if (!h->buffers)
        return NULL;
    *cap = sizeof(h->buf);
    return h->buf;
}

static int transmit(void *arg, struct vif_back *v, unsigned q, void *buf, size_t len,
                    const struct netif_offload *o)
{
    (void)v, (void)q, (void)buf, (void)len, (void)o;
    ((struct host *)arg)->sent++;
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
    (void)v, (void)delay_ns;
    ((struct host *)arg)->polls++;
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
    v = vif_back_new(&e, BE);
    assert_non_null(v);
    assert_int_equal(fake_xs_int(BE_KEY), XenbusStateInitWait);
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

/* The guest queues n frames, each in page ref0 + i. */
static void guest_sends(netif_tx_sring_t *s, unsigned n, grant_ref_t ref0)
{
    for (unsigned i = 0; i < n; i++)
        s->ring[(s->req_prod + i) % __CONST_RING_SIZE(netif_tx, 4096)].req =
            (netif_tx_request_t){.gref = ref0 + i, .size = 60, .id = (uint16_t)i};
    s->req_prod += n;
}

/* Frames in pages new to the backend (every frame after a driver domain
 * restart) cost a grant mapping each, a hypercall: a turn makes 8, then
 * the host's loop serves the others (poll_later) before the next turn.
 * Frames in pages it has mapped go a whole budget a turn. */
static void a_turn_maps_a_few_pages(void **state)
{
    struct vif_back *v = connected();
    netif_tx_sring_t *s = fake_xen_page(8);
    unsigned port = fake_xen_last_port();

    (void)state;
    assert_non_null(s);
    host.buffers = true;
    guest_sends(s, 32, 100);
    assert_int_equal(vif_back_event(v, port), VIF_EVENT_WORK);
    assert_int_equal(host.sent, 8);
    assert_int_equal(host.polls, 1);
    for (int turn = 2; turn <= 4; turn++) {
        vif_back_poll(v);
        assert_int_equal(host.sent, 8u * (unsigned)turn);
    }
    vif_back_poll(v); /* the ring is empty: no further turn is asked for */
    assert_int_equal(host.polls, 4);

    guest_sends(s, 32, 100);
    vif_back_event(v, port);
    assert_int_equal(host.sent, 64);
    assert_int_equal(host.polls, 4);
    vif_back_free(v);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serving_writes_features_and_waits),
        cmocka_unit_test(unusable_directories_are_not_served),
        cmocka_unit_test(the_xenbus_transitions),
        cmocka_unit_test(close_and_reconnect),
        cmocka_unit_test(a_turn_maps_a_few_pages),
        cmocka_unit_test(the_toolstack_unplugs),
        cmocka_unit_test(the_frontend_vanishes),
        cmocka_unit_test(foreign_watches_are_ignored),
        cmocka_unit_test(a_flapping_frontend_is_held_back),
        cmocka_unit_test(a_slow_host_attaches_and_detaches_later),
        cmocka_unit_test(closed_while_attaching),
        cmocka_unit_test(failed_attach_and_free_while_detaching),
    };
    int failed;

    log_init("test_vif_back");
    log_set_level(LOG_LEVEL_ERROR);
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    fake_xs_reset();
    return failed;
}
