/*
 * Message layer of the xnic control socket (sv/xnic_ctl.h): one datagram per
 * message with its fds in SCM_RIGHTS, plus a blocking request/reply helper
 * for clients (the hypervisor, test programs).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sv/xnic_ctl.h"

int xnic_ctl_send(int sock, const struct xnic_ctl_hdr *hdr, const void *payload, size_t len,
                  const int *fds, unsigned nfds)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * XNIC_CTL_MAX_FDS)];
        struct cmsghdr align;
    } ctl;
    struct iovec iov[2] = {{(void *)hdr, sizeof(*hdr)}, {(void *)payload, len}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
    ssize_t n;

    if (nfds > XNIC_CTL_MAX_FDS || sizeof(*hdr) + len > XNIC_CTL_MAX_MSG)
        return -EINVAL;
    if (nfds) {
        struct cmsghdr *c;

        memset(&ctl, 0, sizeof(ctl));
        msg.msg_control = ctl.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    do {
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return 0;
}

static unsigned take_fds(struct msghdr *msg, int *fds)
{
    unsigned n = 0;

    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        size_t k;

        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k && n < XNIC_CTL_MAX_FDS; i++)
            memcpy(&fds[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    return n;
}

long xnic_ctl_recv(int sock, void *buf, size_t len, int *fds, unsigned *nfds)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * XNIC_CTL_MAX_FDS)];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {buf, len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                         .msg_controllen = sizeof(ctl.buf)};
    ssize_t n;

    *nfds = 0;
    do {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    *nfds = take_fds(&msg, fds);
    if (n == 0 && !*nfds)
        return 0;
    if ((size_t)n < sizeof(struct xnic_ctl_hdr) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
        for (unsigned i = 0; i < *nfds; i++)
            close(fds[i]);
        *nfds = 0;
        return -EBADMSG;
    }
    return n;
}

int xnic_ctl_connect(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof(sun.sun_path))
        return -ENAMETOOLONG;
    strcpy(sun.sun_path, path);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        int err = -errno;

        close(fd);
        return err;
    }
    return fd;
}

int xnic_ctl_call(int sock, uint16_t type, uint32_t func, const void *payload, size_t len,
                  const int *fds, unsigned nfds, void *reply, size_t reply_len,
                  xnic_ctl_fault_fn *on_fault, void *arg)
{
    static uint32_t next_seq;
    struct xnic_ctl_hdr hdr = {.type = type, .seq = ++next_seq ? next_seq : ++next_seq,
                               .func = func};
    union {
        struct xnic_ctl_hdr h;
        uint8_t raw[XNIC_CTL_MAX_MSG];
    } in;
    int rfds[XNIC_CTL_MAX_FDS];
    unsigned nr;
    int rc = xnic_ctl_send(sock, &hdr, payload, len, fds, nfds);

    while (rc == 0) {
        long n = xnic_ctl_recv(sock, &in, sizeof(in), rfds, &nr);

        for (unsigned i = 0; i < nr; i++)
            close(rfds[i]);
        if (n <= 0)
            return n ? (int)n : -ECONNRESET;
        if (in.h.type == XNIC_CTL_FAULT && !(in.h.flags & XNIC_CTL_F_REPLY)) {
            if (on_fault && (size_t)n >= sizeof(in.h) + sizeof(struct xnic_ctl_fault))
                on_fault(arg, (const struct xnic_ctl_fault *)(in.raw + sizeof(in.h)));
            continue;
        }
        if (in.h.seq != hdr.seq || !(in.h.flags & XNIC_CTL_F_REPLY))
            continue;
        n -= (long)sizeof(in.h);
        if (reply)
            memcpy(reply, in.raw + sizeof(in.h), (size_t)n < reply_len ? (size_t)n : reply_len);
        return in.h.status;
    }
    return rc;
}
