/*
 * guest-io: what a guest's relay between its programs and netfront pays per
 * frame at its end of the path, for the two ways it can reach the guest's
 * kernel (issue 19): the multi-queue TAP with vnet headers that vif_front.c
 * uses today (one readv or writev per frame), against a packet socket on
 * the far end of a veth pair whose near end the programs use
 * (PACKET_VNET_HDR, PACKET_QDISC_BYPASS), with a PACKET_MMAP ring
 * (TPACKET_V3 RX ring, TPACKET_V2 TX ring: one poll or send per batch) or
 * without one (recvmmsg, sendmmsg: one call per batch).  It stands in for the relay alone: no
 * rings to a backend, so what it measures is the guest's end.
 *
 *   guest-io rx  --dev NAME --via tap|ring|ring-v2|sock [--seconds S]
 *       takes every frame the guest's programs send out of NAME (the TAP, or
 *       the veth peer) as netfront's TX would; ring-v2: a TPACKET_V2 RX ring
 *       whose slots hold a 64 KiB GSO frame, instead of V3's blocks; sock:
 *       no ring, recvmmsg on the veth peer's packet socket (sendmmsg for tx);
 *   guest-io tx  --dev NAME --via tap|ring|sock --dst-mac M --src-ip A --dst-ip B
 *                [--port P] [--seconds S]
 *       hands 64-byte UDP frames to the guest's stack as netfront's RX would.
 *   guest-io relay --dev NAME --to NAME2 [--ring] [--seconds S]
 *       both guests' ends joined with nothing between: frames from NAME's
 *       packet socket (recvmmsg, as netfront's TX) go out on NAME2's
 *       (sendmmsg of up to 64, as netfront's RX), behind their vnet headers;
 *       the ceiling of any path with packet sockets at both ends.  --ring:
 *       NAME's TPACKET_V3 RX ring copied into NAME2's TPACKET_V2 TX ring,
 *       one send(NULL) kick a pass over the ready blocks.
 *
 * Each prints "frames_per_s N cpu_ns_per_frame N syscalls_per_frame N
 * wakeups_per_frame N" for the relay process alone (getrusage; the kernel
 * work done in the relay's system calls included, the work done in the
 * programs' own calls not); rx via a ring adds "latency_us_mean N
 * latency_us_max N", from the kernel's timestamp of each frame to the
 * relay's look at it (the TPACKET_V3 block retire timer shows there);
 * relay adds "in_drops N out_full N": the frames the kernel dropped for
 * want of room on NAME's socket or ring (PACKET_STATISTICS), and those
 * --ring dropped for a full TX ring.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../../guest/pktgen.h"
#include "sv/clock.h"
#include "sv/log.h"

#define FRAME_MAX (65536 + 64)
#define V3_BLOCK  (256 << 10) /* a block holds a 64 KiB GSO frame thrice over */
#define V3_BLOCKS 16
#define V3_TOV_MS 1    /* a block not yet full is handed over after this */
#define V2_FRAME  2048 /* TX ring slots: one 64-byte frame with its headers */
#define V2_FRAMES 1024
/* relay --ring's TX slots: a slot comes back only when its frame's skb is
 * freed, and with 1024 the relay waited for slots and halved its rate. */
#define RELAY_TX_FRAMES 4096
/* TPACKET_V2 RX slots of 17 pages (a 64 KiB frame, its headers and the
 * ring's), 15 to a 1 MiB block (an order-8 allocation, little waste). */
#define V2RX_FRAME     (17 * 4096)
#define V2RX_PER_BLOCK 15
#define V2RX_BLOCK     (256 * 4096)
#define V2RX_BLOCKS    8
#define V2RX_FRAMES    (V2RX_PER_BLOCK * V2RX_BLOCKS)
#define TAP_BATCH      64
#define SOCK_RX_BATCH                                                                              \
    14 /* netfront's 253 TX pages, 17 to a 64 KiB frame */ /* as vif_front.c: frames read per      \
                                                              readiness */

#define RELAY_BATCH 64 /* as vif_front.c: frames given to one sendmmsg */

struct opts {
    const char *dev, *via, *to;
    bool ring; /* relay: PACKET_MMAP rings instead of recvmmsg/sendmmsg */
    double seconds;
    struct pktgen_config frame;
};

struct counts {
    uint64_t frames, syscalls, wakeups;
    uint64_t full;           /* relay --ring: frames dropped for a full TX ring */
    double lat_sum, lat_max; /* ring RX: seconds from the kernel's timestamp to the relay */
};

static int tap_attach(const char *dev)
{
    struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE};
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0)
        fatal("/dev/net/tun");
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        fatal("attach to TAP %s", dev);
    ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
    return fd;
}

/* A packet socket on dev with vnet headers, sending past the qdisc, and
 * the ring asked for (which 0: none, batched system calls instead). */
static int ring_open(const char *dev, int version, int which, const void *req, size_t req_len,
                     size_t map_len, void **map)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)), on = 1;
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};

    if (fd < 0)
        fatal("AF_PACKET socket");
    sll.sll_ifindex = (int)if_nametoindex(dev);
    if (!sll.sll_ifindex)
        fatal("%s", dev);
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0 ||
        setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof(on)) < 0 ||
        setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &on, sizeof(on)) < 0 ||
        (which && setsockopt(fd, SOL_PACKET, which, req, (socklen_t)req_len) < 0))
        fatal("%s: packet socket options", dev);
    /* Without a ring the socket's queue is the buffer: as deep as V3's. */
    if (!which &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){V3_BLOCK * V3_BLOCKS}, sizeof(int)) < 0)
        fatal("%s: SO_RCVBUFFORCE", dev);
    if (which) {
        *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (*map == MAP_FAILED)
            fatal("%s: mapping the ring", dev);
    }
    if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
        fatal("bind to %s", dev);
    return fd;
}

/* Waits for fd (POLLIN or POLLOUT) up to 100 ms: a wake-up. */
static void wait_fd(int fd, short events, struct counts *c)
{
    struct pollfd p = {.fd = fd, .events = events};

    c->syscalls++;
    if (poll(&p, 1, 100) > 0)
        c->wakeups++;
}

/* As vif_front's on_tap: a readv per frame until the queue is empty. */
static void rx_tap(int fd, struct counts *c)
{
    static uint8_t buf[FRAME_MAX];
    struct virtio_net_hdr vh;
    struct iovec iov[2] = {{&vh, sizeof(vh)}, {buf, sizeof(buf)}};

    wait_fd(fd, POLLIN, c);
    for (int i = 0; i < TAP_BATCH; i++) {
        c->syscalls++;
        if (readv(fd, iov, 2) <= (ssize_t)sizeof(vh))
            break;
        c->frames++;
    }
}

/* The clock of the ring's frame timestamps. */
static double realtime_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One received frame (at data + mac, snaplen bytes, its vnet header
 * before it, stamped ts by the kernel) copied out, as netfront would copy
 * it into granted TX pages: the ring is the kernel's memory, not
 * grantable. */
static void take(const uint8_t *data, unsigned mac, unsigned snaplen, double ts, double now,
                 struct counts *c)
{
    static uint8_t grant[FRAME_MAX];
    size_t vh_len = sizeof(struct virtio_net_hdr);

    if (snaplen <= sizeof(grant) - vh_len)
        memcpy(grant, data + mac - vh_len, vh_len + snaplen);
    c->lat_sum += now - ts;
    c->lat_max = now - ts > c->lat_max ? now - ts : c->lat_max;
    c->frames++;
}

/* TPACKET_V3: every block the kernel handed over, then back to it. */
static void rx_ring(int fd, uint8_t *ring, unsigned *blk, struct counts *c)
{
    struct tpacket_block_desc *bd = (void *)(ring + (size_t)*blk * V3_BLOCK);

    if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
        wait_fd(fd, POLLIN, c);
        return;
    }
    do {
        struct tpacket3_hdr *h = (void *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
        double now = realtime_s();

        for (uint32_t i = 0; i < bd->hdr.bh1.num_pkts; i++) {
            take((uint8_t *)h, h->tp_mac, h->tp_snaplen,
                 (double)h->tp_sec + (double)h->tp_nsec / 1e9, now, c);
            h = (void *)((uint8_t *)h + h->tp_next_offset);
        }
        __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        *blk = (*blk + 1) % V3_BLOCKS;
        bd = (void *)(ring + (size_t)*blk * V3_BLOCK);
    } while (__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER);
}

/* TPACKET_V2 with slots that hold a GSO super-frame: every slot the kernel
 * filled, each back to it at once (no block timer: poll wakes per frame). */
static void rx_ring_v2(int fd, uint8_t *ring, unsigned *slot, struct counts *c)
{
    double now = realtime_s();
    bool any = false;

    for (;;) {
        struct tpacket2_hdr *h = (void *)(ring + (size_t)(*slot / V2RX_PER_BLOCK) * V2RX_BLOCK +
                                          (size_t)(*slot % V2RX_PER_BLOCK) * V2RX_FRAME);

        if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
            break;
        take((uint8_t *)h, h->tp_mac, h->tp_snaplen, (double)h->tp_sec + (double)h->tp_nsec / 1e9,
             now, c);
        __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        *slot = (*slot + 1) % V2RX_FRAMES;
        any = true;
    }
    if (!any)
        wait_fd(fd, POLLIN, c);
}

/* recvmmsg on the packet socket, each frame's header and bytes straight
 * into its own buffer (netfront's granted pages: as many frames as its
 * TX pool holds at their largest), until none is waiting. */
static void rx_sock(int fd, struct counts *c)
{
    static uint8_t bufs[SOCK_RX_BATCH][FRAME_MAX];
    static struct virtio_net_hdr vh[SOCK_RX_BATCH];
    struct iovec iov[SOCK_RX_BATCH][2];
    struct mmsghdr msgs[SOCK_RX_BATCH];
    int n;

    for (int i = 0; i < SOCK_RX_BATCH; i++) {
        iov[i][0] = (struct iovec){&vh[i], sizeof(vh[i])};
        iov[i][1] = (struct iovec){bufs[i], sizeof(bufs[i])};
        msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = iov[i], .msg_iovlen = 2}};
    }
    wait_fd(fd, POLLIN, c);
    do {
        c->syscalls++;
        n = recvmmsg(fd, msgs, SOCK_RX_BATCH, MSG_DONTWAIT, NULL);
        c->frames += n > 0 ? (unsigned)n : 0;
    } while (n == SOCK_RX_BATCH);
}

/* sendmmsg of a batch of frames, each behind its vnet header. */
static void tx_sock(int fd, const struct pktgen_tmpl *t, uint64_t *seq, struct counts *c)
{
    static uint8_t bufs[TAP_BATCH][PKTGEN_MAX_LEN];
    static const struct virtio_net_hdr vh = {.flags = VIRTIO_NET_HDR_F_DATA_VALID};
    struct iovec iov[TAP_BATCH][2];
    struct mmsghdr msgs[TAP_BATCH];
    int n;

    for (int i = 0; i < TAP_BATCH; i++) {
        iov[i][0] = (struct iovec){(void *)&vh, sizeof(vh)};
        iov[i][1] = (struct iovec){bufs[i], pktgen_tmpl_frame(t, *seq + (uint64_t)i, bufs[i])};
        msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = iov[i], .msg_iovlen = 2}};
    }
    c->syscalls++;
    n = sendmmsg(fd, msgs, TAP_BATCH, MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != ENOBUFS)
        fatal("sendmmsg");
    if (n <= 0) {
        wait_fd(fd, POLLOUT, c);
        return;
    }
    *seq += (uint64_t)n;
    c->frames += (unsigned)n;
}

/* As vif_front's rx_to_tap: a writev per frame. */
static void tx_tap(int fd, const struct pktgen_tmpl *t, uint64_t *seq, struct counts *c)
{
    static uint8_t buf[PKTGEN_MAX_LEN];
    struct virtio_net_hdr vh = {.flags = VIRTIO_NET_HDR_F_DATA_VALID};
    struct iovec iov[2] = {{&vh, sizeof(vh)}, {buf, 0}};

    for (int i = 0; i < TAP_BATCH; i++) {
        iov[1].iov_len = pktgen_tmpl_frame(t, (*seq)++, buf);
        c->syscalls++;
        if (writev(fd, iov, 2) < 0) {
            if (errno != EAGAIN)
                fatal("writev");
            wait_fd(fd, POLLOUT, c);
            return;
        }
        c->frames++;
    }
}

/* The V2 TX slot i of ring, and where its frame (vnet header first) goes. */
static struct tpacket2_hdr *tx_slot(uint8_t *ring, unsigned i)
{
    return (void *)(ring + (size_t)i * V2_FRAME);
}

static uint8_t *tx_slot_data(struct tpacket2_hdr *h)
{
    return (uint8_t *)h + TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
}

/* One send for every slot filled since the last: tpacket_snd takes them
 * all in that call (past the qdisc); no wait for their completion. */
static void tx_kick(int fd, unsigned *pending, struct counts *c)
{
    if (!*pending)
        return;
    c->syscalls++;
    if (send(fd, NULL, 0, MSG_DONTWAIT) < 0 && errno != EAGAIN && errno != ENOBUFS)
        fatal("send");
    c->frames += *pending;
    *pending = 0;
}

/* Frames written into every free slot, then one send for all of them. */
static void tx_ring(int fd, uint8_t *ring, unsigned *slot, const struct pktgen_tmpl *t,
                    uint64_t *seq, struct counts *c)
{
    unsigned n = 0;

    for (;;) {
        struct tpacket2_hdr *h = tx_slot(ring, *slot);
        uint8_t *data = tx_slot_data(h);
        struct virtio_net_hdr *vh = (void *)data;

        if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE)
            break;
        *vh = (struct virtio_net_hdr){.flags = VIRTIO_NET_HDR_F_DATA_VALID};
        /* tp_len counts the vnet header (tpacket_snd strips it). */
        h->tp_len = (uint32_t)(sizeof(*vh) + pktgen_tmpl_frame(t, (*seq)++, data + sizeof(*vh)));
        __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
        *slot = (*slot + 1) % V2_FRAMES;
        n++;
    }
    if (!n)
        wait_fd(fd, POLLOUT, c);
    tx_kick(fd, &n, c);
}

/* Up to RELAY_BATCH frames read SOCK_RX_BATCH a call, then one send for
 * all of them: rx_sock's reads, and vif_front's rx_to_sock on the far
 * side, with no ring between. */
static void relay(int in, int out, struct counts *c)
{
    static uint8_t bufs[RELAY_BATCH][FRAME_MAX];
    static struct virtio_net_hdr vh[RELAY_BATCH];
    struct iovec iov[RELAY_BATCH][2];
    struct mmsghdr msgs[RELAY_BATCH];
    int got = 0, n, want, sent;

    for (int i = 0; i < RELAY_BATCH; i++) {
        iov[i][0] = (struct iovec){&vh[i], sizeof(vh[i])};
        iov[i][1] = (struct iovec){bufs[i], sizeof(bufs[i])};
        msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = iov[i], .msg_iovlen = 2}};
    }
    do {
        want = RELAY_BATCH - got < SOCK_RX_BATCH ? RELAY_BATCH - got : SOCK_RX_BATCH;
        c->syscalls++;
        n = recvmmsg(in, msgs + got, (unsigned)want, MSG_DONTWAIT, NULL);
        got += n > 0 ? n : 0;
    } while (n == want && got < RELAY_BATCH);
    if (!got) {
        wait_fd(in, POLLIN, c);
        return;
    }
    for (int i = 0; i < got; i++)
        iov[i][1].iov_len = msgs[i].msg_len - sizeof(vh[i]);
    c->syscalls++;
    sent = sendmmsg(out, msgs, (unsigned)got, MSG_DONTWAIT);
    if (sent < 0 && errno != EAGAIN && errno != ENOBUFS)
        fatal("sendmmsg");
    c->frames += sent > 0 ? (unsigned)sent : 0;
}

/* relay with PACKET_MMAP rings at both ends: every TPACKET_V3 block the
 * kernel retired on in, each frame (with its vnet header) copied straight
 * into a free TPACKET_V2 TX slot of out, one send(NULL) kick a pass; no
 * system call a batch on RX while blocks are ready.  A full TX ring is
 * kicked and waited for up to 100 ms (netfront's backpressure), then the
 * frame dropped, as is one larger than a TX slot (none in udp-pps). */
static void relay_ring(int in, uint8_t *rxr, unsigned *blk, int out, uint8_t *txr, unsigned *slot,
                       struct counts *c)
{
    struct tpacket_block_desc *bd = (void *)(rxr + (size_t)*blk * V3_BLOCK);
    size_t vh_len = sizeof(struct virtio_net_hdr);
    unsigned pending = 0;

    if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
        wait_fd(in, POLLIN, c);
        return;
    }
    do {
        struct tpacket3_hdr *h = (void *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);

        for (uint32_t i = 0; i < bd->hdr.bh1.num_pkts; i++) {
            struct tpacket2_hdr *t = tx_slot(txr, *slot);

            if (__atomic_load_n(&t->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE) {
                tx_kick(out, &pending, c);
                wait_fd(out, POLLOUT, c);
            }
            if (__atomic_load_n(&t->tp_status, __ATOMIC_ACQUIRE) == TP_STATUS_AVAILABLE &&
                vh_len + h->tp_snaplen <= V2_FRAME - TPACKET2_HDRLEN) {
                memcpy(tx_slot_data(t), (uint8_t *)h + h->tp_mac - vh_len, vh_len + h->tp_snaplen);
                t->tp_len = (uint32_t)(vh_len + h->tp_snaplen);
                __atomic_store_n(&t->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
                *slot = (*slot + 1) % RELAY_TX_FRAMES;
                pending++;
            } else {
                c->full++;
            }
            h = (void *)((uint8_t *)h + h->tp_next_offset);
        }
        __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        *blk = (*blk + 1) % V3_BLOCKS;
        bd = (void *)(rxr + (size_t)*blk * V3_BLOCK);
    } while (__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER);
    tx_kick(out, &pending, c);
}

static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

static int run(const struct opts *o, bool tx)
{
    const char *via = o->to ? (o->ring ? "relay --ring" : "relay") : o->via;
    bool v2rx = !strcmp(via, "ring-v2"), ring = v2rx || !strcmp(via, "ring") || o->ring;
    bool sock = !strcmp(via, "sock");
    struct tpacket_req3 r3 = {.tp_block_size = V3_BLOCK,
                              .tp_block_nr = V3_BLOCKS,
                              .tp_frame_size = V2_FRAME,
                              .tp_frame_nr = V3_BLOCK / V2_FRAME * V3_BLOCKS,
                              .tp_retire_blk_tov = V3_TOV_MS};
    struct tpacket_req r2 = {.tp_block_size = V2_FRAME * 32,
                             .tp_block_nr = V2_FRAMES / 32,
                             .tp_frame_size = V2_FRAME,
                             .tp_frame_nr = V2_FRAMES};
    struct tpacket_req r2relay = {.tp_block_size = V2_FRAME * 32,
                                  .tp_block_nr = RELAY_TX_FRAMES / 32,
                                  .tp_frame_size = V2_FRAME,
                                  .tp_frame_nr = RELAY_TX_FRAMES};
    struct tpacket_req r2rx = {.tp_block_size = V2RX_BLOCK,
                               .tp_block_nr = V2RX_BLOCKS,
                               .tp_frame_size = V2RX_FRAME,
                               .tp_frame_nr = V2RX_FRAMES};
    struct pktgen_tmpl *t = calloc(1, sizeof(*t));
    struct counts c = {0};
    unsigned pos = 0, out_pos = 0;
    uint64_t seq = 0;
    uint8_t *map = NULL, *out_map = NULL;
    double t0, c0, el;
    int fd, out = -1;

    if (!t)
        fatal("calloc");
    if (sock || (o->to && !o->ring))
        fd = ring_open(o->dev, TPACKET_V2, 0, NULL, 0, 0, NULL);
    else if (!ring)
        fd = tap_attach(o->dev);
    else if (tx)
        fd = ring_open(o->dev, TPACKET_V2, PACKET_TX_RING, &r2, sizeof(r2),
                       (size_t)V2_FRAME * V2_FRAMES, (void **)&map);
    else if (v2rx)
        fd = ring_open(o->dev, TPACKET_V2, PACKET_RX_RING, &r2rx, sizeof(r2rx),
                       (size_t)V2RX_BLOCK * V2RX_BLOCKS, (void **)&map);
    else
        fd = ring_open(o->dev, TPACKET_V3, PACKET_RX_RING, &r3, sizeof(r3),
                       (size_t)V3_BLOCK * V3_BLOCKS, (void **)&map);
    if (o->to && o->ring)
        out = ring_open(o->to, TPACKET_V2, PACKET_TX_RING, &r2relay, sizeof(r2relay),
                        (size_t)V2_FRAME * RELAY_TX_FRAMES, (void **)&out_map);
    else if (o->to)
        out = ring_open(o->to, TPACKET_V2, 0, NULL, 0, 0, NULL);
    pktgen_tmpl_init(t, &o->frame);
    printf("ready\n");
    fflush(stdout);
    t0 = sv_now_s();
    c0 = cpu_s();
    do {
        if (o->to && o->ring)
            relay_ring(fd, map, &pos, out, out_map, &out_pos, &c);
        else if (o->to)
            relay(fd, out, &c);
        else if (tx && sock)
            tx_sock(fd, t, &seq, &c);
        else if (sock)
            rx_sock(fd, &c);
        else if (tx && ring)
            tx_ring(fd, map, &pos, t, &seq, &c);
        else if (tx)
            tx_tap(fd, t, &seq, &c);
        else if (v2rx)
            rx_ring_v2(fd, map, &pos, &c);
        else if (ring)
            rx_ring(fd, map, &pos, &c);
        else
            rx_tap(fd, &c);
        el = sv_now_s() - t0;
    } while (el < o->seconds);
    if (!c.frames)
        fatalx("%s via %s: no frames", o->dev, via);
    printf("frames_per_s %.0f cpu_ns_per_frame %.0f syscalls_per_frame %.3f "
           "wakeups_per_frame %.4f",
           (double)c.frames / el, (cpu_s() - c0) * 1e9 / (double)c.frames,
           (double)c.syscalls / (double)c.frames, (double)c.wakeups / (double)c.frames);
    if (ring && !tx && !o->to)
        printf(" latency_us_mean %.0f latency_us_max %.0f", c.lat_sum * 1e6 / (double)c.frames,
               c.lat_max * 1e6);
    if (o->to) {
        /* V3's statistics extend V2's: either fills its start. */
        struct tpacket_stats_v3 st = {0};
        socklen_t len = sizeof(st);

        if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
            fatal("%s: PACKET_STATISTICS", o->dev);
        printf(" in_drops %u out_full %llu", st.tp_drops, (unsigned long long)c.full);
    }
    printf("\n");
    free(t);
    return 0;
}

static void usage(void)
{
    fatalx("usage: guest-io rx --dev NAME --via tap|ring|ring-v2|sock [--seconds S] | "
           "tx --dev NAME --via tap|ring|sock --dst-mac M --src-ip A --dst-ip B [--port P] "
           "[--seconds S] | relay --dev NAME --to NAME2 [--ring] [--seconds S]");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dev", required_argument, NULL, 'd'},     {"via", required_argument, NULL, 'v'},
        {"seconds", required_argument, NULL, 's'}, {"dst-mac", required_argument, NULL, 'm'},
        {"src-ip", required_argument, NULL, 'a'},  {"dst-ip", required_argument, NULL, 'b'},
        {"port", required_argument, NULL, 'p'},    {"to", required_argument, NULL, 't'},
        {"ring", no_argument, NULL, 'r'},          {NULL, 0, NULL, 0}};
    struct opts o = {.seconds = 5,
                     .frame = {.len = 64,
                               .sport = 9001,
                               .dport = 9000,
                               .burst = 1,
                               .src_mac = {0x02, 0, 0, 0, 0, 0x02}}};
    unsigned m[6];
    int c;

    log_init(argv[0]);
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'd')
            o.dev = optarg;
        else if (c == 'v')
            o.via = optarg;
        else if (c == 't')
            o.to = optarg;
        else if (c == 'r')
            o.ring = true;
        else if (c == 's')
            o.seconds = atof(optarg);
        else if (c == 'm' &&
                 sscanf(optarg, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6)
            for (int i = 0; i < 6; i++)
                o.frame.dst_mac[i] = (uint8_t)m[i];
        else if (c == 'a' && inet_pton(AF_INET, optarg, &o.frame.src_ip) == 1)
            continue;
        else if (c == 'b' && inet_pton(AF_INET, optarg, &o.frame.dst_ip) == 1)
            continue;
        else if (c == 'p' && atoi(optarg) > 0 && atoi(optarg) < 65536)
            o.frame.dport = (uint16_t)atoi(optarg);
        else
            usage();
    }
    if (optind == argc - 1 && !strcmp(argv[optind], "relay") && o.dev && o.to && !o.via &&
        o.seconds > 0)
        return run(&o, false);
    if (optind != argc - 1 || !o.dev || !o.via || o.to || o.ring || o.seconds <= 0 ||
        (strcmp(o.via, "tap") && strcmp(o.via, "ring") && strcmp(o.via, "ring-v2") &&
         strcmp(o.via, "sock")))
        usage();
    if (!strcmp(argv[optind], "rx"))
        return run(&o, false);
    if (!strcmp(argv[optind], "tx") && o.frame.dst_ip)
        return run(&o, true);
    usage();
    return 2;
}
