/*
 * guest: the domain image of an ordinary guest.  For each vif the toolstack
 * gave it (device/vif/D in its xenstore home) it runs a netfront: grants its
 * rings and buffers to the backend domain, binds an event channel, speaks
 * the xenbus handshake, and relays frames between the rings and its TAP ethD
 * (made by xl, with vnet headers so checksum and GSO offloads pass through).
 * Unmodified programs in the guest's namespace use ethD (xl exec).
 *
 * When a backend goes away (Closing, Closed, its directory gone, or the
 * toolstack re-points "backend" at a new driver domain) the vif stops its
 * rings and keeps ethD; frames meanwhile are dropped; when a backend reaches
 * InitWait again the vif reconnects.  The guest itself never dies of it.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <xenevtchn.h>
#include <xenstore.h>

#include "sv/log.h"
#include "sv/xenbus.h"
#include "vif_front.h"

#define GUEST_MAX_VIFS 16

static struct vif_front *vifs[GUEST_MAX_VIFS];
static unsigned nr_vifs;
static struct xs_handle *xsh;
static xenevtchn_handle *xce;

static void on_evtchn(evutil_socket_t fd, short what, void *arg)
{
    xenevtchn_port_or_error_t port;

    (void)fd;
    (void)what;
    (void)arg;
    while ((port = xenevtchn_pending(xce)) >= 0) {
        xenevtchn_unmask(xce, (evtchn_port_t)port);
        for (unsigned i = 0; i < nr_vifs; i++)
            vif_front_event(vifs[i], (evtchn_port_t)port);
    }
}

static void on_xenstore(evutil_socket_t fd, short what, void *arg)
{
    char **ev;
    unsigned n;

    (void)fd;
    (void)what;
    (void)arg;
    while ((ev = xs_check_watch(xsh))) {
        for (unsigned i = 0; i < nr_vifs; i++)
            vif_front_watch(vifs[i], ev[XS_WATCH_PATH]);
        free(ev);
    }
    (void)n;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    log_info("signal %d: powering off", (int)sig);
    event_base_loopexit(arg, NULL);
}

/* Starts a netfront for every device/vif/D of ours. */
static int start_vifs(struct event_base *base)
{
    unsigned n = 0;
    char **devs = xs_directory(xsh, XBT_NULL, "device/vif", &n);

    for (unsigned i = 0; devs && i < n && nr_vifs < GUEST_MAX_VIFS; i++) {
        struct vif_front *v = vif_front_new(base, xsh, xce, (unsigned)atoi(devs[i]));

        if (v)
            vifs[nr_vifs++] = v;
    }
    free(devs);
    log_info("%u vif(s)", nr_vifs);
    return 0;
}

int main(int argc, char **argv)
{
    struct event_base *base;
    struct event *evtchn_ev, *xs_ev, *term_ev;
    int flags;

    (void)argc;
    log_init(getenv("SV_DOMAIN_NAME") ? getenv("SV_DOMAIN_NAME") : argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    base = event_base_new();
    xsh = xs_open(0);
    xce = xenevtchn_open(NULL, 0);
    if (!base || !xsh || !xce)
        fatal("cannot reach xenstore and the event channels");
    flags = fcntl(xenevtchn_fd(xce), F_GETFL);
    fcntl(xenevtchn_fd(xce), F_SETFL, flags | O_NONBLOCK);
    evtchn_ev = event_new(base, xenevtchn_fd(xce), EV_READ | EV_PERSIST, on_evtchn, NULL);
    xs_ev = event_new(base, xs_fileno(xsh), EV_READ | EV_PERSIST, on_xenstore, NULL);
    term_ev = evsignal_new(base, SIGTERM, on_signal, base);
    if (!evtchn_ev || !xs_ev || !term_ev || event_add(evtchn_ev, NULL) ||
        event_add(xs_ev, NULL) || event_add(term_ev, NULL))
        fatalx("event setup");
    start_vifs(base);
    printf("guest %s up\n", getenv("SV_DOMAIN_NAME"));
    event_base_dispatch(base);
    for (unsigned i = 0; i < nr_vifs; i++)
        vif_front_free(vifs[i]);
    event_free(evtchn_ev);
    event_free(xs_ev);
    event_free(term_ev);
    xenevtchn_close(xce);
    xs_close(xsh);
    event_base_free(base);
    return 0;
}
