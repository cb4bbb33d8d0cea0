/* Wire backend "packet:IFNAME": AF_PACKET raw socket bound to an existing
 * interface, promiscuous, ignoring the frames it sent itself. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire.h"

static int packet_setup(int s, unsigned ifindex)
{
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)ifindex};
    struct packet_mreq mr = {.mr_ifindex = (int)ifindex, .mr_type = PACKET_MR_PROMISC};
    int one = 1;

    if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
        setsockopt(s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0 ||
        setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
        return -errno;
    return 0;
}

static int packet_open(const char *name, int *fd, void **priv)
{
    unsigned ifindex = *name ? if_nametoindex(name) : 0;
    int s, rc;

    (void)priv;
    if (!ifindex)
        return -ENODEV;
    s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (s < 0)
        return -errno;
    rc = packet_setup(s, ifindex);
    if (rc < 0) {
        close(s);
        return rc;
    }
    *fd = s;
    return 0;
}

static int packet_send(int fd, void *priv, const uint8_t *frame, size_t len)
{
    (void)priv;
    return send(fd, frame, len, MSG_DONTWAIT) == (ssize_t)len ? 0 : -errno;
}

static long packet_recv(int fd, void *priv, uint8_t *buf, size_t len)
{
    ssize_t n = recv(fd, buf, len, MSG_DONTWAIT | MSG_TRUNC);

    (void)priv;
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    /* A frame larger than the NIC accepts: reported at its real length so
     * that the device drops and counts it. */
    return n;
}

static void packet_close(int fd, void *priv)
{
    (void)priv;
    close(fd);
}

const struct wire_ops wire_packet_ops = {.prefix = "packet:",
                                         .open = packet_open,
                                         .send = packet_send,
                                         .recv = packet_recv,
                                         .close = packet_close};
