/*
 * xnic: the physical NIC device model program.  One process per NIC: the
 * device core (xnic_dev), one wire backend, and a libevent loop over the
 * control socket (sv/abi/xnic_ctl.h), the functions' doorbell eventfds and the
 * wire.  With --poll it spins instead, polling ring tails (benchmarks).
 *
 *   xnic --control PATH [--wire SPEC] [--pools N] [--queues-per-pool Q]
 *        [--vfs N] [--pf BDF] [--poll] [--fault-burst N] [--admin-latency-ms N]
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sv/log.h"
#include "sv/util.h"
#include "sv/abi/xnic_ctl.h"
#include "wire.h"
#include "sv/abi/xnic.h"
#include "xnic_dev.h"

#define TX_BUDGET         256u /* packets per scheduler run before other events get a turn */
#define RX_BUDGET         64u  /* wire frames per readable event */
#define LINK_MBPS         10000u
#define POLL_EVENTS_EVERY 64u

struct client {
    struct prog *p;
    int fd;
    struct event *ev;
    struct client *next;
};

struct doorbell {
    struct prog *p;
    unsigned f, i;
    struct event *ev;
    struct event *late; /* the admin doorbell's, with --admin-latency-ms */
};

struct prog {
    struct event_base *base;
    struct xnic_dev *dev;
    struct wire *wire;
    const char *ctl_path;
    int listen_fd;
    struct event *ev_listen, *ev_wire, *ev_tx, *ev_int, *ev_term;
    struct client *clients;
    struct doorbell db[XNIC_MAX_FUNCS][1 + XNIC_MAX_QUEUES];
    bool poll_mode;
    /* A real NIC's firmware takes milliseconds over an admin command; this
     * long here, so that a driver waiting for them shows (tests). */
    struct timeval admin_latency;
    volatile sig_atomic_t stop;
    uint8_t frame[XNIC_MAX_FRAME + 1];
};

/* ---- device callbacks ------------------------------------------------------ */

static int cb_wire_tx(void *arg, const uint8_t *frame, size_t len)
{
    struct prog *p = arg;

    return wire_send(p->wire, frame, len);
}

static void bdf_str(uint32_t bdf, char *buf, size_t len)
{
    snprintf(buf, len, "0000:%02x:%02x.%u", bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7);
}

static void cb_fault(void *arg, const struct iommu_fault *f, uint64_t suppressed)
{
    struct prog *p = arg;
    struct xnic_ctl_hdr hdr = {.type = XNIC_CTL_FAULT};
    struct xnic_ctl_fault msg = {.bdf = f->bdf,
                                 .write = f->write,
                                 .iova = f->iova,
                                 .reason = f->reason,
                                 .suppressed = suppressed};
    char bdf[32];

    bdf_str(f->bdf, bdf, sizeof(bdf));
    log_warnx("iommu fault: %s %s iova 0x%llx: %s (%llu suppressed before)", bdf,
              f->write ? "write" : "read", (unsigned long long)f->iova,
              xnic_ctl_fault_reason(f->reason), (unsigned long long)suppressed);
    for (struct client *c = p->clients; c; c = c->next)
        xnic_ctl_send(c->fd, &hdr, &msg, sizeof(msg), NULL, 0);
}

static int cb_wire_tx_offload(void *arg, const uint8_t *frame, size_t len,
                              const struct xnic_wire_offload *o)
{
    struct prog *p = arg;

    return wire_send_offload(p->wire, frame, len, o);
}

/* For a wire that finishes offloaded packets itself, and for one that does not. */
static const struct xnic_dev_ops dev_ops_offload = {
    .wire_tx = cb_wire_tx, .wire_tx_offload = cb_wire_tx_offload, .fault = cb_fault};
static const struct xnic_dev_ops dev_ops = {.wire_tx = cb_wire_tx, .fault = cb_fault};

/* ---- data path events ------------------------------------------------------ */

static void tx_cb(evutil_socket_t fd, short what, void *arg)
{
    struct prog *p = arg;

    (void)fd, (void)what;
    if (xnic_dev_tx_run(p->dev, TX_BUDGET))
        event_active(p->ev_tx, EV_WRITE, 0);
}

static void doorbell_cb(evutil_socket_t fd, short what, void *arg)
{
    struct doorbell *db = arg;
    uint64_t count;

    (void)what;
    if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
        log_warn("doorbell %u.%u", db->f, db->i);
    if (db->late) {
        if (!evtimer_pending(db->late, NULL))
            evtimer_add(db->late, &db->p->admin_latency);
        return;
    }
    xnic_dev_kick(db->p->dev, db->f, db->i);
    event_active(db->p->ev_tx, EV_WRITE, 0);
}

static void admin_late_cb(evutil_socket_t fd, short what, void *arg)
{
    struct doorbell *db = arg;

    (void)fd, (void)what;
    xnic_dev_kick(db->p->dev, db->f, db->i);
}

static void wire_cb(evutil_socket_t fd, short what, void *arg)
{
    struct prog *p = arg;

    (void)fd, (void)what;
    for (unsigned i = 0; i < RX_BUDGET; i++) {
        long n = wire_recv(p->wire, p->frame, sizeof(p->frame));

        if (n <= 0) {
            if (n < 0)
                log_warnx("wire receive: %s", strerror((int)-n));
            break;
        }
        /* A truncated oversize frame arrives as XNIC_MAX_FRAME + 1 bytes: dropped. */
        xnic_dev_wire_rx(p->dev, p->frame,
                         (size_t)n > sizeof(p->frame) ? sizeof(p->frame) : (size_t)n);
    }
    xnic_dev_flush_irqs(p->dev);
}

static void watch_doorbells(struct prog *p, unsigned f)
{
    for (unsigned i = 0; i < xnic_dev_func_nvec(p->dev, f); i++) {
        struct doorbell *db = &p->db[f][i];

        *db = (struct doorbell){p, f, i, NULL, NULL};
        if (p->poll_mode)
            continue;
        db->ev = event_new(p->base, xnic_dev_doorbell_fd(p->dev, f, i), EV_READ | EV_PERSIST,
                           doorbell_cb, db);
        if (!db->ev || event_add(db->ev, NULL) < 0)
            fatalx("cannot watch doorbell %u of function %u", i, f);
        if (i == XNIC_DB_ADMIN && (p->admin_latency.tv_sec || p->admin_latency.tv_usec) &&
            !(db->late = evtimer_new(p->base, admin_late_cb, db)))
            fatalx("cannot delay the admin commands of function %u", f);
    }
}

static void unwatch_doorbells(struct prog *p, unsigned f)
{
    for (unsigned i = 0; i <= XNIC_MAX_QUEUES; i++) {
        if (p->db[f][i].ev)
            event_free(p->db[f][i].ev);
        if (p->db[f][i].late)
            event_free(p->db[f][i].late);
        p->db[f][i].ev = p->db[f][i].late = NULL;
    }
}

/* ---- control socket --------------------------------------------------------- */

struct request {
    const struct xnic_ctl_hdr *hdr;
    const void *body;
    size_t len;
    int *fds; /* a handler that keeps an fd sets its slot to -1 */
    unsigned nfds;
    void *reply; /* reply payload buffer, XNIC_CTL_MAX_MSG bytes */
    size_t reply_len;
};

static int do_info(struct prog *p, struct request *r)
{
    struct xnic_ctl_info *info = r->reply;
    struct xnic_dev *dev = p->dev;

    memset(info, 0, sizeof(*info));
    info->nfuncs = xnic_dev_num_funcs(dev);
    info->pools = xnic_dev_num_pools(dev);
    info->vfs = xnic_dev_num_vfs(dev);
    info->pool_queues = xnic_dev_pool_queues(dev);
    info->link_up = xnic_dev_link_up(dev);
    for (unsigned f = 0; f < info->nfuncs; f++) {
        info->funcs[f].bdf = xnic_dev_func_bdf(dev, f);
        info->funcs[f].nqueues = xnic_dev_func_nqueues(dev, f);
        info->funcs[f].nvec = xnic_dev_func_nvec(dev, f);
        info->funcs[f].attached = xnic_dev_attached(dev, f);
    }
    r->reply_len = sizeof(*info);
    return 0;
}

static int do_attach(struct prog *p, struct request *r)
{
    const struct xnic_ctl_attach *a = r->body;
    unsigned f = r->hdr->func;
    int rc;

    if (a->nvec != xnic_dev_func_nvec(p->dev, f) || r->nfds != 1 + 2 * a->nvec ||
        (a->flags & ~XNIC_ATTACH_TAKEOVER))
        return -EINVAL;
    rc = (a->flags & XNIC_ATTACH_TAKEOVER ? xnic_dev_take_over : xnic_dev_attach)(
        p->dev, f, r->fds[0], r->fds + 1, r->fds + 1 + a->nvec, a->nvec);
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < r->nfds; i++)
        r->fds[i] = -1;
    watch_doorbells(p, f);
    log_info("function %u attached%s", f, a->flags & XNIC_ATTACH_TAKEOVER ? " (take-over)" : "");
    return 0;
}

static int do_detach(struct prog *p, struct request *r)
{
    unwatch_doorbells(p, r->hdr->func);
    log_info("function %u detached", r->hdr->func);
    return xnic_dev_detach(p->dev, r->hdr->func);
}

static int do_park(struct prog *p, struct request *r)
{
    unsigned f = r->hdr->func;

    if (f != 0) /* a VF's owner dying resets that VF alone: DETACH */
        return -EINVAL;
    if (!xnic_dev_attached(p->dev, f))
        return -ENOENT;
    unwatch_doorbells(p, f); /* before the device closes them */
    log_info("function %u parked: its DMA stopped, the switch kept", f);
    return xnic_dev_park(p->dev, f);
}

static int do_flr(struct prog *p, struct request *r)
{
    log_info("function %u: FLR", r->hdr->func);
    return xnic_dev_flr(p->dev, r->hdr->func);
}

/* Backings id, id + 1, ... one per fd: a domain's frames travel in batches. */
static int do_backing(struct prog *p, struct request *r)
{
    const struct xnic_ctl_backing *b = r->body;
    struct iommu_ctx *ctx = xnic_dev_iommu(p->dev, r->hdr->func);

    if (!r->nfds)
        return -EINVAL;
    for (unsigned i = 0; i < r->nfds; i++) {
        int rc = iommu_add_backing(ctx, b->id + i, r->fds[i]);

        if (rc < 0)
            return rc;
    }
    return 0;
}

static int do_del_backing(struct prog *p, struct request *r)
{
    const struct xnic_ctl_backing *b = r->body;

    return iommu_del_backing(xnic_dev_iommu(p->dev, r->hdr->func), b->id);
}

/* IOMMU_MAP and IOMMU_UNMAP carry one or more struct xnic_ctl_map; they are
 * applied in order and the first error stops the batch. */
static int map_batch(struct prog *p, struct request *r, bool map)
{
    const struct xnic_ctl_map *m = r->body;
    struct iommu_ctx *ctx = xnic_dev_iommu(p->dev, r->hdr->func);

    if (r->len % sizeof(*m))
        return -EBADMSG;
    for (size_t i = 0; i < r->len / sizeof(*m); i++) {
        int rc = map ? iommu_map(ctx, m[i].iova, m[i].id, m[i].page, m[i].count, m[i].perms)
                     : iommu_unmap(ctx, m[i].iova, m[i].count);

        if (rc < 0)
            return rc;
    }
    return 0;
}

static int do_map(struct prog *p, struct request *r)
{
    return map_batch(p, r, true);
}

static int do_unmap(struct prog *p, struct request *r)
{
    return map_batch(p, r, false);
}

static int do_stats(struct prog *p, struct request *r)
{
    struct xnic_func_stats *st = r->reply;
    unsigned f = r->hdr->func;
    int rc;

    memset(st, 0, sizeof(*st));
    st->nqueues = xnic_dev_func_nqueues(p->dev, f);
    rc = xnic_dev_stats(p->dev, f, &st->dma_faults, &st->wire, st->queue);
    r->reply_len = offsetof(struct xnic_func_stats, queue) + st->nqueues * sizeof(st->queue[0]);
    return rc;
}

static const struct {
    int (*fn)(struct prog *p, struct request *r);
    size_t len;      /* payload bytes required */
    bool needs_func; /* hdr.func must name a function */
} ctl_table[XNIC_CTL_TYPE_MAX] = {
    [XNIC_CTL_INFO] = {do_info, 0, false},
    [XNIC_CTL_ATTACH] = {do_attach, sizeof(struct xnic_ctl_attach), true},
    [XNIC_CTL_DETACH] = {do_detach, 0, true},
    [XNIC_CTL_FLR] = {do_flr, 0, true},
    [XNIC_CTL_IOMMU_BACKING] = {do_backing, sizeof(struct xnic_ctl_backing), true},
    [XNIC_CTL_IOMMU_DEL_BACKING] = {do_del_backing, sizeof(struct xnic_ctl_backing), true},
    [XNIC_CTL_IOMMU_MAP] = {do_map, sizeof(struct xnic_ctl_map), true},
    [XNIC_CTL_IOMMU_UNMAP] = {do_unmap, sizeof(struct xnic_ctl_map), true},
    [XNIC_CTL_STATS] = {do_stats, 0, true},
    [XNIC_CTL_PARK] = {do_park, 0, true},
};

static int ctl_dispatch(struct prog *p, struct request *r)
{
    uint16_t t = r->hdr->type;

    if (t >= XNIC_CTL_TYPE_MAX || !ctl_table[t].fn || (r->hdr->flags & XNIC_CTL_F_REPLY))
        return -EOPNOTSUPP;
    if (r->len < ctl_table[t].len)
        return -EBADMSG;
    if (ctl_table[t].needs_func && r->hdr->func >= xnic_dev_num_funcs(p->dev))
        return -ENOENT;
    return ctl_table[t].fn(p, r);
}

static void client_free(struct client *c)
{
    struct client **pp = &c->p->clients;

    while (*pp != c)
        pp = &(*pp)->next;
    *pp = c->next;
    event_free(c->ev);
    close(c->fd);
    free(c);
}

static void client_cb(evutil_socket_t fd, short what, void *arg)
{
    struct client *c = arg;
    union {
        struct xnic_ctl_hdr h;
        uint8_t raw[XNIC_CTL_MAX_MSG];
    } in, out;
    int fds[XNIC_CTL_MAX_FDS];
    unsigned nfds;
    long n = xnic_ctl_recv(fd, &in, sizeof(in), fds, &nfds);
    struct request r = {&in.h, in.raw + sizeof(in.h), 0, fds, nfds, out.raw + sizeof(out.h), 0};

    (void)what;
    if (n == 0 || (n < 0 && n != -EBADMSG && n != -EAGAIN)) {
        client_free(c);
        return;
    }
    if (n < 0)
        return;
    r.len = (size_t)n - sizeof(in.h);
    out.h = (struct xnic_ctl_hdr){
        .type = in.h.type, .flags = XNIC_CTL_F_REPLY, .seq = in.h.seq, .func = in.h.func};
    out.h.status = ctl_dispatch(c->p, &r);
    for (unsigned i = 0; i < nfds; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
    event_active(c->p->ev_tx, EV_WRITE, 0);
    if (xnic_ctl_send(fd, &out.h, out.raw + sizeof(out.h), r.reply_len, NULL, 0) < 0)
        log_warnx("control reply lost");
}

static void listen_cb(evutil_socket_t fd, short what, void *arg)
{
    struct prog *p = arg;
    struct client *c;
    int s = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    (void)what;
    if (s < 0)
        return;
    c = calloc(1, sizeof(*c));
    if (!c || !(c->ev = event_new(p->base, s, EV_READ | EV_PERSIST, client_cb, c)) ||
        event_add(c->ev, NULL) < 0) {
        log_warnx("control client dropped: out of memory");
        if (c && c->ev)
            event_free(c->ev);
        free(c);
        close(s);
        return;
    }
    c->p = p;
    c->fd = s;
    c->next = p->clients;
    p->clients = c;
}

/* Binds and listens under a temporary name, then renames: a client that sees
 * PATH can connect, and never to a socket with the wrong mode. */
static int ctl_listen(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int s, n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.new", path);

    if (n < 0 || (size_t)n >= sizeof(sun.sun_path))
        return -ENAMETOOLONG;
    s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    unlink(sun.sun_path);
    /* Only root (the hypervisor) may give functions away or write IOMMU tables. */
    if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(sun.sun_path, 0600) < 0 ||
        listen(s, 8) < 0 || rename(sun.sun_path, path) < 0) {
        int err = -errno;

        unlink(sun.sun_path);
        close(s);
        return err;
    }
    return s;
}

/* ---- setup ------------------------------------------------------------------ */

static void stop_cb(evutil_socket_t sig, short what, void *arg)
{
    struct prog *p = arg;

    (void)what;
    log_info("signal %d: stopping", (int)sig);
    p->stop = 1;
    event_base_loopbreak(p->base);
}

static noreturn void usage(void)
{
    fprintf(stderr, "usage: xnic --control PATH [--wire tap:NAME|packet:IF|"
                    "vxlan:VNI,remote=ADDR[,remote=ADDR...][,local=ADDR][,port=N]|none]\n"
                    "            [--pools N] [--queues-per-pool Q] [--vfs N] [--pf DDDD:BB:00.0]\n"
                    "            [--poll] [--fault-burst N] [--admin-latency-ms N]\n");
    exit(2);
}

static unsigned parse_uint(const char *s, unsigned max)
{
    char *end;
    unsigned long v = strtoul(s, &end, 0);

    if (*s == '\0' || *end || v > max)
        usage();
    return (unsigned)v;
}

static uint8_t parse_pf(const char *s)
{
    unsigned dom, bus, devno, fn;
    char tail;

    if (sscanf(s, "%x:%x:%x.%x%c", &dom, &bus, &devno, &fn, &tail) != 4 || dom || bus > 0xff ||
        devno || fn)
        fatalx("--pf %s: want DDDD:BB:00.0 with domain 0", s);
    return (uint8_t)bus;
}

static void parse_args(int argc, char **argv, struct xnic_dev_config *cfg, const char **wire,
                       struct prog *p)
{
    static const struct option opts[] = {{"control", required_argument, NULL, 'c'},
                                         {"wire", required_argument, NULL, 'w'},
                                         {"pools", required_argument, NULL, 'p'},
                                         {"vfs", required_argument, NULL, 'v'},
                                         {"pf", required_argument, NULL, 'b'},
                                         {"poll", no_argument, NULL, 'P'},
                                         {"fault-burst", required_argument, NULL, 'f'},
                                         {"queues-per-pool", required_argument, NULL, 'q'},
                                         {"admin-latency-ms", required_argument, NULL, 'a'},
                                         {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            p->ctl_path = optarg;
            break;
        case 'w':
            *wire = optarg;
            break;
        case 'p':
            cfg->pools = parse_uint(optarg, XNIC_MAX_POOLS);
            break;
        case 'v':
            cfg->vfs = parse_uint(optarg, XNIC_MAX_VFS);
            break;
        case 'b':
            cfg->bus = parse_pf(optarg);
            break;
        case 'P':
            p->poll_mode = true;
            break;
        case 'f':
            cfg->fault_burst = parse_uint(optarg, 1000000);
            break;
        case 'q':
            cfg->pool_queues = parse_uint(optarg, XNIC_MAX_QUEUES);
            break;
        case 'a': {
            unsigned ms = parse_uint(optarg, 500); /* drivers give up after a second */

            p->admin_latency = (struct timeval){ms / 1000, ms % 1000 * 1000};
            break;
        }
        default:
            usage();
        }
    }
    if (!p->ctl_path || optind != argc || !cfg->pools)
        usage();
}

static void setup_events(struct prog *p)
{
    p->ev_tx = event_new(p->base, -1, 0, tx_cb, p);
    p->ev_listen = event_new(p->base, p->listen_fd, EV_READ | EV_PERSIST, listen_cb, p);
    p->ev_int = evsignal_new(p->base, SIGINT, stop_cb, p);
    p->ev_term = evsignal_new(p->base, SIGTERM, stop_cb, p);
    if (!p->ev_tx || !p->ev_listen || !p->ev_int || !p->ev_term ||
        event_add(p->ev_listen, NULL) < 0 || event_add(p->ev_int, NULL) < 0 ||
        event_add(p->ev_term, NULL) < 0)
        fatalx("cannot set up the event loop");
    if (wire_fd(p->wire) >= 0) {
        p->ev_wire = event_new(p->base, wire_fd(p->wire), EV_READ | EV_PERSIST, wire_cb, p);
        if (!p->ev_wire || event_add(p->ev_wire, NULL) < 0)
            fatalx("cannot watch the wire");
    }
}

static void run(struct prog *p)
{
    if (!p->poll_mode) {
        event_base_dispatch(p->base);
        return;
    }
    /* Control and wire events are checked every POLL_EVENTS_EVERY passes:
     * an epoll_wait per pass would cost more than the pass itself. */
    for (unsigned pass = 0; !p->stop; pass++) {
        if (pass % POLL_EVENTS_EVERY == 0)
            event_base_loop(p->base, EVLOOP_NONBLOCK);
        xnic_dev_poll(p->dev);
        xnic_dev_tx_run(p->dev, TX_BUDGET);
        if (p->ev_wire)
            wire_cb(wire_fd(p->wire), EV_READ, p);
    }
}

static void teardown(struct prog *p)
{
    while (p->clients)
        client_free(p->clients);
    for (unsigned f = 0; f < XNIC_MAX_FUNCS; f++)
        unwatch_doorbells(p, f);
    xnic_dev_free(p->dev);
    wire_close(p->wire);
    if (p->ev_wire)
        event_free(p->ev_wire);
    event_free(p->ev_tx);
    event_free(p->ev_listen);
    event_free(p->ev_int);
    event_free(p->ev_term);
    close(p->listen_fd);
    unlink(p->ctl_path);
    event_base_free(p->base);
}

int main(int argc, char **argv)
{
    static struct prog prog;
    struct prog *p = &prog;
    struct xnic_dev_config cfg = {
        .pools = 16, .vfs = 8, .bus = 3, .fault_burst = 10, .ops = &dev_ops, .ops_arg = p};
    const char *wire = "none";
    int err;

    log_init(argv[0]);
    parse_args(argc, argv, &cfg, &wire, p);
    signal(SIGPIPE, SIG_IGN);
    p->wire = wire_open(wire, &err);
    if (!p->wire && err == -EBUSY)
        fatalx("wire %s: the interface is taken (another splitvisor instance's wire, or another "
               "program's): name another with --wire",
               wire);
    if (!p->wire)
        fatalx("wire %s: %s", wire, strerror(-err));
    if (wire_takes_offloads(p->wire))
        cfg.ops = &dev_ops_offload;
    p->dev = xnic_dev_new(&cfg);
    if (!p->dev)
        fatal("device (pools x queues per pool at most %u)", XNIC_MAX_QUEUES);
    p->listen_fd = ctl_listen(p->ctl_path);
    if (p->listen_fd < 0)
        fatalx("control socket %s: %s", p->ctl_path, strerror(-p->listen_fd));
    p->base = event_base_new();
    if (!p->base)
        fatalx("event_base_new failed");
    setup_events(p);
    xnic_dev_set_link(p->dev, true, LINK_MBPS);
    log_info("xnic up: %u pools of %u queue pairs, %u VFs, bus %02x, wire %s, control %s%s",
             cfg.pools, xnic_dev_pool_queues(p->dev), cfg.vfs, cfg.bus, wire, p->ctl_path,
             p->poll_mode ? ", poll mode" : "");
    run(p);
    teardown(p);
    return 0;
}
