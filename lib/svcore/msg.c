/* Whole-message send/receive with SCM_RIGHTS descriptors (see sv/msg.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sv/msg.h"

#define CMSG_FD_SPACE CMSG_SPACE(sizeof(int) * SV_MSG_MAX_FDS)

int msg_send(int sock, const void *hdr, size_t hdr_len, const void *body, size_t body_len,
             const int *fds, int nfds, int flags)
{
    struct iovec iov[2] = {
        {.iov_base = (void *)hdr, .iov_len = hdr_len},
        {.iov_base = (void *)body, .iov_len = body_len},
    };
    union {
        char buf[CMSG_FD_SPACE];
        struct cmsghdr align;
    } ctl;
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = body_len ? 2 : 1};
    ssize_t n;

    if (nfds < 0 || nfds > SV_MSG_MAX_FDS)
        return -EINVAL;
    if (nfds > 0) {
        struct cmsghdr *cm;

        memset(&ctl, 0, sizeof(ctl));
        mh.msg_control = ctl.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
    }
    do
        n = sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return (size_t)n == hdr_len + body_len ? 0 : -EMSGSIZE;
}

void msg_close_fds(const int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* Copies the SCM_RIGHTS descriptors out of mh; returns how many. */
static int msg_take_fds(struct msghdr *mh, int *fds, int max)
{
    int got = 0;

    for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
        size_t n;

        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;

            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            if (got < max)
                fds[got++] = fd;
            else
                close(fd);
        }
    }
    return got;
}

ssize_t msg_recv(int sock, void *buf, size_t cap, int *fds, int *nfds)
{
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    union {
        char buf[CMSG_FD_SPACE];
        struct cmsghdr align;
    } ctl;
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl)};
    int max = nfds ? *nfds : 0;
    int got;
    ssize_t n;

    /* Zero until descriptors arrive: a caller that acts on *nfds before it
     * checks the result (the peer killed with our reply unread reads as
     * -ECONNRESET) must not take the capacity for a count. */
    if (nfds)
        *nfds = 0;
    do
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    got = msg_take_fds(&mh, fds, max);
    if (nfds)
        *nfds = got;
    if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        msg_close_fds(fds, got);
        if (nfds)
            *nfds = 0;
        return -EMSGSIZE;
    }
    return n;
}
