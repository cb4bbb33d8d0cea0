/* cmocka tests of the frontend's control ring client against the backend's
 * (sv/netback_ctrl.h) over shared memory: the configuration the frontend
 * asks for is what the backend then reads back, refusals and a lying
 * backend are reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sv/netback_ctrl.h"
#include "sv/netfront_ctrl.h"
#include "sv/toeplitz.h"

#define NQUEUES 2
#define KEY_REF 7
#define MAP_REF 8

struct harness {
    uint8_t *mem; /* ring page, key page, mapping page */
    struct netfront_ctrl *front;
    struct netback_ctrl *back;
    int front_kicks;
};

static int copy_from(void *ctx, grant_ref_t ref, uint16_t off, void *dst, uint16_t len)
{
    struct harness *h = ctx;

    if (ref != KEY_REF && ref != MAP_REF)
        return -EINVAL;
    memcpy(dst, h->mem + (size_t)(ref - KEY_REF + 1) * NETIF_PAGE_SIZE + off, len);
    return 0;
}

static void back_notify(void *ctx)
{
    (void)ctx;
}

static void front_notify(void *ctx)
{
    ((struct harness *)ctx)->front_kicks++;
}

static int setup(void **state)
{
    static const struct netback_ctrl_ops ops = {.copy_from_grant = copy_from,
                                                .notify = back_notify};
    struct harness *h = calloc(1, sizeof(*h));
    struct netfront_ctrl_config cfg;

    assert_non_null(h);
    h->mem =
        mmap(NULL, 3 * NETIF_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(h->mem != MAP_FAILED);
    cfg = (struct netfront_ctrl_config){.sring = (xen_netif_ctrl_sring_t *)(void *)h->mem,
                                        .key_page = h->mem + NETIF_PAGE_SIZE,
                                        .key_ref = KEY_REF,
                                        .map_page = h->mem + 2 * NETIF_PAGE_SIZE,
                                        .map_ref = MAP_REF,
                                        .notify = front_notify,
                                        .ctx = h};
    h->front = netfront_ctrl_new(&cfg);
    assert_non_null(h->front);
    h->back = netback_ctrl_new(cfg.sring, NQUEUES, &ops, h);
    assert_non_null(h->back);
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    struct harness *h = *state;

    netback_ctrl_free(h->back);
    netfront_ctrl_free(h->front);
    munmap(h->mem, 3 * NETIF_PAGE_SIZE);
    free(h);
    return 0;
}

static void test_hash_reaches_backend(void **state)
{
    struct harness *h = *state;
    const uint32_t table[4] = {1, 1, 0, 1};
    struct netback_ctrl_hash cfg;

    assert_int_equal(netfront_ctrl_poll(h->front, NULL), 0); /* nothing asked yet */
    assert_int_equal(netfront_ctrl_set_hash(h->front, XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP,
                                            toeplitz_default_key, TOEPLITZ_MAX_KEY, table, 4),
                     0);
    assert_int_equal(h->front_kicks, 1);
    assert_int_equal(netfront_ctrl_set_hash(h->front, 0, NULL, 0, table, 4), -EBUSY);
    assert_int_equal(netfront_ctrl_poll(h->front, NULL), 0);
    assert_int_equal(netback_ctrl_process(h->back, 64), 5);
    assert_int_equal(netfront_ctrl_poll(h->front, NULL), 1);
    netback_ctrl_hash(h->back, &cfg);
    assert_int_equal(cfg.types, XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
    assert_memory_equal(cfg.key, toeplitz_default_key, TOEPLITZ_MAX_KEY);
    assert_int_equal(cfg.mapping_size, 4);
    assert_memory_equal(cfg.mapping, table, sizeof(table));
    /* A second batch works the same way. */
    assert_int_equal(netfront_ctrl_set_hash(h->front, XEN_NETIF_CTRL_HASH_TYPE_IPV4,
                                            toeplitz_default_key, 16, table, 2),
                     0);
    assert_int_equal(netback_ctrl_process(h->back, 64), 5);
    assert_int_equal(netfront_ctrl_poll(h->front, NULL), 1);
    netback_ctrl_hash(h->back, &cfg);
    assert_int_equal(cfg.types, XEN_NETIF_CTRL_HASH_TYPE_IPV4);
    assert_int_equal(cfg.mapping_size, 2);
}

static void test_refusal_and_bad_sizes(void **state)
{
    struct harness *h = *state;
    const uint32_t table[2] = {0, NQUEUES}; /* a queue the vif does not have */
    uint16_t type = 0;

    assert_int_equal(netfront_ctrl_set_hash(h->front, 1, toeplitz_default_key, 41, table, 2),
                     -EINVAL);
    assert_int_equal(netfront_ctrl_set_hash(h->front, 1, toeplitz_default_key, 40, table, 0),
                     -EINVAL);
    assert_int_equal(netfront_ctrl_set_hash(h->front, XEN_NETIF_CTRL_HASH_TYPE_IPV4,
                                            toeplitz_default_key, 40, table, 2),
                     0);
    netback_ctrl_process(h->back, 64);
    assert_int_equal(netfront_ctrl_poll(h->front, &type), -EREMOTEIO);
    assert_int_equal(type, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING);
}

static void test_lying_backend(void **state)
{
    struct harness *h = *state;
    const uint32_t table[1] = {0};
    xen_netif_ctrl_sring_t *s = (xen_netif_ctrl_sring_t *)(void *)h->mem;

    assert_int_equal(netfront_ctrl_set_hash(h->front, 1, toeplitz_default_key, 40, table, 1), 0);
    s->rsp_prod = 6; /* more answers than questions */
    assert_int_equal(netfront_ctrl_poll(h->front, NULL), -EPROTO);
    assert_int_equal(netfront_ctrl_set_hash(h->front, 1, toeplitz_default_key, 40, table, 1),
                     -EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hash_reaches_backend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusal_and_bad_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lying_backend, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
