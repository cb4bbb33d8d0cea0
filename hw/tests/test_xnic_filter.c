/* cmocka tests of the xnic classifier: unicast filters and primary MACs,
 * VLANs (access ports, port VLANs, trunks: sv/vlan.h's rule), broadcast/
 * multicast replication, table upkeep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "../xnic_filter.h"

static const uint8_t A[6] = {2, 0, 0, 0, 0, 0xa}, B[6] = {2, 0, 0, 0, 0, 0xb},
                     BC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
                     MC[6] = {0x01, 0x00, 0x5e, 0, 0, 1};

static struct xnic_classifier c;

static void set_trunk(unsigned vport, const char *vids)
{
    struct sv_vlan_set t;

    assert_int_equal(sv_vlan_set_parse(vids, &t), 0);
    assert_int_equal(xnic_cls_vport_trunk(&c, vport, &t), 0);
}

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
    /* Any VLAN of the filter, but only those the vport is on. */
    assert_int_equal(xnic_classify(&c, A, 42, &miss), 0);
    assert_true(miss);
    set_trunk(3, "42");
    assert_int_equal(xnic_classify(&c, A, 42, &miss), 1u << 3);
    assert_int_equal(xnic_classify(&c, B, 0, &miss), 0);
    assert_true(miss);
    assert_int_equal(xnic_cls_filter_add(&c, B, 10, 4), 0);
    assert_int_equal(xnic_classify(&c, B, 10, &miss), 0);
    set_trunk(4, "10,11");
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

/* A vport without a port VLAN or trunk set is an access port of the
 * untagged LAN: frames tagged with any VID, or carrying a tag no port may
 * (a priority tag hiding a second one, an 802.1ad outer tag), pass it by. */
static void test_access_port(void **state)
{
    struct xnic_vport_cfg bc = {.flags = XNIC_VPF_BCAST};
    bool miss;

    (void)state;
    memcpy(bc.mac, A, 6);
    xnic_cls_vport_set(&c, 1, &bc);
    assert_int_equal(xnic_classify(&c, A, 0, &miss), 1u << 1);
    assert_int_equal(xnic_classify(&c, A, 42, &miss), 0);
    assert_true(miss);
    assert_int_equal(xnic_classify(&c, BC, 42, &miss), 0);
    assert_int_equal(xnic_classify(&c, BC, SV_VLAN_BAD, &miss), 0);
    assert_false(xnic_cls_admits(&c, 1, 42));
    assert_true(xnic_cls_admits(&c, 1, 0));
    /* What it may send: untagged only. */
    assert_int_equal(sv_vlan_ingress(0, &c.trunk[1], 0), SV_VLAN_PASS);
    assert_int_equal(sv_vlan_ingress(0, &c.trunk[1], 42), SV_VLAN_DROP);
    assert_int_equal(sv_vlan_ingress(0, &c.trunk[1], SV_VLAN_BAD), SV_VLAN_DROP);
}

/* A trunk carries its VLANs tagged, and the untagged LAN untagged; with a
 * port VLAN (libvirt's nativeMode='untagged') that VLAN is its untagged one. */
static void test_trunk(void **state)
{
    struct xnic_vport_cfg bc = {.flags = XNIC_VPF_BCAST};
    bool miss;

    (void)state;
    xnic_cls_vport_set(&c, 2, &bc);
    set_trunk(2, "42,43");
    assert_int_equal(xnic_classify(&c, BC, 0, &miss), 1u << 2);
    assert_int_equal(xnic_classify(&c, BC, 42, &miss), 1u << 2);
    assert_int_equal(xnic_classify(&c, BC, 43, &miss), 1u << 2);
    assert_int_equal(xnic_classify(&c, BC, 44, &miss), 0);
    assert_int_equal(sv_vlan_ingress(0, &c.trunk[2], 43), SV_VLAN_PASS);
    assert_int_equal(sv_vlan_ingress(0, &c.trunk[2], 44), SV_VLAN_DROP);
    assert_int_equal(sv_vlan_egress(0, &c.trunk[2], 42), SV_VLAN_PASS);

    bc.pvid = 44;
    xnic_cls_vport_set(&c, 2, &bc);
    assert_int_equal(xnic_classify(&c, BC, 0, &miss), 0);
    assert_int_equal(xnic_classify(&c, BC, 44, &miss), 1u << 2);
    assert_int_equal(xnic_classify(&c, BC, 42, &miss), 1u << 2);
    assert_int_equal(sv_vlan_egress(44, &c.trunk[2], 44), SV_VLAN_UNTAG);
    assert_int_equal(sv_vlan_ingress(44, &c.trunk[2], 0), SV_VLAN_TAG);
    assert_int_equal(sv_vlan_ingress(44, &c.trunk[2], 44), SV_VLAN_DROP); /* one form: untagged */
    assert_int_equal(sv_vlan_ingress(44, &c.trunk[2], 42), SV_VLAN_PASS);
    assert_int_equal(xnic_cls_vport_trunk(&c, 8, &c.trunk[2]), -EINVAL);
}

static void test_frame_vlan(void **state)
{
    uint8_t f[64] = {0};

    (void)state;
    f[12] = 0x08;
    assert_int_equal(sv_vlan_of_frame(f, sizeof(f)), 0);
    f[12] = 0x81;
    f[13] = 0x00;
    f[14] = 0x20; /* priority 1 */
    f[15] = 42;
    assert_int_equal(sv_vlan_of_frame(f, sizeof(f)), 42);
    assert_int_equal(sv_vlan_of_frame(f, 16), SV_VLAN_BAD); /* tag cut short */
    f[15] = 0; /* priority tag (VID 0): a second tag could hide behind it */
    assert_int_equal(sv_vlan_of_frame(f, sizeof(f)), SV_VLAN_BAD);
    f[14] = 0x0f;
    f[15] = 0xff; /* VID 4095 */
    assert_int_equal(sv_vlan_of_frame(f, sizeof(f)), SV_VLAN_BAD);
    f[12] = 0x88;
    f[13] = 0xa8; /* 802.1ad */
    assert_int_equal(sv_vlan_of_frame(f, sizeof(f)), SV_VLAN_BAD);
    f[12] = 0x91;
    f[13] = 0x00;
    assert_int_equal(sv_vlan_of_frame(f, sizeof(f)), SV_VLAN_BAD);
}

static void test_vlan_list(void **state)
{
    struct sv_vlan_set s;
    char buf[32];

    (void)state;
    assert_int_equal(sv_vlan_set_parse("", &s), 0);
    assert_true(sv_vlan_set_empty(&s));
    assert_int_equal(sv_vlan_set_parse("43,42,4094,1", &s), 0);
    assert_int_equal(sv_vlan_set_format(&s, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "1,42,43,4094");
    assert_int_equal(sv_vlan_set_format(&s, buf, 8), -ENOSPC);
    assert_int_equal(sv_vlan_set_parse("0", &s), -EINVAL);
    assert_int_equal(sv_vlan_set_parse("4095", &s), -EINVAL);
    assert_int_equal(sv_vlan_set_parse("42,", &s), -EINVAL);
    assert_int_equal(sv_vlan_set_parse(",42", &s), -EINVAL);
    assert_int_equal(sv_vlan_set_parse("42,,43", &s), -EINVAL);
    assert_int_equal(sv_vlan_set_parse("42 ", &s), -EINVAL);
    assert_int_equal(sv_vlan_set_parse("000042", &s), -EINVAL);
    assert_int_equal(sv_vlan_set_parse("-1", &s), -EINVAL);
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

/* Failover: a teamed VF and vif share a MAC; the standby of the two gets
 * nothing (unicast, broadcast, filters) until the flag moves. */
static void test_standby(void **state)
{
    struct xnic_vport_cfg active = {.flags = XNIC_VPF_BCAST | XNIC_VPF_SPOOFCHK},
                          standby = {.flags =
                                         XNIC_VPF_BCAST | XNIC_VPF_SPOOFCHK | XNIC_VPF_STANDBY};
    bool miss;

    (void)state;
    memcpy(active.mac, A, 6);
    memcpy(standby.mac, A, 6);
    assert_int_equal(xnic_cls_vport_set(&c, 1, &active), 0);
    assert_int_equal(xnic_cls_vport_set(&c, 6, &standby), 0);
    assert_int_equal(xnic_cls_filter_add(&c, A, XNIC_VLAN_ANY, 6), 0);
    assert_int_equal(xnic_classify(&c, A, 0, &miss), 1u << 1);
    assert_int_equal(xnic_classify(&c, BC, 0, &miss), 1u << 1);
    assert_int_equal(xnic_cls_vport_set(&c, 1, &standby), 0);
    assert_int_equal(xnic_classify(&c, A, 0, &miss), 0);
    assert_true(miss); /* neither: a unicast miss, as for no vport at all */
    assert_int_equal(xnic_cls_vport_set(&c, 6, &active), 0);
    assert_int_equal(xnic_classify(&c, A, 0, &miss), 1u << 6);
    assert_int_equal(xnic_classify(&c, BC, 0, &miss), 1u << 6);
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
        cmocka_unit_test_setup(test_access_port, setup),
        cmocka_unit_test_setup(test_trunk, setup),
        cmocka_unit_test_setup(test_frame_vlan, setup),
        cmocka_unit_test_setup(test_vlan_list, setup),
        cmocka_unit_test_setup(test_broadcast_multicast, setup),
        cmocka_unit_test_setup(test_standby, setup),
        cmocka_unit_test_setup(test_table_upkeep, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
