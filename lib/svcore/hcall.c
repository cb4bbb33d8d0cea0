/* Hypercall client: channel opening and synchronous calls (see sv/hcall.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sv/hcall.h"
#include "sv/msg.h"
#include "sv/util.h"

static pthread_mutex_t boot_lock = PTHREAD_MUTEX_INITIALIZER;

static int boot_channel(void)
{
    const char *env = getenv(SV_HCALL_FD_ENV);
    char *end;
    long fd;

    if (!env || !*env)
        return -1;
    fd = strtol(env, &end, 10);
    return (*end || fd < 0 || fd > 65535) ? -1 : (int)fd;
}

bool hcall_in_domain(void)
{
    return boot_channel() >= 0;
}

static int connect_control(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;

    if (sv_rundir_path(sa.sun_path, sizeof(sa.sun_path), SV_CONTROL_SOCKET) < 0)
        return -ENAMETOOLONG;
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int err = -errno;

        close(fd);
        return err == -ENOENT ? -ECONNREFUSED : err;
    }
    return fd;
}

/* The fd a call that answers one came with (ret: the call's), or -errno. */
static int answer_fd(int ret, const struct hcall_io *io)
{
    if (ret < 0)
        return ret;
    return io->nfds_out == 1 ? io->fds_out[0] : -EPROTO;
}

int hcall_open(void)
{
    int boot = boot_channel(), fd = -1;
    struct hcall_io io = {.fds_out = &fd, .nfds_max = 1};

    if (boot < 0)
        return connect_control();
    pthread_mutex_lock(&boot_lock);
    fd = answer_fd(hcall_platform_channel_open_v(boot, &(uint32_t){0}, 1, &io), &io);
    pthread_mutex_unlock(&boot_lock);
    return fd;
}

/* One call: op and cmd with count argument structs of size bytes each. */
static int hcall(int chan, uint32_t op, uint32_t cmd, void *args, uint32_t count, size_t size,
                 struct hcall_io *io)
{
    static __thread char buf[SV_HC_MAX_MSG];
    struct hcall_io none = {0};
    struct hc_request req = {.op = op, .cmd = cmd, .count = count};
    const struct hc_reply *rep = (const struct hc_reply *)buf;
    size_t len = (size_t)count * size;
    void *res;
    size_t cap;
    int nfds;
    ssize_t n;
    int err;

    if (!io)
        io = &none;
    res = io->res ? io->res : args;
    cap = io->res ? io->res_cap : len;
    nfds = io->nfds_max;
    io->res_len = 0;
    io->nfds_out = 0;
    if (len > SV_HC_MAX_MSG - sizeof(req))
        return -E2BIG;
    req.len = (uint32_t)len;
    err = msg_send(chan, &req, sizeof(req), args, len, io->fds_in, io->nfds_in, 0);
    if (err)
        return err;
    n = msg_recv(chan, buf, sizeof(buf), io->fds_out, &nfds);
    if (n == 0)
        return -ECONNRESET;
    if (n < 0)
        return (int)n;
    io->nfds_out = nfds;
    if ((size_t)n < sizeof(*rep) || rep->len != (size_t)n - sizeof(*rep) || rep->len > cap)
        goto out_proto;
    memcpy(res, rep + 1, rep->len);
    io->res_len = rep->len;
    return rep->ret;

out_proto:
    msg_close_fds(io->fds_out, nfds);
    io->nfds_out = 0;
    return -EPROTO;
}

#define HCALL_STUB(name, op, cmd, type, max, dom0)                                                 \
    int hcall_##name##_v(int chan, type *args, uint32_t count, struct hcall_io *io)                \
    {                                                                                              \
        return hcall(chan, op, cmd, args, count, sizeof(*args), io);                               \
    }                                                                                              \
    int hcall_##name(int chan, type *arg)                                                          \
    {                                                                                              \
        return hcall(chan, op, cmd, arg, 1, sizeof(*arg), NULL);                                   \
    }
SV_HYPERCALLS(HCALL_STUB)

int hcall_open_tun(int chan)
{
    int fd = -1;
    struct hcall_io io = {.fds_out = &fd, .nfds_max = 1};

    return answer_fd(hcall_platform_open_tun_v(chan, &(uint32_t){0}, 1, &io), &io);
}

int hcall_open_pktsock(int chan, unsigned devid)
{
    int fd = -1;
    struct hcall_io io = {.fds_out = &fd, .nfds_max = 1};
    struct sv_pktsock_open o = {.devid = devid};

    return answer_fd(hcall_platform_open_pktsock_v(chan, &o, 1, &io), &io);
}

int hcall_pci_funcs(int chan, struct sv_pci_func *out, unsigned max)
{
    struct hcall_io io = {.res = out, .res_cap = (size_t)max * sizeof(*out)};

    return hcall_pci_list_v(chan, &(uint32_t){0}, 1, &io);
}

/* The call's answer and the fds it came with: their number, or -errno. */
static int answer_fds(int ret, const struct hcall_io *io)
{
    return ret < 0 ? ret : io->nfds_out;
}

int hcall_start_info(int chan, struct sv_start_info *si, int fds[SV_START_INFO_FDS])
{
    struct hcall_io io = {.fds_out = fds, .nfds_max = SV_START_INFO_FDS};
    int n = answer_fds(hcall_platform_start_info_v(chan, si, 1, &io), &io);

    if (n < 0)
        return n;
    if (n != SV_START_INFO_FDS) {
        msg_close_fds(fds, n);
        return -EPROTO;
    }
    return 0;
}

int hcall_pci_open_fds(int chan, const char *bdf, struct sv_pci_open *o, int fds[SV_PCI_OPEN_FDS])
{
    struct hcall_io io = {.fds_out = fds, .nfds_max = SV_PCI_OPEN_FDS};
    int n;

    *o = (struct sv_pci_open){0};
    snprintf(o->bdf, sizeof(o->bdf), "%s", bdf);
    n = answer_fds(hcall_pci_open_v(chan, o, 1, &io), &io);
    if (n < 0)
        return n;
    if (o->nvec > SV_PCI_MAX_VECTORS || n != (int)(1 + 2 * o->nvec)) {
        msg_close_fds(fds, n);
        return -EPROTO;
    }
    return n;
}
