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

int hcall_fd(int chan, uint32_t op, uint32_t cmd)
{
    uint32_t unused = 0;
    int fd = -1;
    int n = hcall_simple_fds(chan, op, cmd, &unused, sizeof(unused), &fd, 1);

    if (n < 0)
        return n;
    return n == 1 ? fd : -EPROTO;
}

int hcall_open(void)
{
    int boot = boot_channel();
    int fd;

    if (boot < 0)
        return connect_control();
    pthread_mutex_lock(&boot_lock);
    fd = hcall_fd(boot, SV_HC_platform, SV_PLATFORM_channel_open);
    pthread_mutex_unlock(&boot_lock);
    return fd;
}

int hcall_pci_list(int chan, struct sv_pci_func *out, unsigned max)
{
    uint32_t unused = 0;
    struct hcall hc = {.op = SV_HC_pci,
                       .cmd = SV_PCI_list,
                       .count = 1,
                       .arg = &unused,
                       .arg_len = sizeof(unused),
                       .res = out,
                       .res_cap = (size_t)max * sizeof(*out)};

    return hcall(chan, &hc);
}

int hcall(int chan, struct hcall *hc)
{
    static __thread char buf[SV_HC_MAX_MSG];
    struct hc_request req = {
        .op = hc->op, .cmd = hc->cmd, .count = hc->count, .len = (uint32_t)hc->arg_len};
    const struct hc_reply *rep = (const struct hc_reply *)buf;
    int nfds = hc->nfds_max;
    ssize_t n;
    int err;

    hc->res_len = 0;
    hc->nfds_out = 0;
    if (hc->arg_len > SV_HC_MAX_MSG - sizeof(req))
        return -E2BIG;
    err = msg_send(chan, &req, sizeof(req), hc->arg, hc->arg_len, hc->fds_in, hc->nfds_in, 0);
    if (err)
        return err;
    n = msg_recv(chan, buf, sizeof(buf), hc->fds_out, &nfds);
    if (n == 0)
        return -ECONNRESET;
    if (n < 0)
        return (int)n;
    hc->nfds_out = nfds;
    if ((size_t)n < sizeof(*rep) || rep->len != (size_t)n - sizeof(*rep) || rep->len > hc->res_cap)
        goto out_proto;
    memcpy(hc->res, rep + 1, rep->len);
    hc->res_len = rep->len;
    return rep->ret;

out_proto:
    msg_close_fds(hc->fds_out, nfds);
    hc->nfds_out = 0;
    return -EPROTO;
}

int hcall_start_info(int chan, struct sv_start_info *si, int fds[SV_START_INFO_FDS])
{
    int n = hcall_simple_fds(chan, SV_HC_platform, SV_PLATFORM_start_info, si, sizeof(*si), fds,
                             SV_START_INFO_FDS);

    if (n < 0)
        return n;
    if (n != SV_START_INFO_FDS) {
        msg_close_fds(fds, n);
        return -EPROTO;
    }
    return 0;
}

int hcall_simple(int chan, uint32_t op, uint32_t cmd, void *arg, size_t len)
{
    struct hcall hc = {
        .op = op, .cmd = cmd, .count = 1, .arg = arg, .arg_len = len, .res = arg, .res_cap = len};

    return hcall(chan, &hc);
}

int hcall_simple_fds(int chan, uint32_t op, uint32_t cmd, void *arg, size_t len, int *fds,
                     int max)
{
    struct hcall hc = {.op = op,
                       .cmd = cmd,
                       .count = 1,
                       .arg = arg,
                       .arg_len = len,
                       .res = arg,
                       .res_cap = len,
                       .fds_out = fds,
                       .nfds_max = max};
    int err = hcall(chan, &hc);

    return err < 0 ? err : hc.nfds_out;
}

int hcall_pci_open(int chan, const char *bdf, struct sv_pci_open *o, int fds[SV_PCI_OPEN_FDS])
{
    int n;

    *o = (struct sv_pci_open){0};
    snprintf(o->bdf, sizeof(o->bdf), "%s", bdf);
    n = hcall_simple_fds(chan, SV_HC_pci, SV_PCI_open, o, sizeof(*o), fds, SV_PCI_OPEN_FDS);
    if (n < 0)
        return n;
    if (o->nvec > SV_PCI_MAX_VECTORS || n != (int)(1 + 2 * o->nvec)) {
        msg_close_fds(fds, n);
        return -EPROTO;
    }
    return n;
}
