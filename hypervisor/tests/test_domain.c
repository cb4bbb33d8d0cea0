/*
 * Unit tests of the domain lifecycle (domain.c) with the real p2m, grant
 * tables, event channels and quota: what a create request may ask for, domid
 * allocation and reuse, lookup, pause/shutdown/destroy bookkeeping and that a
 * failed create leaves nothing behind.  The sandbox, console, network
 * namespace and hypercall channel are recorders; a domain's process is a
 * paused child of the test, so its death and reaping are real.
 */
#include <errno.h>
#include <event2/event.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "../hv.h"
#include "../pci.h"

struct hv hv;

static struct {
    int spawn_err, netns_err;
    int netns_live; /* created, not yet deleted */
    int channels;   /* added, not yet closed */
    char argv[8][64];
    int argc;
    int console_end; /* what the last console_close did with the log */
    int answers;     /* deferred replies sent */
    int answer_ret;  /* the last one's */
} rec;

int sandbox_spawn(struct domain *d, const struct sandbox_fds *fds, char *const argv[])
{
    (void)fds;
    for (rec.argc = 0; argv[rec.argc] && rec.argc < 8; rec.argc++)
        snprintf(rec.argv[rec.argc], sizeof(rec.argv[0]), "%s", argv[rec.argc]);
    if (rec.spawn_err)
        return rec.spawn_err;
    d->pid = fork();
    if (d->pid == 0) {
        pause();
        _exit(0);
    }
    d->pidfd = (int)syscall(SYS_pidfd_open, d->pid, 0);
    return d->pid < 0 || d->pidfd < 0 ? -errno : 0;
}

void sandbox_release(struct domain *d)
{
    (void)d;
}

int netns_create(const char *name)
{
    assert_non_null(strstr(name, "sv-"));
    if (rec.netns_err)
        return rec.netns_err;
    rec.netns_live++;
    return 0;
}

void netns_delete(const char *name)
{
    if (name[0])
        rec.netns_live--;
}

int console_open(struct domain *d, struct sandbox_fds *fds)
{
    (void)d, (void)fds;
    return 0;
}

void console_close(struct domain *d, enum console_end end)
{
    (void)d;
    rec.console_end = end;
}

int channel_add(int fd, struct domain *dom, pid_t peer_pid)
{
    (void)dom, (void)peer_pid;
    close(fd);
    rec.channels++;
    return 0;
}

void channel_defer(struct hc_ctx *ctx)
{
    ctx->deferred = true;
}

void channel_answer(struct channel *ch, int ret, const void *res, size_t len)
{
    (void)ch, (void)res, (void)len;
    rec.answers++;
    rec.answer_ret = ret;
}

void channel_close_domain(struct domain *d)
{
    if (d->domid)
        rec.channels = 0;
}

void gnttab_notify_fire(struct domain *d, struct grant_notify *n, struct frame *frame)
{
    (void)d, (void)n, (void)frame;
}

void gnttab_notify_death(struct domain *d)
{
    (void)d;
}

void gnttab_release_owner(struct domain *d, const void *owner)
{
    (void)d, (void)owner;
}

void pci_release_domain(struct domain *d)
{
    (void)d;
}

void pci_iommu_unmap_frame(struct domain *d, const struct frame *f, bool readonly)
{
    (void)d, (void)f, (void)readonly;
}

static int setup(void **state)
{
    (void)state;
    memset(&rec, 0, sizeof(rec));
    hv.base = event_base_new();
    quota_init(&hv.quota, 100000, 100000);
    return hv.base ? domain_init_dom0() : -1;
}

static int teardown(void **state)
{
    struct domain *dom0 = hv.domains;

    (void)state;
    domain_destroy_all();
    assert_int_equal(rec.netns_live, 0);
    assert_int_equal(hv.quota.used, 0);
    evtchn_space_destroy(&dom0->ev);
    grant_table_destroy(&dom0->gt);
    p2m_destroy(&dom0->p2m);
    free(dom0);
    hv.domains = NULL;
    hv.by_domid[0] = NULL;
    event_base_free(hv.base);
    return 0;
}

static struct sv_domctl_create *request(const char *name)
{
    static struct sv_domctl_create req;

    req = (struct sv_domctl_create){.vcpus = 1, .memory_kb = 4096};
    snprintf(req.name, sizeof(req.name), "%s", name);
    return &req;
}

static int create(const char *name)
{
    struct sv_domctl_create *req = request(name);
    int err = domain_create(req, -1);

    return err ? err : (int)req->domid;
}

/* valgrind has no pidfd_open: tests that need a domain's process skip there. */
static void need_pidfd(void)
{
    int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);

    if (fd < 0 && errno == ENOSYS)
        skip();
    close(fd);
}

/* Requests refused before a process exists, and what they leave: nothing. */
static void test_refused_requests(void **state)
{
    struct sv_domctl_create *req;
    domid_t next;

    (void)state;
    assert_int_equal(create(""), -EINVAL);
    assert_int_equal(create("-x"), -EINVAL);
    assert_int_equal(create(".x"), -EINVAL);
    assert_int_equal(create("a b"), -EINVAL);
    assert_int_equal(create("a/b"), -EINVAL);
    assert_int_equal(create("Domain-0"), -EINVAL);

    req = request("g"), req->memory_kb = 4095;
    assert_int_equal(domain_create(req, -1), -EINVAL);
    req = request("g"), req->memory_kb = (1ULL << 30) + 1;
    assert_int_equal(domain_create(req, -1), -EINVAL);
    req = request("g"), req->vcpus = 0;
    assert_int_equal(domain_create(req, -1), -EINVAL);
    req = request("g"), req->vcpus = 129;
    assert_int_equal(domain_create(req, -1), -EINVAL);
    req = request("g"), req->vcpus = 4, req->max_vcpus = 3;
    assert_int_equal(domain_create(req, -1), -EINVAL);
    req = request("g"), req->vcpus = 4, req->max_vcpus = 129;
    assert_int_equal(domain_create(req, -1), -EINVAL);

    /* Arguments: each needs its NUL, all within args. */
    req = request("h"), req->argc = 2, req->args_len = 5;
    memcpy(req->args, "-v\0xy", 5);
    assert_int_equal(domain_create(req, -1), -EINVAL);
    req = request("h"), req->argc = 1, req->args_len = SV_DOMAIN_ARGS_MAX + 1;
    assert_int_equal(domain_create(req, -1), -EINVAL);
    req = request("h"), req->argc = SV_DOMAIN_ARGS_MAX, req->args_len = SV_DOMAIN_ARGS_MAX;
    assert_int_equal(domain_create(req, -1), -EINVAL);
    assert_int_equal(rec.argc, 0);

    /* Failures after the domain was listed unlist it and give back all it took. */
    next = hv.next_domid;
    rec.spawn_err = -EAGAIN;
    assert_int_equal(create("a"), -EAGAIN);
    rec.spawn_err = 0;
    rec.netns_err = -EPERM;
    assert_int_equal(create("a"), -EPERM);
    rec.netns_err = 0;
    assert_null(hv.domains->next);
    assert_int_equal(hv.quota.used, 0);
    assert_int_equal(rec.netns_live, 0);
    assert_int_equal(rec.channels, 0);
    assert_int_equal(hv.next_domid, next + 2); /* their ids are not reused at once */
}

static void test_names(void **state)
{
    char longest[SV_DOMAIN_NAME_MAX];
    struct sv_domctl_create *req;

    (void)state;
    need_pidfd();
    memset(longest, 'n', sizeof(longest) - 1);
    longest[sizeof(longest) - 1] = '\0';
    assert_int_equal(create("a-b_c.1"), 1);
    assert_int_equal(create(longest), 2);
    assert_int_equal(create("a-b_c.1"), -EEXIST);
    /* A name filling the field without its NUL is cut to the longest. */
    req = request("");
    memset(req->name, 'n', sizeof(req->name));
    assert_int_equal(domain_create(req, -1), -EEXIST);

    assert_ptr_equal(domain_find_name("a-b_c.1"), domain_find(1));
    assert_null(domain_find_name("nope"));
    assert_null(domain_find(3));
    assert_int_equal(domain_rename(domain_find(1), "Domain-0"), -EINVAL);
    assert_int_equal(domain_rename(domain_find(1), longest), -EEXIST);
    assert_int_equal(domain_rename(domain_find(1), "renamed"), 0);
    assert_ptr_equal(domain_find_name("renamed"), domain_find(1));
    assert_null(domain_find_name("a-b_c.1"));
}

/* The image's argv: its name, then the request's NUL-terminated arguments. */
static void test_arguments_and_vcpus(void **state)
{
    struct sv_domctl_create *req;

    (void)state;
    need_pidfd();
    req = request("g"), req->argc = 2, req->args_len = 6, req->vcpus = 2, req->max_vcpus = 128;
    memcpy(req->args, "-v\0xy\0", 6);
    assert_int_equal(domain_create(req, -1), 0);
    assert_int_equal(rec.argc, 3);
    assert_string_equal(rec.argv[0], "g");
    assert_string_equal(rec.argv[1], "-v");
    assert_string_equal(rec.argv[2], "xy");
    assert_int_equal(domain_find(1)->vcpus, 2);
    assert_int_equal(domain_find(1)->max_vcpus, 128);
    assert_int_equal(rec.channels, 1);
}

/* Ids go up and wrap below the reserved ones, skipping the living; 0 never. */
/* Destroys d and runs the loop until it is gone (a running one is reaped
 * when its pidfd says so). */
static void destroy(struct domain *d)
{
    domid_t domid = d->domid;
    int ret = domain_destroy(d);

    assert_true(ret == 0 || ret == 1);
    while (domain_find(domid))
        assert_int_equal(event_base_loop(hv.base, EVLOOP_ONCE), 0);
}

static void test_domids(void **state)
{
    (void)state;
    need_pidfd();
    assert_int_equal(create("a"), 1);
    assert_int_equal(create("b"), 2);
    assert_int_equal(create("c"), 3);
    destroy(domain_find(2));
    assert_int_equal(create("d"), 4);
    hv.next_domid = DOMID_FIRST_RESERVED - 1;
    assert_int_equal(create("e"), DOMID_FIRST_RESERVED - 1);
    assert_int_equal(create("f"), 2);
    assert_int_equal(domain_destroy(hv.domains), -EPERM);
}

/* A created domain with its process (skips where there can be none). */
static struct domain *create_live(const char *name)
{
    int domid;

    need_pidfd();
    domid = create(name);
    assert_true(domid > 0);
    return domain_find((domid_t)domid);
}

/* The SHUTDOWN_* getinfo reports, -1 while d is not shut down. */
static int shutdown_reason(const struct domain *d)
{
    xen_domctl_getdomaininfo_t info;

    domain_getinfo(d, &info);
    if (!(info.flags & XEN_DOMINF_shutdown))
        return -1;
    return (int)((info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask);
}

/* Xen's per-domain limits from the request: 0 is Xen's default, all within ours. */
static void test_limits(void **state)
{
    struct sv_domctl_create *req;
    struct domain *d;

    (void)state;
    d = create_live("a");
    assert_int_equal(domain_grant_frames(d), SV_GNTTAB_FRAMES); /* xl's 64, capped */
    assert_int_equal(d->ev.max_port, QUOTA_DEFAULT_EVENT_CHANNELS);
    assert_int_equal(d->mt.max, /* xl's 1024 frames, capped */
                     MAPTRACK_MAX_HANDLES / QUOTA_MAPTRACK_PER_FRAME * QUOTA_MAPTRACK_PER_FRAME);
    req = request("b"), req->max_grant_frames = 4, req->max_event_channels = 10,
    req->max_maptrack_frames = 2;
    assert_int_equal(domain_create(req, -1), 0);
    d = domain_find((domid_t)req->domid);
    assert_int_equal(domain_grant_frames(d), 4);
    assert_int_equal(d->ev.max_port, 10);
    assert_int_equal(d->mt.max, 2 * QUOTA_MAPTRACK_PER_FRAME);
    req = request("c"), req->max_event_channels = UINT32_MAX;
    assert_int_equal(domain_create(req, -1), 0);
    assert_int_equal(domain_find((domid_t)req->domid)->ev.max_port, SV_EVTCHN_PORTS - 1);
}

/* A create the hypervisor's budget cannot pay for is refused and gives back its part. */
static void test_quota_refuses(void **state)
{
    uint64_t used = hv.quota.used;

    (void)state;
    hv.quota.limit = used + DOMAIN_QUOTA_BASE - 1;
    assert_int_equal(create("a"), -ENOSPC);
    assert_int_equal(hv.quota.used, used);
    assert_null(hv.domains->next);
    hv.quota.limit = used + DOMAIN_QUOTA_BASE; /* the base, not its frames */
    assert_int_equal(create("a"), -ENOSPC);
    assert_int_equal(hv.quota.used, used);
    assert_null(hv.domains->next);
}

static void test_lifecycle(void **state)
{
    xen_domctl_getdomaininfo_t info;
    struct domain *d;

    (void)state;
    d = create_live("a");
    assert_true(hv.quota.used > 0);
    domain_getinfo(d, &info);
    assert_int_equal(info.flags & XEN_DOMINF_paused, XEN_DOMINF_paused);
    assert_int_equal(info.tot_pages, 1024 + 1); /* RAM and the xenstore ring */
    assert_int_equal(info.max_vcpu_id, 0);
    assert_int_equal(domain_power_button(d), -EBUSY);
    assert_int_equal(domain_unpause(d), 0);
    domain_getinfo(d, &info);
    assert_int_equal(info.flags & XEN_DOMINF_paused, 0);
    assert_int_equal(shutdown_reason(d), -1);
    assert_int_equal(domain_shutdown(d, SHUTDOWN_MAX + 1), -EINVAL);
    assert_int_equal(domain_shutdown(d, SHUTDOWN_reboot), 0);
    /* Dead: reaped, its resources back, still listed until destroyed. */
    assert_int_equal(d->state, DOMAIN_SHUTDOWN);
    assert_int_equal(hv.quota.used, 0);
    assert_int_equal(rec.netns_live, 0);
    assert_int_equal(rec.channels, 0);
    assert_int_equal(shutdown_reason(d), SHUTDOWN_reboot);
    assert_int_equal(domain_pause(d), -EINVAL);
    assert_int_equal(domain_unpause(d), -EINVAL);
    assert_int_equal(domain_power_button(d), -EINVAL);
    assert_ptr_equal(domain_find_name("a"), d);
    assert_int_equal(domain_destroy(d), 0);
    assert_int_equal(rec.console_end, CONSOLE_LOG_REMOVE); /* a clean end keeps nothing */
    assert_null(domain_find(1));

    /* Destroyed while it runs: nothing kept either. */
    d = create_live("b");
    destroy(d);
    assert_int_equal(rec.console_end, CONSOLE_LOG_REMOVE);
}

/* A call waiting on domain d, as a handler makes it (ctx->arg: a domid). */
struct waiter {
    struct channel ch;
    struct sv_domctl_wait arg;
    struct hc_ctx ctx;
};

static struct hc_ctx *waiter(struct waiter *w, const struct domain *d)
{
    *w = (struct waiter){.arg = {.domid = d->domid}};
    w->ctx = (struct hc_ctx){.ch = &w->ch, .arg = &w->arg, .arg_len = sizeof(w->arg)};
    return &w->ctx;
}

/* destroy kills and returns: the loop is not held while the process exits.
 * The domain stays listed, dying, its name taken, until it is reaped; then
 * the calls waiting for it are answered, once. */
static void test_destroy_does_not_wait(void **state)
{
    xen_domctl_getdomaininfo_t info;
    struct waiter w1, w2;
    struct domain *d;

    (void)state;
    d = create_live("a");
    assert_int_equal(domain_unpause(d), 0);
    assert_int_equal(domain_destroy(d), 1);
    assert_int_equal(wait_add(waiter(&w1, d), d, WAIT_GONE, 0), 0);
    assert_true(w1.ctx.deferred);
    domain_getinfo(d, &info);
    assert_int_equal(info.flags & XEN_DOMINF_dying, XEN_DOMINF_dying);
    assert_int_equal(create("a"), -EEXIST);
    assert_int_equal(domain_pause(d), -EINVAL);
    assert_int_equal(domain_shutdown(d, SHUTDOWN_crash), 0); /* its pidfd ends it */
    assert_int_equal(domain_destroy(d), 1);                  /* again: still dying */
    assert_int_equal(wait_add(waiter(&w2, d), d, WAIT_GONE, 0), 0);
    assert_int_equal(rec.answers, 0);
    while (domain_find(1))
        assert_int_equal(event_base_loop(hv.base, EVLOOP_ONCE), 0);
    assert_int_equal(rec.answers, 2);
    assert_int_equal(rec.answer_ret, 0);
    assert_null(w1.ch.wait);
    assert_int_equal(rec.console_end, CONSOLE_LOG_REMOVE); /* destroyed, not crashed */
    assert_int_equal(hv.quota.used, 0);
    assert_int_equal(create("a"), 2);
}

/* wait_up: answered at the domain's first hypercall, at its death before
 * it, or when its time is out; at once when the state already answers. */
static void test_wait_up(void **state)
{
    struct waiter w;
    struct domain *d;

    (void)state;
    d = create_live("a");
    assert_int_equal(domain_unpause(d), 0);
    assert_int_equal(wait_add(waiter(&w, d), d, WAIT_UP, 0), -ETIMEDOUT); /* no time: now */
    assert_int_equal(wait_add(waiter(&w, d), d, WAIT_UP, 5000), 0);
    assert_int_equal(rec.answers, 0);
    domain_mark_up(d);
    assert_int_equal(rec.answers, 1);
    assert_int_equal(rec.answer_ret, 0);
    assert_int_equal(wait_add(waiter(&w, d), d, WAIT_UP, 5000), 0); /* up: at once */
    assert_false(w.ctx.deferred);

    /* Slow to come up: the time runs out, the domain runs on. */
    d = create_live("b");
    assert_int_equal(wait_add(waiter(&w, d), d, WAIT_UP, 20), 0);
    while (rec.answers < 2)
        assert_int_equal(event_base_loop(hv.base, EVLOOP_ONCE), 0);
    assert_int_equal(rec.answer_ret, -ETIMEDOUT);
    assert_int_equal(d->state, DOMAIN_RUNNING);

    /* Dead before it was up (a crash in its loader or its arguments). */
    assert_int_equal(wait_add(waiter(&w, d), d, WAIT_UP, 5000), 0);
    assert_int_equal(kill(d->pid, SIGKILL), 0);
    while (rec.answers < 3)
        assert_int_equal(event_base_loop(hv.base, EVLOOP_ONCE), 0);
    assert_int_equal(rec.answer_ret, -ECHILD);
    assert_int_equal(wait_add(waiter(&w, d), d, WAIT_UP, 5000), -ECHILD);

    /* Gone while it waited: destroyed before it was up. */
    d = create_live("c");
    assert_int_equal(wait_add(waiter(&w, d), d, WAIT_UP, 5000), 0);
    wait_cancel(&w.ch); /* its channel went: no answer */
    assert_null(w.ch.wait);
    assert_int_equal(wait_add(waiter(&w, d), d, WAIT_UP, 5000), 0);
    destroy(d);
    assert_int_equal(rec.answers, 4);
    assert_int_equal(rec.answer_ret, -ECHILD); /* reaped first: it shut down */
}

/* A process that dies by a signal it did not ask for is a crash. */
static void test_death_is_crash(void **state)
{
    struct domain *d;

    (void)state;
    d = create_live("a");
    assert_int_equal(kill(d->pid, SIGKILL), 0);
    assert_int_equal(event_base_loop(hv.base, EVLOOP_ONCE), 0);
    assert_int_equal(d->state, DOMAIN_SHUTDOWN);
    assert_int_equal(shutdown_reason(d), SHUTDOWN_crash);
    assert_int_equal(hv.quota.used, 0);
    assert_int_equal(rec.console_end, CONSOLE_LOG_LEAVE); /* xl console still reads it */
    /* Its last output is kept for a post-mortem. */
    assert_int_equal(domain_destroy(d), 0);
    assert_int_equal(rec.console_end, CONSOLE_LOG_KEEP_LAST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_refused_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arguments_and_vcpus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_domids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_death_is_crash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_does_not_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_up, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
