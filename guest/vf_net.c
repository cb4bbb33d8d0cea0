/* A guest's interface on an assigned VF: driver and TAP relay (see vf_net.h). */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sv/clock.h"
#include "sv/gro.h"
#include "sv/hcall.h"
#include "sv/log.h"
#include "sv/msg.h"
#include "sv/abi/xnic.h"
#include "sv/netif_offload.h"
#include "sv/vlan.h"
#include "sv/xnic_drv.h"
#include "vf_net.h"

#define VF_RING 256 /* TX descriptors and buffers */
/* RX buffers: a burst of TSO packets the NIC cuts for us (from the wire, or
 * whole ones that found too few buffers) is 45 frames each. */
#define VF_RX_RING 1024
#define VF_BUF     2048 /* a 1518-byte frame and a tag, or a piece of a longer one */
#define VF_BATCH   64   /* frames taken from the TAP or the RX ring per doorbell */
/* The TAP hands over TSO packets of up to 64 KiB, and the NIC delivers other
 * vports' whole (RSC): the NIC's limit of descriptors a packet, 2 KiB each. */
#define VF_MAX_SEGS 32
#define VF_DRAIN_MS 100 /* for the NIC to send what it was given, at a stop */
/* How often the TAP's multicast list is looked at for the PF owner. */
#define VF_MCAST_MS 500
/* How often the device's word on our queue is read: a reset we did not ask
 * for (an FLR by the host, a surprise removal) is seen within it.  A
 * register read: 100 a second cost nothing beside the traffic. */
#define VF_WATCH_MS 10
/* Between attempts to start the queue again after such a reset (an attempt
 * on a device that no longer answers takes the admin timeout, 1 s). */
#define VF_RETRY_MS 50

/* VF_NET_RAM_SIZE is laid out as: TX ring, RX ring, RX buffers, TX buffers. */
#define VF_TX_RING_OFF 0
#define VF_RX_RING_OFF 4096
#define VF_RX_BUF_OFF  (VF_RX_RING_OFF + VF_RX_RING * sizeof(struct xnic_rx_desc))
#define VF_TX_BUF_OFF  (VF_RX_BUF_OFF + VF_RX_RING * VF_BUF)
_Static_assert(VF_RING * sizeof(struct xnic_tx_desc) <= VF_RX_RING_OFF, "TX ring fits its page");
_Static_assert(VF_RING <= 256, "TX buffer indices fit tx_next");
_Static_assert(VF_TX_BUF_OFF + VF_RING * VF_BUF <= VF_NET_RAM_SIZE, "layout fits");

struct vf_net {
    struct xnic_drv *drv;
    char bdf[SV_BDF_SIZE];
    char ifname[IFNAMSIZ];
    uint8_t *ram;
    unsigned long long iova;
    int tap;
    struct event *tap_ev, *queue_ev, *misc_ev, *mcast_ev, *watch_ev;
    struct vf_net_team team; /* teamed: tap is team.sock, the vif's (not ours) */
    bool teamed;
    vf_net_driving_fn *driving;
    void *driving_ctx;
    bool running;     /* its queue started, and the device has it enabled */
    bool restarting;  /* after a reset: the queue's start is at the device */
    bool queued;      /* the driver library's admin commands queued (restarting) */
    unsigned idle_ms; /* since the last attempt to start it again */
    double lost_at;   /* when the reset was seen (sv_now_s) */
    bool tap_paused;  /* no TX buffer free: the TAP is not read */
    bool rx_dropping; /* the rest of a frame longer than VF_MAX_SEGS comes */
    /* The buffers of the frame being received (its EOP not reaped yet). */
    unsigned rx_frag[VF_MAX_SEGS];
    uint16_t rx_frag_len[VF_MAX_SEGS];
    unsigned nfrag;
    unsigned tx_free[VF_RING]; /* indices of free TX buffers */
    unsigned ntx_free;
    /* A packet in flight: its first buffer is the cookie, the others follow
     * in tx_next (tx_nbufs[first] buffers in all). */
    uint8_t tx_next[VF_RING];
    uint8_t tx_nbufs[VF_RING];
    struct log_ratelimit warnings;
    struct gro gro; /* consecutive segments of a flow, merged for the TAP */
    /* What the PF owner says (mailbox, docs/xnic.md): the link it gives
     * us, and the multicast list it has from us (stale: send it again). */
    bool link_up;
    struct xnic_mbx_mcast mcast;
    bool mcast_stale;
};

static uint64_t buf_iova(const struct vf_net *v, size_t off)
{
    return v->iova + off;
}

/* The function's registers, doorbells and vectors, from the hypervisor. */
static struct xnic_drv *vf_open(const char *bdf)
{
    struct sv_pci_open o;
    int fds[SV_PCI_OPEN_FDS];
    struct xnic_drv *d = NULL;
    int chan = hcall_open(), err = chan, n;

    if (chan >= 0 && (err = n = hcall_pci_open_fds(chan, bdf, &o, fds)) >= 0) {
        if (o.nvec >= 2)
            d = xnic_drv_open(fds[0], fds + 1, fds + 1 + o.nvec, o.nvec, false, &err);
        else
            err = -EPROTO;
        if (!d)
            msg_close_fds(fds, n);
    }
    if (chan >= 0)
        close(chan);
    if (!d)
        log_errorx("VF %s: cannot open it (%s)", bdf, strerror(-err));
    return d;
}

/* The TAP the toolstack made for us, with the MAC the PF owner gave the VF
 * (a tun fd may set its own device's address without privileges), and
 * virtio headers with the offloads the NIC has: checksums and TSO out,
 * whole (RSC) or merged (GRO) packets in, as a teamed vif's TAP. */
static int tap_open(struct vf_net *v)
{
    struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
    const volatile uint8_t *regs = xnic_drv_regs(v->drv);
    int fd, err = 0, chan = hcall_open();

    fd = chan < 0 ? chan : hcall_open_tun(chan);
    if (chan >= 0)
        close(chan);
    if (fd < 0)
        return fd;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", v->ifname);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        err = -errno;
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    for (int i = 0; i < 6; i++)
        ifr.ifr_hwaddr.sa_data[i] = (char)regs[XNIC_REG_MAC + i];
    if (!err && memcmp(ifr.ifr_hwaddr.sa_data, "\0\0\0\0\0\0", 6) &&
        ioctl(fd, SIOCSIFHWADDR, &ifr) < 0)
        err = -errno;
    if (!err && ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0)
        err = -errno;
    if (err) {
        close(fd);
        return err;
    }
    return fd;
}

static size_t rx_off(unsigned idx)
{
    return VF_RX_BUF_OFF + (size_t)idx * VF_BUF;
}

static void rx_post(struct vf_net *v, unsigned idx)
{
    xnic_drv_rx_post(v->drv, 0, buf_iova(v, rx_off(idx)), VF_BUF, (void *)(uintptr_t)idx);
}

static void rx_post_all(struct vf_net *v)
{
    for (unsigned i = 0; i < VF_RX_RING - 1; i++)
        rx_post(v, i);
    xnic_drv_rx_kick(v->drv, 0);
}

/* One frame (its pieces in iov[1..n], headers in the first) to the TAP
 * with a virtio header for offloads o. */
static void tap_write(struct vf_net *v, const struct netif_offload *o, struct iovec *iov,
                      unsigned n)
{
    struct virtio_net_hdr vh;

    /* Headers the first piece cannot hold (a partial checksum with IPv6
     * extension headers of kilobytes): not a frame we deliver. */
    if (netif_offload_to_vnet(o, iov[1].iov_base, iov[1].iov_len, &vh) < 0) {
        log_warn_limited(&v->warnings, false, "VF %s: frame with offloads we cannot describe",
                         v->bdf);
        return;
    }
    iov[0] = (struct iovec){&vh, sizeof(vh)};
    if (writev(v->tap, iov, 1 + n) < 0 && errno != EAGAIN)
        log_warn_limited(&v->warnings, true, "VF %s: write to %s", v->bdf, v->ifname);
}

/* What GRO holds to the TAP. */
static void gro_out(struct vf_net *v)
{
    struct netif_offload o;
    size_t len;
    const uint8_t *frame = gro_finish(&v->gro, &len, &o);
    struct iovec iov[2] = {[1] = {(void *)frame, len}};

    if (frame)
        tap_write(v, &o, iov, 1);
    gro_reset(&v->gro);
}

/* The frame in rx_frag (eop: its last descriptor) to the TAP: a one-buffer
 * frame through GRO, a whole packet another vport sent (RSC) as it is,
 * after what GRO holds.  A frame the NIC spread over buffers otherwise is
 * longer than our MTU (a jumbo frame): dropped whole. */
static void rx_frame(struct vf_net *v, const struct xnic_drv_rx_done *eop)
{
    struct netif_offload o = netif_offload_from_xnic_rx(eop->status, &eop->wb);
    struct iovec iov[1 + VF_MAX_SEGS];
    const uint8_t *first = v->ram + rx_off(v->rx_frag[0]);

    if (v->nfrag > 1 && !(eop->status & XNIC_RXS_RSC))
        return;
    if (v->nfrag == 1 && !(eop->status & XNIC_RXS_RSC)) {
        enum gro_verdict g = gro_add(&v->gro, first, eop->len, o.data_validated);

        if (g == GRO_FLUSH) {
            gro_out(v);
            g = gro_add(&v->gro, first, eop->len, o.data_validated);
        }
        if (g == GRO_TAKEN)
            return;
    } else {
        gro_out(v);
    }
    for (unsigned i = 0; i < v->nfrag; i++)
        iov[1 + i] = (struct iovec){v->ram + rx_off(v->rx_frag[i]), v->rx_frag_len[i]};
    tap_write(v, &o, iov, v->nfrag);
}

/* Received frames to the TAP (what GRO merges waits for rx_end), their
 * buffers posted again, one kick. */
static unsigned rx_to_tap(struct vf_net *v)
{
    struct xnic_drv_rx_done done[VF_BATCH];
    unsigned n = xnic_drv_rx_reap(v->drv, 0, done, VF_BATCH);

    for (unsigned i = 0; i < n; i++) {
        unsigned idx = (unsigned)(uintptr_t)done[i].cookie;
        bool eop = done[i].status & XNIC_RXS_EOP;

        /* The device chains at most VF_MAX_SEGS: a longer chain is dropped
         * whole, not passed on in pieces. */
        if (v->nfrag == VF_MAX_SEGS) {
            while (v->nfrag)
                rx_post(v, v->rx_frag[--v->nfrag]);
            v->rx_dropping = true;
        }
        if (v->rx_dropping) {
            rx_post(v, idx);
        } else {
            v->rx_frag[v->nfrag] = idx;
            /* Our own RAM: a length past the buffer is not read past it. */
            v->rx_frag_len[v->nfrag++] = done[i].len < VF_BUF ? done[i].len : VF_BUF;
        }
        if (!eop)
            continue;
        if (v->nfrag && !XNIC_DS_ERR(done[i].status))
            rx_frame(v, &done[i]);
        while (v->nfrag)
            rx_post(v, v->rx_frag[--v->nfrag]);
        v->rx_dropping = false;
    }
    if (n)
        xnic_drv_rx_kick(v->drv, 0);
    return n;
}

/* Frames waiting to be sent are read again. */
static void tap_wake(struct vf_net *v)
{
    v->tap_paused = false;
    if (v->teamed)
        v->team.room(v->team.ctx);
    else
        event_add(v->tap_ev, NULL);
}

/* Buffers came free, or the vif takes the frames. */
static void tap_resume(struct vf_net *v)
{
    if (v->tap_paused)
        tap_wake(v);
}

static void tx_free_all(struct vf_net *v)
{
    v->ntx_free = 0;
    for (unsigned i = 0; i < VF_RING; i++)
        v->tx_free[v->ntx_free++] = i;
}

static unsigned tx_reap(struct vf_net *v)
{
    struct xnic_drv_tx_done done[VF_BATCH];
    unsigned n = xnic_drv_tx_reap(v->drv, 0, done, VF_BATCH);

    for (unsigned i = 0; i < n; i++) {
        unsigned idx = (unsigned)(uintptr_t)done[i].cookie;

        for (unsigned k = v->tx_nbufs[idx]; k--; idx = v->tx_next[idx])
            v->tx_free[v->ntx_free++] = idx;
    }
    if (n)
        tap_resume(v);
    return n;
}

/* Queue vector: masked while the rings are drained, so the device does not
 * interrupt for what is taken in this pass; checked once more after the
 * unmask (the device does not remember what it completed while masked). */
static void on_queue(evutil_socket_t fd, short what, void *arg)
{
    struct vf_net *v = arg;
    eventfd_t n;

    (void)what;
    (void)eventfd_read(fd, &n);
    if (!v->running) /* reset under us: nothing of its rings is ours to read yet */
        return;
    xnic_drv_mask_vector(v->drv, XNIC_VEC_QUEUE(0), true);
    while (tx_reap(v) + rx_to_tap(v))
        ;
    xnic_drv_mask_vector(v->drv, XNIC_VEC_QUEUE(0), false);
    while (tx_reap(v) + rx_to_tap(v))
        ;
    gro_out(v);
}

/* The link the PF owner gives us: on our own TAP its carrier; a teamed
 * VF's traffic goes to the vif while it is down (vf_net_xmit). */
static void set_link(struct vf_net *v, bool up)
{
    if (up == v->link_up)
        return;
    v->link_up = up;
    log_info("VF %s: link %s (the PF owner's word)", v->bdf, up ? "up" : "down");
    if (!v->teamed && v->running && ioctl(v->tap, TUNSETCARRIER, &(int){up}) < 0)
        log_warn("VF %s: carrier of %s", v->bdf, v->ifname);
}

static void mbx_in(struct vf_net *v, const struct xnic_mbx_msg *m)
{
    switch (m->type) {
    case XNIC_MBX_RESET: /* the PF owner (re)started: what it had from us is gone */
        v->mcast_stale = true;
        /* fall through */
    case XNIC_MBX_LINK:
    case XNIC_MBX_RESET | XNIC_MBX_REPLY:
        if (m->type & XNIC_MBX_REPLY && m->status) {
            log_warnx("VF %s: the PF owner knows nothing of us (%s)", v->bdf, strerror(-m->status));
            return;
        }
        set_link(v, m->u.config.link_mbps != 0);
        break;
    case XNIC_MBX_SET_MCAST | XNIC_MBX_REPLY:
        if (m->status)
            log_warn_limited(&v->warnings, false, "VF %s: multicast list refused (%s)", v->bdf,
                             strerror(-m->status));
        break;
    default:
        log_warn_limited(&v->warnings, false, "VF %s: PF message %u (status %d) ignored", v->bdf,
                         m->type, m->status);
    }
}

static bool mbx_pending(const struct vf_net *v)
{
    const volatile uint8_t *regs = xnic_drv_regs(v->drv);

    return __atomic_load_n((const uint32_t *)(regs + XNIC_REG_MBX_PEND), __ATOMIC_ACQUIRE) & 1;
}

/* Misc vector: the device's link changes (the PF owner's LINK notice says
 * what counts for us) and the PF owner's messages. */
static void on_misc(evutil_socket_t fd, short what, void *arg)
{
    struct vf_net *v = arg;
    struct xnic_mbx_msg m;
    uint32_t cause;
    eventfd_t n;
    int len;

    (void)what;
    (void)eventfd_read(fd, &n);
    cause = xnic_drv_take_icr(v->drv);
    /* Only while a message waits: each receive is an admin command whose
     * completion raises this vector again, which would loop for ever. */
    while (mbx_pending(v) && (len = xnic_drv_mbx_recv(v->drv, 0, &m, sizeof(m))) >= 0)
        if ((size_t)len == sizeof(m))
            mbx_in(v, &m);
    if (cause & XNIC_ICR_LINK)
        log_info("VF %s: wire link %s", v->bdf, xnic_drv_link_up(v->drv) ? "up" : "down");
}

/* The TAP's multicast MACs (/proc/net/dev_mcast of our namespace), the
 * first XNIC_MBX_MCAST_MAX of them. */
static void mcast_read(const struct vf_net *v, struct xnic_mbx_mcast *out)
{
    FILE *f = fopen("/proc/net/dev_mcast", "re");
    char name[IFNAMSIZ + 1], hex[13];
    unsigned idx, refs, global;

    memset(out, 0, sizeof(*out));
    if (!f)
        return;
    while (out->count < XNIC_MBX_MCAST_MAX &&
           fscanf(f, "%u %16s %u %u %12s", &idx, name, &refs, &global, hex) == 5) {
        uint8_t *mac = out->mac[out->count];

        if (strcmp(name, v->ifname) || sscanf(hex, "%2hhx%2hhx%2hhx%2hhx%2hhx%2hhx", &mac[0],
                                              &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) != 6)
            continue;
        out->count++;
    }
    fclose(f);
}

/* A changed multicast list (or one the PF owner lost) goes to it; a
 * mailbox it has not emptied yet is tried again next time. */
static void on_mcast(evutil_socket_t fd, short what, void *arg)
{
    struct vf_net *v = arg;
    struct xnic_mbx_msg m = {.type = XNIC_MBX_SET_MCAST};

    (void)fd;
    (void)what;
    if (!v->running) /* after a reset: said when it runs again */
        return;
    mcast_read(v, &m.u.mcast);
    if (!v->mcast_stale && !memcmp(&m.u.mcast, &v->mcast, sizeof(v->mcast)))
        return;
    if (xnic_drv_mbx_send(v->drv, 0, &m, sizeof(m)) == 0) {
        v->mcast = m.u.mcast;
        v->mcast_stale = false;
    }
}

/* One frame from the TAP into as many buffers as it fills, with the
 * offloads its virtio header asks for: 1 sent, 0 none waiting (or dropped),
 * -EAGAIN no room for the largest. */
static int xmit_one(struct vf_net *v, int fd)
{
    struct virtio_net_hdr vh;
    struct iovec iov[1 + VF_MAX_SEGS] = {{&vh, sizeof(vh)}};
    struct xnic_drv_seg segs[VF_MAX_SEGS];
    struct netif_offload o;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
    } ctl;
    struct msghdr mh = {.msg_iov = iov,
                        .msg_iovlen = 1 + VF_MAX_SEGS,
                        .msg_control = ctl.buf,
                        .msg_controllen = sizeof(ctl.buf)};
    unsigned idx[VF_MAX_SEGS], nseg, cmd = 0;
    uint16_t mss = 0, tpid, tci;
    uint8_t hdr_len = 0;
    ssize_t len;
    size_t flen;

    if (v->ntx_free < VF_MAX_SEGS || xnic_drv_tx_room(v->drv, 0) < VF_MAX_SEGS)
        return -EAGAIN;
    for (unsigned i = 0; i < VF_MAX_SEGS; i++) {
        idx[i] = v->tx_free[v->ntx_free - 1 - i];
        iov[1 + i] = (struct iovec){v->ram + VF_TX_BUF_OFF + (size_t)idx[i] * VF_BUF, VF_BUF};
    }
    /* A teamed VF reads the vif's packet socket, where a frame ethD's
     * programs tagged (a trunk's VLAN) comes with its tag apart: put back,
     * or the NIC would send it on the port VLAN. */
    len = v->teamed ? recvmsg(fd, &mh, 0) : readv(fd, iov, 1 + VF_MAX_SEGS);
    if (len <= (ssize_t)sizeof(vh))
        return 0;
    flen = (size_t)len - sizeof(vh);
    if (v->teamed && sv_vlan_of_msg(&mh, &tpid, &tci) &&
        sv_vlan_put_back(iov + 1, VF_MAX_SEGS, &flen, &vh, tpid, tci) < 0)
        return 0;
    len = (ssize_t)flen;
    nseg = (unsigned)((len + VF_BUF - 1) / VF_BUF);
    for (unsigned i = 0; i < nseg; i++) {
        size_t left = (size_t)len - (size_t)i * VF_BUF;

        segs[i] =
            (struct xnic_drv_seg){.iova = buf_iova(v, VF_TX_BUF_OFF + (size_t)idx[i] * VF_BUF),
                                  .len = (uint16_t)(left < VF_BUF ? left : VF_BUF)};
        v->tx_next[idx[i]] = (uint8_t)(i + 1 < nseg ? idx[i + 1] : 0);
    }
    /* A header the frame cannot back (or GSO netif has no name for) sends it
     * as it is: the guest's kernel asked for something its own VF refuses. */
    if (len >= 14 && netif_offload_from_vnet(&vh, &o) == 0)
        cmd = netif_offload_xnic_cmd(&o, iov[1].iov_base, segs[0].len, &mss, &hdr_len);
    if (len < 14 ||
        xnic_drv_tx(v->drv, 0, segs, nseg, cmd, mss, hdr_len, (void *)(uintptr_t)idx[0]) < 0)
        return 0; /* a runt; or no room, which the check above rules out */
    v->tx_nbufs[idx[0]] = (uint8_t)nseg;
    v->ntx_free -= nseg;
    return 1;
}

/* Teamed: the PF owner gave the VF the MAC (it is the active path). */
static bool has_mac(const struct vf_net *v)
{
    const volatile uint8_t *regs = xnic_drv_regs(v->drv);
    uint8_t any = 0;

    for (int i = 0; i < 6; i++)
        any |= regs[XNIC_REG_MAC + i];
    return any != 0;
}

/* Frames waiting in fd, up to VF_BATCH, one doorbell for them: 0, or
 * -EAGAIN when out of buffers (tx_reap resumes the TAP). */
static int xmit(struct vf_net *v, int fd)
{
    unsigned sent = 0;
    int rc = 0;

    tx_reap(v);
    while (sent < VF_BATCH && (rc = xmit_one(v, fd)) > 0)
        sent++;
    if (sent)
        xnic_drv_tx_kick(v->drv, 0);
    if (rc == -EAGAIN)
        v->tap_paused = true;
    return rc == -EAGAIN ? rc : 0;
}

int vf_net_xmit(struct vf_net *v, int fd)
{
    return v->running && has_mac(v) && v->link_up ? xmit(v, fd) : -ENOTCONN;
}

/* Frames programs send on our own TAP. */
static void on_tap(evutil_socket_t fd, short what, void *arg)
{
    struct vf_net *v = arg;

    (void)what;
    if (!v->running || xmit(v, fd) == -EAGAIN) { /* read again when it runs (tap_resume) */
        v->tap_paused = true;
        event_del(v->tap_ev);
    }
}

/* The PF owner is asked for our link (its RESET reply, docs/xnic.md): at
 * start, and after a reset emptied the mailboxes. */
static void pf_hello(struct vf_net *v)
{
    xnic_drv_mbx_send(v->drv, 0, &(struct xnic_mbx_msg){.type = XNIC_MBX_RESET},
                      sizeof(struct xnic_mbx_msg));
}

static void rings_of(const struct vf_net *v, struct xnic_drv_rings *r)
{
    *r = (struct xnic_drv_rings){.tx = v->ram + VF_TX_RING_OFF,
                                 .tx_iova = v->iova + VF_TX_RING_OFF,
                                 .tx_size = VF_RING,
                                 .rx = v->ram + VF_RX_RING_OFF,
                                 .rx_iova = v->iova + VF_RX_RING_OFF,
                                 .rx_size = VF_RX_RING,
                                 /* the TAP takes GSO frames with partial checksums */
                                 .rx_rsc = true};
}

static void say_driving(struct vf_net *v, bool yes)
{
    if (!v->teamed && ioctl(v->tap, TUNSETCARRIER, &(int){yes && v->link_up}) < 0)
        log_warn("VF %s: carrier of %s", v->bdf, v->ifname);
    if (v->driving)
        v->driving(v->driving_ctx, yes);
}

/* The device stopped our queue without our asking (an FLR: the host's
 * reset, the VF taken away): what we gave it never completes, so every
 * buffer is ours again.  Traffic leaves the VF at once (vf_net_xmit says
 * -ENOTCONN: the vif sends; our own TAP loses its carrier) and the guest
 * tells the PF owner we do not drive it (the vif's pool receives).
 * Received frames not yet read went with the reset. */
static void queue_lost(struct vf_net *v)
{
    log_warnx("VF %s: its queue was reset under us (FLR or removal): %s", v->bdf,
              v->teamed ? "the vif carries the traffic" : "carrier off");
    v->running = false;
    v->lost_at = sv_now_s();
    v->idle_ms = VF_RETRY_MS; /* the first attempt at once: an FLR leaves it ready */
    v->nfrag = 0;
    v->rx_dropping = false;
    gro_out(v);
    tx_free_all(v);
    tap_resume(v);
    say_driving(v, false);
}

/* The start after a reset came back: the VF carries the traffic again. */
static void on_restarted(void *arg, int status)
{
    struct vf_net *v = arg;

    v->restarting = false;
    if (status < 0) {
        log_warn_limited(&v->warnings, false, "VF %s: cannot start its queue again (%s)", v->bdf,
                         strerror(-status));
        return;
    }
    v->running = true;
    rx_post_all(v);
    v->mcast_stale = true; /* the reset emptied the mailboxes: said again */
    pf_hello(v);
    /* The vif may have stopped reading them, its rings full of what it
     * took meanwhile (its backend's answers can take long): ours now. */
    tap_wake(v);
    log_info("VF %s: started again %.0f ms after the reset", v->bdf,
             (sv_now_s() - v->lost_at) * 1e3);
    say_driving(v, true);
}

/* The queue's start after a reset, queued: a device that no longer answers
 * (taken away) must not stop the guest's loop for the admin timeout. */
static void restart(struct vf_net *v)
{
    struct xnic_drv_rings r;

    rings_of(v, &r);
    v->idle_ms = 0;
    v->queued = true;
    xnic_drv_admin_queued(v->drv, true);
    if (xnic_drv_queue_start(v->drv, 0, &r, 0) == 0 &&
        xnic_drv_admin_barrier(v->drv, on_restarted, v) == 0)
        v->restarting = true;
}

/* Every VF_WATCH_MS: a queue the device disabled under us is failed over
 * and started again, every VF_RETRY_MS until it works. */
static void on_watch(evutil_socket_t fd, short what, void *arg)
{
    struct vf_net *v = arg;

    (void)fd;
    (void)what;
    if (v->running && !xnic_drv_queue_enabled(v->drv, 0))
        queue_lost(v);
    if (v->queued && !xnic_drv_admin_service(v->drv)) {
        v->queued = false;
        xnic_drv_admin_queued(v->drv, false); /* nothing left: returns at once */
    }
    if (!v->running && !v->restarting && (v->idle_ms += VF_WATCH_MS) >= VF_RETRY_MS)
        restart(v);
}

static struct event *vector_event(struct event_base *base, struct vf_net *v, unsigned vec,
                                  event_callback_fn fn)
{
    struct event *ev =
        event_new(base, xnic_drv_vector_fd(v->drv, vec), EV_READ | EV_PERSIST, fn, v);

    if (ev && event_add(ev, NULL) < 0) {
        event_free(ev);
        ev = NULL;
    }
    return ev;
}

struct vf_net *vf_net_new(struct event_base *base, const char *bdf, const char *ifname,
                          const struct vf_net_team *team, vf_net_driving_fn *driving,
                          void *driving_ctx, void *ram, unsigned long long iova)
{
    struct vf_net *v = calloc(1, sizeof(*v));
    struct xnic_drv_rings r;
    int err;

    if (!v)
        return NULL;
    snprintf(v->bdf, sizeof(v->bdf), "%s", bdf);
    snprintf(v->ifname, sizeof(v->ifname), "%s", ifname);
    v->ram = ram;
    v->iova = iova;
    v->tap = -1;
    v->warnings.burst = 5;
    v->driving = driving;
    v->driving_ctx = driving_ctx;
    memset(ram, 0, VF_NET_RAM_SIZE);
    tx_free_all(v);
    if (!(v->drv = vf_open(bdf)))
        goto out_free;
    if (team) {
        v->team = *team;
        v->teamed = true;
        v->tap = team->sock;
    } else if ((v->tap = tap_open(v)) < 0) {
        log_errorx("VF %s: cannot attach to %s (%s)", bdf, ifname, strerror(-v->tap));
        goto out_free;
    }
    rings_of(v, &r);
    if ((err = xnic_drv_queue_start(v->drv, 0, &r, 0)) < 0) {
        log_errorx("VF %s: cannot start its queue (%s)", bdf, strerror(-err));
        goto out_free;
    }
    v->running = true;
    rx_post_all(v);
    v->queue_ev = vector_event(base, v, XNIC_VEC_QUEUE(0), on_queue);
    v->misc_ev = vector_event(base, v, XNIC_VEC_MISC, on_misc);
    /* Until the PF owner answers, the wire's link is ours. */
    v->link_up = xnic_drv_link_up(v->drv);
    pf_hello(v);
    if ((v->mcast_ev = event_new(base, -1, EV_PERSIST, on_mcast, v)))
        event_add(v->mcast_ev, &(struct timeval){0, VF_MCAST_MS * 1000});
    if ((v->watch_ev = event_new(base, -1, EV_PERSIST, on_watch, v)))
        event_add(v->watch_ev, &(struct timeval){0, VF_WATCH_MS * 1000});
    if (!team && (v->tap_ev = event_new(base, v->tap, EV_READ | EV_PERSIST, on_tap, v)) &&
        event_add(v->tap_ev, NULL) < 0) {
        event_free(v->tap_ev);
        v->tap_ev = NULL;
    }
    if (!v->queue_ev || !v->misc_ev || !v->mcast_ev || !v->watch_ev || (!team && !v->tap_ev))
        goto out_free;
    log_info("VF %s: %s up, link %s", bdf, ifname, xnic_drv_link_up(v->drv) ? "up" : "down");
    return v;

out_free:
    vf_net_free(v);
    return NULL;
}

void vf_net_free(struct vf_net *v)
{
    if (!v)
        return;
    if (v->tap_ev)
        event_free(v->tap_ev);
    if (v->queue_ev)
        event_free(v->queue_ev);
    if (v->misc_ev)
        event_free(v->misc_ev);
    if (v->mcast_ev)
        event_free(v->mcast_ev);
    if (v->watch_ev)
        event_free(v->watch_ev);
    if (v->drv) {
        /* What arrived is delivered and what we gave the NIC is sent (a
         * stopped queue drops what it holds: a failover would lose it),
         * for at most VF_DRAIN_MS; the device stops touching our RAM before
         * it is used again. */
        double t0 = sv_now_s(), t1, t2;
        /* A queue the device reset under us holds nothing and needs no
         * stop; one being started again is reset by the detach that
         * follows ours (or our domain's end), before the device is anyone
         * else's: waiting for a device that may be gone would stop the
         * guest's loop for the admin timeout. */
        bool live = v->running && xnic_drv_queue_enabled(v->drv, 0);

        for (unsigned ms = 0; live && v->tap >= 0 && ms < VF_DRAIN_MS; ms++) {
            while (rx_to_tap(v))
                ;
            gro_out(v);
            tx_reap(v);
            if (v->ntx_free == VF_RING)
                break;
            usleep(1000);
        }
        t1 = sv_now_s();
        if (live)
            xnic_drv_queue_stop(v->drv, 0);
        t2 = sv_now_s();
        xnic_drv_close(v->drv);
        /* The guest's loop waits for all of it (a failover's gap). */
        log_info("VF %s: stopped in %.0f ms (draining %.0f, the stop command %.0f, closing %.0f)",
                 v->bdf, (sv_now_s() - t0) * 1e3, (t1 - t0) * 1e3, (t2 - t1) * 1e3,
                 (sv_now_s() - t2) * 1e3);
    }
    if (v->tap >= 0 && !v->teamed)
        close(v->tap);
    free(v);
}
