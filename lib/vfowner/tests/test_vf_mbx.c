/*
 * cmocka tests of the PF owner's side of the VF mailbox (vf_mbx.c) with
 * the NIC's filters and the VF's configuration played by recorders: what
 * a VF may ask (its configuration, a multicast list), what it is refused
 * unless trusted (a MAC, a VLAN), and what a malformed message gets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "sv/vf_mbx.h"

static struct {
    uint8_t filters[16][6]; /* multicast filters of VF 3, in the order added */
    unsigned nfilters;
    unsigned adds, dels;
    int fail_add_after; /* adds that succeed before one fails; -1: none fails */
    unsigned set_macs, set_vlans;
    uint16_t vlan;
    bool vlan_add;
    int set_mac_err;
} rec;

static int mcast(void *ctx, unsigned vf, const uint8_t mac[6], bool add)
{
    (void)ctx;
    assert_int_equal(vf, 3);
    if (add) {
        if (rec.fail_add_after >= 0 && rec.adds >= (unsigned)rec.fail_add_after)
            return -ENOSPC;
        rec.adds++;
        memcpy(rec.filters[rec.nfilters++], mac, 6);
        return 0;
    }
    rec.dels++;
    for (unsigned i = 0; i < rec.nfilters; i++)
        if (!memcmp(rec.filters[i], mac, 6)) {
            memmove(rec.filters[i], rec.filters[i + 1], (rec.nfilters - i - 1) * 6);
            rec.nfilters--;
            return 0;
        }
    fail_msg("filter %02x:..:%02x removed but never added", mac[0], mac[5]);
    return -ENOENT;
}

static int set_mac(void *ctx, const struct vf_mbx_vf *s)
{
    (void)ctx, (void)s;
    rec.set_macs++;
    return rec.set_mac_err;
}

static int set_vlan(void *ctx, const struct vf_mbx_vf *s, uint16_t vid, bool add)
{
    (void)ctx, (void)s;
    rec.set_vlans++;
    rec.vlan = vid;
    rec.vlan_add = add;
    return 0;
}

static uint32_t link_mbps(void *ctx, const struct vf_mbx_vf *s)
{
    (void)ctx, (void)s;
    return 10000;
}

static const struct vf_mbx_ops ops = {mcast, set_mac, set_vlan, link_mbps};

static struct vf_mbx_vf vf;
static const uint8_t MAC[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x03};

static int setup(void **state)
{
    (void)state;
    memset(&rec, 0, sizeof(rec));
    rec.fail_add_after = -1;
    vf = (struct vf_mbx_vf){.vf = 3, .pvid = 42};
    memcpy(vf.mac, MAC, 6);
    return 0;
}

/* Sends msg (len bytes) as VF 3; the reply's status (and *reply). */
static int ask(const struct xnic_mbx_msg *msg, size_t len, struct xnic_mbx_msg *reply)
{
    assert_true(vf_mbx_handle(&vf, msg, len, &ops, NULL, reply));
    assert_int_equal(reply->type, msg->type | XNIC_MBX_REPLY);
    return reply->status;
}

static struct xnic_mbx_msg mcast_msg(unsigned n, const uint8_t *last_octets)
{
    struct xnic_mbx_msg m = {.type = XNIC_MBX_SET_MCAST};

    m.u.mcast.count = n;
    for (unsigned i = 0; i < n; i++)
        memcpy(m.u.mcast.mac[i], (uint8_t[6]){0x01, 0x00, 0x5e, 0x00, 0x00, last_octets[i]}, 6);
    return m;
}

static void test_reset_gives_the_configuration(void **state)
{
    struct xnic_mbx_msg r, m = {.type = XNIC_MBX_RESET};

    (void)state;
    assert_int_equal(ask(&m, sizeof(m), &r), 0);
    assert_memory_equal(r.u.config.mac, MAC, 6);
    assert_int_equal(r.u.config.pvid, 42);
    assert_int_equal(r.u.config.link_mbps, 10000);
    assert_int_equal(r.u.config.trusted, 0);
    /* A notice says the same without being asked. */
    vf_mbx_notice(&vf, XNIC_MBX_LINK, &ops, NULL, &m);
    assert_int_equal(m.type, XNIC_MBX_LINK);
    assert_memory_equal(&m.u.config, &r.u.config, sizeof(r.u.config));
}

static void test_mac_and_vlan_need_trust(void **state)
{
    struct xnic_mbx_msg r, mac = {.type = XNIC_MBX_SET_MAC}, vlan = {.type = XNIC_MBX_SET_VLAN};

    (void)state;
    memcpy(mac.u.mac.mac, (uint8_t[6]){0x02, 0, 0, 0, 0, 9}, 6);
    vlan.u.vlan = (struct xnic_mbx_vlan){.vid = 7, .add = 1};
    assert_int_equal(ask(&mac, sizeof(mac), &r), -EPERM);
    assert_int_equal(ask(&vlan, sizeof(vlan), &r), -EPERM);
    assert_int_equal(rec.set_macs + rec.set_vlans, 0);
    assert_memory_equal(vf.mac, MAC, 6);

    vf.trusted = true;
    assert_int_equal(ask(&mac, sizeof(mac), &r), 0);
    assert_memory_equal(vf.mac, mac.u.mac.mac, 6);
    assert_int_equal(ask(&vlan, sizeof(vlan), &r), 0);
    assert_int_equal(rec.vlan, 7);
    assert_true(rec.vlan_add);
    /* Even trusted: no multicast or zero MAC, no VLAN 0 or 4095. */
    memcpy(mac.u.mac.mac, (uint8_t[6]){0x01, 0, 0x5e, 0, 0, 1}, 6);
    assert_int_equal(ask(&mac, sizeof(mac), &r), -EINVAL);
    memset(mac.u.mac.mac, 0, 6);
    assert_int_equal(ask(&mac, sizeof(mac), &r), -EINVAL);
    vlan.u.vlan.vid = 4095;
    assert_int_equal(ask(&vlan, sizeof(vlan), &r), -EINVAL);
    vlan.u.vlan = (struct xnic_mbx_vlan){.vid = 7, .add = 2};
    assert_int_equal(ask(&vlan, sizeof(vlan), &r), -EINVAL);
    assert_int_equal(rec.set_macs, 1);
    assert_int_equal(rec.set_vlans, 1);
    /* The owner refusing the MAC leaves the old one. */
    rec.set_mac_err = -EBUSY;
    memcpy(mac.u.mac.mac, (uint8_t[6]){0x02, 0, 0, 0, 0, 10}, 6);
    assert_int_equal(ask(&mac, sizeof(mac), &r), -EBUSY);
    assert_memory_equal(vf.mac, ((uint8_t[6]){0x02, 0, 0, 0, 0, 9}), 6);
}

static void test_multicast_list_replaces(void **state)
{
    struct xnic_mbx_msg r, m = mcast_msg(3, (uint8_t[]){1, 2, 3});

    (void)state;
    assert_int_equal(ask(&m, sizeof(m), &r), 0);
    assert_int_equal(rec.nfilters, 3);
    /* 2 and 3 stay (not added again), 1 goes, 4 comes. */
    m = mcast_msg(3, (uint8_t[]){2, 3, 4});
    assert_int_equal(ask(&m, sizeof(m), &r), 0);
    assert_int_equal(rec.adds, 4);
    assert_int_equal(rec.dels, 1);
    assert_int_equal(rec.nfilters, 3);
    assert_int_equal(vf.nmcast, 3);
    /* Released: every filter goes. */
    vf_mbx_forget(&vf, &ops, NULL);
    assert_int_equal(rec.nfilters, 0);
    assert_int_equal(vf.nmcast, 0);
}

static void test_multicast_list_bounds(void **state)
{
    struct xnic_mbx_msg r, m = mcast_msg(2, (uint8_t[]){1, 2});

    (void)state;
    assert_int_equal(ask(&m, sizeof(m), &r), 0);
    m.u.mcast.count = XNIC_MBX_MCAST_MAX + 1;
    assert_int_equal(ask(&m, sizeof(m), &r), -E2BIG);
    m = mcast_msg(2, (uint8_t[]){5, 6});
    m.u.mcast.mac[1][0] = 0x02; /* unicast */
    assert_int_equal(ask(&m, sizeof(m), &r), -EINVAL);
    memset(m.u.mcast.mac[1], 0xff, 6); /* broadcast */
    assert_int_equal(ask(&m, sizeof(m), &r), -EINVAL);
    /* Refused lists changed nothing. */
    assert_int_equal(rec.nfilters, 2);
    assert_int_equal(vf.nmcast, 2);
    /* The NIC's shared table full after one more: the list is what got in. */
    rec.fail_add_after = (int)rec.adds + 1;
    m = mcast_msg(4, (uint8_t[]){1, 2, 3, 4});
    assert_int_equal(ask(&m, sizeof(m), &r), -ENOSPC);
    assert_int_equal(vf.nmcast, 3);
    assert_int_equal(rec.nfilters, 3);
    vf_mbx_forget(&vf, &ops, NULL);
    assert_int_equal(rec.nfilters, 0);
}

static void test_malformed(void **state)
{
    struct xnic_mbx_msg r, m = mcast_msg(1, (uint8_t[]){1});

    (void)state;
    /* A body cut short is not read as zeros. */
    assert_int_equal(ask(&m, 12, &r), -EINVAL);
    assert_int_equal(rec.adds, 0);
    /* Shorter than a header. */
    assert_true(vf_mbx_handle(&vf, &m, 3, &ops, NULL, &r));
    assert_int_equal(r.type, XNIC_MBX_REPLY);
    assert_int_equal(r.status, -EINVAL);
    /* Not a request a VF makes, or not one at all. */
    m = (struct xnic_mbx_msg){.type = XNIC_MBX_LINK};
    assert_int_equal(ask(&m, sizeof(m), &r), -EOPNOTSUPP);
    m.type = 99;
    assert_int_equal(ask(&m, sizeof(m), &r), -EOPNOTSUPP);
    /* A "reply" from the VF: nothing to answer. */
    m.type = XNIC_MBX_RESET | XNIC_MBX_REPLY;
    assert_false(vf_mbx_handle(&vf, &m, sizeof(m), &ops, NULL, &r));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, setup)
    const struct CMUnitTest tests[] = {
        T(test_reset_gives_the_configuration),
        T(test_mac_and_vlan_need_trust),
        T(test_multicast_list_replaces),
        T(test_multicast_list_bounds),
        T(test_malformed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
