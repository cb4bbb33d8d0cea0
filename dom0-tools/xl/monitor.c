/*
 * The per-domain monitor xl leaves behind (as Xen's xl does): it waits for
 * VIRQ_DOM_EXC, and when its domain has shut down applies the configured
 * action for the reason: destroy, preserve (leave it listed), restart
 * (destroy and create again from the description xl keeps, which follows
 * network- and pci-attach/-detach; a domain that restarts more than
 * MONITOR_MAX_RESTARTS times in MONITOR_WINDOW_S seconds is destroyed
 * instead, as xl refuses to restart too fast; a create that fails is tried
 * again with a bounded back-off).  It exits when
 * the domain is gone.  It logs to <rundir>/monitor-<name>.log.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenevtchn.h>
#include <xenstore.h>

#include "sv/hcall.h"
#include "sv/log.h"
#include "sv/util.h"
#include "xl.h"

#define MONITOR_MAX_RESTARTS 5
#define MONITOR_WINDOW_S     10

static enum config_action action_for(const struct domain_config *cfg, unsigned reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff:
        return cfg->on_poweroff;
    case SHUTDOWN_reboot:
        return cfg->on_reboot;
    default:
        return cfg->on_crash;
    }
}

/* 1: shut down (reason set), 0: running, -ESRCH: gone. */
static int domain_state(uint32_t domid, unsigned *reason)
{
    xc_domaininfo_t info;

    if (xc_domain_getinfolist(xl_xch, domid, 1, &info) != 1 || info.domain != domid)
        return -ESRCH;
    if (!(info.flags & XEN_DOMINF_shutdown))
        return 0;
    *reason = (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    return 1;
}

/* rename-restart: the dead domain keeps its state as NAME-DOMID (xl list,
 * xl console), and the name is free for the new incarnation. */
static void rename_old(const struct domain_config *cfg, uint32_t domid)
{
    struct sv_domctl_lookup l = {.domid = domid};
    struct xs_handle *h;
    char path[64];

    snprintf(l.name, sizeof(l.name), "%.40s-%u", cfg->name, domid);
    if (hcall_simple(xl_chan, SV_HC_domctl, SV_DOMCTL_rename, &l, sizeof(l)) < 0) {
        log_warnx("cannot rename domain %u: destroying it", domid);
        xl_destroy_domain(domid);
        return;
    }
    h = xs_open(0);
    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    if (h)
        xs_write(h, XBT_NULL, path, l.name, (unsigned)strlen(l.name));
    if (h)
        xs_close(h);
    log_info("domain %u kept as %s", domid, l.name);
}

/*
 * A create that fails (xl_create_domain() destroyed what it made and said
 * why) is tried again after 0.1, 0.2, 0.4, 0.8 and 1.6 s: what it failed on
 * may pass (a host briefly short of memory or fds), and a driver domain
 * given up on leaves every guest on it disconnected.  One restart, however
 * many tries.
 */
#define MONITOR_CREATE_TRIES     6
#define MONITOR_FIRST_BACKOFF_MS 100

static int create_retrying(const struct domain_config *cfg, uint32_t *newid)
{
    long backoff_ms = MONITOR_FIRST_BACKOFF_MS;

    for (int try = 1;; try++, backoff_ms *= 2) {
        if (xl_create_domain(cfg, false, newid) == 0)
            return 0;
        if (try == MONITOR_CREATE_TRIES) {
            log_warnx("%s: not restarted: %d creates failed (above): giving up", cfg->name, try);
            return -1;
        }
        log_warnx("%s: create %d of %d failed (above): trying again in %ld ms", cfg->name, try,
                  MONITOR_CREATE_TRIES, backoff_ms);
        nanosleep(
            &(struct timespec){.tv_sec = backoff_ms / 1000, .tv_nsec = backoff_ms % 1000 * 1000000},
            NULL);
    }
}

/* Restarts the domain unless it restarts too fast; its new domid or -1. */
static long restart(const struct domain_config *cfg, time_t *window, int *restarts)
{
    time_t now = time(NULL);
    uint32_t newid;

    if (now - *window > MONITOR_WINDOW_S) {
        *window = now;
        *restarts = 0;
    }
    if (++*restarts > MONITOR_MAX_RESTARTS) {
        char hint[400];

        log_warnx("%s restarted %d times in %d s: giving up%s", cfg->name, MONITOR_MAX_RESTARTS,
                  MONITOR_WINDOW_S, xl_last_console_hint(cfg->name, hint, sizeof(hint)));
        return -1;
    }
    if (create_retrying(cfg, &newid) < 0)
        return -1;
    log_info("%s restarted as domain %u", cfg->name, newid);
    return newid;
}

/* Applies the action; returns the domid to watch next, or -1 to stop. */
static long apply(const struct domain_config *cfg, uint32_t domid, unsigned reason, time_t *window,
                  int *restarts)
{
    enum config_action action = action_for(cfg, reason);
    bool again = action == CONFIG_ACTION_RESTART || action == CONFIG_ACTION_RENAME_RESTART;
    struct domain_config kept;
    bool have_kept;
    long next;

    log_info("domain %u (%s) shut down (reason %u): %s", domid, cfg->name, reason,
             config_action_name(action));
    if (action == CONFIG_ACTION_PRESERVE)
        return -1;
    /* A restart takes the description as kept, with the devices attached
     * and detached since; read it before destroying forgets it. */
    have_kept = again && userdata_load(domid, &kept) == 0;
    if (action == CONFIG_ACTION_RENAME_RESTART)
        rename_old(cfg, domid); /* kept, under another name, for post-mortem */
    else
        xl_destroy_domain(domid);
    if (!again)
        return -1;
    next = restart(have_kept ? &kept : cfg, window, restarts);
    if (have_kept)
        config_free(&kept);
    return next;
}

/* Waits for VIRQ_DOM_EXC; false when the hypervisor has gone away. */
static bool wait_event(xenevtchn_handle *xce)
{
    struct pollfd fds[2] = {{.fd = xenevtchn_fd(xce), .events = POLLIN},
                            {.fd = xl_chan, .events = POLLIN}};

    while (poll(fds, 2, -1) < 0)
        if (errno != EINTR)
            return false;
    if (fds[1].revents)
        return false; /* a hangup: nothing is pending on a channel otherwise */
    return xenevtchn_pending(xce) >= 0;
}

static void monitor_loop(const struct domain_config *cfg, uint32_t domid)
{
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    int port = xce ? xenevtchn_bind_virq(xce, VIRQ_DOM_EXC) : -1;
    time_t window = time(NULL);
    int restarts = 0;

    if (port < 0) {
        log_warn("cannot watch domain %u", domid);
        return;
    }
    for (;;) {
        unsigned reason = 0;
        int state = domain_state(domid, &reason);
        long next;

        if (state < 0)
            break; /* destroyed by someone else */
        if (state == 1) {
            next = apply(cfg, domid, reason, &window, &restarts);
            if (next < 0)
                break;
            domid = (uint32_t)next;
            continue;
        }
        if (!wait_event(xce))
            break;
        xenevtchn_unmask(xce, (evtchn_port_t)port);
    }
    xenevtchn_close(xce);
}

static void detach(const char *name)
{
    char rel[96], path[400];
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int log_fd;

    snprintf(rel, sizeof(rel), "monitor-%s.log", name);
    if (sv_logdir_path(path, sizeof(path), rel) < 0)
        path[0] = '\0';
    log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    setsid();
    dup2(devnull, STDIN_FILENO);
    dup2(devnull, STDOUT_FILENO);
    if (log_fd >= 0)
        dup2(log_fd, STDERR_FILENO);
}

int monitor_start(const struct domain_config *cfg, uint32_t domid)
{
    pid_t pid = fork();

    if (pid < 0)
        return xl_error("cannot start the monitor of %s: %s", cfg->name, strerror(errno));
    if (pid > 0)
        return 0;
    /* The child: a fresh connection, not the parent's. */
    detach(cfg->name);
    log_init("xl-monitor");
    xc_interface_close(xl_xch);
    close(xl_chan);
    xl_xch = xc_interface_open(NULL, NULL, 0);
    xl_chan = hcall_open();
    if (xl_xch && xl_chan >= 0)
        monitor_loop(cfg, domid);
    _exit(0);
}
