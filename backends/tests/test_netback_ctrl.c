/* cmocka tests of the netback control ring: requests written on a front ring
 * over shared memory, answered by the core; queue selection with the
 * configured Toeplitz key, types and mapping table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sv/netback_ctrl.h"
#include "sv/toeplitz.h"

#define NQUEUES 4
#define KEY_REF 20
#define MAP_REF 21

struct ctrl_harness {
    uint8_t *mem; /* ring page, key page, mapping page */
    xen_netif_ctrl_front_ring_t front;
    struct netback_ctrl *back;
    int notifies, disconnects;
};

static int copy_from(void *ctx, grant_ref_t ref, uint16_t off, void *dst, uint16_t len)
{
    struct ctrl_harness *h = ctx;

    if (ref != KEY_REF && ref != MAP_REF)
        return -EINVAL;
    memcpy(dst, h->mem + (size_t)(ref - KEY_REF + 1) * NETIF_PAGE_SIZE + off, len);
    return 0;
}

static void notify(void *ctx)
{
    ((struct ctrl_harness *)ctx)->notifies++;
}

static void on_disconnect(void *ctx, const char *reason)
{
    (void)reason;
    ((struct ctrl_harness *)ctx)->disconnects++;
}

static int setup(void **state)
{
    static const struct netback_ctrl_ops ops = {
        .copy_from_grant = copy_from, .notify = notify, .disconnect = on_disconnect};
    struct ctrl_harness *h = calloc(1, sizeof(*h));
    xen_netif_ctrl_sring_t *s;

    assert_non_null(h);
    h->mem =
        mmap(NULL, 3 * NETIF_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(h->mem != MAP_FAILED);
    s = (xen_netif_ctrl_sring_t *)(void *)h->mem;
    SHARED_RING_INIT(s);
    FRONT_RING_INIT(&h->front, s, NETIF_PAGE_SIZE);
    h->back = netback_ctrl_new(s, NQUEUES, &ops, h);
    assert_non_null(h->back);
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    struct ctrl_harness *h = *state;

    netback_ctrl_free(h->back);
    munmap(h->mem, 3 * NETIF_PAGE_SIZE);
    free(h);
    return 0;
}

/* One request through the ring; the response's status, *data its data. */
static uint32_t call(struct ctrl_harness *h, uint16_t type, uint32_t d0, uint32_t d1, uint32_t d2,
                     uint32_t *data)
{
    static uint16_t id;
    struct xen_netif_ctrl_response *rsp;
    int notify_back;

    *RING_GET_REQUEST(&h->front, h->front.req_prod_pvt++) =
        (struct xen_netif_ctrl_request){.id = ++id, .type = type, .data = {d0, d1, d2}};
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&h->front, notify_back);
    assert_true(notify_back); /* the backend re-armed req_event after each batch */
    assert_int_equal(netback_ctrl_process(h->back, 64), 1);
    assert_int_equal(h->front.sring->rsp_prod, h->front.rsp_cons + 1);
    rsp = RING_GET_RESPONSE(&h->front, h->front.rsp_cons++);
    assert_int_equal(rsp->id, id);
    assert_int_equal(rsp->type, type);
    if (data)
        *data = rsp->data;
    return rsp->status;
}

static const uint8_t ms_key[40] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Microsoft's first IPv4 vector as a TCP frame: hash 0x51ccc178. */
static size_t vector_frame(uint8_t *f)
{
    memset(f, 0, 54);
    f[12] = 0x08;
    f[14] = 0x45;
    f[23] = 6;
    inet_pton(AF_INET, "66.9.149.187", f + 26);
    inet_pton(AF_INET, "161.142.100.80", f + 30);
    f[34] = 2794 >> 8, f[35] = 2794 & 0xff;
    f[36] = 1766 >> 8, f[37] = 1766 & 0xff;
    f[46] = 0x50;
    return 54;
}

static void test_configure_and_select(void **state)
{
    struct ctrl_harness *h = *state;
    uint8_t frame[64];
    size_t len = vector_frame(frame);
    netif_extra_info_t hx;
    uint32_t data, *map = (uint32_t *)(void *)(h->mem + 2 * NETIF_PAGE_SIZE);
    const uint32_t hv = 0x51ccc178;

    memcpy(h->mem + NETIF_PAGE_SIZE, ms_key, sizeof(ms_key));
    assert_int_equal(
        call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS, XEN_NETIF_CTRL_HASH_TYPE_IPV4, 0, 0, NULL),
        XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER); /* no algorithm */
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
                          XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0, 0, NULL),
                     XEN_NETIF_CTRL_STATUS_SUCCESS);
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS, 0, 0, 0, &data), 0);
    assert_int_equal(data, 0xf);
    assert_int_equal(
        call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS, XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP, 0, 0, NULL),
        0);
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, KEY_REF, 40, 0, NULL), 0);

    /* No table: hash modulo the queues; the extra carries the hash LSB first. */
    assert_int_equal(netback_ctrl_select_queue(h->back, frame, len, &hx), hv % NQUEUES);
    assert_int_equal(hx.type, XEN_NETIF_EXTRA_TYPE_HASH);
    assert_int_equal(hx.u.hash.type, _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
    assert_int_equal(hx.u.hash.algorithm, XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ);
    assert_int_equal(hx.u.hash.value[0], hv & 0xff);
    assert_int_equal(hx.u.hash.value[3], hv >> 24);

    /* A table of 8 entries: entry hv % 8 (= 0) picks the queue.  Setting
     * another sub-table leaves the first one alone. */
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE, 0, 0, 0, &data), 0);
    assert_int_equal(data, NETBACK_CTRL_MAX_MAPPING);
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 8, 0, 0, NULL), 0);
    assert_int_equal(netback_ctrl_select_queue(h->back, frame, len, &hx), 0);
    for (uint32_t i = 0; i < 4; i++)
        map[i] = 3 - i;
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, MAP_REF, 4, 0, NULL), 0);
    assert_int_equal(hv % 8, 0);
    assert_int_equal(netback_ctrl_select_queue(h->back, frame, len, &hx), 3);
    map[0] = 1;
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, MAP_REF, 4, 4, NULL), 0);
    assert_int_equal(netback_ctrl_select_queue(h->back, frame, len, &hx), 3);
    assert_int_equal(h->disconnects, 0);
}

/* What a backend hashing in the NIC reads back: off until an algorithm and
 * types are set, then the key and table as configured; the extra it builds
 * from the NIC's hash is the one select_queue gives. */
static void test_hash_config_readback(void **state)
{
    struct ctrl_harness *h = *state;
    uint32_t *map = (uint32_t *)(void *)(h->mem + 2 * NETIF_PAGE_SIZE);
    struct netback_ctrl_hash cfg;
    netif_extra_info_t hx, mine;
    uint8_t frame[64];
    size_t len = vector_frame(frame);

    netback_ctrl_hash(h->back, &cfg);
    assert_int_equal(cfg.types, 0);
    memcpy(h->mem + NETIF_PAGE_SIZE, ms_key, sizeof(ms_key));
    call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM, XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0, 0,
         NULL);
    call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS, XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP, 0, 0, NULL);
    call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, KEY_REF, 40, 0, NULL);
    call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 2, 0, 0, NULL);
    map[0] = 3;
    map[1] = 1;
    call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, MAP_REF, 2, 0, NULL);
    netback_ctrl_hash(h->back, &cfg);
    assert_int_equal(cfg.types, XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
    assert_memory_equal(cfg.key, ms_key, sizeof(ms_key));
    assert_int_equal(cfg.mapping_size, 2);
    assert_int_equal(cfg.mapping[0], 3);
    assert_int_equal(cfg.mapping[1], 1);
    netback_ctrl_select_queue(h->back, frame, len, &hx);
    netback_ctrl_hash_extra(0x51ccc178, _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP, &mine);
    assert_memory_equal(&hx, &mine, sizeof(hx));
}

static void test_bad_parameters(void **state)
{
    struct ctrl_harness *h = *state;
    uint32_t *map = (uint32_t *)(void *)(h->mem + 2 * NETIF_PAGE_SIZE);

    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM, 7, 0, 0, NULL),
                     XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, KEY_REF, 41, 0, NULL),
                     XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW);
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, 99, 40, 0, NULL),
                     XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 129, 0, 0, NULL),
                     XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 16, 0, 0, NULL), 0);
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, MAP_REF, 8, 9, NULL),
                     XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW);
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, MAP_REF, 1, 0xffffffff, NULL),
                     XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW);
    map[0] = NQUEUES; /* no such queue */
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, MAP_REF, 1, 0, NULL),
                     XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
    assert_int_equal(call(h, XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING, 0, MAP_REF, 1, NULL),
                     XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED);
    assert_int_equal(call(h, 0xffff, 0, 0, 0, NULL), XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED);
    assert_int_equal(h->disconnects, 0);
}

/* Hashing off: flows still spread, no hash extra. */
static void test_default_steering(void **state)
{
    struct ctrl_harness *h = *state;
    uint8_t frame[64];
    size_t len = vector_frame(frame);
    netif_extra_info_t hx;
    uint32_t hv;
    uint8_t t;

    assert_int_equal(toeplitz_flow_hash(ms_key, 40, 0xf, frame, len, &hv, &t), 0);
    assert_int_equal(netback_ctrl_select_queue(h->back, frame, len, &hx), hv % NQUEUES);
    assert_int_equal(hx.type, 0);
    frame[12] = 0x88; /* not IP: queue 0 */
    assert_int_equal(netback_ctrl_select_queue(h->back, frame, len, &hx), 0);
}

static void test_index_overrun_disconnects(void **state)
{
    struct ctrl_harness *h = *state;

    __atomic_store_n(&h->front.sring->req_prod, RING_SIZE(&h->front) + 1, __ATOMIC_RELEASE);
    assert_int_equal(netback_ctrl_process(h->back, 64), -ENOTCONN);
    assert_int_equal(netback_ctrl_process(h->back, 64), -ENOTCONN);
    assert_int_equal(h->disconnects, 1);
}

/* A frontend feeding the ring is answered at most budget requests a call;
 * the rest on the next call. */
static void test_budget(void **state)
{
    struct ctrl_harness *h = *state;
    int notify_back;

    for (int i = 0; i < 10; i++)
        *RING_GET_REQUEST(&h->front, h->front.req_prod_pvt++) = (struct xen_netif_ctrl_request){
            .id = (uint16_t)i, .type = XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS};
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&h->front, notify_back);
    assert_true(notify_back);
    assert_int_equal(netback_ctrl_process(h->back, 4), 4);
    assert_int_equal(h->front.sring->rsp_prod, 4);
    assert_int_equal(netback_ctrl_process(h->back, 4), 4);
    assert_int_equal(netback_ctrl_process(h->back, 4), 2);
    assert_int_equal(h->front.sring->rsp_prod, 10);
    assert_int_equal(netback_ctrl_process(h->back, 4), 0);
    assert_int_equal(RING_GET_RESPONSE(&h->front, 9)->id, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_configure_and_select, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_config_readback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_parameters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_steering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_overrun_disconnects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
