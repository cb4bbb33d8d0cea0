/*
 * Unit tests of netdd's VMDq pool allocation (pf.c) without a NIC: which
 * pool a vif gets, what is free, a pool's further queues and RSS table, the
 * vport configuration a pool is given and takes back, and what a refused
 * start leaves.  The hypercalls that find the PF and the xnic driver are
 * recorders; the driver domain's RAM is a real memfd, so DMA placement is
 * real.
 */
#include <errno.h>
#include <event2/event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "../pf.h"
#include "sv/abi/xnic.h"
#include "sv/hcall.h"
#include "sv/vf_config.h"
#include "sv/vlan.h"
#include "sv/xnic_drv.h"

#define NQUEUES 8

static struct {
    unsigned pools, pool_queues; /* what the device reports */
    uint64_t ram_pages;
    int queue_start_err, queue_stop_err;
    unsigned tx_room;
    unsigned rx_ready; /* frames the NIC has written, one buffer each */
    unsigned rx_posted;
    uint32_t num_vfs; /* the register page's XNIC_REG_NUM_VFS */
    uint8_t regs[4096];
    bool started[NQUEUES];
    uint64_t tx_iova[NQUEUES];
    unsigned vport;
    uint8_t mac[6];
    uint32_t flags;
    unsigned trunk_cmds;
    unsigned rss_pool, rss_size;
    uint8_t rss_table[XNIC_RSS_TABLE_MAX];
    unsigned filters;
    unsigned cleared;      /* VPORT_CONFIG commands with XNIC_VPORT_CLEAR */
    uint32_t cleared_mask; /* of those vports */
    /* queued admin: barriers run at once unless deferred, then in order
     * at nic_complete() (the device finishing what was asked before them) */
    bool queued, defer;
    int status; /* the first queued command's failure since the last barrier */
    unsigned nbarriers;
    struct {
        xnic_drv_done_fn *done;
        void *ctx;
        int status;
    } barrier[16];
} nic;

static struct xnic_drv *const drv = (struct xnic_drv *)&nic;
static uint32_t pf_status; /* XNIC_REG_STATUS of the next PF opened (open_pf clears nic) */

/* ---- the hypercalls that find the PF ---- */

int hcall_open(void)
{
    return eventfd(0, EFD_CLOEXEC);
}

int hcall_start_info(int chan, struct sv_start_info *si, int fds[SV_START_INFO_FDS])
{
    (void)chan;
    memset(si, 0, sizeof(*si));
    si->nr_ram_pages = nic.ram_pages;
    for (int i = 0; i < SV_START_INFO_FDS; i++)
        fds[i] = -1;
    fds[SV_START_FD_RAM] = memfd_create("sv-test-ram", MFD_CLOEXEC);
    if (fds[SV_START_FD_RAM] < 0 || ftruncate(fds[SV_START_FD_RAM], nic.ram_pages * 4096) < 0)
        return -errno;
    return 0;
}

int hcall_pci_funcs(int chan, struct sv_pci_func *out, unsigned max)
{
    (void)chan;
    assert_true(max >= 2);
    out[0] = (struct sv_pci_func){.bdf = "0000:03:10.1", .func = 1};
    out[1] = (struct sv_pci_func){.bdf = "0000:03:00.0", .func = 0, .nqueues = NQUEUES};
    return 2;
}

int hcall_pci_open_fds(int chan, const char *bdf, struct sv_pci_open *o, int fds[SV_PCI_OPEN_FDS])
{
    (void)chan;
    assert_string_equal(bdf, "0000:03:00.0");
    *o = (struct sv_pci_open){.nqueues = NQUEUES, .nvec = 1 + NQUEUES};
    fds[0] = eventfd(0, EFD_CLOEXEC);
    return 1;
}

/* ---- the xnic driver ---- */

struct xnic_drv *xnic_drv_open(int reg_fd, const int *doorbells, const int *vectors, unsigned n,
                               bool poll_mode, int *err)
{
    (void)doorbells, (void)vectors, (void)n, (void)poll_mode, (void)err;
    close(reg_fd);
    return drv;
}

void xnic_drv_close(struct xnic_drv *d)
{
    assert_ptr_equal(d, drv);
}

unsigned xnic_drv_num_pools(const struct xnic_drv *d)
{
    (void)d;
    return nic.pools;
}

unsigned xnic_drv_pool_queues(const struct xnic_drv *d)
{
    (void)d;
    return nic.pool_queues;
}

bool xnic_drv_link_up(const struct xnic_drv *d)
{
    (void)d;
    return true;
}

const volatile uint8_t *xnic_drv_regs(const struct xnic_drv *d)
{
    (void)d;
    memcpy(nic.regs + XNIC_REG_NUM_VFS, &nic.num_vfs, sizeof(nic.num_vfs));
    memcpy(nic.regs + XNIC_REG_STATUS, &pf_status, sizeof(pf_status));
    return nic.regs;
}

int xnic_drv_vector_fd(const struct xnic_drv *d, unsigned v)
{
    (void)d, (void)v;
    return -1;
}

int xnic_drv_queue_start(struct xnic_drv *d, unsigned q, const struct xnic_drv_rings *r,
                         uint32_t weight)
{
    (void)d, (void)weight;
    assert_true(q < NQUEUES);
    if (nic.queue_start_err)
        return nic.queue_start_err;
    assert_false(nic.started[q]);
    nic.started[q] = true;
    nic.tx_iova[q] = r->tx_iova;
    return 0;
}

int xnic_drv_queue_stop(struct xnic_drv *d, unsigned q)
{
    (void)d;
    assert_true(nic.started[q]);
    nic.started[q] = false;
    if (!nic.queued)
        return nic.queue_stop_err;
    if (!nic.status)
        nic.status = nic.queue_stop_err; /* told at the next barrier */
    return 0;
}

int xnic_drv_rx_post(struct xnic_drv *d, unsigned q, uint64_t iova, uint16_t len, void *cookie)
{
    (void)d, (void)iova, (void)len, (void)cookie;
    assert_true(nic.started[q]);
    nic.rx_posted++;
    return 0;
}

void xnic_drv_rx_kick(struct xnic_drv *d, unsigned q)
{
    (void)d, (void)q;
}

/* Frames of 60 bytes in buffers 0, 1, 2, ... (the cookies pf posts). */
unsigned xnic_drv_rx_reap(struct xnic_drv *d, unsigned q, struct xnic_drv_rx_done *out,
                          unsigned max)
{
    static unsigned next;
    unsigned n = nic.rx_ready < max ? nic.rx_ready : max;

    (void)d, (void)q;
    for (unsigned i = 0; i < n; i++, next = (next + 1) % 1023)
        out[i] = (struct xnic_drv_rx_done){.cookie = (void *)(uintptr_t)(next + 1),
                                           .len = 60,
                                           .status = XNIC_DS_DD | XNIC_RXS_EOP};
    nic.rx_ready -= n;
    return n;
}

int xnic_drv_tx(struct xnic_drv *d, unsigned q, const struct xnic_drv_seg *segs, unsigned nseg,
                unsigned cmd, uint16_t mss, uint8_t hdr_len, void *cookie)
{
    (void)d, (void)q, (void)segs, (void)nseg, (void)cmd, (void)mss, (void)hdr_len, (void)cookie;
    return -ENOSPC;
}

void xnic_drv_tx_kick(struct xnic_drv *d, unsigned q)
{
    (void)d, (void)q;
}

unsigned xnic_drv_tx_room(const struct xnic_drv *d, unsigned q)
{
    (void)d, (void)q;
    return nic.tx_room;
}

unsigned xnic_drv_tx_reap(struct xnic_drv *d, unsigned q, struct xnic_drv_tx_done *out,
                          unsigned max)
{
    (void)d, (void)q, (void)out, (void)max;
    return 0;
}

int xnic_drv_filter_add(struct xnic_drv *d, const uint8_t mac[6], uint16_t vlan, unsigned vport)
{
    (void)d, (void)mac, (void)vlan, (void)vport;
    nic.filters++;
    return 0;
}

int xnic_drv_filter_del(struct xnic_drv *d, const uint8_t mac[6], uint16_t vlan, unsigned vport)
{
    (void)d, (void)mac, (void)vlan, (void)vport;
    nic.filters--;
    return 0;
}

int xnic_drv_vport_config(struct xnic_drv *d, unsigned vport, const uint8_t mac[6], uint16_t pvid,
                          uint32_t flags)
{
    (void)d, (void)pvid;
    nic.vport = vport;
    memcpy(nic.mac, mac, 6);
    nic.flags = flags;
    if (flags & XNIC_VPORT_CLEAR) {
        nic.cleared++;
        nic.cleared_mask |= 1u << vport;
    }
    return 0;
}

int xnic_drv_vport_trunk(struct xnic_drv *d, unsigned vport, const struct sv_vlan_set *trunk)
{
    (void)d, (void)vport, (void)trunk;
    nic.trunk_cmds++;
    return 0;
}

int xnic_drv_rss_config(struct xnic_drv *d, unsigned pool, uint8_t types,
                        const uint8_t key[XNIC_RSS_KEY_SIZE], const uint8_t *table, unsigned size)
{
    (void)d, (void)types, (void)key;
    nic.rss_pool = pool;
    nic.rss_size = size;
    if (size)
        memcpy(nic.rss_table, table, size);
    return 0;
}

void xnic_drv_stats(const struct xnic_drv *d, unsigned q, struct xnic_queue_stats *out)
{
    (void)d;
    memset(out, 0, sizeof(*out));
    out->rx_no_buf = q + 1;
}

uint32_t xnic_drv_take_icr(struct xnic_drv *d)
{
    (void)d;
    return 0;
}

int xnic_drv_mbx_send(struct xnic_drv *d, unsigned peer, const void *msg, unsigned len)
{
    (void)d, (void)peer, (void)msg, (void)len;
    return 0;
}

int xnic_drv_mbx_recv(struct xnic_drv *d, unsigned peer, void *msg, unsigned size)
{
    (void)d, (void)peer, (void)msg, (void)size;
    return -ENOENT;
}

bool xnic_drv_admin_queued(struct xnic_drv *d, bool queued)
{
    bool was = nic.queued;

    (void)d;
    nic.queued = queued;
    return was;
}

int xnic_drv_admin_barrier(struct xnic_drv *d, xnic_drv_done_fn *done, void *ctx)
{
    int status = nic.status;

    (void)d;
    assert_true(nic.queued);
    nic.status = 0;
    if (!nic.defer) {
        done(ctx, status);
        return 0;
    }
    assert_true(nic.nbarriers < 16);
    nic.barrier[nic.nbarriers].done = done;
    nic.barrier[nic.nbarriers].ctx = ctx;
    nic.barrier[nic.nbarriers++].status = status;
    return 0;
}

bool xnic_drv_admin_service(struct xnic_drv *d)
{
    (void)d;
    return nic.nbarriers > 0;
}

/* The device has done everything asked so far. */
static void nic_complete(void)
{
    for (unsigned i = 0; i < nic.nbarriers; i++)
        nic.barrier[i].done(nic.barrier[i].ctx, nic.barrier[i].status);
    nic.nbarriers = 0;
}

/* ---- tests ---- */

static struct event_base *base;

static unsigned delivered;

static int rx(void *ctx, const void *frame, size_t len, const struct pf_rx_meta *m)
{
    (void)ctx, (void)frame, (void)len, (void)m;
    delivered++;
    return 0;
}

static struct pf *open_pf(unsigned pools, unsigned pool_queues, uint64_t ram_pages)
{
    memset(&nic, 0, sizeof(nic));
    nic.pools = pools;
    nic.pool_queues = pool_queues;
    nic.ram_pages = ram_pages;
    base = event_base_new();
    assert_non_null(base);
    return pf_open(base);
}

static void close_pf(struct pf *pf)
{
    pf_close(pf);
    event_base_free(base);
    for (unsigned q = 0; q < NQUEUES; q++)
        assert_false(nic.started[q]);
}

static struct pf_pool *get(struct pf *pf, uint8_t last, bool standby)
{
    const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0, 0, last};

    return pf_pool_get(pf, mac, 0, standby, false, rx, NULL, NULL, NULL);
}

#define RAM_PAGES 32768 /* 128 MiB: room for every pool */

/* Pool 0 is the switch's; vifs get 1.., each once, until none is free. */
static void test_pools_get_put(void **state)
{
    struct pf *pf = open_pf(4, 2, RAM_PAGES);
    struct pf_pool *p[4];
    uint64_t iova;

    (void)state;
    assert_non_null(pf);
    assert_int_equal(pf_pool_queues(pf), 2);
    assert_int_equal(pf_pools_free(pf), 3);
    for (unsigned i = 1; i < 4; i++) {
        p[i] = get(pf, (uint8_t)i, i == 3);
        assert_non_null(p[i]);
        assert_int_equal(pf_pool_index(p[i]), i);
        assert_int_equal(pf_pool_queue_pair(p[i]), i);
        assert_true(nic.started[i]);
        assert_int_equal(nic.vport, i);
        assert_int_equal(nic.mac[5], i);
        assert_true(nic.flags & XNIC_VPF_SPOOFCHK);
        assert_int_equal(!!(nic.flags & XNIC_VPF_STANDBY), i == 3);
        assert_int_equal(pf_pools_free(pf), 3 - i);
    }
    assert_null(get(pf, 9, false));

    /* A pool given back is the next one out, its memory kept; its vport forgets the owner. */
    iova = nic.tx_iova[2];
    pf_pool_put(p[2]);
    assert_false(nic.started[2]);
    assert_int_equal(nic.vport, 2);
    assert_int_equal(nic.flags, 0);
    assert_int_equal(nic.mac[5], 0);
    assert_int_equal(pf_pools_free(pf), 1);
    p[2] = get(pf, 7, false);
    assert_non_null(p[2]);
    assert_int_equal(pf_pool_index(p[2]), 2);
    assert_int_equal(nic.tx_iova[2], iova);

    /* Standby toggles on the pool's own configuration. */
    assert_int_equal(pf_pool_standby(p[2], true), 0);
    assert_int_equal(nic.mac[5], 7);
    assert_true(nic.flags & XNIC_VPF_STANDBY);
    assert_int_equal(pf_pool_standby(p[2], false), 0);
    assert_false(nic.flags & XNIC_VPF_STANDBY);

    /* The switch's pool is pool 0, started once. */
    assert_ptr_equal(pf_switch_pool(pf, rx, NULL), pf_switch_pool(pf, rx, NULL));
    assert_int_equal(pf_pool_index(pf_switch_pool(pf, rx, NULL)), 0);
    assert_int_equal(pf_pools_free(pf), 0);
    close_pf(pf);
}

/* A PF taken over with its switch kept: each pool keeps the dead owner's
 * configuration until it is started, and is cleared then, once, in the
 * command of its own; a PF that was reset clears nothing. */
static void test_take_over_clears_pools(void **state)
{
    struct pf *pf;
    struct pf_pool *p;

    (void)state;
    pf_status = XNIC_STATUS_READY | XNIC_STATUS_KEPT;
    pf = open_pf(4, 2, RAM_PAGES);
    assert_non_null(pf);
    assert_int_equal(nic.cleared, 0);
    p = get(pf, 1, false);
    assert_non_null(p);
    assert_int_equal(nic.cleared, 1);
    assert_int_equal(nic.cleared_mask, 1u << pf_pool_index(p));
    assert_int_equal(nic.mac[5], 1);
    assert_non_null(pf_pool_queue(p, 1, rx, NULL, NULL, NULL));
    assert_int_equal(pf_pool_standby(p, true), 0); /* its own flags, no clear again */
    assert_int_equal(nic.cleared, 1);
    pf_pool_put(p);
    assert_non_null(get(pf, 2, false));
    assert_int_equal(nic.cleared, 1);
    assert_non_null(pf_switch_pool(pf, rx, NULL));
    assert_int_equal(nic.cleared, 2);
    assert_int_equal(nic.cleared_mask, 1u << pf_pool_index(p) | 1);
    close_pf(pf);
    pf_status = XNIC_STATUS_READY;
    pf = open_pf(4, 2, RAM_PAGES);
    assert_non_null(pf);
    assert_non_null(get(pf, 1, false));
    assert_int_equal(nic.cleared, 0);
    pf_status = 0;
    close_pf(pf);
}

/* A pool's further queues: queue k of pool p is PF queue pair k * pools + p. */
static void test_pool_queues_and_rss(void **state)
{
    struct pf *pf = open_pf(4, 2, RAM_PAGES);
    struct pf_pool *p, *q1;
    uint32_t map[4] = {0, 1, 1, 0};
    uint8_t key[XNIC_RSS_KEY_SIZE] = {0};

    (void)state;
    p = get(pf, 1, false);
    assert_non_null(p);
    assert_null(pf_pool_queue(p, 0, rx, NULL, NULL, NULL));
    assert_null(pf_pool_queue(p, 2, rx, NULL, NULL, NULL));
    q1 = pf_pool_queue(p, 1, rx, NULL, NULL, NULL);
    assert_non_null(q1);
    assert_int_equal(pf_pool_queue_pair(q1), 5);
    assert_int_equal(pf_pool_index(q1), 1);
    assert_true(nic.started[5]);
    assert_null(pf_pool_queue(p, 1, rx, NULL, NULL, NULL));  /* taken */
    assert_null(pf_pool_queue(q1, 1, rx, NULL, NULL, NULL)); /* not a pool's first */
    assert_int_equal(pf_pool_standby(q1, true), -EINVAL);
    /* Further queues are not pools: still 2 free. */
    assert_int_equal(pf_pools_free(pf), 2);

    /* RSS maps to the pool's own queues only. */
    assert_int_equal(pf_pool_rss(p, 1, key, map, 4), 0);
    assert_int_equal(nic.rss_pool, 1);
    assert_int_equal(nic.rss_size, 4);
    assert_memory_equal(nic.rss_table, ((uint8_t[]){0, 1, 1, 0}), 4);
    map[2] = 2;
    nic.rss_size = 99;
    assert_int_equal(pf_pool_rss(p, 1, key, map, 4), -EINVAL);
    assert_int_equal(pf_pool_rss(q1, 1, key, map, 1), -EINVAL);
    assert_int_equal(pf_pool_rss(p, 1, key, map, XNIC_RSS_TABLE_MAX + 1), -EINVAL);
    assert_int_equal(nic.rss_size, 99);

    /* Giving the pool back stops its further queues and clears its RSS. */
    pf_pool_put(p);
    assert_false(nic.started[5]);
    assert_false(nic.started[1]);
    assert_int_equal(nic.rss_size, 0);
    assert_int_equal(pf_pools_free(pf), 3);
    close_pf(pf);
}

/* A device whose pools do not cover its queues: a queue a pool. */
static void test_unknown_layout(void **state)
{
    struct pf *pf = open_pf(3, 2, RAM_PAGES);
    struct pf_pool *p;

    (void)state;
    assert_int_equal(pf_pool_queues(pf), 1);
    assert_int_equal(pf_pools_free(pf), NQUEUES - 1);
    p = get(pf, 1, false);
    assert_null(pf_pool_queue(p, 1, rx, NULL, NULL, NULL));
    close_pf(pf);
}

/* Out of DMA memory or refused by the device: no pool, nothing in use. */
static void test_refused_start(void **state)
{
    struct pf *pf = open_pf(4, 2, 2048); /* 8 MiB: not even one pool's buffers */

    (void)state;
    assert_null(get(pf, 1, false));
    assert_int_equal(pf_pools_free(pf), 3);
    close_pf(pf);

    pf = open_pf(4, 2, RAM_PAGES);
    nic.queue_start_err = -EIO;
    assert_null(get(pf, 1, false));
    assert_int_equal(pf_pools_free(pf), 3);
    nic.queue_start_err = 0;
    assert_non_null(get(pf, 1, false));
    close_pf(pf);
}

/* Trunk sets: no command for an access port that never had one; a pool
 * given back drops its set so the next owner does not inherit it. */
static void test_trunk_and_vfs(void **state)
{
    struct pf *pf = open_pf(4, 2, RAM_PAGES);
    struct sv_vlan_set set = {0};
    struct pf_pool *p = get(pf, 1, false);
    const uint8_t mac[6] = {2, 0, 0, 0, 0, 9};

    (void)state;
    assert_int_equal(pf_pool_trunk(p, &set), 0);
    assert_int_equal(nic.trunk_cmds, 0);
    sv_vlan_set_add(&set, 42);
    assert_int_equal(pf_pool_trunk(p, &set), 0);
    assert_int_equal(nic.trunk_cmds, 1);
    pf_pool_put(p);
    assert_int_equal(nic.trunk_cmds, 2);
    p = get(pf, 1, false);
    pf_pool_put(p);
    assert_int_equal(nic.trunk_cmds, 2);

    /* A VF's vport follows the pools; one past the device's VFs is refused. */
    nic.num_vfs = 2;
    assert_int_equal(vf_pf_config(pf_drv(pf), 1, mac, 5, XNIC_VPF_SPOOFCHK, NULL), 0);
    assert_int_equal(nic.vport, 4 + 1);
    assert_int_equal(nic.trunk_cmds, 3);
    assert_int_equal(vf_pf_config(pf_drv(pf), 2, mac, 5, 0, NULL), -EINVAL);

    assert_int_equal(pf_switch_add(pf, mac, 0), 0);
    assert_int_equal(nic.filters, 1);
    pf_switch_del(pf, mac, 0);
    assert_int_equal(nic.filters, 0);
    close_pf(pf);
}

/* A vif's pool comes back from a guest that flaps: until the NIC has
 * stopped it (its barrier), it is neither free nor handed out, since the
 * NIC may still write its rings and buffers; then it is. */
static void test_release_waits_for_the_nic(void **state)
{
    struct pf *pf = open_pf(4, 2, RAM_PAGES);
    struct pf_pool *p;

    (void)state;
    nic.defer = true;
    p = get(pf, 1, false);
    assert_non_null(p);
    assert_int_equal(pf_pool_index(p), 1);
    pf_pool_put(p);
    assert_int_equal(pf_pools_free(pf), 2);
    p = get(pf, 2, false);
    assert_non_null(p);
    assert_int_equal(pf_pool_index(p), 2); /* not pool 1: still stopping */
    assert_non_null(get(pf, 3, false));
    assert_null(get(pf, 4, false));
    nic_complete();
    assert_int_equal(pf_pools_free(pf), 1);
    p = get(pf, 5, false);
    assert_non_null(p);
    assert_int_equal(pf_pool_index(p), 1);
    nic.defer = false;
    close_pf(pf);
}

/* Whether the page at addr takes host memory. */
static bool resident(const void *addr)
{
    unsigned char vec;
    void *page = (void *)((uintptr_t)addr & ~(uintptr_t)4095);

    assert_int_equal(mincore(page, 4096, &vec), 0);
    return vec & 1;
}

/* A pool's buffers take host memory only once written, and are given back
 * when the pool is (unless the device did not confirm the stop). */
static void test_pool_memory_given_back(void **state)
{
    struct pf *pf = open_pf(4, 2, RAM_PAGES);
    struct pf_pool *p = get(pf, 1, false);
    size_t cap;
    uint8_t *small, *big;

    (void)state;
    nic.tx_room = 8;
    small = pf_pool_tx_buffer(p, 60, &cap);
    big = pf_pool_tx_buffer(p, 9000, &cap);
    assert_non_null(small);
    assert_non_null(big);
    assert_false(resident(small)); /* a fresh pool: nothing touched yet */
    assert_false(resident(big));
    memset(small, 0xab, 60);
    memset(big, 0xcd, 9000);
    assert_true(resident(small));
    assert_true(resident(big + 8192));
    pf_pool_put(p);
    assert_false(resident(small));
    assert_false(resident(big));
    assert_false(resident(big + 8192));
    assert_int_equal(small[0], 0);

    /* The same buffers to the next owner: zero, and back when written. */
    p = get(pf, 2, false);
    assert_ptr_equal(pf_pool_tx_buffer(p, 60, &cap), small);
    memset(small, 0xab, 60);
    nic.queue_stop_err = -ETIMEDOUT; /* the NIC may still write into them */
    pf_pool_put(p);
    assert_true(resident(small));
    assert_int_equal(small[0], 0xab);
    nic.queue_stop_err = 0;
    close_pf(pf);
}

/* A pool the NIC keeps filling takes POOL_RX_BUDGET (256) frames a turn
 * of netdd's loop, then waits for the other events that are due. */
static void test_rx_budget(void **state)
{
    struct pf *pf = open_pf(4, 2, RAM_PAGES);
    struct pf_pool *p = get(pf, 1, false);

    (void)state;
    nic.rx_ready = 600;
    delivered = 0;
    nic.rx_posted = 0;
    pf_pool_rx_retry(p);
    assert_int_equal(delivered, 256);
    assert_int_equal(nic.rx_posted, 256); /* every buffer delivered is posted again */
    assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE), 0);
    assert_int_equal(delivered, 512);
    assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE), 0);
    assert_int_equal(delivered, 600);
    /* Nothing left: no further turn asked for. */
    assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE), 0);
    assert_int_equal(delivered, 600);
    pf_pool_put(p);
    close_pf(pf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pools_get_put),
        cmocka_unit_test(test_pool_queues_and_rss),
        cmocka_unit_test(test_unknown_layout),
        cmocka_unit_test(test_refused_start),
        cmocka_unit_test(test_trunk_and_vfs),
        cmocka_unit_test(test_release_waits_for_the_nic),
        cmocka_unit_test(test_pool_memory_given_back),
        cmocka_unit_test(test_rx_budget),
        cmocka_unit_test(test_take_over_clears_pools),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
