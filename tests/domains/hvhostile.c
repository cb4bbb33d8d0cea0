/*
 * hvhostile: a domain that attacks the hypervisor itself with raw hypercalls
 * (tests hv_hostile and hv_quota).  Each mode prints the lines the test
 * waits for.
 *
 *   seals              truncate, grow and seal every memfd the hypervisor
 *                      handed us (RAM, shared_info, grant table, xenstore
 *                      ring, a shared frame), then make grant and event
 *                      calls that touch them: "SEAL <what> truncate=E
 *                      grow=E seal=E" per fd (E: errno, 0 if it went
 *                      through), then "SEALS held" if every one was refused
 *   passfd             make a TCP socket whose last close blocks (SO_LINGER
 *                      20 s, unsent data, a peer that never reads; the test
 *                      brings up lo) and pass it with a hypercall on each of
 *                      two channels: "PASSFD refused: <error>" or "PASSFD
 *                      sent" per channel, then "PASSFD done"
 *   share-max          share frames (granted to ourselves) until refused:
 *                      "SHARED N: <error>"
 *   ports-max          allocate unbound ports until refused: "PORTS N: <error>"
 *   maps-max GRANTER REF  map the grant again and again until refused:
 *                      "MAPS N: <GNTST status>"
 *   share-n PEER N     share N frames with PEER: "REFS A..B" (contiguous)
 *   map-batch GRANTER A N  map refs A..A+N-1 (and touch each page), unmap
 *                      them all in one call, map them again on a second
 *                      channel, unmap the pages and close that channel:
 *                      "BATCH unmapped N, released" (every unmap believed:
 *                      nothing of ours held the pages any more)
 *   leader-exit GRANTER REF  a second thread maps the grant, the main thread
 *                      exits (pthread_exit), then the thread claims an unmap
 *                      without unmapping: "UNMAP refused while mapped" or
 *                      "UNMAP believed"
 *   parked GRANTER REF unmap|drop  ask for a map and leave the reply (its fd)
 *                      unread, peeking at it for the handle; then claim the
 *                      unmap on another channel ("PARKED unmap believed" or
 *                      "PARKED unmap refused (status S)") or shut down our
 *                      sending side so the hypervisor drops the channel
 *                      ("PARKED channel dropped"); then read the reply, map
 *                      the page and write "mapped" at offset 64 (share-held)
 *   race GRANTER REF   a thread moves a mapping of REF between two addresses
 *                      (mremap) with 1000 mappings between them, while the
 *                      main thread claims its unmap for up to 5 s; then the
 *                      same with an fd of REF+1 moved (dup2) across 500
 *                      fds: "RACE maps|fds believed after N tries" or
 *                      "RACE maps|fds refused N times", then "RACE done"
 *   unlock GRANTER REF map REF, try to drop the lock the hypervisor's
 *                      unmap check reads on its fd (F_OFD_SETLK/SETLKW
 *                      F_UNLCK): "UNLOCK setlk refused: <error>" or
 *                      "UNLOCK setlk done" for each; then map the page, write
 *                      "mapped" at 64 (share-held) and claim the unmap:
 *                      "UNLOCK unmap believed" or "UNLOCK unmap refused
 *                      (status S)"
 *   pirq-close BDF     open our PCI function, close the port of its vector
 *                      0, open it again: "PCI reopen refused: <error>", or
 *                      "PCI reopen fd <target>" for each fd that came
 *   unread-exit        make a hypercall and exit with its reply unread (as
 *                      a driver domain killed mid-call): the hypervisor's
 *                      next read of that channel fails with ECONNRESET;
 *                      prints "UNREAD exiting"
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sv/hcall.h"
#include "sv/msg.h"
#include "sv/util.h"

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void die(const char *what, int err)
{
    say("FAIL %s: %s", what, strerror(err));
    exit(1);
}

/* SV_MEM_share of count frames granted to domid; returns how many fds came. */
static int share(int chan, uint32_t domid, uint32_t count, struct sv_mem_share *s, int *fds)
{
    struct hcall_io io = {.fds_out = fds, .nfds_max = SV_HC_MAX_FDS};
    int err;

    *s = (struct sv_mem_share){.domid = domid, .count = count};
    err = hcall_mem_share_v(chan, s, 1, &io);
    return err < 0 ? err : io.nfds_out;
}

/* Each attempt to change the fd's size or seals: its errno (0: it went through). */
static bool attack_fd(const char *what, int fd)
{
    int grow = ftruncate(fd, 1 << 20) < 0 ? errno : 0;
    int truncate = ftruncate(fd, 0) < 0 ? errno : 0;
    int seal = fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) < 0 ? errno : 0;

    say("SEAL %s truncate=%d grow=%d seal=%d", what, truncate, grow, seal);
    return truncate && grow && seal;
}

/* Grant and event calls that make the hypervisor touch our grant table and
 * shared_info: a new grant, its end, a port raised through the hypervisor. */
static void touch_tables(int chan, uint32_t self)
{
    struct sv_mem_share s;
    struct sv_mem_unshare u = {.count = 1};
    evtchn_alloc_unbound_t a = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};
    evtchn_send_t snd;
    int fds[SV_HC_MAX_FDS], n = share(chan, self, 1, &s, fds);

    if (n != 1)
        die("share", n < 0 ? -n : EPROTO);
    close(fds[0]);
    u.ref[0] = s.ref[0];
    if (hcall_mem_unshare(chan, &u) < 0)
        die("unshare", EIO);
    n = hcall_evtchn_alloc_unbound_v(chan, &a, 1,
                                     &(struct hcall_io){.fds_out = fds, .nfds_max = 2});
    if (n < 0)
        die("alloc_unbound", -n);
    snd.port = a.port;
    if (hcall_evtchn_send(chan, &snd) < 0)
        die("send", EIO);
}

static int mode_seals(void)
{
    static const char *const names[] = {[SV_START_FD_RAM] = "ram",
                                        [SV_START_FD_SHINFO] = "shared_info",
                                        [SV_START_FD_GNTTAB] = "grant_table",
                                        [SV_START_FD_STORE] = "store_ring"};
    int fds[SV_HC_MAX_FDS], chan = hcall_open(), n;
    struct sv_start_info si;
    struct sv_mem_share s;
    bool held = true;

    if (chan < 0 || hcall_start_info(chan, &si, fds) < 0)
        die("start info", EIO);
    for (int i = 0; i < SV_START_INFO_FDS; i++) {
        if (i < (int)ARRAY_SIZE(names) && names[i])
            held &= attack_fd(names[i], fds[i]);
        close(fds[i]);
    }
    n = share(chan, si.domid, 1, &s, fds);
    if (n != 1)
        die("share", n < 0 ? -n : EPROTO);
    held &= attack_fd("frame", fds[0]);
    close(fds[0]);
    touch_tables(chan, si.domid);
    say(held ? "SEALS held" : "SEALS broken");
    pause();
    return 0;
}

/* A connected TCP socket whose last close lingers: its peer (a listener that
 * never accepts) never reads, so its send queue never empties. */
static int lingering_socket(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct linger lg = {.l_onoff = 1, .l_linger = 20};
    socklen_t len = sizeof(sa);
    static char junk[65536];
    int l = socket(AF_INET, SOCK_STREAM, 0), c = -1;

    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&sa, &len) < 0)
        die("listen", errno);
    /* lo comes up when the test script gets to it. */
    for (int i = 0; i < 200; i++) {
        c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (c < 0 || connect(c, (struct sockaddr *)&sa, len) == 0 || errno == EINPROGRESS)
            break;
        close(c);
        c = -1;
        usleep(50000);
    }
    if (c < 0)
        die("connect", errno);
    usleep(100000);
    while (send(c, junk, sizeof(junk), MSG_DONTWAIT) > 0)
        ;
    if (setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
        die("SO_LINGER", errno);
    return c; /* l stays open: closing it would reset c */
}

/* A physinfo call with the socket attached; our copy is closed before the
 * hypervisor can answer, so that its copy is the last. */
static void pass_fd(int chan)
{
    struct hc_request req = {
        .op = SV_HC_sysctl, .cmd = SV_SYSCTL_physinfo, .count = 1, .len = sizeof(uint32_t)};
    uint32_t unused = 0;
    char reply[SV_HC_MAX_MSG];
    int sock = lingering_socket();
    int err = msg_send(chan, &req, sizeof(req), &unused, sizeof(unused), &sock, 1, 0);

    if (err < 0) /* ours is the last copy: reset it rather than wait */
        setsockopt(sock, SOL_SOCKET, SO_LINGER, &(struct linger){1, 0}, sizeof(struct linger));
    close(sock);
    if (err == 0)
        err = (int)msg_recv(chan, reply, sizeof(reply), NULL, NULL);
    if (err < 0)
        say("PASSFD refused: %s", strerror(-err));
    else
        say("PASSFD sent");
}

static int mode_passfd(void)
{
    const char *boot = getenv(SV_HCALL_FD_ENV);

    pass_fd(boot ? atoi(boot) : -1);
    pass_fd(hcall_open());
    say("PASSFD done");
    pause();
    return 0;
}

static int mode_share_max(void)
{
    struct sv_mem_share s;
    int fds[SV_HC_MAX_FDS], chan = hcall_open(), n = 0, got = 0;
    struct sv_start_info si;
    uint32_t batch = SV_MEM_MAX_BATCH;

    if (chan < 0 || hcall_start_info(chan, &si, fds) < 0)
        die("start info", EIO);
    for (int i = 0; i < SV_START_INFO_FDS; i++)
        close(fds[i]);
    /* Smaller batches at the end, to count exactly how many fit. */
    while (batch) {
        got = share(chan, si.domid, batch, &s, fds);
        if (got < 0) {
            if (batch == 1)
                break;
            batch /= 2;
            continue;
        }
        for (int i = 0; i < got; i++)
            close(fds[i]);
        n += got;
    }
    say("SHARED %d: %s", n, strerror(-got));
    pause();
    return 0;
}

static int mode_ports_max(void)
{
    int chan = hcall_open(), n = 0, err;

    for (;;) {
        evtchn_alloc_unbound_t a = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};
        int fds[2];
        struct hcall_io io = {.fds_out = fds, .nfds_max = 2};

        err = hcall_evtchn_alloc_unbound_v(chan, &a, 1, &io);
        if (err < 0)
            break;
        for (int i = 0; i < io.nfds_out; i++)
            close(fds[i]);
        n++;
    }
    say("PORTS %d: %s", n, strerror(-err));
    pause();
    return 0;
}

static int mode_maps_max(uint32_t granter, uint32_t ref)
{
    int chan = hcall_open(), n = 0;
    gnttab_map_grant_ref_t m;

    for (;;) {
        int fd = -1;
        struct hcall_io io = {.fds_out = &fd, .nfds_max = 1};

        m = (gnttab_map_grant_ref_t){
            .flags = GNTMAP_host_map | GNTMAP_readonly, .ref = ref, .dom = (domid_t)granter};
        if (hcall_gnttab_map_v(chan, &m, 1, &io) < 0)
            die("map", EIO);
        if (fd >= 0)
            close(fd);
        if (m.status != GNTST_okay)
            break;
        n++;
    }
    say("MAPS %d: %d", n, m.status);
    pause();
    return 0;
}

static uint32_t num(const char *s)
{
    return (uint32_t)strtoul(s, NULL, 0);
}

static int mode_share_n(uint32_t peer, uint32_t n)
{
    int fds[SV_HC_MAX_FDS], chan = hcall_open();
    uint32_t first = 0, next = 0;
    struct sv_mem_share s;

    for (uint32_t done = 0; done < n;) {
        uint32_t batch = n - done < SV_MEM_MAX_BATCH ? n - done : SV_MEM_MAX_BATCH;
        int got = share(chan, peer, batch, &s, fds);

        if (got != (int)batch)
            die("share", got < 0 ? -got : EPROTO);
        for (uint32_t i = 0; i < batch; i++) {
            if (done + i == 0)
                first = next = s.ref[0];
            if (s.ref[i] != next++)
                die("refs not contiguous", EPROTO);
            close(fds[i]);
        }
        done += batch;
    }
    say("REFS %u..%u", first, next - 1);
    pause();
    return 0;
}

/* Maps refs first..first+n-1 on chan (raw calls of up to 253), each page
 * mapped into us and touched; their handles go to handles[]. */
static void map_range(int chan, uint32_t granter, uint32_t first, uint32_t n,
                      grant_handle_t *handles, char **pages)
{
    static gnttab_map_grant_ref_t ops[SV_HC_MAX_FDS];
    int fds[SV_HC_MAX_FDS];

    for (uint32_t done = 0; done < n;) {
        uint32_t batch = n - done < SV_HC_MAX_FDS ? n - done : SV_HC_MAX_FDS;
        struct hcall_io io = {.fds_out = fds, .nfds_max = SV_HC_MAX_FDS};

        for (uint32_t i = 0; i < batch; i++)
            ops[i] = (gnttab_map_grant_ref_t){
                .flags = GNTMAP_host_map, .ref = first + done + i, .dom = (domid_t)granter};
        if (hcall_gnttab_map_v(chan, ops, batch, &io) < 0 || io.nfds_out != (int)batch)
            die("map batch", EIO);
        for (uint32_t i = 0; i < batch; i++) {
            if (ops[i].status != GNTST_okay)
                die("map", EIO);
            handles[done + i] = ops[i].handle;
            pages[done + i] = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
            close(fds[i]);
            if (pages[done + i] == MAP_FAILED)
                die("mmap", errno);
            pages[done + i][0] = 1;
        }
        done += batch;
    }
}

static int mode_map_batch(uint32_t granter, uint32_t first, uint32_t n)
{
    static gnttab_unmap_grant_ref_t ops[1024];
    static grant_handle_t handles[1024];
    static char *pages[1024];
    int chan = hcall_open(), chan2 = hcall_open();

    if (chan < 0 || chan2 < 0 || n > 1024)
        die("channels", EIO);
    map_range(chan, granter, first, n, handles, pages);
    for (uint32_t i = 0; i < n; i++) {
        munmap(pages[i], 4096);
        ops[i] = (gnttab_unmap_grant_ref_t){.handle = handles[i]};
    }
    if (hcall_gnttab_unmap_v(chan, ops, n, NULL) < 0)
        die("unmap batch", EIO);
    for (uint32_t i = 0; i < n; i++)
        if (ops[i].status != GNTST_okay)
            die("an unmap was not believed", EIO);
    map_range(chan2, granter, first, n, handles, pages);
    for (uint32_t i = 0; i < n; i++)
        munmap(pages[i], 4096);
    close(chan2);
    say("BATCH unmapped %u, released", n);
    pause();
    return 0;
}

/* GNTTABOP_unmap_grant_ref of one handle on chan: its GNTST status. */
static int16_t unmap_handle(int chan, grant_handle_t handle)
{
    gnttab_unmap_grant_ref_t op = {.handle = handle};

    if (hcall_gnttab_unmap(chan, &op) < 0)
        die("unmap", EIO);
    return op.status;
}

struct leader_exit {
    uint32_t granter, ref;
};

static void *mapper_thread(void *arg)
{
    const struct leader_exit *le = arg;
    grant_handle_t handle;
    int16_t st;
    char *page;
    int chan = hcall_open();

    if (chan < 0)
        die("channel", EIO);
    map_range(chan, le->granter, le->ref, 1, &handle, &page);
    strcpy(page + 64, "mapped"); /* share-held: the granter may now try */
    usleep(500000);              /* the leader is gone by now */
    st = unmap_handle(chan, handle);
    if (st == GNTST_okay)
        say("UNMAP believed");
    else
        say("UNMAP refused while mapped (status %d)", st);
    for (;;)
        pause();
    return NULL;
}

static int mode_leader_exit(uint32_t granter, uint32_t ref)
{
    static struct leader_exit le;
    pthread_t tid;

    le = (struct leader_exit){.granter = granter, .ref = ref};
    if (pthread_create(&tid, NULL, mapper_thread, &le) != 0)
        die("pthread_create", EAGAIN);
    pthread_exit(NULL);
}

/*
 * Asks for a map on chan and leaves the reply (and its fd) in the socket:
 * peeks at it for the handle (the kernel hands us duplicates of a peeked
 * message's fds; we close them).
 */
static grant_handle_t map_parked(int chan, uint32_t granter, uint32_t ref)
{
    struct {
        struct hc_reply rep;
        gnttab_map_grant_ref_t op;
    } msg;
    struct hc_request req = {.op = __HYPERVISOR_grant_table_op,
                             .cmd = GNTTABOP_map_grant_ref,
                             .count = 1,
                             .len = sizeof(msg.op)};
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = &msg, .iov_len = sizeof(msg)};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *c;

    msg.op =
        (gnttab_map_grant_ref_t){.flags = GNTMAP_host_map, .ref = ref, .dom = (domid_t)granter};
    if (msg_send(chan, &req, sizeof(req), &msg.op, sizeof(msg.op), NULL, 0, 0) < 0)
        die("send map", EIO);
    if (recvmsg(chan, &mh, MSG_PEEK) != (ssize_t)sizeof(msg) || msg.rep.ret ||
        msg.op.status != GNTST_okay)
        die("peek map", EIO);
    for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_type == SCM_RIGHTS)
            close(*(int *)CMSG_DATA(c));
    return msg.op.handle;
}

/* Reads the parked reply for real and maps its frame. */
static char *map_unparked(int chan)
{
    struct {
        struct hc_reply rep;
        gnttab_map_grant_ref_t op;
    } msg;
    int fd, nfds = 1;
    char *page;

    if (msg_recv(chan, &msg, sizeof(msg), &fd, &nfds) != (ssize_t)sizeof(msg) || nfds != 1)
        die("read the parked reply", EIO);
    page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (page == MAP_FAILED)
        die("mmap", errno);
    return page;
}

/*
 * A map reply left unread, its handle unmapped on another channel (or its
 * channel made to drop by shutting down our sending side): our /proc shows
 * neither mapping nor fd, as the fd still sits in the socket.  Then the
 * reply is read and the page mapped; the granter must not be able to end
 * access.
 */
static int mode_parked(uint32_t granter, uint32_t ref, const char *how)
{
    int chan = hcall_open(), chan2 = hcall_open();
    grant_handle_t handle;
    char *page;

    if (chan < 0 || chan2 < 0)
        die("channels", EIO);
    handle = map_parked(chan, granter, ref);
    if (!strcmp(how, "unmap")) {
        int16_t st = unmap_handle(chan2, handle);

        if (st == GNTST_okay)
            say("PARKED unmap believed");
        else
            say("PARKED unmap refused (status %d)", st);
    } else {
        shutdown(chan, SHUT_WR); /* the hypervisor reads EOF and drops chan */
        usleep(300000);
        say("PARKED channel dropped");
    }
    page = map_unparked(chan);
    strcpy(page + 64, "mapped"); /* share-held: the granter may now try */
    for (;;)
        pause();
    return 0;
}

/* What the mover thread of mode race keeps moving, and whether to stop. */
struct mover {
    char *lo, *hi;    /* maps: the frame's page moves between these */
    int fd_lo, fd_hi; /* fds: the frame's fd moves between these */
    volatile bool stop;
};

static void *move_mapping(void *arg)
{
    struct mover *m = arg;

    while (!m->stop) {
        if (mremap(m->lo, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, m->hi) == MAP_FAILED ||
            mremap(m->hi, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, m->lo) == MAP_FAILED)
            die("mremap", errno);
    }
    return NULL;
}

static void *move_fd(void *arg)
{
    struct mover *m = arg;

    while (!m->stop) {
        if (dup2(m->fd_lo, m->fd_hi) < 0 || close(m->fd_lo) < 0 || dup2(m->fd_hi, m->fd_lo) < 0 ||
            close(m->fd_hi) < 0)
            die("dup2", errno);
    }
    return NULL;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Claims the unmap again and again for up to 5 s while the mover runs:
 * "RACE <what> believed after N tries" or "RACE <what> refused N times". */
static void race(int chan, const char *what, grant_handle_t handle, void *(*fn)(void *),
                 struct mover *m)
{
    uint64_t end = now_ns() + 5000000000ULL;
    unsigned tries = 0;
    bool believed = false;
    pthread_t tid;

    m->stop = false;
    if (pthread_create(&tid, NULL, fn, m) != 0)
        die("pthread_create", EAGAIN);
    while (!believed && now_ns() < end) {
        tries++;
        believed = unmap_handle(chan, handle) == GNTST_okay;
    }
    m->stop = true;
    pthread_join(tid, NULL);
    if (believed)
        say("RACE %s believed after %u tries", what, tries);
    else
        say("RACE %s refused %u times", what, tries);
}

/* Maps ref on chan and returns its fd (not mapped into us). */
static int map_fd(int chan, uint32_t granter, uint32_t ref, grant_handle_t *handle)
{
    gnttab_map_grant_ref_t op = {.flags = GNTMAP_host_map, .ref = ref, .dom = (domid_t)granter};
    int fd = -1;
    struct hcall_io io = {.fds_out = &fd, .nfds_max = 1};

    if (hcall_gnttab_map_v(chan, &op, 1, &io) < 0 || io.nfds_out != 1 || op.status != GNTST_okay)
        die("map", EIO);
    *handle = op.handle;
    return fd;
}

/*
 * A mapper moving its mapping (mremap) or its fd (dup2) across the part of
 * /proc the hypervisor reads, while it reads, with many lines in between
 * (mappings that do not merge, fds) to widen the window; the frame is
 * always mapped, or held, somewhere.  Ref REF is mapped, REF+1 held as an fd.
 */
static int mode_race(uint32_t granter, uint32_t ref)
{
    enum { FILLER = 2000, FILLER_FDS = 500 };
    static struct mover m;
    grant_handle_t handle;
    char *page, *region;
    int chan = hcall_open(), last = -1;

    if (chan < 0)
        die("channel", EIO);
    map_range(chan, granter, ref, 1, &handle, &page);
    region = mmap(NULL, (FILLER + 2) * 4096UL, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED)
        die("mmap", errno);
    for (unsigned i = 1; i <= FILLER; i += 2)
        mprotect(region + i * 4096UL, 4096, PROT_READ);
    m.lo = region;
    m.hi = region + (FILLER + 1) * 4096UL;
    if (mremap(page, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, m.lo) == MAP_FAILED)
        die("mremap", errno);
    race(chan, "maps", handle, move_mapping, &m);

    m.fd_lo = map_fd(chan, granter, ref + 1, &handle);
    for (unsigned i = 0; i < FILLER_FDS; i++)
        if ((last = dup(0)) < 0)
            die("dup", errno);
    m.fd_hi = last + 1;
    race(chan, "fds", handle, move_fd, &m);
    say("RACE done");
    for (;;)
        pause();
    return 0;
}

static int mode_unlock(uint32_t granter, uint32_t ref)
{
    static const int cmds[] = {F_OFD_SETLK, F_OFD_SETLKW};
    grant_handle_t handle;
    char *page;
    int16_t st;
    int chan = hcall_open(), fd;

    if (chan < 0)
        die("channel", EIO);
    fd = map_fd(chan, granter, ref, &handle);
    for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET}; /* every byte */

        if (fcntl(fd, cmds[i], &fl) < 0)
            say("UNLOCK setlk refused: %s", strerror(errno));
        else
            say("UNLOCK setlk done");
    }
    page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (page == MAP_FAILED)
        die("mmap", errno);
    strcpy(page + 64, "mapped"); /* share-held: the granter may now try */
    st = unmap_handle(chan, handle);
    if (st == GNTST_okay)
        say("UNLOCK unmap believed");
    else
        say("UNLOCK unmap refused (status %d)", st);
    for (;;)
        pause();
    return 0;
}

/* SV_PCI_open as the reply comes, unchecked: what a reopen hands out is the test. */
static int pci_open(int chan, const char *bdf, struct sv_pci_open *o, int *fds)
{
    struct hcall_io io = {.fds_out = fds, .nfds_max = SV_HC_MAX_FDS};
    int err;

    *o = (struct sv_pci_open){0};
    snprintf(o->bdf, sizeof(o->bdf), "%s", bdf);
    err = hcall_pci_open_v(chan, o, 1, &io);
    return err < 0 ? err : io.nfds_out;
}

static int mode_pirq_close(const char *bdf)
{
    int fds[SV_HC_MAX_FDS], chan = hcall_open(), n;
    struct sv_pci_open o;
    evtchn_close_t c;

    n = chan < 0 ? chan : pci_open(chan, bdf, &o, fds);
    if (n < 0)
        die("PCI open", -n);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    say("PCI open nvec=%u", o.nvec);
    c.port = o.ports[0];
    if (hcall_evtchn_close(chan, &c) < 0)
        die("close the vector port", EIO);
    n = pci_open(chan, bdf, &o, fds);
    if (n < 0)
        say("PCI reopen refused: %s", strerror(-n));
    for (int i = 0; i < n; i++) {
        char path[64], target[128];
        ssize_t len;

        snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
        len = readlink(path, target, sizeof(target) - 1);
        target[len < 0 ? 0 : len] = '\0';
        say("PCI reopen fd %s", target);
        close(fds[i]);
    }
    pause();
    return 0;
}

static int mode_unread_exit(void)
{
    struct hc_request req = {.op = __HYPERVISOR_event_channel_op,
                             .cmd = EVTCHNOP_status,
                             .count = 1,
                             .len = sizeof(evtchn_status_t)};
    evtchn_status_t st = {.dom = DOMID_SELF, .port = 1};
    struct pollfd pfd = {.fd = hcall_open(), .events = POLLIN};

    if (pfd.fd < 0 || msg_send(pfd.fd, &req, sizeof(req), &st, sizeof(st), NULL, 0, 0) < 0)
        die("send status", EIO);
    if (poll(&pfd, 1, 5000) != 1) /* the reply is there, and stays unread */
        die("no reply", ETIMEDOUT);
    say("UNREAD exiting");
    _exit(0);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    if (!strcmp(mode, "seals"))
        return mode_seals();
    if (!strcmp(mode, "passfd"))
        return mode_passfd();
    if (!strcmp(mode, "share-max"))
        return mode_share_max();
    if (!strcmp(mode, "ports-max"))
        return mode_ports_max();
    if (!strcmp(mode, "maps-max") && argc == 4)
        return mode_maps_max(num(argv[2]), num(argv[3]));
    if (!strcmp(mode, "share-n") && argc == 4)
        return mode_share_n(num(argv[2]), num(argv[3]));
    if (!strcmp(mode, "map-batch") && argc == 5)
        return mode_map_batch(num(argv[2]), num(argv[3]), num(argv[4]));
    if (!strcmp(mode, "leader-exit") && argc == 4)
        return mode_leader_exit(num(argv[2]), num(argv[3]));
    if (!strcmp(mode, "parked") && argc == 5)
        return mode_parked(num(argv[2]), num(argv[3]), argv[4]);
    if (!strcmp(mode, "race") && argc == 4)
        return mode_race(num(argv[2]), num(argv[3]));
    if (!strcmp(mode, "unlock") && argc == 4)
        return mode_unlock(num(argv[2]), num(argv[3]));
    if (!strcmp(mode, "pirq-close") && argc == 3)
        return mode_pirq_close(argv[2]);
    if (!strcmp(mode, "unread-exit"))
        return mode_unread_exit();
    fprintf(stderr, "hvhostile: unknown mode '%s'\n", mode);
    return 2;
}
