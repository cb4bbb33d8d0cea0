/*
 * xnic-native: drives a running xnic from one plain process, playing both the
 * hypervisor (attach, IOMMU, FLR over the control socket) and the owner (the
 * xnic driver library), with no domains.  Each scenario checks one behaviour
 * the integration tests need and exits 0 when it holds.
 *
 *   xnic-native --control PATH [--control2 PATH] [--ifname IF] SCENARIO
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sv/log.h"
#include "sv/util.h"
#include "../harness/xnic_host.h"

#define MEM_SIZE (8u << 20)
#define RING     256u
#define BUF      2048u
#define WAIT_MS  2000

struct opts {
    const char *ctl, *ctl2, *ifname;
};

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* The PF with pools 0..npools-1 started, pool p owning MAC 02:00:00:00:00:p
 * with broadcast accepted. */
struct pf {
    struct xhost h;
    struct xnic_drv *d;
    struct xq q[4];
};

static int pf_up(struct pf *pf, const char *ctl, unsigned npools, bool poll_mode)
{
    int rc = xhost_open(&pf->h, ctl, MEM_SIZE);

    if (rc < 0)
        return rc;
    pf->d = xhost_attach(&pf->h, 0, poll_mode);
    if (!pf->d)
        return -EIO;
    for (unsigned p = 0; p < npools; p++) {
        uint8_t mac[6];

        xhost_mac(mac, 0, p);
        if ((rc = xq_start(&pf->h, pf->d, p, RING, BUF, &pf->q[p])) < 0 ||
            (rc = xnic_drv_vport_config(pf->d, p, mac, 0, XNIC_VPF_BCAST)) < 0)
            return rc;
    }
    return 0;
}

/* Plays the hypervisor noticing the owner went away: detach, then close. */
static void pf_down(struct pf *pf)
{
    xhost_ctl(&pf->h, XNIC_CTL_DETACH, 0);
    xnic_drv_close(pf->d);
    xhost_close(&pf->h);
}

static const struct xnic_wire_stats *wstats(const struct pf *pf)
{
    return (const struct xnic_wire_stats *)(xnic_drv_regs(pf->d) + XNIC_REG_WSTATS);
}

static int send_frames(struct xq *xq, const uint8_t dst[6], const uint8_t src[6], unsigned n,
                       size_t len)
{
    uint8_t f[BUF];

    for (unsigned i = 0; i < n; i++) {
        size_t fl = xhost_frame(f, len, dst, src, i);
        int rc;

        while ((rc = xq_post(xq, f, fl, 0, 0, 0)) == -ENOSPC) {
            xnic_drv_tx_kick(xq->d, xq->q);
            usleep(100);
        }
        if (rc < 0)
            return rc;
    }
    xnic_drv_tx_kick(xq->d, xq->q);
    return 0;
}

static unsigned recv_count(struct xq *xq, unsigned want, int timeout_ms)
{
    uint8_t f[BUF];
    unsigned got = 0;

    while (got < want && xq_recv(xq, f, sizeof(f), NULL, timeout_ms) > 0)
        got++;
    return got;
}

/* Pool 1 -> pool 2 stays inside the NIC; a broadcast reaches pools 2 and 3
 * and the wire. */
static int sc_veb(const struct opts *o)
{
    struct pf pf;
    uint8_t m1[6], m2[6], bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint64_t wire0;

    CHECK(pf_up(&pf, o->ctl, 4, false) == 0, "PF bring-up");
    xhost_mac(m1, 0, 1);
    xhost_mac(m2, 0, 2);
    wire0 = wstats(&pf)->tx_packets;
    CHECK(send_frames(&pf.q[1], m2, m1, 100, 64) == 0, "send");
    CHECK(recv_count(&pf.q[2], 100, WAIT_MS) == 100, "pool 2 got all 100 frames");
    CHECK(wstats(&pf)->tx_packets == wire0, "nothing went to the wire");
    CHECK(wstats(&pf)->veb_packets >= 100, "VEB counted the frames");
    CHECK(send_frames(&pf.q[1], bc, m1, 1, 64) == 0, "send broadcast");
    CHECK(recv_count(&pf.q[2], 1, WAIT_MS) == 1 && recv_count(&pf.q[3], 1, WAIT_MS) == 1,
          "broadcast replicated to pools 2 and 3");
    CHECK(recv_count(&pf.q[1], 1, 100) == 0, "no echo to the sender");
    CHECK(wstats(&pf)->tx_packets == wire0 + 1, "broadcast also on the wire");
    pf_down(&pf);
    printf("PASS veb\n");
    return 0;
}

/* A TX descriptor pointing at an unmapped IOVA completes with XNIC_ERR_DMA,
 * the fault reaches the control socket, and the queue keeps working. */
static int sc_fault(const struct opts *o)
{
    struct pf pf;
    uint8_t m1[6], m2[6];
    struct xnic_drv_seg bad = {XHOST_IOVA_BASE + MEM_SIZE + 0x5000, 64};
    struct xnic_drv_tx_done done;
    unsigned n = 0;

    CHECK(pf_up(&pf, o->ctl, 3, false) == 0, "PF bring-up");
    xhost_mac(m1, 0, 1);
    xhost_mac(m2, 0, 2);
    CHECK(xnic_drv_tx(pf.d, 1, &bad, 1, 0, 0, 0, NULL) == 0, "post bad descriptor");
    xnic_drv_tx_kick(pf.d, 1);
    for (int i = 0; i < 200 && !n; i++) {
        usleep(5000);
        n = xnic_drv_tx_reap(pf.d, 1, &done, 1);
    }
    CHECK(n == 1 && XNIC_DS_ERR(done.status) == XNIC_ERR_DMA,
          "bad descriptor completes with DMA error (status %#x)", n ? done.status : 0);
    pf.q[1].tx_posted++; /* the harness's buffer slot count follows the ring */
    xhost_sync(&pf.h);
    CHECK(pf.h.faults >= 1, "fault reported on the control socket");
    CHECK(pf.h.last_fault.iova == bad.iova && !pf.h.last_fault.write &&
              pf.h.last_fault.reason == IOMMU_FAULT_NOT_MAPPED,
          "fault record names the IOVA and a read");
    CHECK(send_frames(&pf.q[1], m2, m1, 10, 64) == 0, "send after the fault");
    CHECK(recv_count(&pf.q[2], 10, WAIT_MS) == 10, "device keeps working");
    pf_down(&pf);
    printf("PASS fault (fault at iova 0x%llx)\n", (unsigned long long)bad.iova);
    return 0;
}

/* A VF whose MAC the PF set (anti-spoofing on) cannot send from another MAC. */
static int sc_spoof(const struct opts *o)
{
    struct pf pf;
    struct xnic_drv *vf;
    struct xq vq;
    struct xnic_queue_stats st;
    uint8_t vmac[6], fake[6], m2[6];
    unsigned vport;

    CHECK(pf_up(&pf, o->ctl, 3, false) == 0, "PF bring-up");
    CHECK(pf.h.info.vfs >= 1, "xnic has a VF");
    vport = pf.h.info.pools; /* VF 0 */
    xhost_mac(vmac, 1, 0);
    xhost_mac(fake, 0x66, 0x66);
    xhost_mac(m2, 0, 2);
    CHECK(xnic_drv_vport_config(pf.d, vport, vmac, 0, XNIC_VPF_SPOOFCHK | XNIC_VPF_BCAST) == 0,
          "PF sets VF MAC");
    vf = xhost_attach(&pf.h, 1, false);
    CHECK(vf && xnic_drv_is_vf(vf), "VF attached");
    CHECK(!memcmp((const uint8_t *)xnic_drv_regs(vf) + XNIC_REG_MAC, vmac, 6), "VF sees its MAC");
    CHECK(xnic_drv_filter_add(vf, m2, XNIC_VLAN_ANY, 0) == -EPERM, "VF cannot program filters");
    CHECK(xq_start(&pf.h, vf, 0, RING, BUF, &vq) == 0, "VF queue");
    CHECK(send_frames(&vq, m2, fake, 5, 64) == 0, "send spoofed");
    CHECK(recv_count(&pf.q[2], 1, 300) == 0, "spoofed frames dropped");
    xnic_drv_stats(vf, 0, &st);
    CHECK(st.tx_spoofed == 5 && st.tx_packets == 0, "spoof counted (%llu)",
          (unsigned long long)st.tx_spoofed);
    {
        static struct xnic_func_stats hs;

        CHECK(xhost_stats(&pf.h, 1, &hs) == 0 && hs.nqueues == 1 && hs.queue[0].tx_spoofed == 5,
              "the hypervisor reads the spoof count over the control socket");
    }
    CHECK(send_frames(&vq, m2, vmac, 5, 64) == 0, "send genuine");
    CHECK(recv_count(&pf.q[2], 5, WAIT_MS) == 5, "genuine frames delivered");
    CHECK(send_frames(&pf.q[2], vmac, m2, 3, 64) == 0, "pool -> VF");
    CHECK(recv_count(&vq, 3, WAIT_MS) == 3, "VF receives from the pool");
    xhost_ctl(&pf.h, XNIC_CTL_DETACH, 1);
    xnic_drv_close(vf);
    pf_down(&pf);
    printf("PASS spoof\n");
    return 0;
}

/* PF <-> VF mailbox across two functions: pending bits, one message in
 * flight per direction. */
static int sc_mailbox(const struct opts *o)
{
    struct pf pf;
    struct xnic_drv *vf;
    char msg[XNIC_MBX_MSG_SIZE];
    const volatile uint32_t *pf_pend, *vf_pend;

    CHECK(pf_up(&pf, o->ctl, 1, false) == 0, "PF bring-up");
    vf = xhost_attach(&pf.h, 1, false);
    CHECK(vf, "VF attached");
    pf_pend = (const volatile uint32_t *)(xnic_drv_regs(pf.d) + XNIC_REG_MBX_PEND);
    vf_pend = (const volatile uint32_t *)(xnic_drv_regs(vf) + XNIC_REG_MBX_PEND);
    CHECK(xnic_drv_mbx_send(vf, 0, "need-mac", 8) == 0, "VF sends");
    CHECK(xnic_drv_mbx_send(vf, 0, "again", 5) == -EBUSY, "one message in flight");
    CHECK(*pf_pend == 1, "PF sees VF 0 pending");
    CHECK(xnic_drv_mbx_recv(pf.d, 0, msg, sizeof(msg)) == 8 && !memcmp(msg, "need-mac", 8),
          "PF reads it");
    CHECK(*pf_pend == 0, "pending cleared");
    CHECK(xnic_drv_mbx_send(pf.d, 0, "02:00:00:00:01:00", 17) == 0, "PF replies");
    CHECK(*vf_pend == 1, "VF sees the reply pending");
    CHECK(xnic_drv_mbx_recv(vf, 0, msg, sizeof(msg)) == 17, "VF reads it");
    CHECK(xnic_drv_mbx_recv(vf, 0, msg, sizeof(msg)) == -ENOENT, "nothing more");
    xhost_ctl(&pf.h, XNIC_CTL_DETACH, 1);
    xnic_drv_close(vf);
    pf_down(&pf);
    printf("PASS mailbox\n");
    return 0;
}

static bool pattern_intact(const uint8_t *p, size_t len, uint8_t v)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != v)
            return false;
    }
    return true;
}

/* FLR during traffic: afterwards the device reads no descriptor and writes no
 * buffer of the function. */
static int sc_flr(const struct opts *o)
{
    struct pf pf;
    uint8_t m1[6], m2[6], f[BUF];
    uint32_t head;
    size_t rxlen;

    CHECK(pf_up(&pf, o->ctl, 3, false) == 0, "PF bring-up");
    xhost_mac(m1, 0, 1);
    xhost_mac(m2, 0, 2);
    CHECK(send_frames(&pf.q[1], m2, m1, 200, 256) == 0, "traffic");
    CHECK(xhost_ctl(&pf.h, XNIC_CTL_FLR, 0) == 0, "FLR");
    usleep(100000);
    /* Fresh descriptors and buffers after the reset must stay untouched. */
    rxlen = (size_t)RING * BUF;
    memset(pf.q[2].rx_buf, 0xaa, rxlen);
    memset(pf.q[1].tx_ring, 0, RING * sizeof(struct xnic_tx_desc));
    head = *(const volatile uint32_t *)(xnic_drv_regs(pf.d) + XNIC_REG_QUEUE(1) +
                                        offsetof(struct xnic_queue_regs, tx_head));
    CHECK(head == 0, "TX head reset");
    for (unsigned i = 0; i < 50; i++) {
        struct xnic_tx_desc *d = (struct xnic_tx_desc *)pf.q[1].tx_ring + i;

        *d = (struct xnic_tx_desc){pf.q[1].tx_iova, 64, 0, 0, XNIC_TXD_EOP, 0};
    }
    *(volatile uint32_t *)(xnic_drv_regs(pf.d) + XNIC_REG_QUEUE(1) +
                           offsetof(struct xnic_queue_regs, tx_tail)) = 50;
    xhost_frame(f, 64, m2, m1, 0);
    usleep(200000);
    for (unsigned i = 0; i < 50; i++)
        CHECK(!((struct xnic_tx_desc *)pf.q[1].tx_ring)[i].status, "no TX write-back after FLR");
    CHECK(pattern_intact(pf.q[2].rx_buf, rxlen, 0xaa), "no RX DMA after FLR");
    CHECK(
        !(*(const volatile uint32_t *)(xnic_drv_regs(pf.d) + XNIC_REG_QSTATUS(1)) & XNIC_QS_TX_EN),
        "queue disabled");
    pf_down(&pf);
    printf("PASS flr\n");
    return 0;
}

/*
 * Two saturating pools, pool 1 sending 256-byte frames and pool 2 1500-byte
 * frames, both to pool 0 through the switch, whose RX ring then records the
 * order the TX scheduler sent them in.  Both TX rings are filled before
 * either tail moves, and the device polls (no doorbell: both tails become
 * visible at once), so both pools have a backlog until pool 0's ring is
 * full: each must have at least 45% of the bytes pool 0 received.  A
 * scheduler counting packets gives pool 1 15%, one serving a queue until it
 * is empty 0 or 100%.  (256, not 64 bytes: a turn is 64 KiB, and the ring's
 * 4095 frames must span enough turns of both pools for one turn more or
 * less to stay within 5%.)  Needs an xnic run with --poll.
 */
#define FAIR_RING 4096u
#define FAIR_BUF  2048u
#define FAIR_MEM  (12u << 20)

static int fair_queue(struct xhost *h, struct xnic_drv *d, unsigned q)
{
    struct xnic_drv_rings r = {.tx_size = FAIR_RING, .rx_size = FAIR_RING};

    r.tx = xhost_alloc(h, FAIR_RING * sizeof(struct xnic_tx_desc), &r.tx_iova);
    r.rx = xhost_alloc(h, FAIR_RING * sizeof(struct xnic_rx_desc), &r.rx_iova);
    return r.tx && r.rx ? xnic_drv_queue_start(d, q, &r, 1) : -ENOMEM;
}

static int sc_fair(const struct opts *o)
{
    static const size_t len[3] = {0, 256, 1500};
    struct xnic_drv_rx_done done[64];
    struct xhost h;
    struct xnic_drv *d;
    uint8_t mac0[6], src[6], *rx, *frame;
    uint64_t rx_iova, iova, bytes[3] = {0};
    unsigned got = 0, n;
    double a, b;

    CHECK(xhost_open(&h, o->ctl, FAIR_MEM) == 0, "host memory");
    d = xhost_attach(&h, 0, true);
    CHECK(d, "PF attach");
    xhost_mac(mac0, 0, 0);
    CHECK(xnic_drv_vport_config(d, 0, mac0, 0, 0) == 0, "pool 0 MAC");
    for (unsigned q = 0; q < 3; q++)
        CHECK(fair_queue(&h, d, q) == 0, "queue %u", q);
    rx = xhost_alloc(&h, (size_t)FAIR_RING * FAIR_BUF, &rx_iova);
    CHECK(rx, "RX buffers");
    for (unsigned i = 0; i < FAIR_RING - 1; i++)
        xnic_drv_rx_post(d, 0, rx_iova + (uint64_t)i * FAIR_BUF, FAIR_BUF,
                         (void *)(uintptr_t)(i + 1));
    xnic_drv_rx_kick(d, 0);
    for (unsigned p = 1; p <= 2; p++) {
        struct xnic_drv_seg seg = {0, (uint16_t)len[p]};

        frame = xhost_alloc(&h, FAIR_BUF, &iova);
        CHECK(frame, "TX buffer");
        xhost_mac(src, 0, p);
        xhost_frame(frame, len[p], mac0, src, 0);
        seg.iova = iova;
        for (unsigned i = 0; i < FAIR_RING - 1; i++)
            CHECK(xnic_drv_tx(d, p, &seg, 1, 0, 0, 0, NULL) == 0, "TX post");
    }
    xnic_drv_tx_kick(d, 1);
    xnic_drv_tx_kick(d, 2);
    for (time_t end = time(NULL) + WAIT_MS / 1000 + 1; got < FAIR_RING - 1 && time(NULL) < end;) {
        n = xnic_drv_rx_reap(d, 0, done, 64);
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *f = rx + ((uintptr_t)done[i].cookie - 1) * FAIR_BUF;

            bytes[f[11] < 3 ? f[11] : 0] += done[i].len;
        }
        got += n;
    }
    a = (double)bytes[1];
    b = (double)bytes[2];
    printf("pool 0 received %u frames: pool 1 (256 B) %.0f bytes, pool 2 (1500 B) %.0f bytes "
           "(%.1f%% / %.1f%%)\n",
           got, a, b, 100 * a / (a + b), 100 * b / (a + b));
    CHECK(got == FAIR_RING - 1 && !bytes[0], "pool 0 got a full ring from pools 1 and 2");
    CHECK(a / (a + b) >= 0.45 && b / (a + b) >= 0.45, "each pool >= 45%% of the bytes");
    xhost_ctl(&h, XNIC_CTL_DETACH, 0);
    xnic_drv_close(d);
    xhost_close(&h);
    printf("PASS fair\n");
    return 0;
}

static int packet_socket(const char *ifname)
{
    unsigned idx = if_nametoindex(ifname);
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)idx};
    int s;

    if (!idx)
        return -1;
    s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (s >= 0 && bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        close(s);
        return -1;
    }
    return s;
}

/* Counts frames from src seen on the packet socket within timeout. */
static unsigned capture(int s, const uint8_t src[6], unsigned want, int timeout_ms)
{
    uint8_t f[BUF];
    unsigned got = 0;
    struct pollfd pfd = {s, POLLIN, 0};

    while (got < want && poll(&pfd, 1, timeout_ms) > 0) {
        ssize_t n = recv(s, f, sizeof(f), 0);

        if (n >= 14 && !memcmp(f + 6, src, 6))
            got++;
    }
    return got;
}

/* Frames sent on a pool appear on the host interface; frames injected there
 * land in the pool owning their MAC, unknown unicast in the default pool. */
static int sc_tap(const struct opts *o)
{
    struct pf pf;
    uint8_t m0[6], m1[6], m2[6], host[6], other[6], f[BUF];
    int s;

    CHECK(o->ifname, "--ifname needed");
    s = packet_socket(o->ifname);
    CHECK(s >= 0, "packet socket on %s", o->ifname);
    CHECK(pf_up(&pf, o->ctl, 3, false) == 0, "PF bring-up");
    xhost_mac(m0, 0, 0);
    xhost_mac(m1, 0, 1);
    xhost_mac(m2, 0, 2);
    xhost_mac(host, 0x55, 0x01);
    xhost_mac(other, 0x55, 0x99);
    CHECK(send_frames(&pf.q[1], host, m1, 20, 100) == 0, "pool 1 sends");
    CHECK(capture(s, m1, 20, WAIT_MS) == 20, "20 frames seen on %s", o->ifname);
    for (uint32_t i = 0; i < 10; i++) {
        size_t n = xhost_frame(f, 100, m2, host, i);

        CHECK(send(s, f, n, 0) == (ssize_t)n, "inject to pool 2");
        n = xhost_frame(f, 100, other, host, i);
        CHECK(send(s, f, n, 0) == (ssize_t)n, "inject unknown unicast");
    }
    CHECK(recv_count(&pf.q[2], 10, WAIT_MS) == 10, "pool 2 got its frames");
    CHECK(recv_count(&pf.q[0], 10, WAIT_MS) == 10, "default pool got unknown unicast");
    CHECK(recv_count(&pf.q[1], 1, 100) == 0, "pool 1 got none");
    close(s);
    pf_down(&pf);
    printf("PASS tap\n");
    return 0;
}

/* Two xnics joined by vxlan: wires: a frame from A's pool 1 reaches B's pool 1. */
static int sc_vxlan(const struct opts *o)
{
    struct pf a, b;
    uint8_t ma[6], mb[6];

    CHECK(o->ctl2, "--control2 needed");
    CHECK(pf_up(&a, o->ctl, 2, false) == 0, "A bring-up");
    CHECK(pf_up(&b, o->ctl2, 2, false) == 0, "B bring-up");
    xhost_mac(ma, 0xa, 1);
    xhost_mac(mb, 0xb, 1);
    CHECK(xnic_drv_vport_config(a.d, 1, ma, 0, XNIC_VPF_BCAST) == 0, "A pool 1 MAC");
    CHECK(xnic_drv_vport_config(b.d, 1, mb, 0, XNIC_VPF_BCAST) == 0, "B pool 1 MAC");
    CHECK(send_frames(&a.q[1], mb, ma, 50, 1000) == 0, "A sends");
    CHECK(recv_count(&b.q[1], 50, WAIT_MS) == 50, "B pool 1 got them");
    CHECK(send_frames(&b.q[1], ma, mb, 50, 1000) == 0, "B sends");
    CHECK(recv_count(&a.q[1], 50, WAIT_MS) == 50, "A pool 1 got them");
    pf_down(&b);
    pf_down(&a);
    printf("PASS vxlan\n");
    return 0;
}

#define NFRAMES    8u
#define FRAME_IOVA 0x80000000ull

/* Maps NFRAMES one-page memfds (as a hypervisor maps shareable frames, in one
 * batch of backings and one batch of mappings) and posts them as pool 3's RX
 * buffers: frames land in those pages; after an unmap batch the device blocks
 * the DMA and completes the descriptor with XNIC_ERR_DMA. */
static int sc_frames(const struct opts *o)
{
    struct pf pf;
    int fds[NFRAMES];
    uint8_t *page[NFRAMES], m1[6], m2[6], f[BUF];
    struct xnic_ctl_backing b = {.id = 10};
    struct xnic_ctl_map maps[NFRAMES];
    struct xnic_drv_rx_done done[NFRAMES];
    struct xnic_drv_rings r = {.tx_size = 16, .rx_size = 16};
    unsigned got = 0;

    CHECK(pf_up(&pf, o->ctl, 2, false) == 0, "PF bring-up");
    for (unsigned i = 0; i < NFRAMES; i++) {
        fds[i] = xhost_memfd("frame", SV_PAGE_SIZE);
        CHECK(fds[i] >= 0, "frame memfd");
        page[i] = mmap(NULL, SV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
        maps[i] = (struct xnic_ctl_map){FRAME_IOVA + i * SV_PAGE_SIZE, 0, 1, 10 + i,
                                        IOMMU_PERM_READ | IOMMU_PERM_WRITE};
    }
    CHECK(xnic_ctl_call(pf.h.ctl, XNIC_CTL_IOMMU_BACKING, 0, &b, sizeof(b), fds, NFRAMES, NULL, 0,
                        NULL, NULL) == 0,
          "backings in one message");
    CHECK(xnic_ctl_call(pf.h.ctl, XNIC_CTL_IOMMU_MAP, 0, maps, sizeof(maps), NULL, 0, NULL, 0, NULL,
                        NULL) == 0,
          "mappings in one message");
    /* Pool 3 gets rings but no harness buffers: its RX buffers are the frames. */
    r.tx = xhost_alloc(&pf.h, SV_PAGE_SIZE, &r.tx_iova);
    r.rx = xhost_alloc(&pf.h, SV_PAGE_SIZE, &r.rx_iova);
    xhost_mac(m1, 0, 1);
    xhost_mac(m2, 0, 3);
    CHECK(r.tx && r.rx && xnic_drv_queue_start(pf.d, 3, &r, 1) == 0 &&
              xnic_drv_vport_config(pf.d, 3, m2, 0, 0) == 0,
          "pool 3");
    for (unsigned i = 0; i < NFRAMES; i++)
        CHECK(xnic_drv_rx_post(pf.d, 3, FRAME_IOVA + i * SV_PAGE_SIZE, 2048,
                               (void *)(uintptr_t)(i + 1)) == 0,
              "post frame %u", i);
    xnic_drv_rx_kick(pf.d, 3);
    CHECK(xhost_unmap(&pf.h, 0, FRAME_IOVA + 6 * SV_PAGE_SIZE, 2) == 0, "unmap frames 6, 7");
    CHECK(send_frames(&pf.q[1], m2, m1, NFRAMES, 200) == 0, "send");
    for (int t = 0; t < 400 && got < NFRAMES; t++) {
        got += xnic_drv_rx_reap(pf.d, 3, done + got, NFRAMES - got);
        usleep(5000);
    }
    CHECK(got == NFRAMES, "all %u buffers completed (%u)", NFRAMES, got);
    for (unsigned i = 0; i < NFRAMES; i++) {
        unsigned k = (unsigned)((uintptr_t)done[i].cookie - 1);

        xhost_frame(f, 200, m2, m1, i);
        if (k < 6)
            CHECK(!XNIC_DS_ERR(done[i].status) && !memcmp(page[k], f, 200), "frame %u in page", k);
        else
            CHECK(XNIC_DS_ERR(done[i].status) == XNIC_ERR_DMA, "frame %u blocked", k);
    }
    for (unsigned i = 0; i < NFRAMES; i++) {
        munmap(page[i], SV_PAGE_SIZE);
        close(fds[i]);
    }
    pf_down(&pf);
    printf("PASS frames\n");
    return 0;
}

static int queued_calls, queued_status;

static void queued_done(void *ctx, int status)
{
    (void)ctx;
    queued_calls++;
    queued_status = status;
}

/* Serves the queue until nothing waits (2 s at most): true when so. */
static bool queued_settle(struct xnic_drv *d)
{
    for (int i = 0; i < 2000; i++) {
        if (!xnic_drv_admin_service(d))
            return true;
        usleep(1000);
    }
    return false;
}

/* Queued admin (netdd's): commands return at once, a barrier reports the
 * first failure of those before it, from the service and never from the
 * call that queued it, and commands are done in order. */
static int sc_queued(const struct opts *o)
{
    struct pf pf;
    uint8_t m[6];

    CHECK(pf_up(&pf, o->ctl, 3, false) == 0, "PF bring-up");
    xhost_mac(m, 0x42, 1);
    xnic_drv_admin_queued(pf.d, true);
    CHECK(xnic_drv_vport_config(pf.d, 1, m, 0, 1u << 30) == 0, "a bad command is only queued");
    CHECK(xnic_drv_filter_add(pf.d, m, XNIC_VLAN_ANY, 1) == 0, "a good one too");
    CHECK(xnic_drv_admin_barrier(pf.d, queued_done, NULL) == 0, "barrier queued");
    CHECK(queued_calls == 0, "a barrier's done runs not inside the call that queued it");
    CHECK(queued_settle(pf.d), "the queue empties");
    CHECK(queued_calls == 1 && queued_status == -EINVAL, "the barrier reports the bad one (%d)",
          queued_status);
    /* The next barrier reports only what came after the last one. */
    CHECK(xnic_drv_filter_del(pf.d, m, XNIC_VLAN_ANY, 1) == 0, "filter removal queued");
    CHECK(xnic_drv_admin_barrier(pf.d, queued_done, NULL) == 0, "second barrier");
    CHECK(queued_settle(pf.d), "the queue empties again");
    CHECK(queued_calls == 2 && queued_status == 0, "the second barrier: 0 (%d)", queued_status);
    /* The removal ran after the add: a second removal finds nothing. */
    xnic_drv_admin_queued(pf.d, false);
    CHECK(xnic_drv_filter_del(pf.d, m, XNIC_VLAN_ANY, 1) < 0, "the filter was added, then removed");
    pf_down(&pf);
    printf("PASS queued\n");
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(const struct opts *o);
    const char *help;
} scenarios[] = {
    {"veb", sc_veb, "pool->pool inside the NIC, broadcast replication"},
    {"fault", sc_fault, "DMA to an unmapped IOVA blocked, reported, device keeps working"},
    {"spoof", sc_spoof, "VF anti-spoofing drops and counts"},
    {"mailbox", sc_mailbox, "PF <-> VF mailbox"},
    {"flr", sc_flr, "FLR during traffic stops DMA"},
    {"queued", sc_queued, "queued admin commands: barriers report, in order, never inline"},
    {"fair", sc_fair, "two saturating pools get >= 45% each (xnic --poll)"},
    {"frames", sc_frames, "RX into one-page frames mapped in batches; unmapped ones blocked"},
    {"tap", sc_tap, "frames to/from a host interface (--ifname)"},
    {"vxlan", sc_vxlan, "two xnics over vxlan: (--control2)"},
};

static noreturn void usage(void)
{
    fprintf(stderr, "usage: xnic-native --control PATH [--control2 PATH] [--ifname IF] SCENARIO\n");
    for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++)
        fprintf(stderr, "  %-6s %s\n", scenarios[i].name, scenarios[i].help);
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option lopts[] = {{"control", required_argument, NULL, 'c'},
                                          {"control2", required_argument, NULL, 'C'},
                                          {"ifname", required_argument, NULL, 'i'},
                                          {NULL, 0, NULL, 0}};
    struct opts o = {0};
    int c;

    log_init(argv[0]);
    while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o.ctl = optarg;
            break;
        case 'C':
            o.ctl2 = optarg;
            break;
        case 'i':
            o.ifname = optarg;
            break;
        default:
            usage();
        }
    }
    if (!o.ctl || optind != argc - 1)
        usage();
    for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++) {
        if (!strcmp(argv[optind], scenarios[i].name))
            return scenarios[i].fn(&o);
    }
    usage();
}
