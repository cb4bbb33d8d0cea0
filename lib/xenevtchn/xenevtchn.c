/*
 * libxenevtchn with the prototypes of Debian's xenevtchn.h, over our
 * hypervisor.  Each handle is one hypercall channel plus an epoll set of the
 * doorbells of the ports it bound; xenevtchn_fd() is that epoll fd, readable
 * when a bound port has fired.  A port that fires is masked (its mask bit
 * set in shared_info) until xenevtchn_unmask(), as Linux's evtchn driver
 * does; a send while masked sets its pending bit and fires at the unmask.
 * Notify writes the peer's doorbell directly: no hypervisor on the send path.
 *
 * Masking costs no system call: the doorbells stay in the set, edge-triggered
 * and never read (an eventfd's count lasts 2^64 sends), so a send is one
 * epoll report.  A report for a masked port marks it pending and parks the
 * doorbell (events 0), so further sends wake nobody until the unmask, which
 * re-arms it: the doorbell is readable, so it fires at once.  Only ports
 * sent to while masked cost those two epoll_ctl calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xenevtchn.h>

#include "sv/hcall.h"
#include "sv/msg.h"
#include "sv/util.h"

struct evtchn_port_fds {
    int doorbell; /* -1 when the port is not bound through this handle */
    int peer;     /* doorbell this port rings; -1 for VIRQs */
    bool masked;
    bool pending; /* sent to while masked: parked (events 0) until the unmask */
};

struct xenevtchn_handle {
    int chan;
    int epfd;
    shared_info_t *shinfo; /* inside a domain */
    struct evtchn_port_fds ports[SV_EVTCHN_PORTS];
};

static int fail(int err)
{
    errno = -err;
    return -1;
}

static shared_info_t *map_shared_info(int chan)
{
    struct sv_start_info si;
    int fds[SV_START_INFO_FDS];
    shared_info_t *p;

    if (hcall_start_info(chan, &si, fds) < 0)
        return NULL;
    p = mmap(NULL, SV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[SV_START_FD_SHINFO], 0);
    msg_close_fds(fds, SV_START_INFO_FDS);
    return p == MAP_FAILED ? NULL : p;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    xenevtchn_handle *xce = calloc(1, sizeof(*xce));
    int err;

    (void)logger;
    (void)open_flags;
    if (!xce)
        return NULL;
    for (unsigned p = 0; p < SV_EVTCHN_PORTS; p++)
        xce->ports[p].doorbell = xce->ports[p].peer = -1;
    xce->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (xce->epfd < 0)
        goto out_free;
    xce->chan = hcall_open();
    if (xce->chan < 0) {
        err = xce->chan;
        goto out_close;
    }
    if (hcall_in_domain())
        xce->shinfo = map_shared_info(xce->chan);
    return xce;

out_close:
    close(xce->epfd);
    errno = -err;
out_free:
    free(xce);
    return NULL;
}

enum shinfo_word { SHINFO_MASK, SHINFO_PENDING };

static void shinfo_set(xenevtchn_handle *xce, enum shinfo_word w, evtchn_port_t port, bool on)
{
    const unsigned bits = sizeof(xen_ulong_t) * 8;
    xen_ulong_t bit = (xen_ulong_t)1 << (port % bits);
    xen_ulong_t *words;

    if (!xce->shinfo)
        return;
    words = w == SHINFO_MASK ? xce->shinfo->evtchn_mask : xce->shinfo->evtchn_pending;
    if (on)
        __atomic_fetch_or(&words[port / bits], bit, __ATOMIC_RELEASE);
    else
        __atomic_fetch_and(&words[port / bits], ~bit, __ATOMIC_RELEASE);
}

static void forget_port(xenevtchn_handle *xce, evtchn_port_t port)
{
    struct evtchn_port_fds *p = &xce->ports[port];

    if (p->doorbell >= 0) {
        epoll_ctl(xce->epfd, EPOLL_CTL_DEL, p->doorbell, NULL);
        close(p->doorbell);
    }
    if (p->peer >= 0)
        close(p->peer);
    shinfo_set(xce, SHINFO_MASK, port, false);
    shinfo_set(xce, SHINFO_PENDING, port, false);
    *p = (struct evtchn_port_fds){.doorbell = -1, .peer = -1};
}

int xenevtchn_close(xenevtchn_handle *xce)
{
    if (!xce)
        return 0;
    for (unsigned p = 0; p < SV_EVTCHN_PORTS; p++)
        forget_port(xce, p);
    if (xce->shinfo)
        munmap(xce->shinfo, SV_PAGE_SIZE);
    close(xce->epfd);
    close(xce->chan); /* the hypervisor closes every port bound through it */
    free(xce);
    return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
    return xce->epfd;
}

/* ADD or MOD; MOD to EPOLLIN polls the doorbell (never read, so ready) and fires it. */
static int arm(xenevtchn_handle *xce, evtchn_port_t port, int op, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.u32 = port};

    return epoll_ctl(xce->epfd, op, xce->ports[port].doorbell, &ev);
}

/* Room for the doorbells a binding call answers: the port's, and the one
 * it rings (none for a VIRQ). */
struct bind_reply {
    int fds[2];
    struct hcall_io io;
};

static struct hcall_io *bind_io(struct bind_reply *r)
{
    r->fds[0] = r->fds[1] = -1;
    r->io = (struct hcall_io){.fds_out = r->fds, .nfds_max = 2};
    return &r->io;
}

/* Keeps the doorbells of port, bound by a call that answered ret and r. */
static xenevtchn_port_or_error_t bind_port(xenevtchn_handle *xce, int ret,
                                           const struct bind_reply *r, evtchn_port_t port)
{
    int n = ret < 0 ? ret : r->io.nfds_out;
    int err;

    if (n < 0)
        return fail(n);
    if (n < 1 || port == 0 || port >= SV_EVTCHN_PORTS) {
        msg_close_fds(r->fds, n);
        return fail(-EPROTO);
    }
    xce->ports[port] = (struct evtchn_port_fds){.doorbell = r->fds[0], .peer = r->fds[1]};
    if (arm(xce, port, EPOLL_CTL_ADD, EPOLLIN | EPOLLET) < 0) {
        err = -errno;
        forget_port(xce, port);
        return fail(err);
    }
    return (xenevtchn_port_or_error_t)port;
}

xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *xce, uint32_t domid)
{
    evtchn_alloc_unbound_t a = {.dom = DOMID_SELF, .remote_dom = (domid_t)domid};
    struct bind_reply r;
    int ret = hcall_evtchn_alloc_unbound_v(xce->chan, &a, 1, bind_io(&r));

    return bind_port(xce, ret, &r, a.port);
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                                                     evtchn_port_t remote_port)
{
    evtchn_bind_interdomain_t b = {.remote_dom = (domid_t)domid, .remote_port = remote_port};
    struct bind_reply r;
    int ret = hcall_evtchn_bind_interdomain_v(xce->chan, &b, 1, bind_io(&r));

    return bind_port(xce, ret, &r, b.local_port);
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
    evtchn_bind_virq_t b = {.virq = virq, .vcpu = 0};
    struct bind_reply r;
    int ret = hcall_evtchn_bind_virq_v(xce->chan, &b, 1, bind_io(&r));

    return bind_port(xce, ret, &r, b.port);
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
    evtchn_close_t c = {.port = port};
    int err;

    if (port == 0 || port >= SV_EVTCHN_PORTS || xce->ports[port].doorbell < 0)
        return fail(-EINVAL);
    err = hcall_evtchn_close(xce->chan, &c);
    forget_port(xce, port);
    return err < 0 ? fail(err) : 0;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
    evtchn_send_t s = {.port = port};
    int err;

    if (port < SV_EVTCHN_PORTS && xce->ports[port].peer >= 0)
        return eventfd_write(xce->ports[port].peer, 1) < 0 ? -1 : 0;
    /* Not ours to ring directly (or a VIRQ): let the hypervisor judge. */
    err = hcall_evtchn_send(xce->chan, &s);
    return err < 0 ? fail(err) : 0;
}

/* Masks port and returns it as fired: its pending bit is ours to clear now. */
static xenevtchn_port_or_error_t take(xenevtchn_handle *xce, evtchn_port_t port)
{
    xce->ports[port].masked = true;
    xce->ports[port].pending = false;
    shinfo_set(xce, SHINFO_MASK, port, true);
    shinfo_set(xce, SHINFO_PENDING, port, false);
    return (xenevtchn_port_or_error_t)port;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
    bool blocking = false;

    for (;;) {
        struct epoll_event ev;
        evtchn_port_t port;
        int n = epoll_wait(xce->epfd, &ev, 1, blocking ? -1 : 0);

        if (n < 0 && errno != EINTR)
            return -1;
        if (n == 0 && !blocking) {
            /* Asked only once nothing fired: most callers drain until EAGAIN. */
            blocking = !(fcntl(xce->epfd, F_GETFL) & O_NONBLOCK);
            if (!blocking)
                return fail(-EAGAIN);
        }
        if (n <= 0)
            continue;
        port = ev.data.u32;
        if (port == 0 || port >= SV_EVTCHN_PORTS || xce->ports[port].doorbell < 0)
            continue;
        if (!xce->ports[port].masked)
            return take(xce, port);
        /* Park it: further sends while masked must not wake the caller (XSA-332). */
        xce->ports[port].pending = true;
        shinfo_set(xce, SHINFO_PENDING, port, true);
        (void)arm(xce, port, EPOLL_CTL_MOD, 0);
    }
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
    struct evtchn_port_fds *p;

    if (port == 0 || port >= SV_EVTCHN_PORTS || xce->ports[port].doorbell < 0)
        return fail(-EINVAL);
    p = &xce->ports[port];
    if (!p->masked)
        return 0;
    p->masked = false;
    shinfo_set(xce, SHINFO_MASK, port, false);
    if (!p->pending)
        return 0; /* nothing came (or it is still queued in the set) */
    /* Re-arming polls the doorbell, which holds the send: it fires at once. */
    p->pending = false;
    return arm(xce, port, EPOLL_CTL_MOD, EPOLLIN | EPOLLET);
}
