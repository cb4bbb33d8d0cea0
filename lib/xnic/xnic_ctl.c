/*
 * xnic control socket messages (sv/abi/xnic_ctl.h) over the project's message
 * layer (sv/msg.h), plus a blocking request/reply helper for clients (the
 * hypervisor, test programs).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sv/msg.h"
#include "sv/abi/xnic_ctl.h"

int xnic_ctl_send(int sock, const struct xnic_ctl_hdr *hdr, const void *payload, size_t len,
                  const int *fds, unsigned nfds)
{
    if (nfds > XNIC_CTL_MAX_FDS || sizeof(*hdr) + len > XNIC_CTL_MAX_MSG)
        return -EINVAL;
    return msg_send(sock, hdr, sizeof(*hdr), payload, len, fds, (int)nfds, 0);
}

long xnic_ctl_recv(int sock, void *buf, size_t len, int *fds, unsigned *nfds)
{
    int n = XNIC_CTL_MAX_FDS;
    ssize_t got = msg_recv(sock, buf, len, fds, &n);

    *nfds = got < 0 ? 0 : (unsigned)n;
    if (got == -EMSGSIZE)
        return -EBADMSG;
    if (got <= 0)
        return got;
    if ((size_t)got < sizeof(struct xnic_ctl_hdr)) {
        msg_close_fds(fds, n);
        *nfds = 0;
        return -EBADMSG;
    }
    return got;
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
    struct xnic_ctl_hdr hdr = {
        .type = type, .seq = ++next_seq ? next_seq : ++next_seq, .func = func};
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

const char *xnic_ctl_fault_reason(uint32_t reason)
{
    switch (reason) {
    case IOMMU_FAULT_NOT_MAPPED:
        return "not mapped";
    case IOMMU_FAULT_PERM:
        return "permission";
    case IOMMU_FAULT_RANGE:
        return "out of range";
    }
    return "unknown";
}
