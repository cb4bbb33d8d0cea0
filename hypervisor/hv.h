/*
 * The hypervisor daemon's shared state: domains, hypercall channels, and the
 * entry points each module offers the others.  One libevent loop runs
 * everything; nothing here is thread-safe and nothing needs to be.
 */
#ifndef HV_HV_H
#define HV_HV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <xen/xen.h>
#include <xen/domctl.h>

#include "evtchn.h"
#include "grant.h"
#include "p2m.h"
#include "sv/abi/hypercall.h"
#include "sv/log.h"

struct event_base;
struct event;
struct hc_wait;
struct hc_ctx;

/* A domain's cgroup directories: one per v1 hierarchy of memory, pids, cpu
 * (or one, unified). */
#define SANDBOX_CGROUP_DIRS 3

/* A hypercall channel: the control socket's connections (dom0) or a domain's. */
struct channel {
    int fd;
    struct event *ev;
    struct domain *dom;
    pid_t peer_pid;       /* whose memory a grant copy of a virtual address reaches */
    bool in_call;         /* a request of this channel is being handled ... */
    bool closed;          /* ... and closed it (its domain shut itself down) */
    struct hc_wait *wait; /* its reply is deferred until a domain's state answers it (wait.c) */
    struct channel *next;
};

enum domain_state {
    DOMAIN_RUNNING,  /* process alive (running or blocked) */
    DOMAIN_SHUTDOWN, /* process gone; shutdown_reason says why */
};

/* Hypercall channels a domain other than dom0 may hold: one per library
 * handle it opens (a driver domain uses about ten). */
#define DOMAIN_MAX_CHANNELS 64
/* What a domain costs the hypervisor before it asks for anything (RAM,
 * shared_info and grant table fds; pidfd, console pipes and log; mappings of
 * shared_info and the grant table), with what dom0 holds for it (xenstored's
 * and its monitor's ports and channels), charged at creation. */
#define DOMAIN_QUOTA_BASE 24
/* The mappings of ours a domain holds: shared_info and its grant table. */
#define DOMAIN_MAPPINGS 2
_Static_assert(DOMAIN_QUOTA_BASE >= DOMAIN_MAPPINGS * QUOTA_UNITS_PER_MAPPING,
               "a domain's mappings are not covered by its charge (quota.h)");

struct domain {
    domid_t domid;
    char name[SV_DOMAIN_NAME_MAX];
    xen_domain_handle_t handle;
    uint32_t vcpus;     /* online */
    uint32_t max_vcpus; /* it may bring online: max_vcpu_id + 1 */
    uint64_t memory_kb;
    enum domain_state state;
    bool paused;
    bool up;                  /* it made its first hypercall: its image runs its own code */
    bool dying;               /* destroyed: killed, gone once its pidfd says it exited */
    unsigned shutdown_reason; /* SHUTDOWN_* once state is SHUTDOWN */
    bool shutdown_requested;  /* SCHEDOP_shutdown came before the exit */
    pid_t pid;
    int pidfd;
    uint64_t cpu_ns_at_exit;
    struct event *death_ev;
    uid_t uid;
    char netns[SV_DOMAIN_NAME_MAX + 8];
    int exec_fd; /* seccomp listener until the image's exec (sandbox.c) */
    struct event *exec_ev;
    char cgroups[SANDBOX_CGROUP_DIRS][256]; /* its own, one per hierarchy (sandbox.c) */
    unsigned ncgroups;

    struct p2m p2m;
    struct grant_table gt;
    struct maptrack mt;
    struct evtchn_space ev;
    int shinfo_fd;
    shared_info_t *shinfo;
    uint64_t store_pfn;       /* xenstore ring page, granted to dom0 at ref 1 */
    evtchn_port_t store_port; /* unbound for dom0 until xenstored binds it */

    int console_out;        /* pipe: domain stdout/stderr -> us */
    int console_in;         /* pipe: us -> domain stdin */
    int console_log;        /* <rundir>/console/<domid>.log */
    uint64_t console_bytes; /* written to console_log (capped at CONSOLE_LOG_MAX) */
    struct event *console_ev;
    struct log_ratelimit warnings; /* what it did wrong, in our log */
    unsigned nchannels;            /* hypercall channels open (DOMAIN_MAX_CHANNELS) */
    bool quota_charged;            /* DOMAIN_QUOTA_BASE is charged to hv.quota */
    LIST_HEAD(, hc_wait) waiters;  /* dom0's calls waiting on its state (wait.c) */

    struct domain *next;
};

struct hv {
    struct event_base *base;
    struct domain *domains; /* dom0 first */
    /* The same by domid: every hypercall naming a domain finds it at once,
     * and getinfo lists them in domid order without a search per id. */
    struct domain *by_domid[DOMID_FIRST_RESERVED];
    struct channel *channels;
    domid_t next_domid;
    uid_t uid_base;
    char image_libdir[256]; /* our libraries, at SANDBOX_LIBDIR in each domain */
    bool stopping;
    struct quota quota;      /* what all domains together may make us hold */
    uint64_t unmaps_refused; /* unmaps not believed: the frame still held */
};

extern struct hv hv;

/* domain.c */
int domain_init_dom0(void);
struct domain *domain_find(domid_t domid);
struct domain *domain_find_name(const char *name);
/* Lists d (its domid set) after dom0: peers and domain_find() see it. */
void domain_link(struct domain *d);
int domain_create(struct sv_domctl_create *req, int kernel_fd);
int domain_pause(struct domain *d);
int domain_unpause(struct domain *d);
/* 0: d is gone; 1: d is dying (killed), gone once reaped (wait.c tells the
 * waiters); -errno. */
int domain_destroy(struct domain *d);
/* Its first hypercall: d's image got past the dynamic loader into its code. */
void domain_mark_up(struct domain *d);
/* The domain asked to shut down (SCHEDOP_shutdown) or dom0 did it for it. */
int domain_shutdown(struct domain *d, unsigned reason);
int domain_power_button(struct domain *d);
/* Renames d (a valid name no other domain has).  0 or -EINVAL/-EEXIST. */
int domain_rename(struct domain *d, const char *name);
void domain_getinfo(const struct domain *d, xen_domctl_getdomaininfo_t *info);
void domain_destroy_all(void);
/* Releases what `owner` (a channel) bound, and the grant mappings it made
 * that nothing holds any more. */
void domain_release_owner(struct domain *d, const void *owner);
/* hc_grant.c: releases the mappings d made through owner that nothing
 * holds any more (frame_held()). */
void gnttab_release_owner(struct domain *d, const void *owner);
/* Drops mapping `handle` of d (valid): fires its unmap notify, unpins the
 * grant, puts the frame. */
void domain_unmap_handle(struct domain *d, grant_handle_t handle);
/* hc_grant.c: performs notify n (armed by d on frame) and disarms it. */
void gnttab_notify_fire(struct domain *d, struct grant_notify *n, struct frame *frame);
/* hc_grant.c: fires every notify d armed, while its ports still exist. */
void gnttab_notify_death(struct domain *d);
/* VIRQ_DOM_EXC to dom0. */
void domain_notify_dom0(void);
/* Grant frames d may use (its max_grant_frames, within the table). */
uint32_t domain_grant_frames(const struct domain *d);

/* sandbox.c: the domain's process. */
struct sandbox_fds {
    int kernel;      /* the image, opened by dom0's tool */
    int hcall;       /* the domain's end of its hypercall channel */
    int console_in;  /* becomes stdin */
    int console_out; /* becomes stdout and stderr */
};
/* Inside a domain: the image (until exec), the seccomp listener handed to
 * the hypervisor (until exec), and where our libraries are. */
#define SANDBOX_IMAGE_FD  4
#define SANDBOX_NOTIFY_FD 5
#define SANDBOX_LIBDIR    "/splitvisor/lib"
/* Where the host has only the unified (v2) hierarchy, moves us into a
 * leaf of our cgroup before we start anything, so that the cgroup may
 * hand memory, pids and cpu to domains' cgroups; else says why not. */
void sandbox_cgroups_init(void);
/* Forks the domain's process, stopped before its image runs; sets d->pid,
 * d->pidfd. */
int sandbox_spawn(struct domain *d, const struct sandbox_fds *fds, char *const argv[]);
/* Drops what sandbox_spawn keeps besides the pidfd; safe to call twice. */
void sandbox_release(struct domain *d);
/* Locks a uid range no other running instance has; *base is its first uid. */
int sandbox_reserve_uids(uid_t *base);
int netns_create(const char *name);
void netns_delete(const char *name);

/* console.c: a domain's stdout/stderr go to <rundir>/console/<domid>.log,
 * up to CONSOLE_LOG_MAX bytes (the rest is drained and dropped: the run
 * directory is usually tmpfs, host memory); console_open() gives the child's
 * ends in fds->console_in/out. */
#define CONSOLE_LOG_MAX (8u << 20)
/* What is kept of a failed domain's log (console/<name>.last.log), and of
 * how many names at most (the oldest goes first). */
#define CONSOLE_LAST_MAX  (64 * 1024)
#define CONSOLE_LAST_KEEP 32
int console_open(struct domain *d, struct sandbox_fds *fds);
/* What console_close does with the log: leaves it (at death: xl console
 * still reads it), removes it, or removes it keeping its tail as
 * console/<name>.last.log (a domain that failed, for its post-mortem). */
enum console_end { CONSOLE_LOG_LEAVE, CONSOLE_LOG_REMOVE, CONSOLE_LOG_KEEP_LAST };
/* Closes the pipes (at death); the log stays until destroy removes it. */
void console_close(struct domain *d, enum console_end end);
void hvlog_sink(int level, const char *line);
size_t hvlog_read(char *buf, size_t cap, uint32_t *index, bool clear);

/* wait.c: dom0's calls that wait on a domain's state, answered without
 * holding the loop meanwhile. */
enum wait_for {
    WAIT_GONE, /* answered 0 once the domain is destroyed and reaped */
    WAIT_UP,   /* 0 once up; -ECHILD shut down, -ESRCH gone before; -ETIMEDOUT */
};
/* Answers the call now (its result) or defers its reply (0) until d's state
 * answers it or timeout_ms (0: none) pass. */
int wait_add(struct hc_ctx *ctx, struct domain *d, enum wait_for what, unsigned timeout_ms);
/* d's state changed (up, shut down; gone: about to be freed): answers the
 * waiters it answers. */
void wait_wake(struct domain *d, bool gone);
/* ch goes: its wait, if any, is dropped unanswered. */
void wait_cancel(struct channel *ch);

/* channel.c */
int channel_add(int fd, struct domain *dom, pid_t peer_pid);
/* Defers the reply of ctx's call (wait.c): its channel is not read until
 * channel_answer() sends it. */
void channel_defer(struct hc_ctx *ctx);
/* The deferred reply: ret and the call's len bytes of results. */
void channel_answer(struct channel *ch, int ret, const void *res, size_t len);
void channel_close_domain(struct domain *d);
int control_listen(const char *path);

/* What a handler of the dispatch table gets (hypercalls.h). */
struct hc_ctx {
    struct channel *ch;
    struct domain *caller;
    const struct hc_request *req;
    void *arg; /* request arguments, updated in place as results */
    size_t arg_len;
    size_t res_len; /* bytes of arg to return (default: arg_len) */
    const int *in_fds;
    int nin;
    int out_fds[SV_HC_MAX_FDS];
    int nout;
    bool deferred; /* channel_defer(): no reply now */
};

#endif
