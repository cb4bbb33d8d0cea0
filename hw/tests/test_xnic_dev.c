/*
 * cmocka tests of the xnic device core through its register ABI alone: the
 * test writes registers and descriptors like a driver would, kicks the
 * device by calling it, and checks descriptors, counters, interrupts, DMA
 * faults, anti-spoofing, port VLANs, mailbox, TSO, jumbo frames and FLR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sv/toeplitz.h"
#include "sv/abi/xnic.h"
#include "../xnic_dev.h"
#include "sealed_memfd.h"

#define POOLS 4u
#define PQ    2u /* queue pairs per pool: PF queues 0..7, pool p has p and p + 4 */
#define VFS   2u
#define MEM   (1u << 20)
#define IOVA0 0x40000000ull
#define PG    4096u

struct wire_frame {
    size_t len;
    uint8_t data[XNIC_MAX_FRAME];
};

struct fx {
    struct xnic_dev *dev;
    int memfd;
    uint8_t *mem;
    uint8_t *regs[1 + VFS];
    int vec[1 + VFS][1 + POOLS * PQ];
    unsigned nwire;
    struct wire_frame wire[8];
    struct xnic_wire_offload wire_off[8]; /* with ops_offload: how each was sent */
    unsigned faults;
    uint32_t seq[1 + VFS];
};

static int wire_tx(void *arg, const uint8_t *frame, size_t len)
{
    struct fx *fx = arg;

    if (fx->nwire < 8) {
        fx->wire[fx->nwire].len = len;
        memcpy(fx->wire[fx->nwire].data, frame, len);
    }
    fx->nwire++;
    return 0;
}

static void on_fault(void *arg, const struct iommu_fault *f, uint64_t suppressed)
{
    struct fx *fx = arg;

    (void)f, (void)suppressed;
    fx->faults++;
}

/* A wire that finishes offloads (a TAP): the frame as wire_tx records it. */
static int wire_tx_offload(void *arg, const uint8_t *frame, size_t len,
                           const struct xnic_wire_offload *o)
{
    struct fx *fx = arg;

    if (fx->nwire < 8)
        fx->wire_off[fx->nwire] = *o;
    return wire_tx(arg, frame, len);
}

static const struct xnic_dev_ops ops = {.wire_tx = wire_tx, .fault = on_fault};
static const struct xnic_dev_ops ops_offload = {
    .wire_tx = wire_tx, .wire_tx_offload = wire_tx_offload, .fault = on_fault};

/* Attaches function f with a fresh register page and eventfds; the test keeps
 * its own mapping of the page and dups of the vector fds. */
static void attach_with(struct fx *fx, unsigned f, bool take_over)
{
    unsigned n = xnic_dev_func_nvec(fx->dev, f);
    int reg = sealed_memfd(PG), db[1 + POOLS * PQ], vec[1 + POOLS * PQ];

    if (fx->regs[f]) { /* attached again: the last owner's page and vectors go */
        munmap(fx->regs[f], PG);
        for (unsigned i = 0; i < n; i++)
            close(fx->vec[f][i]);
    }
    fx->regs[f] = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, reg, 0);
    for (unsigned i = 0; i < n; i++) {
        db[i] = eventfd(0, EFD_NONBLOCK);
        vec[i] = eventfd(0, EFD_NONBLOCK);
        fx->vec[f][i] = dup(vec[i]);
    }
    assert_int_equal(
        (take_over ? xnic_dev_take_over : xnic_dev_attach)(fx->dev, f, reg, db, vec, n), 0);
    fx->seq[f] = 0;
    assert_int_equal(iommu_add_backing(xnic_dev_iommu(fx->dev, f), 0, fx->memfd), 0);
    assert_int_equal(iommu_map(xnic_dev_iommu(fx->dev, f), IOVA0, 0, 0, MEM / PG,
                               IOMMU_PERM_READ | IOMMU_PERM_WRITE),
                     0);
}

static void attach(struct fx *fx, unsigned f)
{
    attach_with(fx, f, false);
}

static int setup_with(void **state, const struct xnic_dev_ops *dev_ops)
{
    static struct fx fx;
    struct xnic_dev_config cfg = {.pools = POOLS,
                                  .pool_queues = PQ,
                                  .vfs = VFS,
                                  .bus = 3,
                                  .fault_burst = 100,
                                  .ops = dev_ops,
                                  .ops_arg = &fx};

    memset(&fx, 0, sizeof(fx));
    fx.dev = xnic_dev_new(&cfg);
    assert_non_null(fx.dev);
    fx.memfd = sealed_memfd(MEM);
    fx.mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_SHARED, fx.memfd, 0);
    attach(&fx, 0);
    attach(&fx, 1);
    xnic_dev_set_link(fx.dev, true, 10000);
    *state = &fx;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, &ops);
}

static int setup_offload_wire(void **state)
{
    return setup_with(state, &ops_offload);
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    for (unsigned f = 0; f < 2; f++) {
        munmap(fx->regs[f], PG);
        for (unsigned i = 0; i < xnic_dev_func_nvec(fx->dev, f); i++)
            close(fx->vec[f][i]);
    }
    xnic_dev_free(fx->dev);
    munmap(fx->mem, MEM);
    close(fx->memfd);
    return 0;
}

static uint32_t *r32(struct fx *fx, unsigned f, unsigned off)
{
    return (uint32_t *)(fx->regs[f] + off);
}

static struct xnic_queue_regs *qregs(struct fx *fx, unsigned f, unsigned q)
{
    return (struct xnic_queue_regs *)(fx->regs[f] + XNIC_REG_QUEUE(q));
}

static struct xnic_queue_stats *qstats(struct fx *fx, unsigned f, unsigned q)
{
    return (struct xnic_queue_stats *)(fx->regs[f] + XNIC_REG_QSTATS(q));
}

/* Runs an admin command the way a driver does; returns its status. */
static int admin(struct fx *fx, unsigned f, struct xnic_admin *cmd)
{
    struct xnic_admin *a = (struct xnic_admin *)(fx->regs[f] + XNIC_REG_ADMIN);

    a->opcode = cmd->opcode;
    a->u = cmd->u;
    a->seq = ++fx->seq[f];
    xnic_dev_kick(fx->dev, f, XNIC_DB_ADMIN);
    assert_int_equal(a->done_seq, fx->seq[f]);
    cmd->u = a->u;
    return a->status;
}

/* Queue q of function f: TX ring at page 2q, RX ring at page 2q+1 of a
 * per-function 64-page area; buffers follow. */
static uint64_t area(unsigned f)
{
    return (uint64_t)f * 64 * PG;
}

static void enable_queue(struct fx *fx, unsigned f, unsigned q, uint32_t flags)
{
    struct xnic_admin cmd = {.opcode = XNIC_CMD_QUEUE_ENABLE};
    struct xnic_queue_regs *qr = qregs(fx, f, q);

    qr->tx_base = IOVA0 + area(f) + 2 * q * PG;
    qr->rx_base = IOVA0 + area(f) + (2 * q + 1) * PG;
    *r32(fx, f, XNIC_REG_QSIZE(q)) = 16 | 16 << 16;
    cmd.u.queue.queue = q;
    cmd.u.queue.flags = flags;
    assert_int_equal(admin(fx, f, &cmd), 0);
}

static void start_queue(struct fx *fx, unsigned f, unsigned q)
{
    enable_queue(fx, f, q, XNIC_QF_TX | XNIC_QF_RX);
}

static struct xnic_tx_desc *txd(struct fx *fx, unsigned f, unsigned q, unsigned i)
{
    return (struct xnic_tx_desc *)(fx->mem + area(f) + 2 * q * PG) + i;
}

static struct xnic_rx_desc *rxd(struct fx *fx, unsigned f, unsigned q, unsigned i)
{
    return (struct xnic_rx_desc *)(fx->mem + area(f) + (2 * q + 1) * PG) + i;
}

/* Buffer k of function f: 2 KiB slots after the rings. */
static uint64_t buf_off(unsigned f, unsigned k)
{
    return area(f) + 16 * PG + (uint64_t)k * 2048;
}

static void put_txd(struct fx *fx, unsigned f, unsigned q, unsigned i, uint64_t iova, uint16_t len,
                    uint8_t cmd)
{
    *txd(fx, f, q, i) = (struct xnic_tx_desc){iova, len, 0, 0, cmd, 0};
}

/* Moves the TX tail, rings the doorbell and lets the device run. */
static void tx_go(struct fx *fx, unsigned f, unsigned q, uint32_t tail)
{
    qregs(fx, f, q)->tx_tail = tail;
    xnic_dev_kick(fx->dev, f, XNIC_DB_QUEUE(q));
    xnic_dev_tx_run(fx->dev, 64);
}

static void post_rx(struct fx *fx, unsigned f, unsigned q, unsigned n, uint16_t len)
{
    for (unsigned i = 0; i < n; i++)
        *rxd(fx, f, q, i) =
            (struct xnic_rx_desc){.addr = IOVA0 + buf_off(f, 32 + i), .buf_len = len};
    qregs(fx, f, q)->rx_tail = n;
}

static void set_vport(struct fx *fx, unsigned vport, unsigned mac_lo, uint16_t pvid, uint32_t flags)
{
    struct xnic_admin cmd = {.opcode = XNIC_CMD_VPORT_CONFIG};
    const uint8_t mac[6] = {2, 0, 0, 0, 0, (uint8_t)mac_lo};

    cmd.u.vport.vport = vport;
    cmd.u.vport.pvid = pvid;
    cmd.u.vport.flags = flags;
    memcpy(cmd.u.vport.mac, mac, 6);
    assert_int_equal(admin(fx, 0, &cmd), 0);
}

static size_t frame(uint8_t *p, unsigned dst_lo, unsigned src_lo, size_t len)
{
    const uint8_t hdr[14] = {2,    0,   0, 0, 0, (uint8_t)dst_lo, 2, 0, 0, 0, 0, (uint8_t)src_lo,
                             0x88, 0xb5};

    memcpy(p, hdr, 14);
    for (size_t i = 14; i < len; i++)
        p[i] = (uint8_t)i;
    return len;
}

static uint64_t vec_count(struct fx *fx, unsigned f, unsigned v)
{
    uint64_t n = 0;

    if (read(fx->vec[f][v], &n, sizeof(n)) < 0)
        return 0;
    return n;
}

static void test_tx_chain_to_wire(void **state)
{
    struct fx *fx = *state;
    uint8_t *b = fx->mem + buf_off(0, 0);

    start_queue(fx, 0, 1);
    frame(b, 0x99, 1, 300);
    /* One packet in three buffers: 14 + 100 + 186 bytes. */
    put_txd(fx, 0, 1, 0, IOVA0 + buf_off(0, 0), 14, 0);
    put_txd(fx, 0, 1, 1, IOVA0 + buf_off(0, 0) + 14, 100, 0);
    put_txd(fx, 0, 1, 2, IOVA0 + buf_off(0, 0) + 114, 186, XNIC_TXD_EOP);
    qregs(fx, 0, 1)->tx_tail = 3;
    xnic_dev_kick(fx->dev, 0, XNIC_DB_QUEUE(1));
    assert_false(xnic_dev_tx_run(fx->dev, 64));
    assert_int_equal(fx->nwire, 1);
    assert_int_equal(fx->wire[0].len, 300);
    assert_memory_equal(fx->wire[0].data, b, 300);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(txd(fx, 0, 1, i)->status, XNIC_DS_DD);
    assert_int_equal(qregs(fx, 0, 1)->tx_head, 3);
    assert_int_equal(qstats(fx, 0, 1)->tx_packets, 1);
    assert_int_equal(qstats(fx, 0, 1)->tx_bytes, 300);
    assert_int_equal(vec_count(fx, 0, XNIC_VEC_QUEUE(1)), 1);
}

static void test_incomplete_chain_waits(void **state)
{
    struct fx *fx = *state;

    start_queue(fx, 0, 1);
    frame(fx->mem + buf_off(0, 0), 0x99, 1, 60);
    put_txd(fx, 0, 1, 0, IOVA0 + buf_off(0, 0), 60, 0);
    tx_go(fx, 0, 1, 1);
    assert_int_equal(fx->nwire, 0); /* no EOP yet */
    txd(fx, 0, 1, 0)->cmd = XNIC_TXD_EOP;
    tx_go(fx, 0, 1, 1);
    assert_int_equal(fx->nwire, 1);
}

/* TX_POLLING: set from the doorbell while the device has the ring's work,
 * clear once it stopped looking; only then does a new tail need a doorbell. */
static void test_tx_polling(void **state)
{
    struct fx *fx = *state;
    const uint32_t *polling = r32(fx, 0, XNIC_REG_TX_POLLING);

    start_queue(fx, 0, 1);
    for (unsigned i = 0; i < 6; i++) {
        frame(fx->mem + buf_off(0, i), 0x99, 1, 60);
        put_txd(fx, 0, 1, i, IOVA0 + buf_off(0, i), 60, XNIC_TXD_EOP);
    }
    assert_int_equal(*polling & 2, 0);
    qregs(fx, 0, 1)->tx_tail = 3;
    xnic_dev_kick(fx->dev, 0, XNIC_DB_QUEUE(1));
    assert_int_equal(*polling & 2, 2);
    assert_true(xnic_dev_tx_run(fx->dev, 2));
    assert_int_equal(*polling & 2, 2); /* one packet left: still looking */
    qregs(fx, 0, 1)->tx_tail = 4;      /* no doorbell needed */
    while (xnic_dev_tx_run(fx->dev, 64))
        ;
    assert_int_equal(fx->nwire, 4);
    assert_int_equal(*polling & 2, 0);
    qregs(fx, 0, 1)->tx_tail = 5; /* the device stopped looking: unseen without one */
    xnic_dev_tx_run(fx->dev, 64);
    assert_int_equal(fx->nwire, 4);
    tx_go(fx, 0, 1, 6);
    assert_int_equal(fx->nwire, 6);
    assert_int_equal(*polling & 2, 0);
}

static void test_tx_dma_fault(void **state)
{
    struct fx *fx = *state;

    start_queue(fx, 0, 1);
    frame(fx->mem + buf_off(0, 0), 0x99, 1, 60);
    put_txd(fx, 0, 1, 0, IOVA0 + MEM + PG, 60, XNIC_TXD_EOP);
    put_txd(fx, 0, 1, 1, IOVA0 + buf_off(0, 0), 60, XNIC_TXD_EOP);
    tx_go(fx, 0, 1, 2);
    assert_int_equal(XNIC_DS_ERR(txd(fx, 0, 1, 0)->status), XNIC_ERR_DMA);
    assert_int_equal(txd(fx, 0, 1, 1)->status, XNIC_DS_DD);
    assert_int_equal(fx->nwire, 1); /* the good packet after it still went out */
    assert_int_equal(fx->faults, 1);
    assert_int_equal(*(uint64_t *)(fx->regs[0] + XNIC_REG_DMA_FAULTS), 1);
    assert_true(*r32(fx, 0, XNIC_REG_ICR) & XNIC_ICR_FAULT);
    assert_int_equal(qstats(fx, 0, 1)->tx_errors, 1);
}

static void test_rx_multi_buffer_and_default_pool(void **state)
{
    struct fx *fx = *state;
    static uint8_t f[3000];

    start_queue(fx, 0, 0);
    post_rx(fx, 0, 0, 4, 1024);
    frame(f, 0x42, 0x77, sizeof(f)); /* nobody owns 0x42: default pool 0 */
    xnic_dev_wire_rx(fx->dev, f, sizeof(f));
    xnic_dev_flush_irqs(fx->dev);
    assert_int_equal(rxd(fx, 0, 0, 0)->len, 1024);
    assert_int_equal(rxd(fx, 0, 0, 0)->status, XNIC_DS_DD);
    assert_int_equal(rxd(fx, 0, 0, 2)->len, 3000 - 2048);
    assert_true(rxd(fx, 0, 0, 2)->status & XNIC_RXS_EOP);
    assert_memory_equal(fx->mem + buf_off(0, 34), f + 2048, 3000 - 2048);
    assert_int_equal(qregs(fx, 0, 0)->rx_head, 3);
    assert_int_equal(vec_count(fx, 0, XNIC_VEC_QUEUE(0)), 1);
    /* One buffer left: a 3000-byte frame does not fit and is counted. */
    xnic_dev_wire_rx(fx->dev, f, sizeof(f));
    assert_int_equal(qstats(fx, 0, 0)->rx_no_buf, 1);
    assert_int_equal(qstats(fx, 0, 0)->rx_packets, 1);
}

static void test_masked_vector(void **state)
{
    struct fx *fx = *state;
    uint8_t f[64];

    start_queue(fx, 0, 0);
    post_rx(fx, 0, 0, 4, 2048);
    *(uint64_t *)(fx->regs[0] + XNIC_REG_VEC_MASK) = 1ull << XNIC_VEC_QUEUE(0);
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x42, 0x77, 64));
    xnic_dev_flush_irqs(fx->dev);
    assert_true(rxd(fx, 0, 0, 0)->status & XNIC_DS_DD);
    assert_int_equal(vec_count(fx, 0, XNIC_VEC_QUEUE(0)), 0);
}

static void test_vf_spoof_and_port_vlan(void **state)
{
    struct fx *fx = *state;
    uint8_t *b = fx->mem + buf_off(1, 0);
    uint8_t f[100];
    unsigned vf0 = POOLS;

    /* Before the PF configures it, a VF may send from any MAC. */
    frame(b, 0x99, 0x66, 60);
    start_queue(fx, 1, 0);
    put_txd(fx, 1, 0, 0, IOVA0 + buf_off(1, 0), 60, XNIC_TXD_EOP);
    tx_go(fx, 1, 0, 1);
    assert_int_equal(txd(fx, 1, 0, 0)->status, XNIC_DS_DD);
    fx->nwire = 0;
    fx->seq[1] = 0;
    assert_int_equal(xnic_dev_flr(fx->dev, 1), 0);
    set_vport(fx, vf0, 0x10, 5, XNIC_VPF_SPOOFCHK);
    assert_int_equal(fx->regs[1][XNIC_REG_MAC + 5], 0x10);
    assert_int_equal(*(uint16_t *)(fx->regs[1] + XNIC_REG_PVID), 5);
    start_queue(fx, 1, 0);
    frame(b, 0x99, 0x66, 60);        /* spoofed source */
    frame(b + 2048, 0x99, 0x10, 60); /* genuine */
    put_txd(fx, 1, 0, 0, IOVA0 + buf_off(1, 0), 60, XNIC_TXD_EOP);
    put_txd(fx, 1, 0, 1, IOVA0 + buf_off(1, 1), 60, XNIC_TXD_EOP);
    tx_go(fx, 1, 0, 2);
    assert_int_equal(XNIC_DS_ERR(txd(fx, 1, 0, 0)->status), XNIC_ERR_SPOOF);
    assert_int_equal(qstats(fx, 1, 0)->tx_spoofed, 1);
    assert_int_equal(fx->nwire, 1);
    /* The port VLAN tag was inserted on the way out. */
    assert_int_equal(fx->wire[0].len, 64);
    assert_memory_equal(fx->wire[0].data + 12, "\x81\x00\x00\x05\x88\xb5", 6);
    /* Tagged frames for the VF arrive with the tag stripped into the descriptor. */
    post_rx(fx, 1, 0, 4, 2048);
    memcpy(f, fx->wire[0].data, 64);
    memcpy(f, "\x02\0\0\0\0\x10", 6);
    xnic_dev_wire_rx(fx->dev, f, 64);
    assert_int_equal(rxd(fx, 1, 0, 0)->len, 60);
    assert_true(rxd(fx, 1, 0, 0)->status & XNIC_RXS_VLAN);
    assert_int_equal(rxd(fx, 1, 0, 0)->vlan_tci, 5);
    /* Untagged or other-VLAN frames to its MAC do not reach it. */
    f[15] = 6;
    xnic_dev_wire_rx(fx->dev, f, 64);
    assert_int_equal(qregs(fx, 1, 0)->rx_head, 1);
}

/* Sets vport's trunk VLANs (the first VLAN_SET block); returns the status. */
static int set_trunk(struct fx *fx, unsigned f, unsigned vport, const uint16_t *vids, unsigned n)
{
    struct xnic_admin cmd = {.opcode = XNIC_CMD_VLAN_SET};

    cmd.u.vlan.vport = vport;
    for (unsigned i = 0; i < n; i++)
        cmd.u.vlan.bits[vids[i] / 8] |= (uint8_t)(1u << (vids[i] % 8));
    return admin(fx, f, &cmd);
}

/* The frame at b tagged with VLAN vid (b holds len + 4 bytes); the new length. */
static size_t tag(uint8_t *b, size_t len, uint16_t vid)
{
    memmove(b + 16, b + 12, len - 12);
    b[12] = 0x81;
    b[13] = 0x00;
    b[14] = (uint8_t)(vid >> 8);
    b[15] = (uint8_t)vid;
    return len + 4;
}

/* A pool without a port VLAN or trunk set is an access port of the untagged
 * LAN: a frame it tags itself is dropped as spoofed, and tagged frames to
 * its MAC never reach it (the default pool takes only its own VLANs too).
 * Only the VLANs the PF puts in its trunk set pass, tagged both ways.  Used
 * to be: any tag went out, and every tagged frame came in. */
static void test_access_port_and_trunk(void **state)
{
    struct fx *fx = *state;
    struct xnic_wire_stats *ws = (struct xnic_wire_stats *)(fx->regs[0] + XNIC_REG_WSTATS);
    uint8_t *b = fx->mem + buf_off(0, 0);
    const uint16_t vid42 = 42, bad[] = {0}, vf_vids[] = {6};
    uint8_t f[100];

    set_vport(fx, 1, 0x11, 0, XNIC_VPF_BCAST | XNIC_VPF_SPOOFCHK);
    start_queue(fx, 0, 1);
    post_rx(fx, 0, 1, 8, 2048);
    tag(b, frame(b, 0x99, 0x11, 60), 42);
    put_txd(fx, 0, 1, 0, IOVA0 + buf_off(0, 0), 64, XNIC_TXD_EOP);
    tx_go(fx, 0, 1, 1);
    assert_int_equal(XNIC_DS_ERR(txd(fx, 0, 1, 0)->status), XNIC_ERR_SPOOF);
    assert_int_equal(qstats(fx, 0, 1)->tx_spoofed, 1);
    assert_int_equal(fx->nwire, 0);
    /* A priority tag (VID 0) would hide a second tag behind it. */
    b[14] = b[15] = 0;
    put_txd(fx, 0, 1, 1, IOVA0 + buf_off(0, 0), 64, XNIC_TXD_EOP);
    tx_go(fx, 0, 1, 2);
    assert_int_equal(qstats(fx, 0, 1)->tx_spoofed, 2);
    assert_int_equal(fx->nwire, 0);

    tag(f, frame(f, 0x11, 0x77, 60), 42);
    xnic_dev_wire_rx(fx->dev, f, 64);
    tag(f, frame(f, 0xff, 0x77, 60), 42);
    memset(f, 0xff, 6); /* a broadcast on VLAN 42 */
    xnic_dev_wire_rx(fx->dev, f, 64);
    assert_int_equal(qregs(fx, 0, 1)->rx_head, 0);
    assert_int_equal(ws->rx_dropped, 2);
    frame(f, 0x11, 0x77, 60);
    xnic_dev_wire_rx(fx->dev, f, 60);
    assert_int_equal(qregs(fx, 0, 1)->rx_head, 1);

    /* A trunk of VLAN 42: tagged 42 goes both ways as it is. */
    assert_int_equal(set_trunk(fx, 0, 1, &vid42, 1), 0);
    tag(b, frame(b, 0x99, 0x11, 60), 42);
    put_txd(fx, 0, 1, 2, IOVA0 + buf_off(0, 0), 64, XNIC_TXD_EOP);
    tx_go(fx, 0, 1, 3);
    assert_int_equal(txd(fx, 0, 1, 2)->status, XNIC_DS_DD);
    assert_int_equal(fx->nwire, 1);
    assert_memory_equal(fx->wire[0].data, b, 64);
    tag(f, frame(f, 0x11, 0x77, 60), 42);
    xnic_dev_wire_rx(fx->dev, f, 64);
    assert_int_equal(qregs(fx, 0, 1)->rx_head, 2);
    assert_int_equal(rxd(fx, 0, 1, 1)->len, 64);
    assert_false(rxd(fx, 0, 1, 1)->status & XNIC_RXS_VLAN);
    f[15] = 43;
    xnic_dev_wire_rx(fx->dev, f, 64);
    assert_int_equal(qregs(fx, 0, 1)->rx_head, 2);

    /* VID 0 is not a VLAN; the set is the PF's alone. */
    assert_int_equal(set_trunk(fx, 0, 1, bad, 1), -EINVAL);
    assert_int_equal(set_trunk(fx, 1, POOLS, vf_vids, 1), -EPERM);

    /* A VF the PF did not configure is an access port of the untagged LAN;
     * with a port VLAN and a trunk it sends untagged into the port VLAN and
     * tagged into the trunk's, nothing else. */
    fx->nwire = 0;
    start_queue(fx, 1, 0);
    b = fx->mem + buf_off(1, 0);
    tag(b, frame(b, 0x99, 0x66, 60), 42);
    put_txd(fx, 1, 0, 0, IOVA0 + buf_off(1, 0), 64, XNIC_TXD_EOP);
    tx_go(fx, 1, 0, 1);
    assert_int_equal(XNIC_DS_ERR(txd(fx, 1, 0, 0)->status), XNIC_ERR_SPOOF);
    set_vport(fx, POOLS, 0x10, 5, 0);
    assert_int_equal(set_trunk(fx, 0, POOLS, vf_vids, 1), 0);
    tag(b, frame(b, 0x99, 0x10, 60), 6);
    tag(b + 2048, frame(b + 2048, 0x99, 0x10, 60), 5); /* its port VLAN: untagged only */
    put_txd(fx, 1, 0, 1, IOVA0 + buf_off(1, 0), 64, XNIC_TXD_EOP);
    put_txd(fx, 1, 0, 2, IOVA0 + buf_off(1, 1), 64, XNIC_TXD_EOP);
    tx_go(fx, 1, 0, 3);
    assert_int_equal(txd(fx, 1, 0, 1)->status, XNIC_DS_DD);
    assert_int_equal(XNIC_DS_ERR(txd(fx, 1, 0, 2)->status), XNIC_ERR_SPOOF);
    assert_int_equal(qstats(fx, 1, 0)->tx_spoofed, 2);
    assert_int_equal(fx->nwire, 1);
    assert_int_equal(fx->wire[0].data[15], 6);
    /* A PF reset forgets the trunk. */
    fx->seq[0] = 0;
    assert_int_equal(xnic_dev_flr(fx->dev, 0), 0);
    set_vport(fx, 1, 0x11, 0, 0);
    start_queue(fx, 0, 1);
    post_rx(fx, 0, 1, 8, 2048);
    tag(f, frame(f, 0x11, 0x77, 60), 42);
    xnic_dev_wire_rx(fx->dev, f, 64);
    assert_int_equal(qregs(fx, 0, 1)->rx_head, 0);
}

static void test_veb_pool_to_vf(void **state)
{
    struct fx *fx = *state;
    uint8_t *b = fx->mem + buf_off(0, 0);

    set_vport(fx, POOLS, 0x10, 0, XNIC_VPF_BCAST);
    start_queue(fx, 0, 2);
    start_queue(fx, 1, 0);
    post_rx(fx, 1, 0, 4, 2048);
    frame(b, 0x10, 0x02, 200);
    *txd(fx, 0, 2, 0) = (struct xnic_tx_desc){IOVA0 + buf_off(0, 0), 200, 0, 0, XNIC_TXD_EOP, 0};
    tx_go(fx, 0, 2, 1);
    assert_int_equal(fx->nwire, 0);
    assert_int_equal(rxd(fx, 1, 0, 0)->len, 200);
    assert_memory_equal(fx->mem + buf_off(1, 32), b, 200);
    assert_int_equal(((struct xnic_wire_stats *)(fx->regs[0] + XNIC_REG_WSTATS))->veb_packets, 1);
}

/* A PF reset (its driver restarting) keeps an owned VF's configuration:
 * frames for its MAC still reach it, and its registers still show it; a
 * free VF's and a pool's go. */
static void test_pf_reset_keeps_vf(void **state)
{
    struct fx *fx = *state;
    struct xnic_wire_stats *ws = (struct xnic_wire_stats *)(fx->regs[0] + XNIC_REG_WSTATS);
    uint8_t f[100];

    set_vport(fx, POOLS, 0x10, 0, XNIC_VPF_BCAST | XNIC_VPF_SPOOFCHK);
    set_vport(fx, POOLS + 1, 0x12, 0, 0); /* VF 1: no owner */
    set_vport(fx, 1, 0x11, 0, XNIC_VPF_BCAST);
    fx->seq[0] = 0;
    assert_int_equal(xnic_dev_flr(fx->dev, 0), 0);
    assert_int_equal(fx->regs[1][XNIC_REG_MAC + 5], 0x10);
    start_queue(fx, 1, 0);
    post_rx(fx, 1, 0, 4, 2048);
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x10, 0x77, 60));
    assert_int_equal(qregs(fx, 1, 0)->rx_head, 1);
    /* The pool's configuration went: a frame for it is nobody's now. */
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x11, 0x77, 60));
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x12, 0x77, 60));
    assert_int_equal(qregs(fx, 1, 0)->rx_head, 1);
    assert_int_equal(ws->rx_unmatched, 2);
}

/* The PF's owner dies and a successor takes over: while parked, the PF
 * does no DMA into the dead owner's memory (its context is empty), the
 * switch keeps its pools and VFs, a VF's traffic goes on, and what the
 * pools got meanwhile is counted; the successor finds the switch kept
 * and a pool receiving again with no configuration of its own.  An
 * ordinary attach of a parked PF resets it. */
static void test_pf_park_take_over(void **state)
{
    struct fx *fx = *state;
    struct iommu_fault fault;
    struct xnic_admin cmd;
    uint8_t f[100], byte;
    const uint8_t before = 0xa5;

    set_vport(fx, POOLS, 0x10, 0, XNIC_VPF_BCAST);
    set_vport(fx, 1, 0x11, 0, XNIC_VPF_BCAST);
    cmd = (struct xnic_admin){.opcode = XNIC_CMD_FILTER_ADD};
    memcpy(cmd.u.filter.mac, "\x02\0\0\0\0\x21", 6);
    cmd.u.filter.vlan = XNIC_VLAN_ANY;
    cmd.u.filter.vport = 1;
    assert_int_equal(admin(fx, 0, &cmd), 0);
    start_queue(fx, 0, 1);
    post_rx(fx, 0, 1, 4, 2048);
    start_queue(fx, 1, 0);
    post_rx(fx, 1, 0, 8, 2048);
    assert_int_equal(xnic_dev_park(fx->dev, 1), -EINVAL); /* a VF's owner dying: FLR */
    assert_int_equal(xnic_dev_park(fx->dev, 0), 0);
    assert_false(xnic_dev_attached(fx->dev, 0));
    assert_int_equal(iommu_read(xnic_dev_iommu(fx->dev, 0), IOVA0, &byte, 1, &fault), -EFAULT);
    memset(fx->mem + buf_off(0, 32), before, 64);
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x11, 0x77, 60));
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x11, 0x77, 60));
    assert_int_equal(rxd(fx, 0, 1, 0)->status, 0); /* the posted buffer untouched */
    assert_int_equal(fx->mem[buf_off(0, 32)], before);
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x10, 0x77, 60));
    assert_int_equal(qregs(fx, 1, 0)->rx_head, 1);

    attach_with(fx, 0, true);
    assert_true(*r32(fx, 0, XNIC_REG_STATUS) & XNIC_STATUS_KEPT);
    assert_int_equal(*(uint64_t *)(fx->regs[0] + XNIC_REG_HANDOVER_DROPS), 2);
    assert_int_equal(*r32(fx, 0, XNIC_REG_QSTATUS(1)), 0); /* its queues are the successor's */
    start_queue(fx, 0, 1);
    post_rx(fx, 0, 1, 4, 2048);
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x11, 0x77, 60));
    assert_int_equal(qregs(fx, 0, 1)->rx_head, 1);
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x21, 0x77, 60)); /* the dead owner's filter */
    assert_int_equal(qregs(fx, 0, 1)->rx_head, 2);
    /* The successor configures the pool anew, its old filters gone in the
     * same command; the VF keeps its own. */
    set_vport(fx, 1, 0x12, 0, XNIC_VPF_BCAST | XNIC_VPORT_CLEAR);
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x21, 0x77, 60));
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x11, 0x77, 60));
    assert_int_equal(qregs(fx, 0, 1)->rx_head, 2);
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x12, 0x77, 60));
    assert_int_equal(qregs(fx, 0, 1)->rx_head, 3);
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x10, 0x77, 60));
    assert_int_equal(qregs(fx, 1, 0)->rx_head, 2);

    /* Parked again, then an ordinary attach: the switch is reset. */
    assert_int_equal(xnic_dev_park(fx->dev, 0), 0);
    attach_with(fx, 0, false);
    assert_false(*r32(fx, 0, XNIC_REG_STATUS) & XNIC_STATUS_KEPT);
    start_queue(fx, 0, 1);
    post_rx(fx, 0, 1, 4, 2048);
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x11, 0x77, 60));
    assert_int_equal(qregs(fx, 0, 1)->rx_head, 0);

    /* An FLR of a parked PF ends the park: a take-over then resets too. */
    assert_int_equal(xnic_dev_park(fx->dev, 0), 0);
    assert_int_equal(xnic_dev_flr(fx->dev, 0), 0);
    attach_with(fx, 0, true);
    assert_false(*r32(fx, 0, XNIC_REG_STATUS) & XNIC_STATUS_KEPT);
    assert_int_equal(*(uint64_t *)(fx->regs[0] + XNIC_REG_HANDOVER_DROPS), 0);
}

/* Jumbo frames: 9018 bytes (MTU 9000 + header + tag) go pool -> VF and
 * wire -> VF across 2 KiB buffers and out to the wire; one byte more is
 * TOO_LONG on TX and dropped from the wire. */
static void test_jumbo(void **state)
{
    struct fx *fx = *state;
    struct xnic_wire_stats *ws = (struct xnic_wire_stats *)(fx->regs[0] + XNIC_REG_WSTATS);
    uint8_t *b = fx->mem + buf_off(0, 0);

    set_vport(fx, POOLS, 0x10, 0, 0);
    start_queue(fx, 0, 0);
    start_queue(fx, 1, 0);
    post_rx(fx, 1, 0, 10, 2048);
    frame(b, 0x10, 0x02, XNIC_MAX_FRAME);
    put_txd(fx, 0, 0, 0, IOVA0 + buf_off(0, 0), XNIC_MAX_FRAME, XNIC_TXD_EOP);
    tx_go(fx, 0, 0, 1);
    assert_int_equal(txd(fx, 0, 0, 0)->status, XNIC_DS_DD);
    assert_int_equal(qregs(fx, 1, 0)->rx_head, 5);
    assert_int_equal(rxd(fx, 1, 0, 4)->len, XNIC_MAX_FRAME - 4 * 2048);
    assert_true(rxd(fx, 1, 0, 4)->status & XNIC_RXS_EOP);
    assert_memory_equal(fx->mem + buf_off(1, 32), b, XNIC_MAX_FRAME);

    frame(b, 0x99, 0x02, XNIC_MAX_FRAME + 1);
    put_txd(fx, 0, 0, 1, IOVA0 + buf_off(0, 0), XNIC_MAX_FRAME + 1, XNIC_TXD_EOP);
    put_txd(fx, 0, 0, 2, IOVA0 + buf_off(0, 0), XNIC_MAX_FRAME, XNIC_TXD_EOP);
    tx_go(fx, 0, 0, 3);
    assert_int_equal(XNIC_DS_ERR(txd(fx, 0, 0, 1)->status), XNIC_ERR_TOO_LONG);
    assert_int_equal(qstats(fx, 0, 0)->tx_errors, 1);
    assert_int_equal(txd(fx, 0, 0, 2)->status, XNIC_DS_DD);
    assert_int_equal(fx->nwire, 1);
    assert_int_equal(fx->wire[0].len, XNIC_MAX_FRAME);

    frame(b, 0x10, 0x77, XNIC_MAX_FRAME + 1);
    xnic_dev_wire_rx(fx->dev, b, XNIC_MAX_FRAME + 1);
    assert_int_equal(ws->rx_dropped, 1);
    xnic_dev_wire_rx(fx->dev, b, XNIC_MAX_FRAME);
    assert_int_equal(qregs(fx, 1, 0)->rx_head, 10);
    assert_memory_equal(fx->mem + buf_off(1, 37), b, XNIC_MAX_FRAME);
    assert_int_equal(qstats(fx, 1, 0)->rx_packets, 2);
}

/* A TCP/IPv4 packet of payload bytes from MAC src_lo to dst_lo at b. */
static size_t tcp_packet(uint8_t *b, unsigned dst_lo, unsigned src_lo, size_t payload)
{
    uint8_t *ip = b + 14, *tcp = ip + 20;
    size_t len = 54 + payload;

    memset(b, 0, 54);
    frame(b, dst_lo, src_lo, 14);
    b[12] = 0x08;
    b[13] = 0x00;
    ip[0] = 0x45;
    ip[2] = (uint8_t)((len - 14) >> 8);
    ip[3] = (uint8_t)(len - 14);
    ip[9] = 6;
    tcp[12] = 0x50;
    tcp[13] = 0x10; /* ACK */
    for (size_t i = 54; i < len; i++)
        b[i] = (uint8_t)(i * 13);
    return len;
}

static void test_tso_to_wire(void **state)
{
    struct fx *fx = *state;
    uint8_t *b = fx->mem + buf_off(0, 0);
    size_t len = tcp_packet(b, 0x99, 0x01, 4000);

    start_queue(fx, 0, 1);
    *txd(fx, 0, 1, 0) = (struct xnic_tx_desc){
        IOVA0 + buf_off(0, 0), (uint16_t)len, 1448, 54, XNIC_TXD_TSO | XNIC_TXD_EOP, 0};
    tx_go(fx, 0, 1, 1);
    assert_int_equal(txd(fx, 0, 1, 0)->status, XNIC_DS_DD);
    assert_int_equal(fx->nwire, 3);
    assert_int_equal(fx->wire[0].len, 54 + 1448);
    assert_int_equal(fx->wire[2].len, 54 + 4000 - 2 * 1448);
}

/* A TSO packet with an MSS under the floor (1: a segment per payload byte)
 * completes with OFFLOAD and is counted; none of it is sent. */
static void test_tso_mss_floor(void **state)
{
    struct fx *fx = *state;
    uint8_t *b = fx->mem + buf_off(0, 0);
    size_t len = tcp_packet(b, 0x99, 0x01, 4000);

    start_queue(fx, 0, 1);
    *txd(fx, 0, 1, 0) = (struct xnic_tx_desc){
        IOVA0 + buf_off(0, 0), (uint16_t)len, 1, 54, XNIC_TXD_TSO | XNIC_TXD_EOP, 0};
    *txd(fx, 0, 1, 1) = (struct xnic_tx_desc){
        IOVA0 + buf_off(0, 0), (uint16_t)len, XNIC_MIN_MSS - 1, 54, XNIC_TXD_TSO | XNIC_TXD_EOP, 0};
    *txd(fx, 0, 1, 2) = (struct xnic_tx_desc){
        IOVA0 + buf_off(0, 0), (uint16_t)len, 2000, 54, XNIC_TXD_TSO | XNIC_TXD_EOP, 0};
    tx_go(fx, 0, 1, 3);
    assert_int_equal(XNIC_DS_ERR(txd(fx, 0, 1, 0)->status), XNIC_ERR_OFFLOAD);
    assert_int_equal(XNIC_DS_ERR(txd(fx, 0, 1, 1)->status), XNIC_ERR_OFFLOAD);
    assert_int_equal(txd(fx, 0, 1, 2)->status, XNIC_DS_DD);
    assert_int_equal(qstats(fx, 0, 1)->tx_errors, 2);
    assert_int_equal(fx->nwire, 2);
}

/* The scheduler charges a TSO packet the bytes its segments put on the
 * wire, headers included: pool 0's packets of 100 segments of 64 bytes
 * (11 800 bytes on the wire, 6454 in the ring) get 5 a turn, not 10,
 * beside pool 1's 9000-byte frames (7 a turn). */
static void test_tso_charged_per_segment(void **state)
{
    struct fx *fx = *state;
    size_t len = tcp_packet(fx->mem + buf_off(0, 0), 0x99, 0x01, 100 * XNIC_MIN_MSS);

    frame(fx->mem + buf_off(0, 8), 0x99, 0x02, 9000);
    start_queue(fx, 0, 0);
    start_queue(fx, 0, 1);
    for (unsigned i = 0; i < 15; i++) {
        *txd(fx, 0, 0, i) = (struct xnic_tx_desc){
            IOVA0 + buf_off(0, 0), (uint16_t)len, XNIC_MIN_MSS, 54, XNIC_TXD_TSO | XNIC_TXD_EOP, 0};
        put_txd(fx, 0, 1, i, IOVA0 + buf_off(0, 8), 9000, XNIC_TXD_EOP);
    }
    for (unsigned q = 0; q < 2; q++) {
        qregs(fx, 0, q)->tx_tail = 15;
        xnic_dev_kick(fx->dev, 0, XNIC_DB_QUEUE(q));
    }
    xnic_dev_tx_run(fx->dev, 12);
    assert_int_equal(qstats(fx, 0, 0)->tx_packets, 5);
    assert_int_equal(qstats(fx, 0, 1)->tx_packets, 7);
    assert_int_equal(fx->nwire, 5 * 100 + 7);
}

/* Queues 0 of pool 0 and of VF 0 each with 15 frames of 9000 bytes posted;
 * runs budget packets of the scheduler and returns how many the VF sent. */
static uint64_t vf_share(struct fx *fx, unsigned budget)
{
    uint8_t *b = fx->mem + buf_off(0, 0);

    frame(b, 0x99, 0x02, 9000);
    for (unsigned f = 0; f < 2; f++) {
        for (unsigned i = 0; i < 15; i++)
            put_txd(fx, f, 0, i, IOVA0 + buf_off(0, 0), 9000, XNIC_TXD_EOP);
        qregs(fx, f, 0)->tx_tail = 15;
        xnic_dev_kick(fx->dev, f, XNIC_DB_QUEUE(0));
    }
    xnic_dev_tx_run(fx->dev, budget);
    return qstats(fx, 1, 0)->tx_packets;
}

/* A VF picked its own scheduler weight (64: 64 times the pool's share of
 * the wire).  Its QUEUE_ENABLE weight is ignored; the PF sets it. */
static void test_vf_weight_is_the_pfs(void **state)
{
    struct fx *fx = *state;
    struct xnic_admin cmd = {.opcode = XNIC_CMD_QUEUE_ENABLE};

    start_queue(fx, 0, 0);
    enable_queue(fx, 1, 0, XNIC_QF_TX | XNIC_QF_RX);
    cmd.u.queue.queue = 0;
    cmd.u.queue.flags = XNIC_QF_TX;
    cmd.u.queue.weight = 64;
    assert_int_equal(admin(fx, 1, &cmd), 0);
    /* One quantum (65 539 bytes) is 7 such frames a turn for each: pool,
     * VF, pool (it was VF 14: all it had left of the budget). */
    assert_int_equal(vf_share(fx, 21), 7);
    assert_int_equal(qstats(fx, 0, 0)->tx_packets, 14);

    /* The PF gives the VF weight 2: 14 frames a turn. */
    cmd = (struct xnic_admin){.opcode = XNIC_CMD_VPORT_CONFIG};
    cmd.u.vport.vport = POOLS;
    cmd.u.vport.weight = 2;
    assert_int_equal(admin(fx, 0, &cmd), 0);
    cmd.u.vport.weight = 65;
    assert_int_equal(admin(fx, 0, &cmd), -EINVAL);
    enable_queue(fx, 0, 0, XNIC_QF_TX);
    enable_queue(fx, 1, 0, XNIC_QF_TX);
    qstats(fx, 0, 0)->tx_packets = qstats(fx, 1, 0)->tx_packets = 0;
    assert_int_equal(vf_share(fx, 21), 14);
    assert_int_equal(qstats(fx, 0, 0)->tx_packets, 7);
}

/* A wire that finishes offloads gets the TSO packet whole, checksum partial. */
static void test_tso_to_offload_wire(void **state)
{
    struct fx *fx = *state;
    uint8_t *b = fx->mem + buf_off(0, 0);
    size_t len = tcp_packet(b, 0x99, 0x01, 4000);
    const struct xnic_wire_offload *o = &fx->wire_off[0];

    start_queue(fx, 0, 1);
    *txd(fx, 0, 1, 0) = (struct xnic_tx_desc){
        IOVA0 + buf_off(0, 0), (uint16_t)len, 1448, 54, XNIC_TXD_TSO | XNIC_TXD_EOP, 0};
    tx_go(fx, 0, 1, 1);
    assert_int_equal(txd(fx, 0, 1, 0)->status, XNIC_DS_DD);
    assert_int_equal(fx->nwire, 1);
    assert_int_equal(fx->wire[0].len, len);
    assert_int_equal(fx->wire[0].data[16] << 8 | fx->wire[0].data[17], len - 14); /* IPv4 length */
    assert_int_equal(o->gso_type, XNIC_GSO_TCPV4);
    assert_int_equal(o->gso_size, 1448);
    assert_int_equal(o->hdr_len, 54);
    assert_int_equal(o->csum_start, 34);
    assert_int_equal(o->csum_offset, 16);
}

static void test_admin_rules(void **state)
{
    struct fx *fx = *state;
    struct xnic_admin cmd = {.opcode = XNIC_CMD_FILTER_ADD};

    memcpy(cmd.u.filter.mac, "\x02\0\0\0\0\x01", 6);
    cmd.u.filter.vlan = XNIC_VLAN_ANY;
    assert_int_equal(admin(fx, 1, &cmd), -EPERM);
    assert_int_equal(admin(fx, 0, &cmd), 0);
    cmd.opcode = 77;
    assert_int_equal(admin(fx, 0, &cmd), -EOPNOTSUPP);
    cmd = (struct xnic_admin){.opcode = XNIC_CMD_QUEUE_ENABLE};
    cmd.u.queue.queue = 0;
    cmd.u.queue.flags = XNIC_QF_TX;
    *r32(fx, 0, XNIC_REG_QSIZE(0)) = 12; /* not a power of two */
    assert_int_equal(admin(fx, 0, &cmd), -EINVAL);
    cmd.u.queue.queue = POOLS;
    assert_int_equal(admin(fx, 0, &cmd), -EINVAL);
    *r32(fx, 0, XNIC_REG_QSIZE(0)) = 16 | 16 << 16;
    cmd.u.queue.queue = 0;
    cmd.u.queue.flags = XNIC_QF_TX | XNIC_QF_RSC; /* RSC is an RX mode */
    assert_int_equal(admin(fx, 0, &cmd), -EINVAL);
    cmd.u.queue.flags = XNIC_QF_RX | 1u << 7;
    assert_int_equal(admin(fx, 0, &cmd), -EINVAL);
    assert_int_equal(vec_count(fx, 0, XNIC_VEC_MISC) > 0, 1);
}

static void test_mailbox(void **state)
{
    struct fx *fx = *state;
    struct xnic_admin cmd = {.opcode = XNIC_CMD_MBX_SEND};

    cmd.u.mbx.len = 5;
    memcpy(cmd.u.mbx.msg, "hello", 5);
    assert_int_equal(admin(fx, 1, &cmd), 0);      /* VF 0 -> PF */
    assert_int_equal(admin(fx, 1, &cmd), -EBUSY); /* PF has not read it */
    assert_int_equal(*r32(fx, 0, XNIC_REG_MBX_PEND), 1);
    cmd = (struct xnic_admin){.opcode = XNIC_CMD_MBX_RECV};
    cmd.u.mbx.peer = 0;
    assert_int_equal(admin(fx, 0, &cmd), 0);
    assert_int_equal(cmd.u.mbx.len, 5);
    assert_memory_equal(cmd.u.mbx.msg, "hello", 5);
    assert_int_equal(*r32(fx, 0, XNIC_REG_MBX_PEND), 0);
    assert_int_equal(admin(fx, 0, &cmd), -ENOENT);
    cmd = (struct xnic_admin){.opcode = XNIC_CMD_MBX_SEND};
    cmd.u.mbx.peer = VFS; /* no such VF */
    assert_int_equal(admin(fx, 0, &cmd), -EINVAL);
}

static void test_flr_stops_dma(void **state)
{
    struct fx *fx = *state;
    uint8_t f[64];

    start_queue(fx, 0, 0);
    post_rx(fx, 0, 0, 4, 2048);
    assert_int_equal(xnic_dev_flr(fx->dev, 0), 0);
    assert_int_equal(*r32(fx, 0, XNIC_REG_MAGIC), XNIC_MAGIC);
    assert_int_equal(*r32(fx, 0, XNIC_REG_QSTATUS(0)), 0);
    assert_true(*r32(fx, 0, XNIC_REG_STATUS) & XNIC_STATUS_READY);
    /* The driver's stale tail is ignored: the queue is disabled. */
    qregs(fx, 0, 0)->rx_tail = 4;
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x42, 0x77, 64));
    assert_int_equal(rxd(fx, 0, 0, 0)->status, 0);
    fx->seq[0] = 0; /* a reset function expects admin seq to start over */
    start_queue(fx, 0, 0);
    post_rx(fx, 0, 0, 4, 2048);
    xnic_dev_wire_rx(fx->dev, f, 64);
    assert_true(rxd(fx, 0, 0, 0)->status & XNIC_DS_DD);
}

static void test_bad_tail(void **state)
{
    struct fx *fx = *state;

    start_queue(fx, 0, 1);
    tx_go(fx, 0, 1, 1000);
    assert_int_equal(*r32(fx, 0, XNIC_REG_QSTATUS(1)) >> XNIC_QS_ERR_SHIFT, XNIC_ERR_DESC);
    assert_int_equal(fx->nwire, 0);
}

static void test_unmapped_ring(void **state)
{
    struct fx *fx = *state;
    struct xnic_admin cmd = {.opcode = XNIC_CMD_QUEUE_ENABLE};

    qregs(fx, 0, 3)->tx_base = IOVA0 + MEM; /* just past the mapped memory */
    *r32(fx, 0, XNIC_REG_QSIZE(3)) = 16 | 16 << 16;
    cmd.u.queue.queue = 3;
    cmd.u.queue.flags = XNIC_QF_TX;
    assert_int_equal(admin(fx, 0, &cmd), 0);
    tx_go(fx, 0, 3, 1);
    assert_int_equal(qregs(fx, 0, 3)->tx_head, 1); /* the ring does not stall */
    assert_int_equal(*r32(fx, 0, XNIC_REG_QSTATUS(3)) >> XNIC_QS_ERR_SHIFT, XNIC_ERR_DMA);
    assert_int_equal(fx->faults, 1);
    assert_int_equal(fx->nwire, 0);
}

/* RSC: pool 1 sends a 20000-byte TSO packet to pool 2 (MAC ...:22) from a
 * 64 KiB area past the functions' areas; pool 2 has RX buffers there too. */
#define BIG_TX  0x80000u
#define BIG_RX  0x90000u
#define PAYLOAD 20000u

static size_t rsc_setup(struct fx *fx, uint32_t rx_flags, uint16_t pvid)
{
    size_t len = tcp_packet(fx->mem + BIG_TX, 0x22, 0x01, PAYLOAD);

    set_vport(fx, 1, 0x01, pvid, 0);
    set_vport(fx, 2, 0x22, pvid, XNIC_VPF_BCAST);
    start_queue(fx, 0, 1);
    enable_queue(fx, 0, 2, XNIC_QF_TX | XNIC_QF_RX | rx_flags);
    return len;
}

static void post_big(struct fx *fx, unsigned n, uint16_t buf_len)
{
    for (unsigned i = 0; i < n; i++)
        *rxd(fx, 0, 2, i) = (struct xnic_rx_desc){.addr = IOVA0 + BIG_RX + (uint64_t)i * buf_len,
                                                  .buf_len = buf_len};
    qregs(fx, 0, 2)->rx_tail = n;
}

static void send_tso(struct fx *fx, size_t len, uint8_t hdr_len)
{
    *txd(fx, 0, 1, 0) = (struct xnic_tx_desc){
        IOVA0 + BIG_TX, (uint16_t)len, 1448, hdr_len, XNIC_TXD_TSO | XNIC_TXD_EOP, 0};
    tx_go(fx, 0, 1, 1);
    assert_int_equal(txd(fx, 0, 1, 0)->status, XNIC_DS_DD);
}

static uint16_t be16_at(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The whole packet in pool 2's buffers, from the RX area: headers as sent
 * but for the IP length and checksums, payload untouched. */
static void check_whole(struct fx *fx, size_t len, unsigned ndesc)
{
    const uint8_t *rx = fx->mem + BIG_RX, *tx = fx->mem + BIG_TX;
    const struct xnic_rx_desc *eop = rxd(fx, 0, 2, ndesc - 1);

    for (unsigned i = 0; i + 1 < ndesc; i++) {
        assert_int_equal(rxd(fx, 0, 2, i)->status, XNIC_DS_DD);
        assert_int_equal(rxd(fx, 0, 2, i)->addr, IOVA0 + BIG_RX + (uint64_t)i * 8192);
    }
    assert_int_equal(eop->status & ~XNIC_RXS_VLAN,
                     XNIC_DS_DD | XNIC_RXS_EOP | XNIC_RXS_RSC | XNIC_RXS_IP_OK);
    assert_int_equal(eop->wb.gso_size, 1448);
    assert_int_equal(eop->wb.gso_type, XNIC_GSO_TCPV4);
    assert_int_equal(qregs(fx, 0, 2)->rx_head, ndesc);
    assert_int_equal(qstats(fx, 0, 2)->rx_packets, 1);
    assert_int_equal(qstats(fx, 0, 2)->rx_bytes, len);
    assert_memory_equal(rx, tx, 16);
    assert_int_equal(be16_at(rx + 16), len - 14);
    assert_memory_equal(rx + 18, tx + 18, 6);
    assert_memory_equal(rx + 26, tx + 26, 24);
    assert_memory_equal(rx + 52, tx + 52, len - 52);
    assert_int_equal(fx->nwire, 0);
    assert_int_equal(((struct xnic_wire_stats *)(fx->regs[0] + XNIC_REG_WSTATS))->veb_packets, 1);
}

/* The packet from pool 1 to pool 2 (both behind port VLAN pvid, or none)
 * arrives whole in three 8 KiB buffers. */
static void rsc_whole(struct fx *fx, uint16_t pvid)
{
    size_t len = rsc_setup(fx, XNIC_QF_RSC, pvid);

    post_big(fx, 8, 8192);
    send_tso(fx, len, 54);
    check_whole(fx, len, 3);
    assert_int_equal(qstats(fx, 0, 1)->tx_packets, 1);
}

static void test_rsc_tso_whole(void **state)
{
    rsc_whole(*state, 0);
}

static void test_rsc_port_vlan(void **state)
{
    struct fx *fx = *state;

    rsc_whole(fx, 5);
    assert_true(rxd(fx, 0, 2, 2)->status & XNIC_RXS_VLAN);
    assert_int_equal(rxd(fx, 0, 2, 2)->vlan_tci, 5);
}

/* The packet as a chain of three descriptors whose first one ends inside
 * the IP header (head_len bytes); the last one at last_iova. */
static void send_tso_chain(struct fx *fx, size_t len, uint16_t head_len, uint64_t last_iova)
{
    *txd(fx, 0, 1, 0) = (struct xnic_tx_desc){IOVA0 + BIG_TX, head_len, 1448, 54, XNIC_TXD_TSO, 0};
    put_txd(fx, 0, 1, 1, IOVA0 + BIG_TX + head_len, 5000, 0);
    put_txd(fx, 0, 1, 2, last_iova, (uint16_t)(len - head_len - 5000), XNIC_TXD_EOP);
    tx_go(fx, 0, 1, 3);
}

/* Headers cut over descriptors, payload over pages: the NIC reads the
 * headers, the payload goes from the sender's buffers to the receiver's. */
static void test_rsc_chain(void **state)
{
    struct fx *fx = *state;
    size_t len = rsc_setup(fx, XNIC_QF_RSC, 0);

    post_big(fx, 8, 8192);
    send_tso_chain(fx, len, 30, IOVA0 + BIG_TX + 5030);
    assert_int_equal(txd(fx, 0, 1, 2)->status, XNIC_DS_DD);
    check_whole(fx, len, 3);
}

/* A payload descriptor past the sender's memory: the packet fails with a
 * DMA error before a byte reaches the receiver. */
static void test_rsc_chain_fault(void **state)
{
    struct fx *fx = *state;
    size_t len = rsc_setup(fx, XNIC_QF_RSC, 0);

    post_big(fx, 8, 8192);
    send_tso_chain(fx, len, 30, IOVA0 + MEM + PG);
    assert_int_equal(XNIC_DS_ERR(txd(fx, 0, 1, 0)->status), XNIC_ERR_DMA);
    assert_int_equal(qstats(fx, 0, 1)->tx_errors, 1);
    assert_int_equal(qstats(fx, 0, 2)->rx_packets, 0);
    assert_int_equal(qregs(fx, 0, 2)->rx_head, 0);
    assert_int_equal(fx->faults, 1);
}

/* Segments of the 20000-byte packet at pool 2, each its own checksummed frame. */
static void check_segments(struct fx *fx, unsigned nseg, unsigned desc_per_seg)
{
    for (unsigned k = 0; k < nseg; k++) {
        uint16_t st = rxd(fx, 0, 2, k * desc_per_seg + desc_per_seg - 1)->status;

        assert_int_equal(st, XNIC_DS_DD | XNIC_RXS_EOP | XNIC_RXS_IP_OK | XNIC_RXS_L4_OK);
    }
    assert_int_equal(qstats(fx, 0, 2)->rx_packets, nseg);
}

static void test_rsc_off_segments(void **state)
{
    struct fx *fx = *state;
    size_t len = rsc_setup(fx, 0, 0);

    post_rx(fx, 0, 2, 15, 2048);
    send_tso(fx, len, 54);
    check_segments(fx, 14, 1); /* ceil(20000 / 1448) */
    assert_int_equal(qstats(fx, 0, 2)->rx_no_buf, 0);
}

static void test_rsc_no_room_segments(void **state)
{
    struct fx *fx = *state;
    size_t len = rsc_setup(fx, XNIC_QF_RSC, 0);

    /* 15 KiB posted cannot hold it whole: segments of 1502 bytes, two
     * buffers each, as long as buffers last; the rest counted. */
    post_rx(fx, 0, 2, 15, 1024);
    send_tso(fx, len, 54);
    check_segments(fx, 7, 2);
    assert_int_equal(qstats(fx, 0, 2)->rx_no_buf, 7);
}

static void test_rsc_csum_partial(void **state)
{
    struct fx *fx = *state;
    uint8_t *tx = fx->mem + BIG_TX, *rx = fx->mem + buf_off(0, 32);
    size_t len = rsc_setup(fx, XNIC_QF_RSC, 0);

    len = tcp_packet(tx, 0x22, 0x01, 100);
    post_rx(fx, 0, 2, 4, 2048);
    *txd(fx, 0, 1, 0) =
        (struct xnic_tx_desc){IOVA0 + BIG_TX, (uint16_t)len, 0, 0, XNIC_TXD_CSUM | XNIC_TXD_EOP, 0};
    tx_go(fx, 0, 1, 1);
    assert_int_equal(rxd(fx, 0, 2, 0)->status,
                     XNIC_DS_DD | XNIC_RXS_EOP | XNIC_RXS_RSC | XNIC_RXS_IP_OK);
    assert_int_equal(rxd(fx, 0, 2, 0)->wb.gso_type, XNIC_GSO_NONE);
    assert_int_equal(rxd(fx, 0, 2, 0)->wb.gso_size, 0);
    assert_memory_equal(rx + 54, tx + 54, 100);
    /* Broadcast keeps the old way: checksum filled and verified, wire too. */
    memset(tx, 0xff, 6);
    *txd(fx, 0, 1, 1) = *txd(fx, 0, 1, 0);
    tx_go(fx, 0, 1, 2);
    assert_int_equal(rxd(fx, 0, 2, 1)->status,
                     XNIC_DS_DD | XNIC_RXS_EOP | XNIC_RXS_IP_OK | XNIC_RXS_L4_OK);
    assert_int_equal(fx->nwire, 1);
}

/* A TCP/IPv4 frame to pool MAC dst_lo from 10.0.0.1:sport to 10.0.0.2:80. */
static size_t tcp_frame(uint8_t *p, unsigned dst_lo, uint16_t sport)
{
    static const uint8_t ip[20] = {0x45, 0, 0,  40, 0, 0, 0x40, 0, 64, 6,
                                   0,    0, 10, 0,  0, 1, 10,   0, 0,  2};

    memset(p, 0, 54);
    frame(p, dst_lo, 0x77, 14);
    p[12] = 0x08;
    p[13] = 0x00;
    memcpy(p + 14, ip, sizeof(ip));
    p[34] = (uint8_t)(sport >> 8);
    p[35] = (uint8_t)sport;
    p[37] = 80;
    p[46] = 0x50; /* data offset 5 */
    return 54;
}

static const uint8_t rss_key[XNIC_RSS_KEY_SIZE] = {0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
                                                   0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0};

static int rss_config(struct fx *fx, unsigned pool, uint8_t types, const uint8_t *table,
                      unsigned size)
{
    struct xnic_admin cmd = {.opcode = XNIC_CMD_RSS_CONFIG};

    cmd.u.rss.pool = (uint8_t)pool;
    cmd.u.rss.types = types;
    cmd.u.rss.table_size = (uint16_t)size;
    memcpy(cmd.u.rss.key, rss_key, sizeof(rss_key));
    memcpy(cmd.u.rss.table, table, size);
    return admin(fx, 0, &cmd);
}

/* Pool 1 owns PF queues 1 and 5; its RSS table spreads TCP flows over both,
 * each EOP descriptor carrying the Toeplitz hash, and both queues transmit
 * as the pool (anti-spoofing by the pool's MAC). */
static void test_rss_spreads_flows(void **state)
{
    struct fx *fx = *state;
    static const uint8_t table[4] = {0, 1, 1, 0};
    unsigned got[2] = {0, 0};
    uint8_t f[64];

    assert_int_equal(*r32(fx, 0, XNIC_REG_NQUEUES), POOLS * PQ);
    assert_int_equal(*r32(fx, 0, XNIC_REG_POOLS), POOLS);
    assert_int_equal(*r32(fx, 0, XNIC_REG_POOL_QUEUES), PQ);
    set_vport(fx, 1, 0x11, 0, XNIC_VPF_SPOOFCHK);
    start_queue(fx, 0, 1);
    start_queue(fx, 0, 5);
    post_rx(fx, 0, 1, 15, 2048);
    post_rx(fx, 0, 5, 15, 2048);
    assert_int_equal(rss_config(fx, 1, XNIC_RSS_TYPE_IPV4 | XNIC_RSS_TYPE_TCPV4, table, 4), 0);
    for (uint16_t sport = 1000; sport < 1012; sport++) {
        size_t len = tcp_frame(f, 0x11, sport);
        uint32_t hash;
        uint8_t htype;
        unsigned k;
        struct xnic_rx_desc *d;

        assert_int_equal(toeplitz_flow_hash(rss_key, sizeof(rss_key), 0x3, f, len, &hash, &htype),
                         0);
        k = table[hash % 4];
        xnic_dev_wire_rx(fx->dev, f, len);
        d = rxd(fx, 0, k ? 5 : 1, got[k]++);
        assert_true(d->status & XNIC_RXS_RSS);
        assert_int_equal(d->wb.rss_hash, hash);
        assert_int_equal(d->wb.hash_type, XNIC_RSS_TYPE_TCPV4);
    }
    assert_true(got[0] > 0 && got[1] > 0);
    assert_int_equal(qstats(fx, 0, 1)->rx_packets + qstats(fx, 0, 5)->rx_packets, 12);
    /* A frame RSS does not cover (not IP) goes to the pool's queue 0, no hash. */
    xnic_dev_wire_rx(fx->dev, f, frame(f, 0x11, 0x77, 64));
    assert_false(rxd(fx, 0, 1, got[0])->status & XNIC_RXS_RSS);
    /* TX from the pool's second queue is the pool's: its MAC passes. */
    frame(fx->mem + buf_off(0, 0), 0x42, 0x11, 64);
    put_txd(fx, 0, 5, 0, IOVA0 + buf_off(0, 0), 64, XNIC_TXD_EOP);
    tx_go(fx, 0, 5, 1);
    assert_int_equal(fx->nwire, 1);
    assert_int_equal(qstats(fx, 0, 5)->tx_packets, 1);
}

static void test_rss_admin_and_flr(void **state)
{
    struct fx *fx = *state;
    static const uint8_t bad[2] = {0, PQ}, good[1] = {1};
    uint8_t f[64];

    assert_int_equal(rss_config(fx, 1, XNIC_RSS_TYPE_TCPV4, bad, 2), -EINVAL);
    assert_int_equal(rss_config(fx, POOLS, XNIC_RSS_TYPE_TCPV4, good, 1), -EINVAL);
    assert_int_equal(rss_config(fx, 1, 0x10, good, 1), -EINVAL);
    assert_int_equal(rss_config(fx, 1, XNIC_RSS_TYPE_TCPV4, good, 0), -EINVAL);
    assert_int_equal(rss_config(fx, 1, XNIC_RSS_TYPE_TCPV4, good, 1), 0);
    /* A VF may not steer a pool. */
    {
        struct xnic_admin cmd = {.opcode = XNIC_CMD_RSS_CONFIG};

        assert_int_equal(admin(fx, 1, &cmd), -EPERM);
    }
    /* The PF reset forgets RSS: everything lands on the pool's queue 0 again. */
    assert_int_equal(xnic_dev_flr(fx->dev, 0), 0);
    fx->seq[0] = 0;
    set_vport(fx, 1, 0x11, 0, 0);
    start_queue(fx, 0, 1);
    start_queue(fx, 0, 5);
    post_rx(fx, 0, 1, 4, 2048);
    post_rx(fx, 0, 5, 4, 2048);
    for (uint16_t sport = 1; sport < 5; sport++)
        xnic_dev_wire_rx(fx->dev, f, tcp_frame(f, 0x11, sport));
    assert_int_equal(qstats(fx, 0, 1)->rx_packets, 4);
    assert_int_equal(qstats(fx, 0, 5)->rx_packets, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_tx_chain_to_wire),
        T(test_incomplete_chain_waits),
        T(test_tx_polling),
        T(test_tx_dma_fault),
        T(test_rx_multi_buffer_and_default_pool),
        T(test_masked_vector),
        T(test_vf_spoof_and_port_vlan),
        T(test_access_port_and_trunk),
        T(test_veb_pool_to_vf),
        T(test_tso_to_wire),
        T(test_tso_mss_floor),
        T(test_vf_weight_is_the_pfs),
        T(test_tso_charged_per_segment),
        T(test_admin_rules),
        T(test_mailbox),
        T(test_flr_stops_dma),
        T(test_pf_park_take_over),
        T(test_bad_tail),
        T(test_unmapped_ring),
        T(test_rsc_tso_whole),
        T(test_rsc_port_vlan),
        T(test_rsc_off_segments),
        T(test_rsc_no_room_segments),
        T(test_rsc_csum_partial),
        T(test_rsc_chain),
        T(test_rsc_chain_fault),
        T(test_rss_spreads_flows),
        T(test_rss_admin_and_flr),
        T(test_jumbo),
        T(test_pf_reset_keeps_vf),
        cmocka_unit_test_setup_teardown(test_tso_to_offload_wire, setup_offload_wire, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
