/*
 * The monitor's policy: one process per run directory (xl starts it,
 * dom0-tools/xl/xl_monitor.c) applies on_poweroff, on_reboot and on_crash
 * to every domain the toolstack created, as Xen's toolstack
 * watches @releaseDomain once rather than once per domain.  It waits for
 * VIRQ_DOM_EXC, lists the domains, and for each newly shut-down one that
 * has a kept description (userdata) applies the configured action for the
 * reason: destroy, preserve (leave it listed), restart (destroy and create
 * again from the description the toolstack keeps, which follows network- and
 * pci-attach/-detach; a name that restarts more than MONITOR_MAX_RESTARTS
 * times in MONITOR_WINDOW_S seconds is destroyed instead, as xl refuses to
 * restart too fast) or rename-restart.  A restart whose create fails is
 * tried again after a back-off, between events, so that one domain's
 * failures hold up no other's.  A pending restart is marked by the file
 * <rundir>/restart.NAME, locked while the monitor destroys and creates:
 * svl_monitor_cancel_restart() (xl destroy) removes it to cancel a queued
 * retry, and waits for one under way to finish so that its caller can
 * destroy the result.  It returns when the hypervisor goes.  What it does
 * and what fails goes to the context's log.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xenevtchn.h>

#include "sv/util.h"
#include "svl_internal.h"

#define MONITOR_MAX_RESTARTS 5
#define MONITOR_WINDOW_S     10
#define MONITOR_MAX_DOMAINS  1024

/* A restart whose create failed is tried again after 0.1, 0.2, 0.4, 0.8
 * and 1.6 s: what it failed on may pass (a host briefly short of memory or
 * fds), and a driver domain given up on leaves every guest on it
 * disconnected.  One restart, however many tries. */
#define MONITOR_CREATE_TRIES     6
#define MONITOR_FIRST_BACKOFF_MS 100

/* Domains already dealt with that are still listed (preserved, renamed,
 * or not the toolstack's): looked at again only once they are gone. */
static uint8_t handled[DOMID_FIRST_RESERVED / 8];

/* Recent restarts of a name: the window they fall in and how many. */
struct restarts {
    char name[CONFIG_NAME_SIZE];
    time_t window;
    int count;
};
static struct restarts *recent;
static size_t nr_recent;

/* Restarts waiting for their next try (the description they own). */
struct retry {
    struct domain_config cfg;
    int tries;
    long long due_ms;
};
static struct retry *retries;
static size_t nr_retries;

/* A driver domain's next warm standby is started this long after its last
 * one took over: creating a domain holds the hypervisor's one loop and
 * xenstored, which the guests' reconnection needs meanwhile (started at
 * once, it put the first ping both ways 200-400 ms later). */
#define MONITOR_STANDBY_DELAY_MS 1000

/* Standbys to start (the description of the domain they stand by). */
static struct retry *standbys;
static size_t nr_standbys;

/* The monitor's connections: one monitor a process. */
static struct svl_ctx *mon;

static bool is_handled(uint32_t domid)
{
    return handled[domid / 8] & (1u << (domid % 8));
}

static void set_handled(uint32_t domid, bool on)
{
    if (on)
        handled[domid / 8] |= (uint8_t)(1u << (domid % 8));
    else
        handled[domid / 8] &= (uint8_t) ~(1u << (domid % 8));
}

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

/* rename-restart: the dead domain keeps its state as NAME-DOMID (xl list,
 * xl console), and the name is free for the new incarnation. */
static void rename_old(const struct domain_config *cfg, uint32_t domid)
{
    char name[SV_DOMAIN_NAME_MAX];

    snprintf(name, sizeof(name), "%.40s-%u", cfg->name, domid);
    if (svl_domain_set_name(mon, domid, name) < 0) {
        svl_log(mon, SVL_WARN, "cannot rename domain %u (%s): destroying it", domid,
                mon->error.message);
        svl_error_clear(mon);
        svl_domain_destroy(mon, domid);
        return;
    }
    set_handled(domid, true);
    svl_log(mon, SVL_INFO, "domain %u kept as %s", domid, name);
}

static int mark_path(const char *name, char *buf, size_t len)
{
    char rel[CONFIG_NAME_SIZE + 16];

    snprintf(rel, sizeof(rel), "restart.%s", name);
    return sv_rundir_path(buf, len, rel);
}

/* Opens and locks the restart mark of name (creating it if create): the
 * locked fd; -ENOENT when there is none, -ESTALE when it was removed while
 * this waited for the lock (the restart ended or was cancelled), or
 * another -errno. */
static int mark_lock(const char *name, bool create)
{
    char path[400];
    struct stat st;
    int fd;

    if (mark_path(name, path, sizeof(path)) < 0)
        return -ENAMETOOLONG;
    fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
    if (fd < 0)
        return -errno;
    if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0) {
        int err = -errno;

        close(fd);
        return err;
    }
    if (st.st_nlink == 0) {
        close(fd);
        return -ESTALE;
    }
    return fd;
}

/* Unlocks a mark, removing it unless a retry still waits (keep). */
static void mark_unlock(int fd, const char *name, bool keep)
{
    char path[400];

    if (!keep && mark_path(name, path, sizeof(path)) == 0)
        unlink(path);
    close(fd);
}

int svl_monitor_cancel_restart(const char *name)
{
    int fd = mark_lock(name, false);

    if (fd == -ENOENT)
        return SVL_MONITOR_NONE;
    if (fd == -ESTALE)
        return SVL_MONITOR_RESTARTED;
    if (fd < 0)
        return fd;
    /* Held: no restart is under way, and none will start after this. */
    mark_unlock(fd, name, false);
    return SVL_MONITOR_CANCELLED;
}

/* The restart record of name, a stale one reused or a new one; NULL when
 * out of memory. */
static struct restarts *restarts_of(const char *name, time_t now)
{
    struct restarts *free_slot = NULL, *grown;

    for (size_t i = 0; i < nr_recent; i++) {
        if (!strcmp(recent[i].name, name))
            return &recent[i];
        if (!free_slot && now - recent[i].window > MONITOR_WINDOW_S)
            free_slot = &recent[i];
    }
    if (!free_slot) {
        grown = realloc(recent, (nr_recent + 1) * sizeof(*recent));
        if (!grown)
            return NULL;
        recent = grown;
        free_slot = &recent[nr_recent++];
    }
    snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
    free_slot->window = now;
    free_slot->count = 0;
    return free_slot;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Creates cfg's domain (try number tries); a failure queues the next try
 * with cfg moved into it (true: the caller no longer owns cfg). */
static bool create_or_queue(struct domain_config *cfg, int tries)
{
    struct retry *grown;
    uint32_t newid;

    svl_error_clear(mon);
    if (svl_domain_create(mon, cfg, false, &newid) == 0) {
        svl_log(mon, SVL_INFO, "%s restarted as domain %u", cfg->name, newid);
        return false;
    }
    svl_log(mon, SVL_WARN, "%s", mon->error.message);
    if (tries == MONITOR_CREATE_TRIES) {
        svl_log(mon, SVL_WARN, "%s: not restarted: %d creates failed (above): giving up", cfg->name,
                tries);
        return false;
    }
    grown = realloc(retries, (nr_retries + 1) * sizeof(*retries));
    if (!grown) {
        svl_log(mon, SVL_WARN, "%s: not restarted: out of memory for its retry", cfg->name);
        return false;
    }
    retries = grown;
    retries[nr_retries].cfg = *cfg;
    retries[nr_retries].tries = tries;
    retries[nr_retries].due_ms = now_ms() + ((long long)MONITOR_FIRST_BACKOFF_MS << (tries - 1));
    svl_log(mon, SVL_WARN, "%s: create %d of %d failed (above): trying again in %lld ms", cfg->name,
            tries, MONITOR_CREATE_TRIES, retries[nr_retries].due_ms - now_ms());
    nr_retries++;
    return true;
}

/* Takes out of list[0..*n) an entry that is due, into *out; false when none is. */
static bool take_due(struct retry *list, size_t *n, struct retry *out)
{
    long long now = now_ms();

    for (size_t i = 0; i < *n; i++)
        if (list[i].due_ms <= now) {
            *out = list[i];
            list[i] = list[--*n];
            return true;
        }
    return false;
}

/* Tries again the restarts that are due. */
static void retry_due(void)
{
    struct retry r;
    bool queued;
    int mark;

    while (take_due(retries, &nr_retries, &r)) {
        mark = mark_lock(r.cfg.name, false);
        if (mark == -ENOENT || mark == -ESTALE)
            svl_log(mon, SVL_INFO, "%s: its restart was cancelled (xl destroy)", r.cfg.name);
        else if (mark < 0)
            svl_log(mon, SVL_WARN, "%s: not restarted: its restart mark: %s", r.cfg.name,
                    strerror(-mark));
        if (mark < 0) {
            config_free(&r.cfg);
            continue;
        }
        queued = create_or_queue(&r.cfg, r.tries + 1);
        mark_unlock(mark, r.cfg.name, queued);
        if (!queued)
            config_free(&r.cfg);
    }
}

/* Milliseconds until the next retry or standby is due; -1 when none waits. */
static int retry_timeout(void)
{
    long long first = -1, now = now_ms();

    for (size_t i = 0; i < nr_retries; i++)
        if (first < 0 || retries[i].due_ms < first)
            first = retries[i].due_ms;
    for (size_t i = 0; i < nr_standbys; i++)
        if (first < 0 || standbys[i].due_ms < first)
            first = standbys[i].due_ms;
    return first < 0 ? -1 : first <= now ? 0 : (int)(first - now);
}

/* Queues the start of cfg's next standby (a copy of cfg). */
static void standby_later(const struct domain_config *cfg)
{
    struct retry *grown = realloc(standbys, (nr_standbys + 1) * sizeof(*standbys));
    struct retry *s = grown ? &grown[nr_standbys] : NULL;

    if (grown)
        standbys = grown;
    if (s) {
        s->cfg = *cfg;
        s->cfg.kernel = strdup(cfg->kernel);
        s->cfg.extra = strdup(cfg->extra);
        s->due_ms = now_ms() + MONITOR_STANDBY_DELAY_MS;
    }
    if (!s || !s->cfg.kernel || !s->cfg.extra) {
        if (s)
            config_free(&s->cfg);
        svl_log(mon, SVL_WARN, "%s: no standby now: out of memory", cfg->name);
        return;
    }
    nr_standbys++;
}

/* Starts the standbys that are due, of domains still there. */
static void standbys_due(void)
{
    struct retry s;
    uint32_t domid;

    while (take_due(standbys, &nr_standbys, &s)) {
        svl_error_clear(mon);
        if (svl_domid(mon, s.cfg.name, &domid) == 0 && svl_standby_create(mon, &s.cfg) < 0)
            svl_log(mon, SVL_WARN, "%s: no standby now: %s", s.cfg.name, mon->error.message);
        config_free(&s.cfg);
    }
}

/* A dead driver domain's warm standby gets the PF, starts serving it and
 * has the guests' vifs re-plugged to it before the dead domain is
 * destroyed (a destroy is 50-60 ms of xenstore work here); true and its
 * domid, false (said) when there is none or it could not. */
static bool activate(const struct domain_config *cfg, uint32_t *standby)
{
    int err;

    svl_error_clear(mon);
    err = svl_standby_activate(mon, cfg, standby);
    if (err && err != -ENOENT)
        svl_log(mon, SVL_WARN, "%s: creating it instead", mon->error.message);
    return err == 0;
}

/* The activated standby takes over the name, and a new one is started a
 * little later; false (said) when it could not. */
static bool takeover(const struct domain_config *cfg, uint32_t standby)
{
    svl_error_clear(mon);
    if (svl_standby_takeover(mon, cfg, standby) < 0) {
        svl_log(mon, SVL_WARN, "%s: creating it instead", mon->error.message);
        return false;
    }
    svl_log(mon, SVL_INFO, "%s restarted: its standby, domain %u, took over", cfg->name, standby);
    standby_later(cfg);
    return true;
}

/* Creates cfg's domain again (or has its activated standby, if standby
 * is not NULL, take over) unless its name restarts too fast; true when cfg
 * moved into a queued retry. */
static bool restart(struct domain_config *cfg, const uint32_t *standby)
{
    time_t now = time(NULL);
    struct restarts *r = restarts_of(cfg->name, now);

    if (r && now - r->window > MONITOR_WINDOW_S) {
        r->window = now;
        r->count = 0;
    }
    if (!r || ++r->count > MONITOR_MAX_RESTARTS) {
        char hint[400];

        svl_log(mon, SVL_WARN, "%s restarted %d times in %d s: giving up%s", cfg->name,
                MONITOR_MAX_RESTARTS, MONITOR_WINDOW_S,
                svl_last_console_hint(cfg->name, hint, sizeof(hint)));
        if (standby)
            svl_domain_destroy(mon, *standby);
        return false;
    }
    if (standby && takeover(cfg, *standby))
        return false;
    return create_or_queue(cfg, 1);
}

static bool is_listed(uint32_t domid)
{
    xc_domaininfo_t info;

    return xc_domain_getinfolist(mon->xch, domid, 1, &info) == 1 && info.domain == domid;
}

/* Applies the action its description gives a domain that shut down. */
static void apply(uint32_t domid, unsigned reason)
{
    char name[SV_DOMAIN_NAME_MAX];
    struct domain_config cfg;
    enum config_action action;
    bool restarts, activated = false;
    uint32_t standby = 0;
    int mark = -1;

    /* Not created by the toolstack (nothing kept), or already renamed by a monitor
     * before this one: not ours to act on. */
    if (svl_userdata_load(domid, &cfg) < 0) {
        set_handled(domid, true);
        return;
    }
    if (svl_domname(mon, domid, name, sizeof(name)) < 0 || strcmp(name, cfg.name)) {
        set_handled(domid, true);
        goto out;
    }
    action = action_for(&cfg, reason);
    svl_log(mon, SVL_INFO, "domain %u (%s) shut down (reason %u): %s", domid, cfg.name, reason,
            config_action_name(action));
    if (action == CONFIG_ACTION_PRESERVE) {
        set_handled(domid, true);
        goto out;
    }
    restarts = action == CONFIG_ACTION_RESTART || action == CONFIG_ACTION_RENAME_RESTART;
    if (restarts && (mark = mark_lock(cfg.name, true)) < 0) {
        svl_log(mon, SVL_WARN, "%s: not restarted: its restart mark: %s", cfg.name,
                strerror(-mark));
        restarts = false;
    }
    /* Destroyed since the scan: by the operator, who does not want it back
     * (an `xl destroy` after this point finds the mark and waits for it). */
    if (!is_listed(domid))
        goto out;
    if (restarts && action == CONFIG_ACTION_RESTART && cfg.standby)
        activated = activate(&cfg, &standby);
    /* A restart takes the description as kept (with the devices attached
     * and detached since), loaded above before destroying forgets it. */
    if (action == CONFIG_ACTION_RENAME_RESTART)
        rename_old(&cfg, domid); /* kept, under another name, for post-mortem */
    else if (svl_domain_destroy(mon, domid) == 0)
        svl_log(mon, SVL_INFO, "domain %u (%s) destroyed", domid, cfg.name);
    /* A driver domain that is not coming back needs no standby. */
    if (!restarts && cfg.standby)
        svl_standby_destroy(mon, cfg.name);
    if (restarts && restart(&cfg, activated ? &standby : NULL)) {
        mark_unlock(mark, cfg.name, true);
        return; /* cfg is the queued retry's now */
    }
out:
    if (mark >= 0)
        mark_unlock(mark, cfg.name, false);
    config_free(&cfg);
}

/* Looks at every domain once: forgets those gone, acts on those newly
 * shut down. */
static void scan(void)
{
    static xc_domaininfo_t info[MONITOR_MAX_DOMAINS];
    static uint8_t listed[sizeof(handled)];
    int n = xc_domain_getinfolist(mon->xch, 1, MONITOR_MAX_DOMAINS, info);

    if (n < 0) {
        svl_log(mon, SVL_WARN, "cannot list the domains: %s", strerror(errno));
        return;
    }
    memset(listed, 0, sizeof(listed));
    for (int i = 0; i < n; i++)
        if (info[i].domain < DOMID_FIRST_RESERVED)
            listed[info[i].domain / 8] |= (uint8_t)(1u << (info[i].domain % 8));
    for (size_t k = 0; k < sizeof(handled); k++)
        handled[k] &= listed[k];
    for (int i = 0; i < n; i++) {
        uint32_t domid = info[i].domain;

        if (domid >= DOMID_FIRST_RESERVED || !(info[i].flags & XEN_DOMINF_shutdown) ||
            is_handled(domid))
            continue;
        apply(domid, (info[i].flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask);
    }
}

/* Waits for VIRQ_DOM_EXC or the next retry; false when the hypervisor has
 * gone away. */
static bool wait_event(xenevtchn_handle *xce)
{
    struct pollfd fds[2] = {{.fd = xenevtchn_fd(xce), .events = POLLIN},
                            {.fd = mon->chan, .events = POLLIN}};
    int n;

    while ((n = poll(fds, 2, retry_timeout())) < 0)
        if (errno != EINTR)
            return false;
    if (fds[1].revents)
        return false; /* a hangup: nothing is pending on a channel otherwise */
    return n == 0 || xenevtchn_pending(xce) >= 0;
}

void svl_monitor_run(struct svl_ctx *ctx)
{
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    int port = xce ? xenevtchn_bind_virq(xce, VIRQ_DOM_EXC) : -1;

    mon = ctx;
    if (port < 0) {
        svl_log(mon, SVL_WARN, "cannot bind VIRQ_DOM_EXC: no domain is monitored: %s",
                strerror(errno));
        if (xce)
            xenevtchn_close(xce);
        return;
    }
    svl_log(mon, SVL_INFO, "monitoring every domain");
    do {
        scan();
        retry_due();
        standbys_due();
        if (!wait_event(xce))
            break;
    } while (xenevtchn_unmask(xce, (evtchn_port_t)port) == 0);
    xenevtchn_close(xce);
    free(recent);
    for (size_t i = 0; i < nr_retries; i++) {
        char path[400];

        if (mark_path(retries[i].cfg.name, path, sizeof(path)) == 0)
            unlink(path); /* no one will retry it now */
        config_free(&retries[i].cfg);
    }
    free(retries);
    for (size_t i = 0; i < nr_standbys; i++)
        config_free(&standbys[i].cfg);
    free(standbys);
}
