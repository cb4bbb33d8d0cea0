/*
 * cmocka tests of the PF owner's VF configuration (vf_config.c) over the
 * in-process xenstore of fake_xen.c, with the NIC's side (vf_pf.c and the
 * mailbox registers) played by recorders: what a VF is given when the
 * watch events about its request were dropped (vf_config_resync()) or
 * came only after the request was rewritten.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <xenstore.h>

#include "sv/abi/xnic.h"
#include "sv/vf_config.h"
#include "sv/vlan.h"
#include "sv/xnic_drv.h"
#include "../../../backends/tests/fake_xen.h"

#define HOME "/local/domain/0"
#define REQ  HOME "/backend/vf/5/0"

/* What the NIC was last told of each VF. */
static struct {
    unsigned configs; /* VPORT_CONFIG commands */
    uint8_t mac[6];
    uint16_t vlan;
    uint32_t flags;
    struct sv_vlan_set trunk;
} vfs[XNIC_MAX_VFS];
static uint16_t notices[XNIC_MAX_VFS]; /* the last mailbox message sent to each */
static uint8_t regs[XNIC_REG_MBX_PEND + 4] __attribute__((aligned(4))); /* no VF has a message */

int vf_pf_config(struct xnic_drv *pf, unsigned vf, const uint8_t mac[6], uint16_t vlan,
                 uint32_t flags, const struct sv_vlan_set *trunk)
{
    (void)pf;
    assert_true(vf < XNIC_MAX_VFS);
    vfs[vf].configs++;
    memcpy(vfs[vf].mac, mac, 6);
    vfs[vf].vlan = vlan;
    vfs[vf].flags = flags;
    vfs[vf].trunk = trunk ? *trunk : (struct sv_vlan_set){0};
    return 0;
}

int vf_pf_mcast(struct xnic_drv *pf, unsigned vf, const uint8_t mac[6], bool add)
{
    (void)pf, (void)vf, (void)mac, (void)add;
    return 0;
}

uint32_t vf_pf_link_mbps(const struct xnic_drv *pf)
{
    (void)pf;
    return 10000;
}

const volatile uint8_t *xnic_drv_regs(const struct xnic_drv *d)
{
    (void)d;
    return regs;
}

int xnic_drv_mbx_send(struct xnic_drv *d, unsigned vf, const void *msg, unsigned len)
{
    const struct xnic_mbx_msg *m = msg;

    (void)d;
    assert_int_equal(len, sizeof(*m));
    notices[vf] = m->type;
    return 0;
}

int xnic_drv_mbx_recv(struct xnic_drv *d, unsigned vf, void *msg, unsigned len)
{
    (void)d, (void)vf, (void)msg, (void)len;
    return -EAGAIN;
}

/* A request as xl writes it (dom0-tools/svl/vf.c), not yet served. */
static void request(const char *dir, const char *vf, const char *vlan, const char *mac)
{
    char path[160];
    const char *keys[][2] = {{"frontend", "/local/domain/5/device/vf/0"},
                             {"frontend-id", "5"},
                             {"vf", vf},
                             {"mac", mac},
                             {"vlan", vlan},
                             {"spoofchk", "1"},
                             {"trust", "0"},
                             {"state", "1"}};

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, keys[i][0]);
        fake_xs_set(path, keys[i][1]);
    }
}

static void rm_request(const char *dir)
{
    assert_true(xs_rm(NULL, XBT_NULL, dir));
}

struct fixture {
    struct event_base *base;
    struct vf_config *c;
};

/* A hostpf-like owner (no vifs) serving VF 2 on VLAN 42. */
static int setup(void **state)
{
    static struct fixture f;

    fake_xs_reset();
    memset(vfs, 0, sizeof(vfs));
    memset(notices, 0, sizeof(notices));
    request(REQ, "2", "42", "00:16:3e:00:00:02");
    f.base = event_base_new();
    assert_non_null(f.base);
    f.c = vf_config_new(f.base, (struct xs_handle *)&f, (struct xnic_drv *)&f, HOME, NULL, NULL);
    assert_non_null(f.c);
    /* The watch's first event, acted on at the loop's next turn. */
    assert_true(vf_config_event(f.c, "vf-config", HOME "/backend/vf"));
    assert_int_equal(vfs[2].configs, 0);
    event_base_loop(f.base, EVLOOP_NONBLOCK);
    assert_int_equal(vfs[2].vlan, 42);
    assert_int_equal(fake_xs_int(REQ "/state"), 4);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    vf_config_free(f->c);
    event_base_free(f->base);
    fake_xs_reset();
    return 0;
}

/* Detached and attached again on VLAN 43, every event about it dropped:
 * the resync gives VF 2 VLAN 43, straight from 42 (never the untagged LAN
 * in between), and the VF hears of it. */
static void test_dropped_rewrite(void **state)
{
    struct fixture *f = *state;
    unsigned before = vfs[2].configs;

    rm_request(REQ);
    request(REQ, "2", "43", "00:16:3e:00:00:02");
    vf_config_resync(f->c);
    assert_int_equal(vfs[2].vlan, 43);
    assert_int_equal(vfs[2].configs, before + 1);
    assert_int_equal(notices[2], XNIC_MBX_RESET);
    assert_int_equal(fake_xs_int(REQ "/state"), 4);
    /* Read again, nothing changed: nothing is done. */
    vf_config_resync(f->c);
    assert_int_equal(vfs[2].configs, before + 1);
}

/* The same rewrite seen only through later events (the ones about it
 * coalesced or taken late): a rescan reads all of the request too, once
 * for a burst of them. */
static void test_late_event_rewrite(void **state)
{
    struct fixture *f = *state;

    rm_request(REQ);
    request(REQ, "2", "43", "00:16:3e:00:00:09");
    for (int i = 0; i < 100; i++) /* a burst: one rescan */
        assert_true(vf_config_event(f->c, "vf-config", REQ "/state"));
    event_base_loop(f->base, EVLOOP_NONBLOCK);
    assert_int_equal(vfs[2].configs, 2);
    assert_int_equal(vfs[2].vlan, 43);
    assert_int_equal(vfs[2].mac[5], 9);
    assert_true(vfs[2].flags & XNIC_VPF_SPOOFCHK);
}

/* Removed unseen: the VF's configuration is taken back. */
static void test_dropped_removal(void **state)
{
    struct fixture *f = *state;

    rm_request(REQ);
    vf_config_resync(f->c);
    assert_int_equal(vfs[2].vlan, 0);
    assert_int_equal(vfs[2].flags, 0);
    assert_memory_equal(vfs[2].mac, (uint8_t[6]){0}, 6);
}

/* A new request unseen: served. */
static void test_dropped_new(void **state)
{
    struct fixture *f = *state;

    request(HOME "/backend/vf/6/0", "3", "7", "00:16:3e:00:00:03");
    vf_config_resync(f->c);
    assert_int_equal(vfs[3].vlan, 7);
    assert_int_equal(fake_xs_int(HOME "/backend/vf/6/0/state"), 4);
}

/* Rewritten for another VF: that one is configured, VF 2 released. */
static void test_dropped_other_vf(void **state)
{
    struct fixture *f = *state;

    rm_request(REQ);
    request(REQ, "4", "43", "00:16:3e:00:00:04");
    vf_config_resync(f->c);
    assert_int_equal(vfs[4].vlan, 43);
    assert_int_equal(vfs[2].vlan, 0);
    assert_int_equal(vfs[2].flags, 0);
}

/* Rewritten into one that does not parse: VF 2 keeps nothing of the old
 * one, and the request says why. */
static void test_dropped_bad(void **state)
{
    struct fixture *f = *state;

    fake_xs_set(REQ "/vlan", "4095");
    vf_config_resync(f->c);
    assert_int_equal(vfs[2].vlan, 0);
    assert_int_equal(vfs[2].flags, 0);
    assert_int_equal(fake_xs_int(REQ "/state"), 6);
    assert_non_null(fake_xs_get(REQ "/error"));
}

/* link-state changed unseen: the VF is told, and its configuration is not
 * given again for it. */
static void test_dropped_link(void **state)
{
    struct fixture *f = *state;
    unsigned before = vfs[2].configs;

    notices[2] = 0;
    fake_xs_set(REQ "/link-state", "disable");
    vf_config_resync(f->c);
    assert_int_equal(notices[2], XNIC_MBX_LINK);
    assert_int_equal(vfs[2].configs, before);
}

/* Closing (a detach) unseen: answered Closed. */
static void test_dropped_closing(void **state)
{
    struct fixture *f = *state;

    fake_xs_set(REQ "/state", "5");
    vf_config_resync(f->c);
    assert_int_equal(fake_xs_int(REQ "/state"), 6);
    assert_int_equal(vfs[2].vlan, 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dropped_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_event_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dropped_removal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dropped_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dropped_other_vf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dropped_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dropped_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dropped_closing, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
