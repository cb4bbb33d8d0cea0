/*
 * hostpf: the host's PF driver.  When no driver domain holds a NIC's PF,
 * the host drives it, as Linux in Xen's dom0 drives a PF with its own
 * driver, for one job: configuring the PF's VFs for the toolstack and
 * answering their mailboxes (sv/vf_config.h, the code netdd runs), from
 * the requests under /local/domain/0/backend/vf.  No pools, no queues: the
 * host sends nothing through the PF.
 *
 *   hostpf [-F] BDF
 *
 * libsvl starts it (svl_vf_plug) the first time a VF of a PF nobody holds
 * gets a configuration.  It attaches the PF to dom0 (the hypervisor lets
 * dom0 take a function that is not assignable: the host's own), holds the
 * pid file <rundir>/hostpf-BDF.pid, and daemonizes once it serves (-F:
 * stays in the foreground), logging to hostpf.log in the log directory.
 * SIGTERM (xl pci-assignable-add of the PF, splitvisor stop) detaches the
 * PF and ends it; so does the hypervisor going away.  The detach resets
 * the PF, and VFs in use keep what it gave them (docs/xnic.md).  One that
 * dies leaves the PF attached to dom0: the next one opens it again and
 * serves the requests it finds.  Exit status 0, or 1 with the reason on
 * stderr.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xenstore.h>

#include "sv/abi/xnic.h"
#include "sv/hcall.h"
#include "sv/log.h"
#include "sv/msg.h"
#include "sv/pidfile.h"
#include "sv/util.h"
#include "sv/vf_config.h"
#include "sv/xnic_drv.h"
#include "sv/xs_ext.h"

#define HOSTPF_HOME "/local/domain/0"

struct hostpf {
    struct event_base *base;
    struct xs_handle *xs;
    struct xnic_drv *drv;
    struct vf_config *vfc;
    int chan;
    struct sv_pci_req req; /* dom0, the PF */
    bool held;             /* the PF is dom0's: let go of it at the end, failed or not */
};

static void on_misc(evutil_socket_t fd, short what, void *arg)
{
    struct hostpf *h = arg;
    eventfd_t v;

    (void)what;
    (void)eventfd_read(fd, &v);
    vf_config_misc(h->vfc, xnic_drv_take_icr(h->drv));
}

static void on_xenstore(evutil_socket_t fd, short what, void *arg)
{
    struct hostpf *h = arg;
    char **ev;

    (void)fd;
    (void)what;
    while ((ev = xs_check_watch(h->xs))) {
        vf_config_event(h->vfc, ev[XS_WATCH_TOKEN], ev[XS_WATCH_PATH]);
        free(ev);
    }
    /* Events the library dropped (a flood filled its queue) may have been
     * any request's. */
    if (xs_watch_overflow(h->xs))
        vf_config_resync(h->vfc);
}

/* The hypervisor closed our channel: it stopped. */
static void on_chan(evutil_socket_t fd, short what, void *arg)
{
    char c;

    (void)what;
    if (recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
        log_info("the hypervisor went: exiting");
        event_base_loopbreak(arg);
    }
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    log_info("signal %d: letting go of the PF", (int)sig);
    event_base_loopbreak(arg);
}

/* The PF attached to dom0 (already, after a hostpf that died) and opened. */
static int pf_take(struct hostpf *h)
{
    struct sv_pci_open o = {0};
    int fds[SV_PCI_OPEN_FDS], n, err = hcall_pci_attach(h->chan, &h->req);

    if (err < 0 && err != -EBUSY) /* busy: ours already, or a domain's (the open says) */
        return err;
    h->held = err == 0;
    if ((n = hcall_pci_open_fds(h->chan, h->req.bdf, &o, fds)) < 0)
        return n == -ENODEV ? -EBUSY : n; /* not dom0's: a domain holds it */
    h->held = true;
    h->drv = xnic_drv_open(fds[0], fds + 1, fds + 1 + o.nvec, o.nvec, false, &err);
    if (!h->drv) {
        msg_close_fds(fds, n);
        return err;
    }
    return xnic_drv_is_vf(h->drv) ? -EINVAL : 0;
}

/* The parent returns once the child serves (0) or failed (1, said). */
static int daemonize(int *ready)
{
    int p[2];
    pid_t pid;
    char c;

    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    if ((pid = fork()) < 0)
        return -errno;
    if (pid > 0) {
        close(p[1]);
        _exit(read(p[0], &c, 1) == 1 && c == 'R' ? 0 : 1);
    }
    close(p[0]);
    setsid();
    *ready = p[1];
    return 0;
}

static void redirect_stdio(void)
{
    char path[300];
    int null = open("/dev/null", O_RDWR | O_CLOEXEC), log = -1;

    if (sv_logdir_path(path, sizeof(path), "hostpf.log") == 0)
        log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        close(null);
    }
    if (log >= 0) {
        dup2(log, STDERR_FILENO);
        close(log);
    }
}

int main(int argc, char **argv)
{
    struct hostpf h = {.chan = -1};
    struct event *misc = NULL, *xs_ev = NULL, *chan_ev = NULL, *term = NULL, *intr = NULL;
    bool foreground = argc > 1 && !strcmp(argv[1], "-F");
    const char *bdf = argv[1 + foreground];
    char rel[64], pidfile[300];
    int ready = -1, lock = -1, err = 0;

    log_init("hostpf");
    if (argc != 2 + foreground) {
        fprintf(stderr, "usage: hostpf [-F] BDF\n");
        return 2;
    }
    h.req = (struct sv_pci_req){.domid = 0};
    snprintf(h.req.bdf, sizeof(h.req.bdf), "%s", bdf);
    snprintf(rel, sizeof(rel), "hostpf-%s.pid", bdf);
    if (strlen(bdf) >= sizeof(h.req.bdf) || sv_rundir_path(pidfile, sizeof(pidfile), rel) < 0) {
        fprintf(stderr, "hostpf: %s: not a BDF, or the run directory's path is too long\n", bdf);
        return 1;
    }
    if (!foreground && (err = daemonize(&ready)) < 0) {
        fprintf(stderr, "hostpf: %s: %s\n", bdf, strerror(-err));
        return 1;
    }
    /* Another hostpf serves this PF: nothing to do, and so no failure. */
    if ((lock = sv_pidfile_claim(pidfile)) == -EEXIST) {
        if (ready >= 0 && write(ready, "R", 1) != 1)
            return 1;
        return 0;
    }
    err = lock < 0 ? lock : 0;
    if (!err && (h.chan = hcall_open()) < 0)
        err = h.chan;
    if (!err)
        err = pf_take(&h);
    if (!err && !(h.base = event_base_new()))
        err = -ENOMEM;
    if (!err && !(h.xs = xs_open(0)))
        err = -errno;
    if (!err && !(h.vfc = vf_config_new(h.base, h.xs, h.drv, HOSTPF_HOME, NULL, NULL)))
        err = -EIO;
    if (!err) {
        misc = event_new(h.base, xnic_drv_vector_fd(h.drv, XNIC_VEC_MISC), EV_READ | EV_PERSIST,
                         on_misc, &h);
        xs_ev = event_new(h.base, xs_fileno(h.xs), EV_READ | EV_PERSIST, on_xenstore, &h);
        chan_ev = event_new(h.base, h.chan, EV_READ | EV_PERSIST, on_chan, h.base);
        term = evsignal_new(h.base, SIGTERM, on_signal, h.base);
        intr = evsignal_new(h.base, SIGINT, on_signal, h.base);
        if (!misc || !xs_ev || !chan_ev || !term || !intr || event_add(misc, NULL) ||
            event_add(xs_ev, NULL) || event_add(chan_ev, NULL) || event_add(term, NULL) ||
            event_add(intr, NULL))
            err = -ENOMEM;
    }
    if (err) {
        fprintf(stderr, "hostpf: %s: %s\n", bdf,
                err == -EBUSY ? "a domain holds it, or it is assignable" : strerror(-err));
        goto out;
    }
    if (!foreground)
        redirect_stdio();
    log_info("PF %s: the host drives it; VF requests under " HOSTPF_HOME "/backend/vf", bdf);
    if (!foreground && write(ready, "R", 1) != 1)
        goto out;
    event_base_dispatch(h.base);
out:
    /* The PF goes back to nobody (FLR: VFs in use keep their configuration),
     * also when we could not serve it: no PF stays dom0's without a driver. */
    if (h.held && hcall_pci_detach(h.chan, &h.req) < 0)
        log_warnx("PF %s: cannot let go of it", bdf);
    if (misc)
        event_free(misc);
    if (xs_ev)
        event_free(xs_ev);
    if (chan_ev)
        event_free(chan_ev);
    if (term)
        event_free(term);
    if (intr)
        event_free(intr);
    vf_config_free(h.vfc);
    xnic_drv_close(h.drv);
    if (h.xs)
        xs_close(h.xs);
    if (h.base)
        event_base_free(h.base);
    if (h.chan >= 0)
        close(h.chan);
    if (lock >= 0)
        unlink(pidfile);
    return err ? 1 : 0;
}
