/*
 * Hypercall channels: the root-only control socket dom0's tools connect to,
 * and each domain's channels.  Requests are read whole, checked against the
 * dispatch table (size, batch count, dom0-only), handled, and answered with
 * the results and any descriptors.  A peer that sends garbage or stops
 * reading its replies loses that channel, never the hypervisor.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdreap.h"
#include "hypercalls.h"
#include "sv/log.h"
#include "sv/msg.h"

/* Linux 6.16: a socket with it off refuses SCM_RIGHTS (the sender gets EPERM). */
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83
#endif

struct hc_op {
    uint32_t op;
    uint32_t cmd;
    const char *name;
    size_t arg_size;    /* one argument struct */
    uint32_t max_count; /* batch limit (1 for plain calls) */
    bool dom0_only;
    int (*fn)(struct hc_ctx *ctx);
};

#define HC_OP(name, op, cmd, type, max, dom0) {op, cmd, #cmd, sizeof(type), max, dom0, hc_##name},

static const struct hc_op hc_ops[] = {SV_HYPERCALLS(HC_OP)};

static const struct hc_op *hc_lookup(uint32_t op, uint32_t cmd)
{
    for (size_t i = 0; i < sizeof(hc_ops) / sizeof(hc_ops[0]); i++)
        if (hc_ops[i].op == op && hc_ops[i].cmd == cmd)
            return &hc_ops[i];
    return NULL;
}

struct domain *hc_domain(const struct hc_ctx *ctx, domid_t domid)
{
    return domid == DOMID_SELF ? ctx->caller : domain_find(domid);
}

int hc_reply_fd(struct hc_ctx *ctx, int fd)
{
    if (fd < 0)
        return fd;
    if (ctx->nout == SV_HC_MAX_FDS) {
        close(fd);
        return -EMFILE;
    }
    ctx->out_fds[ctx->nout++] = fd;
    return 0;
}

/* Domains' channels are charged; dom0's come out of the reserve. */
static struct quota *channel_quota(const struct domain *d)
{
    return d->domid != 0 ? &hv.quota : NULL;
}

static void channel_free(struct channel *ch)
{
    for (struct channel **pp = &hv.channels; *pp; pp = &(*pp)->next)
        if (*pp == ch) {
            *pp = ch->next;
            break;
        }
    wait_cancel(ch);
    ch->dom->nchannels--;
    quota_give(channel_quota(ch->dom), 1);
    event_free(ch->ev);
    close(ch->fd);
    /* Closed by its own request (SCHEDOP_shutdown releases the caller's
     * channels): channel_readable frees it once the handler is done. */
    if (ch->in_call)
        ch->closed = true;
    else
        free(ch);
}

static void channel_drop(struct channel *ch)
{
    /* A killed domain's channels close before its pidfd is readable: what
     * they own is released with the domain then, notifies first (a vchan
     * peer hears it go), not by one handle now and its ports by another
     * handle's close before the notify that sends on them. */
    if (ch->dom->state == DOMAIN_RUNNING && !ch->dom->dying)
        domain_release_owner(ch->dom, ch);
    channel_free(ch);
}

/* Checks the request against its table entry; fills ctx->arg. */
static int hc_check(const struct hc_op *op, const struct hc_request *req, size_t len,
                    const struct channel *ch)
{
    if (!op)
        return -ENOSYS;
    if (op->dom0_only && ch->dom->domid != 0)
        return -EPERM;
    if (req->count == 0 || req->count > op->max_count)
        return -EINVAL;
    if (req->len != len - sizeof(*req) || req->len != req->count * op->arg_size)
        return -EINVAL;
    return 0;
}

static int channel_handle(struct channel *ch, const void *buf, size_t len, const int *fds, int nfds)
{
    static union {
        struct hc_reply rep;
        char bytes[SV_HC_MAX_MSG];
    } out;
    const struct hc_request *req = buf;
    struct hc_ctx ctx = {.ch = ch, .caller = ch->dom, .req = req, .in_fds = fds, .nin = nfds};
    const struct hc_op *op;
    int ret, err;

    if (len < sizeof(*req))
        return -EPROTO;
    op = hc_lookup(req->op, req->cmd);
    ret = hc_check(op, req, len, ch);
    ctx.arg = out.bytes + sizeof(out.rep);
    ctx.arg_len = ctx.res_len = ret ? 0 : req->len;
    if (!ret) {
        memcpy(ctx.arg, req + 1, req->len);
        ret = op->fn(&ctx);
        if (ret < 0 && ret != -EAGAIN)
            log_debug("dom%u: %s: %s", ch->dom->domid, op->name, strerror(-ret));
    }
    if (ch->closed || ctx.deferred) {
        msg_close_fds(ctx.out_fds, ctx.nout);
        return 0; /* nobody left to answer, or answered later */
    }
    if (ret < 0) {
        /* A failed call returns nothing but its error. */
        msg_close_fds(ctx.out_fds, ctx.nout);
        ctx.nout = 0;
        ctx.res_len = 0;
    }
    out.rep.ret = ret;
    out.rep.len = (uint32_t)ctx.res_len;
    err = msg_send(ch->fd, &out, sizeof(out.rep) + ctx.res_len, NULL, 0, ctx.out_fds, ctx.nout,
                   MSG_DONTWAIT);
    msg_close_fds(ctx.out_fds, ctx.nout);
    return err;
}

static void channel_readable(evutil_socket_t fd, short what, void *arg)
{
    static char buf[SV_HC_MAX_MSG];
    struct channel *ch = arg;
    int fds[SV_HC_MAX_FDS];
    int nfds = SV_HC_MAX_FDS;
    ssize_t n;
    int err;

    (void)what;
    n = msg_recv(fd, buf, sizeof(buf), fds, &nfds);
    if (n == -EAGAIN || n == -EINTR)
        return;
    if (nfds && ch->dom->domid != 0) {
        /* A kernel without SO_PASSRIGHTS let them through.  Their last
         * close may block as long as the domain likes: not on this thread. */
        fdreap_close(fds, nfds);
        log_warn_limited(&ch->dom->warnings, false,
                         "dom%u: dropping hypercall channel: it sent descriptors", ch->dom->domid);
        channel_drop(ch);
        return;
    }
    if (n <= 0) {
        channel_drop(ch);
        return;
    }
    if (!ch->dom->up && ch->dom->domid != 0)
        domain_mark_up(ch->dom);
    ch->in_call = true;
    err = channel_handle(ch, buf, (size_t)n, fds, nfds);
    ch->in_call = false;
    msg_close_fds(fds, nfds);
    if (ch->closed) {
        free(ch);
        return;
    }
    if (err < 0) {
        log_warn_limited(&ch->dom->warnings, false, "dom%u: dropping hypercall channel: %s",
                         ch->dom->domid, strerror(-err));
        channel_drop(ch);
    }
}

void channel_defer(struct hc_ctx *ctx)
{
    ctx->deferred = true;
    event_del(ctx->ch->ev);
}

void channel_answer(struct channel *ch, int ret, const void *res, size_t len)
{
    struct hc_reply rep = {.ret = ret, .len = ret < 0 ? 0 : (uint32_t)len};

    if (msg_send(ch->fd, &rep, sizeof(rep), res, rep.len, NULL, 0, MSG_DONTWAIT) < 0 ||
        event_add(ch->ev, NULL) < 0)
        channel_drop(ch);
}

/*
 * Domains never pass descriptors to us (only dom0 does: the kernel image at
 * create), and the last close of one a domain chose could block the loop.
 * An older kernel refuses the option: channel_readable() is the wall there.
 */
static void channel_refuse_fds(int fd)
{
    static bool warned;
    int off = 0;

    if (setsockopt(fd, SOL_SOCKET, SO_PASSRIGHTS, &off, sizeof(off)) == 0 || warned)
        return;
    warned = true;
    log_warn("SO_PASSRIGHTS (Linux 6.16) unavailable: descriptors a domain sends are "
             "closed off the loop and its channel dropped");
}

int channel_add(int fd, struct domain *dom, pid_t peer_pid)
{
    struct quota *quota = channel_quota(dom);
    struct channel *ch;
    int err = -EMFILE;

    /* Each channel is an fd of ours: a domain opening them in a loop
     * would take every fd the hypervisor has from every domain. */
    if (quota && dom->nchannels >= DOMAIN_MAX_CHANNELS)
        goto out_close;
    err = quota_take(quota, 1);
    if (err)
        goto out_close;
    if (quota)
        channel_refuse_fds(fd);
    err = -ENOMEM;
    ch = calloc(1, sizeof(*ch));
    if (!ch)
        goto out_give;
    ch->fd = fd;
    ch->dom = dom;
    ch->peer_pid = peer_pid;
    ch->ev = event_new(hv.base, fd, EV_READ | EV_PERSIST, channel_readable, ch);
    if (!ch->ev || event_add(ch->ev, NULL) < 0)
        goto out_free;
    ch->next = hv.channels;
    hv.channels = ch;
    dom->nchannels++;
    return 0;

out_free:
    if (ch->ev)
        event_free(ch->ev);
    free(ch);
out_give:
    quota_give(quota, 1);
out_close:
    close(fd);
    return err;
}

void channel_close_domain(struct domain *d)
{
    struct channel *ch = hv.channels, *next;

    for (; ch; ch = next) {
        next = ch->next;
        if (ch->dom == d)
            channel_free(ch);
    }
}

/* The listening socket's event, and the timer that puts it back after a
 * pause: out of fds, accept4 fails and the socket stays readable, so the
 * loop would spin on it. */
static struct event *accept_ev, *accept_resume_ev;

static void control_resume(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    event_add(accept_ev, NULL);
}

static void control_pause(void)
{
    static struct log_ratelimit warnings = {.burst = 1};
    const struct timeval pause = {.tv_usec = 100000};

    log_warn_limited(&warnings, true, "control socket: cannot accept; pausing 100 ms");
    event_del(accept_ev);
    event_add(accept_resume_ev, &pause);
}

static void control_accept(evutil_socket_t fd, short what, void *arg)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    int conn;

    (void)what;
    (void)arg;
    conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (conn < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            control_pause();
        return;
    }
    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
        log_warnx("control socket: refused uid %d (dom0 is root only)", (int)cred.uid);
        close(conn);
        return;
    }
    if (channel_add(conn, hv.domains, cred.pid) < 0)
        log_warnx("control socket: out of memory");
}

int control_listen(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path))
        return -ENAMETOOLONG;
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
        listen(fd, 64) < 0)
        goto out_close;
    accept_ev = event_new(hv.base, fd, EV_READ | EV_PERSIST, control_accept, NULL);
    accept_resume_ev = evtimer_new(hv.base, control_resume, NULL);
    if (!accept_ev || !accept_resume_ev || event_add(accept_ev, NULL) < 0)
        goto out_close;
    return 0;

out_close:
    close(fd);
    return -errno;
}
