/*
 * cmocka tests of netdd's software switch (driver-domain/swswitch.c) with
 * the PF and the vifs played by stubs: the VLAN rule it shares with the
 * NIC (access ports of the untagged LAN or of a VLAN, trunks), source MAC
 * checks, what it programs into pool 0 (filters, the VLANs it carries),
 * and what a port over its receive rate holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../pf.h"
#include "sv/netif_offload.h"
#include "sv/vif_back.h"
#include "sv/vlan.h"
#include "../swswitch.h"

struct vif_back {
    uint16_t vlan;
    struct sv_vlan_set trunk;
    unsigned rx;
    uint8_t last[256];
    size_t last_len;
    char counters[96];
    int credit;         /* frames it takes before -EBUSY (its receive rate); -1: any */
    uint16_t seq[1024]; /* bytes 20-21 of each frame taken */
};

/* ---- the PF and netback, as the switch sees them ---------------------- */

static struct {
    pf_rx_fn *rx;
    void *rx_ctx;
    uint8_t txbuf[PF_TX_BUF];
    unsigned submitted;       /* frames sent out through pool 0 */
    struct sv_vlan_set vlans; /* pool 0's trunk set as last programmed */
    unsigned trunk_calls;
    uint16_t filter_vlan[8];
    unsigned nfilters;
} pf;

static struct pf_pool *const POOL0 = (struct pf_pool *)&pf;

struct pf_pool *pf_switch_pool(struct pf *p, pf_rx_fn *rx, void *ctx)
{
    (void)p;
    pf.rx = rx;
    pf.rx_ctx = ctx;
    return POOL0;
}

void pf_pool_set_tx_room(struct pf_pool *p, pf_tx_room_fn *fn)
{
    (void)p;
    (void)fn;
}

int pf_switch_add(struct pf *p, const uint8_t mac[6], uint16_t vlan)
{
    (void)p;
    (void)mac;
    pf.filter_vlan[pf.nfilters++] = vlan;
    return 0;
}

void pf_switch_del(struct pf *p, const uint8_t mac[6], uint16_t vlan)
{
    (void)p;
    (void)mac;
    for (unsigned i = 0; i < pf.nfilters; i++)
        if (pf.filter_vlan[i] == vlan) {
            pf.filter_vlan[i] = pf.filter_vlan[--pf.nfilters];
            return;
        }
    fail_msg("no filter of VLAN %u to delete", vlan);
}

int pf_pool_trunk(struct pf_pool *p, const struct sv_vlan_set *trunk)
{
    assert_ptr_equal(p, POOL0);
    pf.vlans = *trunk;
    pf.trunk_calls++;
    return 0;
}

void *pf_pool_tx_buffer(struct pf_pool *p, size_t len, size_t *cap)
{
    (void)p;
    (void)len;
    *cap = PF_TX_BUF - 1;
    return pf.txbuf;
}

int pf_pool_tx_submit(struct pf_pool *p, void *buf, size_t len, unsigned cmd, uint16_t mss,
                      uint8_t hdr_len)
{
    (void)p;
    (void)buf;
    (void)len;
    (void)cmd;
    (void)mss;
    (void)hdr_len;
    pf.submitted++;
    return 0;
}

void pf_pool_tx_kick(struct pf_pool *p)
{
    (void)p;
}

void pf_pool_rx_retry(struct pf_pool *p)
{
    (void)p;
}

uint16_t vif_back_vlan(const struct vif_back *v)
{
    return v->vlan;
}

const struct sv_vlan_set *vif_back_trunk(const struct vif_back *v)
{
    return &v->trunk;
}

int vif_back_receive(struct vif_back *v, unsigned q, const void *frame, size_t len,
                     const struct netif_offload *o, const struct vif_back_rx_hash *hash)
{
    (void)q;
    (void)o;
    (void)hash;
    if (!v->credit)
        return -EBUSY;
    if (v->credit > 0)
        v->credit--;
    v->seq[v->rx % 1024] =
        (uint16_t)(((const uint8_t *)frame)[20] << 8 | ((const uint8_t *)frame)[21]);
    assert_true(len <= sizeof(v->last));
    memcpy(v->last, frame, len);
    v->last_len = len;
    v->rx++;
    return 0;
}

void vif_back_rx_flush(struct vif_back *v)
{
    (void)v;
}

void vif_back_poll(struct vif_back *v)
{
    (void)v;
}

void vif_back_publish(struct vif_back *v, const char *key, const char *value)
{
    assert_string_equal(key, "switch-counters");
    snprintf(v->counters, sizeof(v->counters), "%s", value);
}

/* ---- helpers ------------------------------------------------------------ */

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void mac_of(uint8_t mac[6], unsigned lo)
{
    memcpy(mac, (const uint8_t[6]){2, 0, 0, 0, 0, (uint8_t)lo}, 6);
}

/* A 60-byte frame from src_lo to dst (tagged with tpid/vid when tpid). */
static size_t make_frame(uint8_t *b, const uint8_t dst[6], unsigned src_lo, uint16_t tpid,
                         uint16_t vid)
{
    size_t off = 12;

    memset(b, 0x5a, 64);
    memcpy(b, dst, 6);
    mac_of(b + 6, src_lo);
    if (tpid) {
        b[off++] = (uint8_t)(tpid >> 8);
        b[off++] = (uint8_t)tpid;
        b[off++] = (uint8_t)(vid >> 8);
        b[off++] = (uint8_t)vid;
    }
    b[off] = 0x88;
    b[off + 1] = 0xb5;
    return tpid ? 64 : 60;
}

static struct swswitch *sw;
static struct vif_back u, v, t; /* untagged (.1), VLAN 42 (.2), trunk 42,43 (.3) */

static int setup(void **state)
{
    uint8_t mac[6];

    (void)state;
    memset(&pf, 0, sizeof(pf));
    u = (struct vif_back){.credit = -1};
    v = (struct vif_back){.vlan = 42, .credit = -1};
    t = (struct vif_back){.credit = -1};
    sv_vlan_set_add(&t.trunk, 42);
    sv_vlan_set_add(&t.trunk, 43);
    sw = swswitch_new(NULL);
    assert_non_null(sw);
    mac_of(mac, 1);
    assert_int_equal(swswitch_attach(sw, &u, mac), 0);
    mac_of(mac, 2);
    assert_int_equal(swswitch_attach(sw, &v, mac), 0);
    mac_of(mac, 3);
    assert_int_equal(swswitch_attach(sw, &t, mac), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    swswitch_free(sw);
    return 0;
}

/* What from sends: a frame built in a TX buffer of pool 0. */
static int send_from(struct vif_back *from, const uint8_t dst[6], unsigned src_lo, uint16_t tpid,
                     uint16_t vid)
{
    struct netif_offload o = {0};
    size_t cap = 64;
    uint8_t *buf = swswitch_tx_buffer(sw, from, &cap);

    assert_non_null(buf);
    return swswitch_transmit(sw, from, buf, make_frame(buf, dst, src_lo, tpid, vid), &o, 0, 0, 0);
}

static void from_wire(const uint8_t dst[6], uint16_t tpid, uint16_t vid)
{
    uint8_t b[64];

    pf.rx(pf.rx_ctx, b, make_frame(b, dst, 0x77, tpid, vid), &(struct pf_rx_meta){0});
}

/* ---- tests -------------------------------------------------------------- */

/* An untagged vif used to be a trunk of every VLAN: a frame it tagged 42
 * reached VLAN 42's vif.  Now it is dropped and counted as spoofed. */
static void test_untagged_port_cannot_tag(void **state)
{
    uint8_t dst[6];

    (void)state;
    mac_of(dst, 2);
    assert_int_equal(send_from(&u, dst, 1, 0x8100, 42), -EPERM);
    assert_int_equal(send_from(&u, BCAST, 1, 0x8100, 42), -EPERM);
    /* A priority tag with a second tag behind it, an 802.1ad outer tag. */
    assert_int_equal(send_from(&u, dst, 1, 0x8100, 0), -EPERM);
    assert_int_equal(send_from(&u, dst, 1, 0x88a8, 42), -EPERM);
    assert_int_equal(v.rx + t.rx, 0);
    assert_int_equal(pf.submitted, 0);
    swswitch_publish(sw);
    assert_string_equal(u.counters, "rx 0 tx 0 spoofed 4");
    /* Untagged to the untagged LAN goes (broadcast: to the trunk too). */
    assert_int_equal(send_from(&u, BCAST, 1, 0, 0), 0);
    assert_int_equal(v.rx, 0);
    assert_int_equal(t.rx, 1);
    assert_int_equal(t.last_len, 60);
    assert_int_equal(pf.submitted, 1);
}

/* An untagged vif receives untagged frames only; a VLAN vif its VLAN's,
 * untagged; a trunk its VLANs' as they are and the untagged LAN's. */
static void test_delivery_by_vlan(void **state)
{
    (void)state;
    from_wire(BCAST, 0x8100, 42);
    assert_int_equal(u.rx, 0);
    assert_int_equal(v.rx, 1);
    assert_int_equal(v.last_len, 60);
    assert_int_equal(v.last[12], 0x88); /* the tag stripped */
    assert_int_equal(t.rx, 1);
    assert_int_equal(t.last_len, 64); /* the tag kept */
    from_wire(BCAST, 0x8100, 44);
    from_wire(BCAST, 0x8100, 0);
    assert_int_equal(u.rx + v.rx + t.rx, 2);
    from_wire(BCAST, 0, 0);
    assert_int_equal(u.rx, 1);
    assert_int_equal(v.rx, 1);
    assert_int_equal(t.rx, 2);
    /* Unicast to the untagged vif's MAC, tagged: not for it. */
    from_wire((const uint8_t[6]){2, 0, 0, 0, 0, 1}, 0x8100, 42);
    assert_int_equal(u.rx, 1);
}

/* A trunk sends tagged into its VLANs only; an access port of VLAN 42
 * still may not pick a tag of its own (not even 42). */
static void test_trunk_and_vlan_ports_send(void **state)
{
    uint8_t dv[6], du[6];

    (void)state;
    mac_of(dv, 2);
    mac_of(du, 1);
    assert_int_equal(send_from(&t, dv, 3, 0x8100, 42), 0);
    assert_int_equal(v.rx, 1);
    assert_int_equal(v.last_len, 60);
    assert_int_equal(send_from(&t, dv, 3, 0x8100, 44), -EPERM);
    assert_int_equal(send_from(&t, du, 3, 0, 0), 0);
    assert_int_equal(u.rx, 1);
    assert_int_equal(send_from(&v, dv, 2, 0x8100, 42), -EPERM);
    assert_int_equal(send_from(&v, BCAST, 2, 0, 0), 0); /* tagged 42 by the switch */
    assert_int_equal(t.rx, 1);
    assert_int_equal(t.last_len, 64);
    assert_int_equal(t.last[15], 42);
    assert_int_equal(u.rx, 1);
    /* A foreign source MAC is spoofed whatever its VLAN. */
    assert_int_equal(send_from(&t, dv, 9, 0x8100, 42), -EPERM);
    swswitch_publish(sw);
    assert_string_equal(t.counters, "rx 1 tx 2 spoofed 2");
}

/* Pool 0 carries tagged every VLAN a port is on, and nothing else. */
static void test_pool_vlans(void **state)
{
    struct sv_vlan_set want = {0};

    (void)state;
    sv_vlan_set_add(&want, 42);
    sv_vlan_set_add(&want, 43);
    assert_memory_equal(&pf.vlans, &want, sizeof(want));
    assert_int_equal(pf.trunk_calls, 2); /* v's 42, then t's 43; u changed nothing */
    assert_int_equal(pf.nfilters, 3);
    assert_int_equal(pf.filter_vlan[0], 0);  /* u: untagged (the NIC's rule holds) */
    assert_int_equal(pf.filter_vlan[1], 42); /* v */
    assert_int_equal(pf.filter_vlan[2], 0);  /* t: several VLANs */
    swswitch_detach(sw, &t);
    assert_int_equal(pf.nfilters, 2);
    want = (struct sv_vlan_set){0};
    sv_vlan_set_add(&want, 42);
    assert_memory_equal(&pf.vlans, &want, sizeof(want));
    swswitch_detach(sw, &v);
    swswitch_detach(sw, &u);
    assert_true(sv_vlan_set_empty(&pf.vlans));
    assert_int_equal(pf.nfilters, 0);
}

/* A frame from the wire for port .1, numbered seq. */
static void wire_to_u(uint16_t seq)
{
    uint8_t f[64], mac[6];
    size_t n;

    mac_of(mac, 1);
    n = make_frame(f, mac, 9, 0, 0);
    f[20] = (uint8_t)(seq >> 8);
    f[21] = (uint8_t)seq;
    assert_int_equal(pf.rx(pf.rx_ctx, f, n, &(struct pf_rx_meta){0}), 0);
}

/* A port over its receive rate holds what comes for it, in order, the last
 * 256 of it, and hands it over as its credit comes; what comes meanwhile
 * waits behind; a detach frees what is held (ASan, valgrind). */
static void test_rx_rate_holds(void **state)
{
    (void)state;
    u.credit = 0;
    for (uint16_t i = 0; i < 300; i++)
        wire_to_u(i);
    assert_int_equal(u.rx, 0);
    u.credit = 10;
    swswitch_rx_ready(sw, &u);
    assert_int_equal(u.rx, 10);
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(u.seq[i], 44 + i); /* 300 came, the first 44 went */
    wire_to_u(300);
    assert_int_equal(u.rx, 10);
    u.credit = -1;
    swswitch_rx_ready(sw, &u);
    assert_int_equal(u.rx, 257);
    for (unsigned i = 10; i < 257; i++)
        assert_int_equal(u.seq[i], 44 + i);
    wire_to_u(301); /* nothing held: straight through */
    assert_int_equal(u.rx, 258);
    u.credit = 0;
    wire_to_u(302);
    wire_to_u(303);
    swswitch_detach(sw, &u);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_untagged_port_cannot_tag),
        T(test_delivery_by_vlan),
        T(test_trunk_and_vlan_ports_send),
        T(test_pool_vlans),
        T(test_rx_rate_holds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
