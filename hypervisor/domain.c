/*
 * Domain lifecycle: create (paused), pause, unpause, shutdown, death,
 * destroy, and the information dom0 reads back.  A domain's death, however it
 * comes (exit, crash, kill, destroy), releases everything it held: channels
 * and the ports bound through them, its grant mappings (so granters can end
 * access), its grant table, frames and RAM; dom0 hears of every change
 * through VIRQ_DOM_EXC.
 */
#include <ctype.h>
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv.h"
#include "pci.h"
#include "procfs.h"
#include "sv/log.h"
#include "sv/util.h"

/* A domain may not ask for more RAM than this (1 TiB, xl's sanity bound). */
#define DOMAIN_MAX_MEMORY_KB (1ULL << 30)
#define DOMAIN_MAX_VCPUS     128

struct domain *domain_find(domid_t domid)
{
    return domid < DOMID_FIRST_RESERVED ? hv.by_domid[domid] : NULL;
}

void domain_link(struct domain *d)
{
    d->next = hv.domains->next;
    hv.domains->next = d;
    if (d->domid)
        hv.by_domid[d->domid] = d;
}

struct domain *domain_find_name(const char *name)
{
    for (struct domain *d = hv.domains; d; d = d->next)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

static struct evtchn_space *space_of(domid_t domid)
{
    struct domain *d = domain_find(domid);

    return d ? &d->ev : NULL;
}

void domain_notify_dom0(void)
{
    evtchn_raise_virq(&hv.domains->ev, VIRQ_DOM_EXC);
}

/* Lines about what a domain did wrong, a second: a domain looping on a bad
 * request must not fill the hypervisor's log. */
#define DOMAIN_WARN_BURST 5

static struct domain *domain_alloc(void)
{
    struct domain *d = calloc(1, sizeof(*d));

    if (!d)
        return NULL;
    d->console_out = d->console_in = d->console_log = d->shinfo_fd = d->pidfd = d->exec_fd = -1;
    d->warnings.burst = DOMAIN_WARN_BURST;
    LIST_INIT(&d->waiters);
    return d;
}

int domain_init_dom0(void)
{
    struct domain *d = domain_alloc();
    int err;

    if (!d)
        return -ENOMEM;
    strcpy(d->name, "Domain-0");
    d->vcpus = d->max_vcpus = (uint32_t)get_nprocs();
    err = p2m_init(&d->p2m, "sv-dom0", 0, 65536);
    if (!err)
        err = grant_table_init(&d->gt);
    if (!err)
        err = evtchn_space_init(&d->ev, 0, NULL);
    if (err) {
        free(d);
        return err;
    }
    evtchn_set_resolver(space_of);
    hv.domains = d;
    hv.by_domid[0] = d;
    hv.next_domid = 1;
    return 0;
}

/* The description parsers' rule (docs/config.md), checked again here since
 * dom0's tools are not the only callers: 1..SV_DOMAIN_NAME_MAX-1 of
 * [A-Za-z0-9_.-], not starting with '-' or '.'. */
static bool valid_name(const char *name)
{
    size_t len = strnlen(name, SV_DOMAIN_NAME_MAX);

    if (len == 0 || len >= SV_DOMAIN_NAME_MAX || name[0] == '-' || name[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!(isalnum((unsigned char)name[i]) || strchr("-_.", name[i])))
            return false;
    return strcmp(name, "Domain-0") != 0;
}

static domid_t alloc_domid(void)
{
    for (unsigned tries = 0; tries < DOMID_FIRST_RESERVED; tries++) {
        domid_t id = hv.next_domid;

        hv.next_domid = (unsigned)id + 1 < DOMID_FIRST_RESERVED ? id + 1 : 1;
        if (!domain_find(id))
            return id;
    }
    return 0;
}

static int shinfo_init(struct domain *d)
{
    d->shinfo_fd = frame_memfd("sv-shared-info", SV_PAGE_SIZE);
    if (d->shinfo_fd < 0)
        return d->shinfo_fd;
    d->shinfo = mmap(NULL, SV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d->shinfo_fd, 0);
    if (d->shinfo == MAP_FAILED) {
        d->shinfo = NULL;
        return -errno;
    }
    return 0;
}

/* Splits the request's NUL-separated arguments into argv (argv[0] = name). */
static int build_argv(struct sv_domctl_create *req, char **argv, size_t max)
{
    size_t off = 0, n = 0;

    if (req->args_len > sizeof(req->args) || req->argc + 2 > max)
        return -EINVAL;
    argv[n++] = req->name;
    for (uint32_t i = 0; i < req->argc; i++) {
        size_t len = strnlen(req->args + off, req->args_len - off);

        if (off + len >= req->args_len)
            return -EINVAL; /* argument without its NUL */
        argv[n++] = req->args + off;
        off += len + 1;
    }
    argv[n] = NULL;
    return 0;
}

void domain_unmap_handle(struct domain *d, grant_handle_t handle)
{
    struct maptrack_entry *e = maptrack_get(&d->mt, handle);
    struct domain *granter = domain_find(e->granter);

    gnttab_notify_fire(d, &e->notify, e->frame);
    if (granter && granter->state == DOMAIN_RUNNING)
        maptrack_unpin(&granter->gt, e);
    if (e->device_map)
        pci_iommu_unmap_frame(d, e->frame, e->readonly);
    frame_put(e->frame);
    maptrack_remove(&d->mt, handle);
}

/*
 * The xenstore ring and its port, as Xen's domain builder makes them: a page
 * granted to dom0 at GNTTAB_RESERVED_XENSTORE and a port unbound for dom0,
 * owned by the domain itself (no channel releases it).
 */
static int store_init(struct domain *d)
{
    int fds[2], port, err;

    err = p2m_alloc_shared(&d->p2m, 1, &d->store_pfn);
    if (err)
        return err;
    d->gt.in_use[GNTTAB_RESERVED_XENSTORE] = 1;
    grant_fill(&d->gt, GNTTAB_RESERVED_XENSTORE, 0, d->store_pfn, false);
    port = evtchn_alloc_unbound(&d->ev, 0, NULL, fds);
    if (port < 0)
        return port;
    close(fds[0]);
    close(fds[1]);
    d->store_port = (evtchn_port_t)port;
    return 0;
}

#define GRANTS_PER_FRAME (SV_GNTTAB_ENTRIES / SV_GNTTAB_FRAMES)

uint32_t domain_grant_frames(const struct domain *d)
{
    return (uint32_t)(d->gt.nr_entries / GRANTS_PER_FRAME);
}

static uint32_t limit_or_default(uint32_t value, uint32_t xen_default, uint64_t ours)
{
    uint64_t v = value ? value : xen_default;

    return (uint32_t)(v < ours ? v : ours);
}

/*
 * Xen's per-domain limits from the description, within what we have, and
 * the charge of what the domain costs us before it asks for anything.
 * Everything it makes us hold from now on is charged to hv.quota.
 */
static int domain_set_quota(struct domain *d, const struct sv_domctl_create *req)
{
    int err = quota_take(&hv.quota, DOMAIN_QUOTA_BASE);

    if (err)
        return err;
    d->quota_charged = true;
    d->gt.nr_entries =
        limit_or_default(req->max_grant_frames, QUOTA_DEFAULT_GRANT_FRAMES, SV_GNTTAB_FRAMES) *
        GRANTS_PER_FRAME;
    d->mt.max = limit_or_default(req->max_maptrack_frames, QUOTA_DEFAULT_MAPTRACK_FRAMES,
                                 MAPTRACK_MAX_HANDLES / QUOTA_MAPTRACK_PER_FRAME) *
                QUOTA_MAPTRACK_PER_FRAME;
    d->ev.max_port = limit_or_default(req->max_event_channels, QUOTA_DEFAULT_EVENT_CHANNELS,
                                      SV_EVTCHN_PORTS - 1);
    d->p2m.quota = &hv.quota;
    d->ev.quota = &hv.quota;
    return 0;
}

/* Releases what a live domain holds; safe on a partly created one. */
static void domain_release(struct domain *d)
{
    /* Before its channels go: they take the ports a notify sends on. */
    gnttab_notify_death(d);
    channel_close_domain(d);
    for (uint32_t h = 0; h < d->mt.nr; h++)
        if (maptrack_get(&d->mt, (grant_handle_t)h))
            domain_unmap_handle(d, (grant_handle_t)h);
    maptrack_destroy(&d->mt);
    pci_release_domain(d);
    evtchn_space_destroy(&d->ev);
    grant_table_destroy(&d->gt);
    p2m_destroy(&d->p2m);
    if (d->shinfo)
        munmap(d->shinfo, SV_PAGE_SIZE);
    d->shinfo = NULL;
    if (d->shinfo_fd >= 0)
        close(d->shinfo_fd);
    d->shinfo_fd = -1;
    console_close(d, CONSOLE_LOG_LEAVE);
    sandbox_release(d);
    if (d->death_ev)
        event_free(d->death_ev);
    d->death_ev = NULL;
    if (d->pidfd >= 0)
        close(d->pidfd);
    d->pidfd = -1;
    netns_delete(d->netns);
    d->netns[0] = '\0';
    if (d->quota_charged)
        quota_give(&hv.quota, DOMAIN_QUOTA_BASE);
    d->quota_charged = false;
}

static void domain_unlink(struct domain *d)
{
    for (struct domain **pp = &hv.domains; *pp; pp = &(*pp)->next)
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    if (d->domid < DOMID_FIRST_RESERVED && hv.by_domid[d->domid] == d)
        hv.by_domid[d->domid] = NULL;
}

/* Reaps the process and records why it ended. */
static void domain_reap(struct domain *d, int options)
{
    siginfo_t si = {0};

    if (waitid(P_PIDFD, (id_t)d->pidfd, &si, WEXITED | options) < 0 || si.si_pid == 0)
        return;
    d->cpu_ns_at_exit =
        (uint64_t)(si.si_utime + si.si_stime) * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK));
    if (!d->shutdown_requested)
        d->shutdown_reason =
            si.si_code == CLD_EXITED && si.si_status == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash;
    log_info("domain %u (%s) %s: %s %d", d->domid, d->name,
             d->shutdown_reason == SHUTDOWN_crash ? "crashed" : "shut down",
             si.si_code == CLD_EXITED ? "exit status" : "signal", si.si_status);
    d->state = DOMAIN_SHUTDOWN;
    d->paused = false;
    domain_release(d);
    wait_wake(d, false);
    domain_notify_dom0();
}

/* The end of a destroyed domain, reaped or shut down before: what it
 * printed goes (a crash's tail stays: why it failed), and it is unlisted. */
static void domain_finish(struct domain *d)
{
    log_info("domain %u (%s) destroyed", d->domid, d->name);
    console_close(d, d->shutdown_reason == SHUTDOWN_crash ? CONSOLE_LOG_KEEP_LAST
                                                          : CONSOLE_LOG_REMOVE);
    wait_wake(d, true);
    domain_unlink(d);
    free(d);
    domain_notify_dom0();
}

static void domain_died(evutil_socket_t fd, short what, void *arg)
{
    struct domain *d = arg;

    (void)fd;
    (void)what;
    domain_reap(d, WNOHANG);
    if (d->dying && d->state == DOMAIN_SHUTDOWN)
        domain_finish(d);
}

void domain_mark_up(struct domain *d)
{
    log_info("domain %u (%s) up", d->domid, d->name);
    d->up = true;
    wait_wake(d, false);
}

static int domain_start_process(struct domain *d, struct sv_domctl_create *req, int kernel_fd)
{
    struct sandbox_fds fds = {
        .kernel = kernel_fd, .hcall = -1, .console_in = -1, .console_out = -1};
    char *argv[SV_DOMAIN_ARGS_MAX / 2 + 2];
    int sv[2] = {-1, -1};
    int err;

    err = build_argv(req, argv, ARRAY_SIZE(argv));
    if (err)
        return err;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    fds.hcall = sv[1];
    err = console_open(d, &fds);
    if (!err)
        err = sandbox_spawn(d, &fds, argv);
    close(sv[1]);
    if (fds.console_in >= 0)
        close(fds.console_in);
    if (fds.console_out >= 0)
        close(fds.console_out);
    if (err) {
        close(sv[0]);
        return err;
    }
    d->death_ev = event_new(hv.base, d->pidfd, EV_READ, domain_died, d);
    if (!d->death_ev || event_add(d->death_ev, NULL) < 0) {
        close(sv[0]);
        return -ENOMEM;
    }
    return channel_add(sv[0], d, d->pid);
}

static int domain_check_request(const struct sv_domctl_create *req)
{
    if (!valid_name(req->name))
        return -EINVAL;
    if (domain_find_name(req->name))
        return -EEXIST;
    if (req->memory_kb < 4096 || req->memory_kb > DOMAIN_MAX_MEMORY_KB)
        return -EINVAL;
    if (req->vcpus == 0 || req->vcpus > DOMAIN_MAX_VCPUS)
        return -EINVAL;
    if (req->max_vcpus && (req->max_vcpus < req->vcpus || req->max_vcpus > DOMAIN_MAX_VCPUS))
        return -EINVAL;
    return 0;
}

int domain_create(struct sv_domctl_create *req, int kernel_fd)
{
    uint64_t ram_pages = req->memory_kb / 4;
    struct domain *d;
    int err;

    req->name[SV_DOMAIN_NAME_MAX - 1] = '\0';
    err = domain_check_request(req);
    if (err)
        return err;
    d = domain_alloc();
    if (!d)
        return -ENOMEM;
    d->domid = alloc_domid();
    strcpy(d->name, req->name);
    memcpy(d->handle, req->handle, sizeof(d->handle));
    d->vcpus = req->vcpus;
    d->max_vcpus = req->max_vcpus ? req->max_vcpus : req->vcpus;
    d->memory_kb = req->memory_kb;
    d->uid = hv.uid_base + d->domid;
    d->paused = true;
    domain_link(d); /* at once, so peers can resolve it */
    if (!d->domid) {
        err = -ENOSPC;
        goto out_release;
    }
    err = p2m_init(&d->p2m, "sv-ram", ram_pages, ram_pages);
    if (!err)
        err = grant_table_init(&d->gt);
    if (!err)
        err = shinfo_init(d);
    if (!err)
        err = evtchn_space_init(&d->ev, d->domid, d->shinfo);
    if (!err)
        err = domain_set_quota(d, req);
    if (!err)
        err = store_init(d);
    if (err)
        goto out_release;
    snprintf(d->netns, sizeof(d->netns), "sv-%s", d->name);
    err = netns_create(d->netns);
    if (err) {
        d->netns[0] = '\0'; /* not ours to delete */
        goto out_release;
    }
    err = domain_start_process(d, req, kernel_fd);
    if (err)
        goto out_kill;
    req->domid = d->domid;
    log_info("domain %u (%s) created, paused, pid %d", d->domid, d->name, (int)d->pid);
    domain_notify_dom0();
    return 0;

out_kill:
    if (d->pid > 0) {
        kill(d->pid, SIGKILL);
        waitpid(d->pid, NULL, 0);
    }
out_release:
    domain_release(d);
    console_close(d, CONSOLE_LOG_KEEP_LAST); /* why it could not start */
    domain_unlink(d);
    free(d);
    return err;
}

int domain_pause(struct domain *d)
{
    if (d->state != DOMAIN_RUNNING || d->dying)
        return -EINVAL;
    if (!d->paused && kill(d->pid, SIGSTOP) < 0)
        return -errno;
    d->paused = true;
    domain_notify_dom0();
    return 0;
}

int domain_unpause(struct domain *d)
{
    if (d->state != DOMAIN_RUNNING || d->dying)
        return -EINVAL;
    if (d->paused && kill(d->pid, SIGCONT) < 0)
        return -errno;
    d->paused = false;
    domain_notify_dom0();
    return 0;
}

int domain_shutdown(struct domain *d, unsigned reason)
{
    if (reason > SHUTDOWN_MAX)
        return -EINVAL;
    if (d->state != DOMAIN_RUNNING || d->dying)
        return 0; /* a dying one's pidfd ends it */
    d->shutdown_requested = true;
    d->shutdown_reason = reason;
    kill(d->pid, SIGKILL);
    domain_reap(d, 0);
    return 0;
}

int domain_rename(struct domain *d, const char *name)
{
    if (!valid_name(name))
        return -EINVAL;
    if (domain_find_name(name))
        return -EEXIST;
    log_info("domain %u (%s) renamed %s", d->domid, d->name, name);
    snprintf(d->name, sizeof(d->name), "%s", name);
    return 0;
}

int domain_power_button(struct domain *d)
{
    if (d->state != DOMAIN_RUNNING || d->dying)
        return -EINVAL;
    if (d->paused)
        return -EBUSY;
    return kill(d->pid, SIGTERM) < 0 ? -errno : 0;
}

/* SIGKILL: what is left is the kernel's teardown of its process, which
 * takes tens of ms (its address space) and is not waited for here. */
static void domain_kill(struct domain *d)
{
    kill(d->pid, SIGKILL);
    d->shutdown_requested = true;
    d->shutdown_reason = SHUTDOWN_poweroff;
    d->dying = true;
}

int domain_destroy(struct domain *d)
{
    if (d->domid == 0)
        return -EPERM;
    if (d->state == DOMAIN_SHUTDOWN) {
        domain_finish(d);
        return 0;
    }
    if (!d->dying) {
        domain_kill(d);
        log_info("domain %u (%s) destroying", d->domid, d->name);
        domain_notify_dom0();
    }
    return 1;
}

/* At the hypervisor's stop: every domain, waiting for each. */
void domain_destroy_all(void)
{
    while (hv.domains && hv.domains->next) {
        struct domain *d = hv.domains->next;

        if (d->state == DOMAIN_RUNNING) {
            domain_kill(d);
            domain_reap(d, 0);
        }
        domain_finish(d);
    }
}

void domain_getinfo(const struct domain *d, xen_domctl_getdomaininfo_t *info)
{
    char state = 'S';
    uint64_t cpu_ns = d->cpu_ns_at_exit;

    memset(info, 0, sizeof(*info));
    info->domain = d->domid;
    if (d->domid != 0 && d->state == DOMAIN_RUNNING)
        proc_stat(d->pid, &state, &cpu_ns);
    if (d->dying)
        info->flags |= XEN_DOMINF_dying;
    if (d->state == DOMAIN_SHUTDOWN)
        info->flags |= XEN_DOMINF_shutdown | (d->shutdown_reason << XEN_DOMINF_shutdownshift);
    else if (d->paused)
        info->flags |= XEN_DOMINF_paused;
    else if (state == 'R' || d->domid == 0)
        info->flags |= XEN_DOMINF_running;
    else
        info->flags |= XEN_DOMINF_blocked;
    info->tot_pages = d->p2m.ram_pages + d->p2m.nr_shared;
    info->max_pages = d->p2m.ram_pages + d->p2m.max_shared;
    info->shr_pages = d->p2m.nr_shared;
    info->cpu_time = cpu_ns;
    info->nr_online_vcpus = d->vcpus;
    info->max_vcpu_id = d->max_vcpus ? d->max_vcpus - 1 : 0;
    memcpy(info->handle, d->handle, sizeof(info->handle));
}

void domain_release_owner(struct domain *d, const void *owner)
{
    /* Unmaps first, while the ports their notifies send on are bound (Linux's
     * gntdev holds the port; a dying domain's channels leave all this to
     * domain_release, channel_drop()).  A handle closed while its pages are
     * still mapped keeps its pins. */
    gnttab_release_owner(d, owner);
    evtchn_release_owner(&d->ev, owner);
}
