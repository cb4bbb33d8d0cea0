/*
 * Wire backend "tap:NAME": a host TAP device, one frame per read/write, each
 * behind a virtio_net_hdr (IFF_VNET_HDR) so that a TSO packet or a frame
 * with its checksum left partial goes to the host whole and the host's
 * stack finishes it (or never needs to: a packet for the host itself is
 * not cut).  The TAP is given no offloads (TUNSETOFFLOAD 0), so what the
 * host sends us comes finished, with an empty header.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sv/abi/xnic.h"
#include "wire.h"
#include "xnic_dev.h"

static int tap_open(const char *name, int *fd, void **priv)
{
    struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
    int t, err;

    (void)priv;
    if (!*name || strlen(name) >= IFNAMSIZ)
        return -EINVAL;
    t = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (t < 0)
        return -errno;
    strcpy(ifr.ifr_name, name);
    if (ioctl(t, TUNSETIFF, &ifr) < 0 || ioctl(t, TUNSETOFFLOAD, 0) < 0) {
        err = -errno;
        close(t);
        return err;
    }
    *fd = t;
    return 0;
}

static int tap_write(int fd, const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len)
{
    struct iovec iov[2] = {{(void *)vh, sizeof(*vh)}, {(void *)frame, len}};

    return writev(fd, iov, 2) == (ssize_t)(sizeof(*vh) + len) ? 0 : -errno;
}

/* EAGAIN means "nothing waiting" (the fd is non-blocking). */
static int tap_send(int fd, void *priv, const uint8_t *frame, size_t len)
{
    static const struct virtio_net_hdr none;

    (void)priv;
    return tap_write(fd, &none, frame, len);
}

static int tap_send_offload(int fd, void *priv, const uint8_t *frame, size_t len,
                            const struct xnic_wire_offload *o)
{
    struct virtio_net_hdr vh = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = o->gso_type == XNIC_GSO_TCPV4   ? VIRTIO_NET_HDR_GSO_TCPV4
                    : o->gso_type == XNIC_GSO_TCPV6 ? VIRTIO_NET_HDR_GSO_TCPV6
                                                    : VIRTIO_NET_HDR_GSO_NONE,
        .hdr_len = o->hdr_len,
        .gso_size = o->gso_size,
        .csum_start = o->csum_start,
        .csum_offset = o->csum_offset,
    };

    (void)priv;
    return tap_write(fd, &vh, frame, len);
}

static long tap_recv(int fd, void *priv, uint8_t *buf, size_t len)
{
    struct virtio_net_hdr vh;
    struct iovec iov[2] = {{&vh, sizeof(vh)}, {buf, len}};
    ssize_t n = readv(fd, iov, 2);

    (void)priv;
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    return n < (ssize_t)sizeof(vh) ? -EPROTO : n - (ssize_t)sizeof(vh);
}

static void tap_close(int fd, void *priv)
{
    (void)priv;
    close(fd);
}

const struct wire_ops wire_tap_ops = {.prefix = "tap:",
                                      .open = tap_open,
                                      .send = tap_send,
                                      .send_offload = tap_send_offload,
                                      .recv = tap_recv,
                                      .close = tap_close};
