/* cmocka tests of the xnic classifier: unicast filters and primary MACs,
 * VLANs and port VLANs, broadcast/multicast replication, table upkeep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "xnic_filter.h"

static const uint8_t A[6] = {2, 0, 0, 0, 0, 0xa}, B[6] = {2, 0, 0, 0, 0, 0xb},
                     BC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
                     MC[6] = {0x01, 0x00, 0x5e, 0, 0, 1};

static struct xnic_classifier c;

static int setup(void **state)
{
    (void)state;
    xnic_cls_init(&c, 8);
    return 0;
}

static void test_unicast(void **state)
{
    bool miss;

    (void)state;
    assert_int_equal(xnic_cls_filter_add(&c, A, XNIC_VLAN_ANY, 3), 0);
    assert_int_equal(xnic_classify(&c, A, 0, &miss), 1u << 3);
    assert_false(miss);
    assert_int_equal(xnic_classify(&c, A, 42, &miss), 1u << 3); /* any VLAN */
    assert_int_equal(xnic_classify(&c, B, 0, &miss), 0);
    assert_true(miss);
    assert_int_equal(xnic_cls_filter_add(&c, B, 10, 4), 0);
    assert_int_equal(xnic_classify(&c, B, 10, &miss), 1u << 4);
    assert_int_equal(xnic_classify(&c, B, 11, &miss), 0);
    assert_true(miss);
    /* Vports without a primary MAC do not claim the zero address. */
    assert_int_equal(xnic_classify(&c, (const uint8_t[6]){0}, 0, &miss), 0);
    assert_true(miss);
}

static void test_primary_and_pvid(void **state)
{
    struct xnic_vport_cfg cfg = {.pvid = 7};
    bool miss;

    (void)state;
    memcpy(cfg.mac, A, 6);
    assert_int_equal(xnic_cls_vport_set(&c, 5, &cfg), 0);
    assert_int_equal(xnic_classify(&c, A, 7, &miss), 1u << 5);
    assert_int_equal(xnic_classify(&c, A, 0, &miss), 0); /* untagged: not its VLAN */
    cfg.pvid = 5000;
    assert_int_equal(xnic_cls_vport_set(&c, 5, &cfg), -EINVAL);
    memcpy(cfg.mac, MC, 6);
    cfg.pvid = 0;
    assert_int_equal(xnic_cls_vport_set(&c, 5, &cfg), -EINVAL);
}

static void test_broadcast_multicast(void **state)
{
    struct xnic_vport_cfg bc = {.flags = XNIC_VPF_BCAST}, am = {.flags = XNIC_VPF_ALLMULTI};
    bool miss;

    (void)state;
    xnic_cls_vport_set(&c, 0, &bc);
    xnic_cls_vport_set(&c, 2, &bc);
    xnic_cls_vport_set(&c, 6, &am);
    assert_int_equal(xnic_classify(&c, BC, 0, &miss), (1u << 0) | (1u << 2));
    assert_false(miss);
    assert_int_equal(xnic_classify(&c, MC, 0, &miss), 1u << 6);
    assert_int_equal(xnic_cls_filter_add(&c, MC, XNIC_VLAN_ANY, 1), 0);
    assert_int_equal(xnic_cls_filter_add(&c, MC, XNIC_VLAN_ANY, 3), 0);
    assert_int_equal(xnic_classify(&c, MC, 0, &miss), (1u << 1) | (1u << 3) | (1u << 6));
    assert_false(miss); /* multicast never counts as a unicast miss */
}

static void test_table_upkeep(void **state)
{
    uint8_t mac[6] = {2, 0, 0, 0, 0, 0};
    bool miss;

    (void)state;
    for (unsigned i = 0; i < XNIC_MAX_FILTERS; i++) {
        mac[5] = (uint8_t)i;
        mac[4] = (uint8_t)(i >> 8) + 1;
        assert_int_equal(xnic_cls_filter_add(&c, mac, XNIC_VLAN_ANY, i % 8), 0);
    }
    mac[4] = 0x7f;
    assert_int_equal(xnic_cls_filter_add(&c, mac, XNIC_VLAN_ANY, 0), -ENOSPC);
    xnic_cls_forget_vport(&c, 0);
    assert_int_equal(c.nfilters, XNIC_MAX_FILTERS - XNIC_MAX_FILTERS / 8);
    mac[4] = 1;
    mac[5] = 1;
    assert_int_equal(xnic_classify(&c, mac, 0, &miss), 1u << 1);
    assert_int_equal(xnic_cls_filter_del(&c, mac, XNIC_VLAN_ANY, 1), 0);
    assert_int_equal(xnic_cls_filter_del(&c, mac, XNIC_VLAN_ANY, 1), -ENOENT);
    assert_int_equal(xnic_classify(&c, mac, 0, &miss), 0);
    assert_int_equal(xnic_cls_filter_add(&c, mac, 0, 1), -EINVAL); /* VID 0 */
    assert_int_equal(xnic_cls_filter_add(&c, mac, 1, 8), -EINVAL); /* no vport 8 */
    assert_int_equal(xnic_cls_set_default(&c, 8), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_unicast, setup),
        cmocka_unit_test_setup(test_primary_and_pvid, setup),
        cmocka_unit_test_setup(test_broadcast_multicast, setup),
        cmocka_unit_test_setup(test_table_upkeep, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
