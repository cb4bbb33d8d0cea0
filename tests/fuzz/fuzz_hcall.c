/*
 * libFuzzer target: the hypercall dispatcher (hypervisor/channel.c) and the
 * handlers behind it, fed requests by a hostile domain.  A real in-process
 * hypervisor state: dom0 and two domains built from the p2m, grant table,
 * shared_info and event channel init functions, as domain_create() builds
 * them, whose processes are children that only sleep (so shutdown has
 * something of ours to act on) and never run an image.  Domain 2 shares a
 * frame with domain 1 at ref 8.
 *
 * The input is a script of requests, each sent whole on one of two channels
 * of domain 1 or 2, made by channel_add() (the path a domain's message takes:
 * read, checked against the dispatch table, handled, answered); the loop
 * runs until the reply comes or the channel is dropped.  Checks: no crash,
 * ASan or UBSan finding; a reply fits SV_HC_MAX_MSG and its header's
 * length; every fd a reply carries is closed here, and after the world is
 * torn down the process holds as many fds as before it was built (no leak
 * across runs; a world serves up to WORLD_RUNS inputs, since forking its
 * domains is slow), and no more than its quotas allow meanwhile.
 */
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../hypervisor/hv.h"
#include "../../hypervisor/quota.h"
#include "sv/msg.h"
#include "sv/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct hv hv;

#define SHARED_REF 8

/* How many fds we hold, pipes aside (libFuzzer starts its symbolizer on
 * pipes the first time it names a function; the hypervisor makes pipes only
 * for a started domain's console); with `show`, what each is (stderr). */
static int count_fds(bool show)
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *de;
    int n = 0;

    if (!dir)
        abort();
    while ((de = readdir(dir))) {
        char link[256] = "";

        if (readlinkat(dirfd(dir), de->d_name, link, sizeof(link) - 1) < 0 ||
            !strncmp(link, "pipe:", 5))
            continue;
        n++;
        if (show)
            fprintf(stderr, "fd %s: %s\n", de->d_name, link);
    }
    closedir(dir);
    return n;
}

/* A child that sleeps until killed (or we die): the domain's "process". */
static void spawn_sleeper(struct domain *d)
{
    pid_t pid = fork();

    if (pid < 0)
        abort();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;)
            pause();
    }
    d->pid = pid;
    d->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (d->pidfd < 0)
        abort();
}

static struct domain *build_domain(domid_t domid)
{
    struct domain *d = calloc(1, sizeof(*d));

    if (!d)
        abort();
    d->console_out = d->console_in = d->console_log = d->exec_fd = -1;
    d->warnings.burst = 5;
    d->domid = domid;
    snprintf(d->name, sizeof(d->name), "sv-fuzz%u", domid);
    d->vcpus = d->max_vcpus = 1;
    d->memory_kb = 4096;
    d->gt.nr_entries = 0;
    if (p2m_init(&d->p2m, "sv-ram", 1024, 64) || grant_table_init(&d->gt))
        abort();
    d->shinfo_fd = frame_memfd("sv-shared-info", SV_PAGE_SIZE);
    d->shinfo = mmap(NULL, SV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d->shinfo_fd, 0);
    if (d->shinfo == MAP_FAILED || evtchn_space_init(&d->ev, domid, d->shinfo))
        abort();
    /* Small limits, so the fuzzer reaches them. */
    d->gt.nr_entries = 2 * (SV_GNTTAB_ENTRIES / SV_GNTTAB_FRAMES); /* 2 frames */
    d->mt.max = 512;
    d->ev.max_port = 64;
    d->p2m.quota = d->ev.quota = &hv.quota;
    if (quota_take(&hv.quota, DOMAIN_QUOTA_BASE))
        abort();
    d->quota_charged = true;
    spawn_sleeper(d);
    domain_link(d);
    return d;
}

static void build_world(void)
{
    struct domain *granter;
    uint64_t pfn;

    build_domain(1);
    granter = build_domain(2);
    if (p2m_alloc_shared(&granter->p2m, 1, &pfn))
        abort();
    granter->gt.in_use[SHARED_REF] = 1;
    grant_fill(&granter->gt, SHARED_REF, 1, pfn, false);
}

/* The run directory: console logs of destroyed domains land there. */
static char rundir[] = "/tmp/sv-fuzz-hcall.XXXXXX";

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_rundir(void)
{
    nftw(rundir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void init_once(void)
{
    static bool done;

    if (done)
        return;
    done = true;
    if (!mkdtemp(rundir) || setenv("SPLITVISOR_RUNDIR", rundir, 1))
        abort();
    atexit(remove_rundir);
    log_set_level(LOG_LEVEL_ERROR);
    signal(SIGPIPE, SIG_IGN);
    hv.base = event_base_new();
    quota_init(&hv.quota, 100000, 100000);
    if (!hv.base || domain_init_dom0())
        abort();
}

/* Our ends of the domains' channels during one input: [domain][channel]. */
static int chans[2][2] = {{-1, -1}, {-1, -1}};

/* The channel `who` names (bit 0: domain 1 or 2, bit 1: its first or
 * second), opened on first use; -1 if the hypervisor refuses it. */
static int *channel_of(unsigned who)
{
    struct domain *d = domain_find((domid_t)(1 + (who & 1)));
    int *fd = &chans[who & 1][(who >> 1) & 1];
    int sv[2];

    if (*fd >= 0 || !d || d->state != DOMAIN_RUNNING)
        return fd;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
        abort();
    if (channel_add(sv[0], d, d->pid) == 0)
        *fd = sv[1];
    else
        close(sv[1]);
    return fd;
}

static void close_channel(int *fd)
{
    close(*fd);
    *fd = -1;
    /* The hypervisor reads the close and drops the channel. */
    event_base_loop(hv.base, EVLOOP_NONBLOCK);
}

/* Sends one request on *fd and takes the reply (its fds closed); the loop
 * runs until it comes or the channel is gone (then *fd is closed). */
static void call(int *fd, const uint8_t *req, size_t len)
{
    static char buf[SV_HC_MAX_MSG + 1];
    int fds[SV_HC_MAX_FDS];

    if (send(*fd, req, len, 0) < 0) {
        close_channel(fd);
        return;
    }
    for (int turns = 0; turns < 4; turns++) {
        const struct hc_reply *rep = (const void *)buf;
        int nfds = SV_HC_MAX_FDS;
        ssize_t n;

        event_base_loop(hv.base, EVLOOP_NONBLOCK);
        n = msg_recv(*fd, buf, sizeof(buf), fds, &nfds);
        if (n == -EAGAIN)
            continue;
        if (n == -EMSGSIZE)
            abort(); /* a reply (or its fds) larger than a message may be */
        if (n <= 0) {
            close_channel(fd); /* dropped for what it sent */
            return;
        }
        if ((size_t)n > SV_HC_MAX_MSG || (size_t)n < sizeof(*rep) ||
            rep->len != (size_t)n - sizeof(*rep))
            abort();
        msg_close_fds(fds, nfds);
        return;
    }
}

/* Inputs a world serves before it is torn down (a fork per domain is slow),
 * and how many fds it may make us hold beyond those it starts with: per
 * domain 64 frames, 64 ports of two eventfds, 64 channels. */
#define WORLD_RUNS    256
#define WORLD_FDS_MAX (2 * (64 + 2 * 64 + 64))

static bool world_running(void)
{
    for (domid_t id = 1; id <= 2; id++) {
        struct domain *d = domain_find(id);

        if (!d || d->state != DOMAIN_RUNNING)
            return false;
    }
    return true;
}

/*
 * Script: steps of [who: 1 byte][len: 2 bytes LE][len bytes of request].
 * who picks domain 1 or 2 (bit 0) and one of two channels of it (bit 1),
 * kept for the input: a mapping made on one can be unmapped on the other.  The world carries over
 * to the next input while both domains run (WORLD_RUNS at most); its teardown must give back every
 * fd, and meanwhile what it holds stays within its quotas.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int baseline = -1, built;
    static unsigned runs;

    init_once();
    if (baseline < 0)
        baseline = count_fds(false);
    if (!world_running() || ++runs % WORLD_RUNS == 0) {
        domain_destroy_all();
        if (count_fds(false) != baseline && count_fds(true))
            abort(); /* a torn down world left an fd behind */
        build_world();
        built = count_fds(false);
    }
    while (size >= 3) {
        int *fd = channel_of(data[0]);
        size_t len = (size_t)data[1] | (size_t)data[2] << 8;

        data += 3;
        size -= 3;
        if (len > size)
            len = size;
        if (*fd >= 0)
            call(fd, data, len);
        data += len;
        size -= len;
    }
    for (unsigned i = 0; i < 4; i++)
        if (chans[i & 1][i >> 1] >= 0)
            close_channel(&chans[i & 1][i >> 1]);
    if (count_fds(false) > built + WORLD_FDS_MAX && count_fds(true))
        abort(); /* more than the quotas allow */
    return 0;
}
