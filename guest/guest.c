/*
 * guest: the domain image of an ordinary guest.  For each vif the toolstack
 * gave it (device/vif/D in its xenstore home) it runs a netfront: grants its
 * rings and buffers to the backend domain, binds an event channel, speaks
 * the xenbus handshake, and relays frames between the rings and ethD (a
 * veth xl made; the relay uses packet sockets with vnet headers on its far
 * end nfD, so checksum and GSO offloads pass through).
 * Unmodified programs in the guest's namespace use ethD (xl exec).
 * For each SR-IOV VF the toolstack assigned it (device/vf/N: its "bdf") it
 * drives the VF itself and relays it to TAP vfN (vf_net.h): the driver
 * domain is not on that path.  A VF teamed with vif D ("failover" = D, as
 * Linux's net_failover bonds a VF with its virtio standby) has no vfN: it
 * carries ethD's traffic while it is there, the vif's rings when it goes
 * or is reset under us (its state Initialised until it runs again).
 *
 * Options (the domain's extra=): --max-queues N asks each vif's backend for
 * at most N netif queues (default: all it offers, as many as the toolstack's
 * queues=); --rss-table Q,Q,... maps a control ring on each vif and asks
 * for Toeplitz hashing of received flows with that mapping table;
 * --pktgen tx|rx ... (pktgen.h) drives one vif with the packet generator
 * instead of ethD: frames are made or counted straight on the rings.
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
#include <sys/mman.h>
#include <unistd.h>
#include <xenevtchn.h>
#include <xenstore.h>

#include "pktgen.h"
#include "sv/hcall.h"
#include "sv/log.h"
#include "sv/msg.h"
#include "sv/xenbus.h"
#include "vf_net.h"
#include "sv/vif_front.h"

#define GUEST_MAX_VIFS 16
/* VF slots: slot s has RAM from VF_RAM_BASE + s * VF_NET_RAM_SIZE (the
 * guest's RAM is otherwise unused: its vifs share frames of their own). */
#define GUEST_MAX_VFS 4
#define VF_RAM_BASE   (1ull << 20)

static struct vif_front *vifs[GUEST_MAX_VIFS];
static unsigned nr_vifs;
static struct xs_handle *xsh;
static xenevtchn_handle *xce;
static struct vif_front_opts vif_opts;
static struct pktgen *pktgen; /* --pktgen: drives its vif instead of ethD */
static uint32_t rss_table[128];
static struct vf_slot {
    struct vf_net *vf;
    unsigned devid;         /* device/vf/<devid> */
    struct vif_front *team; /* the vif it is teamed with, or NULL */
} vfs[GUEST_MAX_VFS];
static uint8_t *ram;
static unsigned long long ram_size;

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

static bool vif_dir_exists(unsigned devid)
{
    char path[64];
    unsigned len;
    char *v;

    snprintf(path, sizeof(path), "device/vif/%u/handle", devid);
    v = xs_read(xsh, XBT_NULL, path, &len);
    free(v);
    return v != NULL;
}

static void vf_state(unsigned devid, XenbusState state)
{
    char dir[48];

    snprintf(dir, sizeof(dir), "device/vf/%u", devid);
    xenbus_switch_state(xsh, dir, state);
}

/* Lets go of a VF (a teamed one hands ethD back to its vif's rings) and
 * says state (0: nothing, its directory is gone). */
static void vf_release(struct vf_slot *s, XenbusState state)
{
    log_info("vf%u unplugged%s", s->devid, s->team ? ": its vif carries the traffic" : "");
    vf_net_free(s->vf);
    if (s->team)
        vif_front_set_primary(s->team, NULL);
    s->vf = NULL;
    s->team = NULL;
    if (state)
        vf_state(s->devid, state);
}

/* Hotplug: a netfront for every device/vif/D, none for those removed. */
static void rescan_vifs(struct event_base *base)
{
    unsigned n = 0;
    char **devs = xs_directory(xsh, XBT_NULL, "device/vif", &n);

    for (unsigned i = 0; i < nr_vifs;) {
        if (vif_dir_exists(vif_front_devid(vifs[i]))) {
            i++;
            continue;
        }
        for (unsigned k = 0; k < GUEST_MAX_VFS; k++)
            if (vfs[k].vf && vfs[k].team == vifs[i]) /* it relays to the vif's ethD */
                vf_release(&vfs[k], XenbusStateClosed);
        log_info("vif %u unplugged", vif_front_devid(vifs[i]));
        vif_front_free(vifs[i]);
        vifs[i] = vifs[--nr_vifs];
    }
    for (unsigned i = 0; devs && i < n && nr_vifs < GUEST_MAX_VIFS; i++) {
        unsigned devid = (unsigned)atoi(devs[i]);
        bool known = false;
        struct vif_front *v;

        for (unsigned k = 0; k < nr_vifs; k++)
            known |= vif_front_devid(vifs[k]) == devid;
        struct vif_front_opts o = vif_opts;

        if (pktgen && pktgen_devid(pktgen) == devid)
            o.ep = pktgen_endpoint(pktgen);
        if (!known && (v = vif_front_new(base, xsh, xce, devid, &o)))
            vifs[nr_vifs++] = v;
    }
    free(devs);
}

static int map_ram(void)
{
    struct sv_start_info si;
    int fds[SV_START_INFO_FDS];
    int chan = hcall_open(), err = chan < 0 ? chan : hcall_start_info(chan, &si, fds);

    if (chan >= 0)
        close(chan);
    if (err < 0)
        return err;
    ram_size = si.nr_ram_pages * 4096ull;
    ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[SV_START_FD_RAM], 0);
    msg_close_fds(fds, SV_START_INFO_FDS);
    if (ram == MAP_FAILED) {
        ram = NULL;
        return -errno;
    }
    return 0;
}

static char *vf_read(unsigned devid, const char *key)
{
    char path[64];
    unsigned len;

    snprintf(path, sizeof(path), "device/vf/%u/%s", devid, key);
    return xs_read(xsh, XBT_NULL, path, &len);
}

static int team_xmit(void *ctx, int fd)
{
    return vf_net_xmit(ctx, fd);
}

static void team_room(void *ctx)
{
    vif_front_primary_room(ctx);
}

/* The vif a VF is teamed with ("failover" = its devid), NULL when it has
 * none; *bad when it names one we do not have. */
static struct vif_front *team_of(unsigned devid, bool *bad)
{
    char *v = vf_read(devid, "failover"), *end = NULL;
    unsigned long d = v ? strtoul(v, &end, 10) : 0;
    struct vif_front *team = NULL;

    *bad = v && (!*v || *end);
    for (unsigned i = 0; v && !*bad && i < nr_vifs; i++)
        if (vif_front_devid(vifs[i]) == d && vif_front_sock(vifs[i]) >= 0)
            team = vifs[i];
    for (unsigned i = 0; team && i < GUEST_MAX_VFS; i++)
        if (vfs[i].vf && vfs[i].team == team)
            team = NULL; /* one VF a vif */
    *bad |= v && !team;
    free(v);
    return team;
}

/* The VF was reset under its driver (not driven: Initialised, so the PF
 * owner gives a teamed vif's pool the MAC) or runs again (Connected). */
static void vf_driving(void *ctx, bool driving)
{
    struct vf_slot *s = ctx;

    vf_state(s->devid, driving ? XenbusStateConnected : XenbusStateInitialised);
}

static void vf_start(struct event_base *base, struct vf_slot *s, unsigned devid)
{
    unsigned long long off = VF_RAM_BASE + (unsigned long long)(s - vfs) * VF_NET_RAM_SIZE;
    char *bdf = vf_read(devid, "bdf"), ifname[16];
    bool bad;
    struct vif_front *team = team_of(devid, &bad);
    int err;

    if (!bdf)
        return;
    if (bad)
        log_errorx("VF %s: no vif of ours to team with (failover key)", bdf);
    else if (!ram && (err = map_ram()) < 0)
        log_errorx("VF %s: cannot map our RAM (%s)", bdf, strerror(-err));
    else if (off + VF_NET_RAM_SIZE > ram_size)
        log_errorx("VF %s: too little RAM for it (%llu MiB)", bdf, ram_size >> 20);
    else if (team) {
        struct vf_net_team t = {.sock = vif_front_sock(team), .room = team_room, .ctx = team};

        snprintf(ifname, sizeof(ifname), "eth%u", vif_front_devid(team));
        s->devid = devid;
        if ((s->vf = vf_net_new(base, bdf, ifname, &t, vf_driving, s, ram + off, off))) {
            s->team = team;
            vif_front_set_primary(team,
                                  &(struct vif_front_primary){.xmit = team_xmit, .ctx = s->vf});
            log_info("VF %s teamed with vif %u: %s's traffic on the VF", bdf, vif_front_devid(team),
                     ifname);
        }
    } else {
        snprintf(ifname, sizeof(ifname), "vf%u", devid);
        s->devid = devid;
        s->vf = vf_net_new(base, bdf, ifname, NULL, vf_driving, s, ram + off, off);
    }
    free(bdf);
}

/* Hotplug: a driver for every device/vf/N; a VF we are asked to give back
 * (Closing, as Xen's pcifront is) or whose directory went is let go of
 * before the toolstack takes it back and resets it. */
static void rescan_vfs(struct event_base *base)
{
    unsigned n = 0;
    char **devs = xs_directory(xsh, XBT_NULL, "device/vf", &n);

    for (unsigned i = 0; i < GUEST_MAX_VFS; i++) {
        char *state = vfs[i].vf ? vf_read(vfs[i].devid, "state") : NULL;

        if (vfs[i].vf && (!state || atoi(state) >= XenbusStateClosing))
            vf_release(&vfs[i], state ? XenbusStateClosed : 0);
        free(state);
    }
    for (unsigned i = 0; devs && i < n; i++) {
        unsigned devid = (unsigned)atoi(devs[i]);
        struct vf_slot *free_slot = NULL;
        char *state = vf_read(devid, "state");
        bool known = false;

        for (unsigned k = 0; k < GUEST_MAX_VFS; k++) {
            known |= vfs[k].vf && vfs[k].devid == devid;
            if (!vfs[k].vf && !free_slot)
                free_slot = &vfs[k];
        }
        if (!known && free_slot && state && atoi(state) == XenbusStateInitialising) {
            vf_start(base, free_slot, devid);
            vf_state(devid, free_slot->vf ? XenbusStateConnected : XenbusStateClosed);
        }
        free(state);
    }
    free(devs);
}

static void on_xenstore(evutil_socket_t fd, short what, void *arg)
{
    char **ev;

    (void)fd;
    (void)what;
    while ((ev = xs_check_watch(xsh))) {
        if (!strcmp(ev[XS_WATCH_TOKEN], "vifs"))
            rescan_vifs(arg);
        else if (!strcmp(ev[XS_WATCH_TOKEN], "vfs"))
            rescan_vfs(arg);
        for (unsigned i = 0; i < nr_vifs; i++)
            vif_front_watch(vifs[i], ev[XS_WATCH_PATH]);
        free(ev);
    }
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    log_info("signal %d: powering off", (int)sig);
    event_base_loopexit(arg, NULL);
}

/* "1,0,1": queue indices of a mapping table. */
static unsigned parse_table(char *list)
{
    unsigned n = 0;

    for (char *tok = strtok(list, ","); tok && n < 128; tok = strtok(NULL, ","))
        rss_table[n++] = (uint32_t)atoi(tok);
    return n;
}

/* Our own options; the others are the packet generator's. */
static void parse_args(int argc, char **argv, struct pktgen_config *pcfg)
{
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    int n = 0;

    if (!rest)
        fatal("parse_args");
    rest[n++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--max-queues") && i + 1 < argc && atoi(argv[i + 1]) > 0) {
            vif_opts.max_queues = (unsigned)atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--vif-buffers") && i + 1 < argc && atoi(argv[i + 1]) > 0 &&
                   atoi(argv[i + 1]) <= VIF_FRONT_MAX_BUFFERS) {
            vif_opts.buffers = (unsigned)atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--rss-table") && i + 1 < argc &&
                   (vif_opts.rss_size = parse_table(argv[++i])) > 0) {
            vif_opts.rss_table = rss_table;
        } else {
            rest[n++] = argv[i];
        }
    }
    if (pktgen_parse_args(n, rest, pcfg) < 0)
        fatalx("usage: guest [--max-queues N] [--vif-buffers 1..%d] [--rss-table Q,Q,...] "
               "[--pktgen tx|rx ...]",
               VIF_FRONT_MAX_BUFFERS);
    free(rest);
}

int main(int argc, char **argv)
{
    struct event_base *base;
    struct event *evtchn_ev, *xs_ev, *term_ev;
    struct pktgen_config pcfg;
    int flags;

    log_init(getenv("SV_DOMAIN_NAME") ? getenv("SV_DOMAIN_NAME") : argv[0]);
    parse_args(argc, argv, &pcfg);
    setvbuf(stdout, NULL, _IOLBF, 0);
    base = event_base_new();
    xsh = xs_open(0);
    xce = xenevtchn_open(NULL, 0);
    if (!base || !xsh || !xce)
        fatal("cannot reach xenstore and the event channels");
    if (pcfg.mode != PKTGEN_OFF && !(pktgen = pktgen_new(&pcfg, base, xsh)))
        fatalx("pktgen: cannot start");
    flags = fcntl(xenevtchn_fd(xce), F_GETFL);
    fcntl(xenevtchn_fd(xce), F_SETFL, flags | O_NONBLOCK);
    evtchn_ev = event_new(base, xenevtchn_fd(xce), EV_READ | EV_PERSIST, on_evtchn, NULL);
    xs_ev = event_new(base, xs_fileno(xsh), EV_READ | EV_PERSIST, on_xenstore, base);
    term_ev = evsignal_new(base, SIGTERM, on_signal, base);
    if (!evtchn_ev || !xs_ev || !term_ev || event_add(evtchn_ev, NULL) || event_add(xs_ev, NULL) ||
        event_add(term_ev, NULL))
        fatalx("event setup");
    /* The watch fires at once: the vifs there now start, later ones are hotplugged. */
    if (!xs_watch(xsh, "device/vif", "vifs"))
        fatal("xs_watch device/vif");
    if (!xs_watch(xsh, "device/vf", "vfs"))
        fatal("xs_watch device/vf");
    printf("guest %s up\n", getenv("SV_DOMAIN_NAME"));
    if (pktgen && pktgen_busy_poll(pktgen))
        pktgen_busy_loop(pktgen, base);
    else
        event_base_dispatch(base);
    for (unsigned i = 0; i < GUEST_MAX_VFS; i++) /* before the vifs they relay to */
        vf_net_free(vfs[i].vf);
    for (unsigned i = 0; i < nr_vifs; i++)
        vif_front_free(vifs[i]);
    pktgen_free(pktgen);
    event_free(evtchn_ev);
    event_free(xs_ev);
    event_free(term_ev);
    xenevtchn_close(xce);
    xs_close(xsh);
    event_base_free(base);
    return 0;
}
