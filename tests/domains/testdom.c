/*
 * testdom: a domain image for the integration tests, written only against
 * Xen's library APIs (xenevtchn.h, xengnttab.h, xenctrl.h) except where a
 * test plays a hostile domain and needs the raw hypercall, or tries one of
 * our extensions (sv/gnttab_ext.h).  Each mode prints
 * the lines the test scripts wait for on the domain's console.
 *
 *   share PEER [ro]        share a page with PEER, bind a port for it, print
 *                          "READY ref=R port=P", then run the ping-pong
 *   share-held PEER        share a writable page with PEER, print "READY ref=R";
 *                          once the mapper has written to it, try to end access
 *                          every 50 ms: "UNSHARE busy while mapped", then
 *                          "UNSHARE ok" when the mapping is gone (its mapper died)
 *   share-move PEER NEW    share a writable page with PEER, print "READY ref=R";
 *                          once the mapper has written to it, try to move the
 *                          share to NEW every 50 ms: "MOVE busy while mapped",
 *                          then "MOVE ok" when the mapping is gone; then sleep
 *   share-close PEER       share two pages with PEER through one handle, print
 *                          "READY ref=R" (the second's), close the handle
 *                          without ending access, print "CLOSED", then sleep
 *   map GRANTER REF PORT   map, read, reply, notify; unmap on the 2nd event
 *   map-ro GRANTER REF     map read-only and try to write (must fault)
 *   reopen GRANTER REF     get a read-only frame fd and try to reopen it rw
 *   map-bad GRANTER REF    map a ref not granted to us (must be refused)
 *   gnt-errors GRANTER REF raw map/unmap/copy calls that must each fail with
 *                          Xen's GNTST_* code (REF is granted to another
 *                          domain); prints "GNTST ok"
 *   unmap-twice GRANTER REF map, write "mapped" at offset 64, unmap the page, then
 *                          ask the hypervisor to unmap its handle twice in one
 *                          batch: "UNMAP twice: S1 S2" (the statuses)
 *   lie GRANTER REF        map, write "mapped" at offset 64, then claim an unmap
 *                          without unmapping
 *   map-reuse GRANTER REF  map with xengnttab, write "mapped" at offset 64,
 *                          munmap the page ourselves (as libxenvchan does),
 *                          map other memory there, close the handle: "REUSE
 *                          kept" when the close left that memory alone
 *   hostile PID            dom0 ops, another domain's /proc, fork: all refused
 *   walls RUNDIR PID       what the sandbox lets it see or undo, one line each:
 *                          "DUMPABLE n", then "SET_DUMPABLE", "RUNDIR",
 *                          "HOSTRUN" (/run), "PEERPROC" (/proc/PID), "EXEC" (of
 *                          /usr/bin/true) with "allowed" or the error; then sleep
 *   sleep                  says it is up (a hypercall), waits; SIGTERM (the power
 *                          button) powers off
 *   slow-up MS             sleeps MS ms before its first hypercall, then as sleep
 *   slow-crash MS          sleeps MS ms, then crashes without a hypercall
 *   up-crash               its first hypercall, then a crash (exit status 1)
 *   echo                   print "ECHO <line>" for each console input line, until "bye"
 *   xsshare PEER           like share, but publishes ref and port in xenstore
 *                          (data/ref, data/port, readable by PEER only, then data/ready)
 *   xsmap GRANTER          waits for GRANTER's data/ready, then like map
 *   pvsleep                says feature-poweroff and powers off when control/shutdown
 *                          says "poweroff"
 *   shutdown REASON        SCHEDOP_shutdown with poweroff, reboot or crash (the
 *                          raw call: Xen's libraries have no wrapper for it)
 *   store-close            close the xenstore port, then ask for the start info
 *                          again: refused, not answered with stale descriptors
 *   flood MIB              print MIB MiB of console output, "FLOODED" on stderr
 *                          once written, then wait
 *   xc-destroy DOMID       (run in dom0) xc_domain_destroy, as a tool that is
 *                          not xl would: no xenstore release
 *   fd-hiding              where a domain could keep an fd, or a page of a
 *                          memfd, out of its /proc/PID/fd and maps: a thread
 *                          with its own fd table, AF_UNIX sockets (fds in
 *                          flight), pipes holding page references, zero-copy
 *                          sends: "CLONE_NOFILES", "SOCKETPAIR", "UNIX_SOCKET",
 *                          "SPLICE", "SENDFILE", "TEE", "ZEROCOPY" with
 *                          "allowed" or the error; then sleep
 *   pktsock                (with vif 0) what it may do with the packet
 *                          sockets of its nf0: "RAW_SOCKET" (one of its own),
 *                          "NO_NF" (the hypercall for nf7), "PKTSOCK" (for
 *                          nf0), "RX_RING", "FANOUT", "VNET_OFF" (SOL_PACKET
 *                          options), "REBIND" (to lo), "SEND" (a frame into
 *                          eth0) with "allowed" or the error; then sleep
 *   hog MIB                allocate and touch MIB MiB, "HOG n MiB" every 32,
 *                          "HOG DONE" at the end; then sleep
 *   limits                 "NOFILE soft hard", "CORE soft hard", then threads
 *                          until refused (at most 1000): "THREADS n: <error>";
 *                          then sleep
 *   channels               open hypercall channels until refused:
 *                          "CHANNELS N: <error>", then sleep
 *   crash                  abort()
 */
#include <errno.h>
#include <stdarg.h>
#include <stdnoreturn.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "sv/gnttab_ext.h"
#include "sv/hcall.h"

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

static noreturn void die(const char *what)
{
    say("FAIL %s: %s", what, strerror(errno));
    exit(1);
}

static uint32_t num(const char *s)
{
    return (uint32_t)strtoul(s, NULL, 0);
}

static void wait_port(xenevtchn_handle *xce)
{
    xenevtchn_port_or_error_t p = xenevtchn_pending(xce);

    if (p < 0)
        die("pending");
    xenevtchn_unmask(xce, (evtchn_port_t)p);
}

/* Publishes ref and port under our data/, readable by peer only, ready last. */
static void xs_publish(uint32_t peer, uint32_t ref, int port)
{
    struct xs_handle *h = xs_open(0);
    struct xs_permissions perms[2] = {{.id = 0, .perms = XS_PERM_NONE},
                                      {.id = peer, .perms = XS_PERM_READ}};
    char *home = h ? xs_get_domain_path(h, 0) : NULL;
    unsigned int self;
    char path[128], value[32], *dom;

    if (!h || !(dom = xs_read(h, XBT_NULL, "domid", &self)))
        die("xenstore");
    perms[0].id = (uint32_t)atoi(dom);
    const char *keys[] = {"data/ref", "data/port", "data/ready"};
    const unsigned vals[] = {ref, (unsigned)port, 1};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s", keys[i]);
        snprintf(value, sizeof(value), "%u", vals[i]);
        if (!xs_write(h, XBT_NULL, path, value, (unsigned)strlen(value)) ||
            !xs_set_permissions(h, XBT_NULL, path, perms, 2))
            die("xenstore write");
    }
    say("PUBLISHED ref=%u port=%d", ref, port);
    free(dom);
    free(home);
    xs_close(h);
}

/* Waits for events until *flag is set (a notification says "look", not what). */
static void wait_until(xenevtchn_handle *xce, const char *flag)
{
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
        wait_port(xce);
}

static int mode_share(uint32_t peer, bool readonly, bool via_xenstore)
{
    xengntshr_handle *xgs = xengntshr_open(NULL, 0);
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    uint32_t ref;
    char *page;
    int port;

    if (!xgs || !xce)
        die("open");
    page = xengntshr_share_pages(xgs, peer, 1, &ref, !readonly);
    if (!page)
        die("share");
    snprintf(page, 64, "hello from %s", getenv("SV_DOMAIN_NAME"));
    port = xenevtchn_bind_unbound_port(xce, peer);
    if (port < 0)
        die("bind_unbound_port");
    if (via_xenstore)
        xs_publish(peer, ref, port);
    else
        say("READY ref=%u port=%d", ref, port);
    wait_until(xce, page + 64); /* events may be spurious: the page says what happened */
    say("GOT %s", page + 64);
    if (xengntshr_unshare(xgs, page, 1) == 0 || errno != EBUSY)
        die("unshare while mapped succeeded");
    say("UNSHARE busy while mapped");
    page[128] = 1; /* you may unmap */
    xenevtchn_notify(xce, (evtchn_port_t)port);
    while (xengntshr_unshare(xgs, page, 1) < 0) {
        if (errno != EBUSY)
            die("unshare after unmap");
        wait_port(xce);
    }
    say("UNSHARE ok");
    xenevtchn_close(xce);
    xengntshr_close(xgs);
    return 0;
}

/* No event channel: the mapper of this mode (lie) binds none. */
static int mode_sleep(void);

static int mode_share_close(uint32_t peer)
{
    xengntshr_handle *xgs = xengntshr_open(NULL, 0);
    uint32_t refs[2];

    if (!xgs || !xengntshr_share_pages(xgs, peer, 2, refs, true))
        die("share");
    say("READY ref=%u", refs[1]);
    xengntshr_close(xgs);
    say("CLOSED");
    return mode_sleep();
}

/* Shares a writable page with peer through *xgs, says "READY ref=R" and
 * waits until the mapper has written to it. */
static volatile char *share_until_marked(uint32_t peer, xengntshr_handle **xgs)
{
    volatile char *page;
    uint32_t ref;

    *xgs = xengntshr_open(NULL, 0);
    if (!*xgs)
        die("open");
    page = xengntshr_share_pages(*xgs, peer, 1, &ref, true);
    if (!page)
        die("share");
    say("READY ref=%u", ref);
    while (!page[64])
        usleep(50000);
    return page;
}

/* Tries op on page every 50 ms while the mapper holds it: "WHAT busy while
 * mapped" once, then "WHAT ok", or "WHAT ok while mapped" at once. */
static void retry_while_mapped(const char *what,
                               int (*op)(xengntshr_handle *, volatile char *, uint32_t),
                               xengntshr_handle *xgs, volatile char *page, uint32_t arg)
{
    bool said_busy = false;

    while (op(xgs, page, arg) < 0) {
        if (errno != EBUSY)
            die(what);
        if (!said_busy)
            say("%s busy while mapped", what);
        said_busy = true;
        usleep(50000);
    }
    say("%s ok%s", what, said_busy ? "" : " while mapped");
}

static int unshare_op(xengntshr_handle *xgs, volatile char *page, uint32_t count)
{
    return xengntshr_unshare(xgs, (void *)page, count);
}

static int move_op(xengntshr_handle *xgs, volatile char *page, uint32_t to)
{
    return xengntshr_share_move(xgs, (void *)page, 1, to);
}

static int mode_share_held(uint32_t peer)
{
    xengntshr_handle *xgs;
    volatile char *page = share_until_marked(peer, &xgs);

    retry_while_mapped("UNSHARE", unshare_op, xgs, page, 1);
    xengntshr_close(xgs);
    return 0;
}

static int mode_share_move(uint32_t peer, uint32_t to)
{
    xengntshr_handle *xgs;
    volatile char *page = share_until_marked(peer, &xgs);

    retry_while_mapped("MOVE", move_op, xgs, page, to);
    return mode_sleep();
}

static unsigned read_peer(struct xs_handle *h, uint32_t granter, const char *key)
{
    char path[96], *v;
    unsigned len, n;

    snprintf(path, sizeof(path), "/local/domain/%u/data/%s", granter, key);
    v = xs_read(h, XBT_NULL, path, &len);
    if (!v)
        die(path);
    n = (unsigned)strtoul(v, NULL, 10);
    free(v);
    return n;
}

/* Waits (a watch) until the granter has published, then reads ref and port. */
static void xs_rendezvous(uint32_t granter, uint32_t *ref, uint32_t *port)
{
    struct xs_handle *h = xs_open(0);
    char path[96], *v;
    unsigned len, n;

    if (!h)
        die("xs_open");
    snprintf(path, sizeof(path), "/local/domain/%u/data/ready", granter);
    if (!xs_watch(h, path, "ready"))
        die("xs_watch");
    while (!(v = xs_read(h, XBT_NULL, path, &len)))
        free(xs_read_watch(h, &n));
    free(v);
    *ref = read_peer(h, granter, "ref");
    *port = read_peer(h, granter, "port");
    say("FOUND ref=%u port=%u", *ref, *port);
    xs_close(h);
}

static int mode_pvsleep(void)
{
    struct xs_handle *h = xs_open(0);
    unsigned len, n;
    char *v;

    if (!h || !xs_write(h, XBT_NULL, "control/feature-poweroff", "1", 1) ||
        !xs_watch(h, "control/shutdown", "shutdown"))
        die("xenstore");
    say("PV SLEEPING");
    for (;;) {
        free(xs_read_watch(h, &n));
        v = xs_read(h, XBT_NULL, "control/shutdown", &len);
        if (v && !strcmp(v, "poweroff"))
            break;
        free(v);
    }
    free(v);
    say("PV POWEROFF");
    xs_close(h);
    return 0;
}

static int mode_map(uint32_t granter, uint32_t ref, uint32_t rport)
{
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    char *page;
    int port;

    if (!xgt || !xce)
        die("open");
    page = xengnttab_map_grant_ref(xgt, granter, ref, PROT_READ | PROT_WRITE);
    if (!page)
        die("map");
    say("READ %s", page);
    snprintf(page + 64, 64, "pong from %s", getenv("SV_DOMAIN_NAME"));
    port = xenevtchn_bind_interdomain(xce, granter, rport);
    if (port < 0)
        die("bind_interdomain");
    xenevtchn_notify(xce, (evtchn_port_t)port);
    wait_until(xce, page + 128);
    if (xengnttab_unmap(xgt, page, 1) < 0)
        die("unmap");
    xenevtchn_notify(xce, (evtchn_port_t)port);
    say("DONE");
    pause();
    return 0;
}

static void on_segv(int sig)
{
    (void)sig;
    static const char msg[] = "WRITE FAULTED\n";
    (void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
    _exit(0);
}

static int mode_map_ro(uint32_t granter, uint32_t ref)
{
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    volatile char *page = xgt ? xengnttab_map_grant_ref(xgt, granter, ref, PROT_READ) : NULL;

    if (!page)
        die("map read-only");
    say("READ %s", (const char *)page);
    if (mprotect((void *)page, 4096, PROT_READ | PROT_WRITE) == 0)
        die("mprotect made a read-only grant writable");
    say("MPROTECT denied: %s", strerror(errno));
    signal(SIGSEGV, on_segv);
    page[0] = 'X';
    die("write to a read-only grant went through");
}

/* The raw hypercall: a hostile domain is not bound to use our library. */
static int raw_map(uint32_t granter, uint32_t ref, bool readonly, int *fd, grant_handle_t *handle)
{
    gnttab_map_grant_ref_t op = {.flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0),
                                 .ref = ref,
                                 .dom = (domid_t)granter};
    int chan = hcall_open();
    struct hcall_io io = {.fds_out = fd, .nfds_max = 1};

    if (chan < 0 || hcall_gnttab_map_v(chan, &op, 1, &io) < 0 || op.status != GNTST_okay)
        return op.status ? op.status : -1;
    *handle = op.handle;
    return chan;
}

static int mode_reopen(uint32_t granter, uint32_t ref)
{
    char path[64];
    grant_handle_t handle;
    int fd = -1, chan = raw_map(granter, ref, true, &fd, &handle);

    if (chan < 0)
        die("raw read-only map");
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (open(path, O_RDWR) >= 0)
        die("reopened a read-only frame read-write");
    say("REOPEN denied: %s", strerror(errno));
    return 0;
}

static int mode_map_bad(uint32_t granter, uint32_t ref)
{
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);

    if (xgt && xengnttab_map_grant_ref(xgt, granter, ref, PROT_READ))
        die("mapped a ref not granted to us");
    say("MAP refused: %s", strerror(errno));
    return 0;
}

/* A raw grant table op's per-op status, given the call's answer (1 if the call failed). */
static int16_t gnt_status(int ret, const int16_t *status)
{
    return ret < 0 ? 1 : *status;
}

static void expect_gntst(const char *what, int16_t got, int16_t want)
{
    if (got != want) {
        say("GNTST %s: got %d, want %d", what, got, want);
        exit(1);
    }
}

#define NO_DOMAIN 31000 /* below DOMID_FIRST_RESERVED, never created by the tests */

static int mode_gnt_errors(uint32_t granter, uint32_t ref)
{
    int chan = hcall_open();
    gnttab_map_grant_ref_t m;
    gnttab_unmap_grant_ref_t u = {.handle = 4000};
    gnttab_copy_t c;

    if (chan < 0)
        die("hcall_open");
#define MAP(flags_, dom_, ref_)                                                                    \
    (m = (gnttab_map_grant_ref_t){.flags = (flags_), .dom = (domid_t)(dom_), .ref = (ref_)},       \
     gnt_status(hcall_gnttab_map(chan, &m), &m.status))
    expect_gntst("map without host_map or device_map", MAP(0, granter, ref), GNTST_bad_gntref);
    expect_gntst("map of a ref past the table", MAP(GNTMAP_host_map, granter, 1u << 20),
                 GNTST_bad_gntref);
    expect_gntst("map from no domain", MAP(GNTMAP_host_map, NO_DOMAIN, ref), GNTST_bad_domain);
    expect_gntst("map of another's grant", MAP(GNTMAP_host_map | GNTMAP_readonly, granter, ref),
                 GNTST_general_error);
#undef MAP
    expect_gntst("unmap of no handle", gnt_status(hcall_gnttab_unmap(chan, &u), &u.status),
                 GNTST_bad_handle);
#define COPY(flags_, sdom, sref, ddom, doff, len_)                                                 \
    (c = (gnttab_copy_t){.flags = (flags_),                                                        \
                         .source = {.domid = (domid_t)(sdom), .u.ref = (sref)},                    \
                         .dest = {.domid = (domid_t)(ddom), .offset = (doff)},                     \
                         .len = (len_)},                                                           \
     gnt_status(hcall_gnttab_copy(chan, &c), &c.status))
    expect_gntst("copy past the page",
                 COPY(GNTCOPY_source_gref, granter, ref, DOMID_SELF, 4090, 16), GNTST_bad_copy_arg);
    expect_gntst("copy from another's grant",
                 COPY(GNTCOPY_source_gref, granter, ref, DOMID_SELF, 0, 8), GNTST_general_error);
    expect_gntst("copy from no domain", COPY(GNTCOPY_source_gref, NO_DOMAIN, ref, DOMID_SELF, 0, 8),
                 GNTST_bad_domain);
    expect_gntst("copy into another's frame by gmfn", COPY(0, DOMID_SELF, 0, granter, 0, 8),
                 GNTST_permission_denied);
#undef COPY
    say("GNTST ok");
    return 0;
}

/* Maps a writable grant with the raw call and writes "mapped" at offset 64;
 * returns the channel that holds the mapping. */
static int map_and_mark(uint32_t granter, uint32_t ref, grant_handle_t *handle, char **page)
{
    int fd = -1, chan = raw_map(granter, ref, false, &fd, handle);

    if (chan < 0)
        die("raw map");
    *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (*page == MAP_FAILED)
        die("mmap");
    strcpy(*page + 64, "mapped");
    return chan;
}

/* The raw unmap of count handles; the statuses are left in ops. */
static void raw_unmap(int chan, gnttab_unmap_grant_ref_t *ops, uint32_t count)
{
    if (hcall_gnttab_unmap_v(chan, ops, count, NULL) < 0)
        die("unmap");
}

static int mode_unmap_twice(uint32_t granter, uint32_t ref)
{
    gnttab_unmap_grant_ref_t ops[2];
    grant_handle_t handle;
    char *page;
    int chan = map_and_mark(granter, ref, &handle, &page);

    munmap(page, 4096);
    ops[0] = ops[1] = (gnttab_unmap_grant_ref_t){.handle = handle};
    raw_unmap(chan, ops, 2);
    say("UNMAP twice: %d %d", ops[0].status, ops[1].status);
    return 0;
}

static int mode_lie(uint32_t granter, uint32_t ref)
{
    gnttab_unmap_grant_ref_t op;
    grant_handle_t handle;
    char *page;
    int chan = map_and_mark(granter, ref, &handle, &page);

    op = (gnttab_unmap_grant_ref_t){.handle = handle};
    raw_unmap(chan, &op, 1);
    if (op.status == GNTST_okay)
        die("an unmap was believed while the page was still mapped");
    say("UNMAP refused while mapped (status %d)", op.status);
    pause();
    return 0;
}

static int mode_map_reuse(uint32_t granter, uint32_t ref)
{
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    char *page = xgt ? xengnttab_map_grant_ref(xgt, granter, ref, PROT_READ | PROT_WRITE) : NULL;

    if (!page)
        die("map");
    strcpy(page + 64, "mapped");
    munmap(page, 4096);
    if (mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
        page)
        die("mmap over the unmapped page");
    memset(page, 'Z', 4096);
    xengnttab_close(xgt);
    if (page[4095] != 'Z') /* or a fault, if the close unmapped it */
        die("the close changed memory that was no longer the mapping");
    say("REUSE kept");
    pause();
    return 0;
}

static int mode_hostile(const char *victim_pid)
{
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    char path[64];

    if (!xch || xc_domain_destroy(xch, 0) == 0 || xc_domain_pause(xch, 1) == 0)
        die("a dom0 operation went through");
    say("DOM0OP denied: %s", strerror(errno));
    snprintf(path, sizeof(path), "/proc/%s/mem", victim_pid);
    if (open(path, O_RDONLY) >= 0)
        die("opened another domain's memory");
    say("PEEK denied: %s", strerror(errno));
    if (ptrace(PTRACE_ATTACH, (pid_t)num(victim_pid), NULL, NULL) == 0)
        die("ptrace of another domain");
    say("PTRACE denied: %s", strerror(errno));
    if (fork() >= 0)
        die("a domain forked");
    say("FORK denied: %s", strerror(errno));
    return 0;
}

static volatile sig_atomic_t powered_off;

static void on_term(int sig)
{
    (void)sig;
    powered_off = 1;
}

/* A hypercall: the hypervisor knows the image is up (xl create waits for
 * it).  Images that use the Xen libraries make one as they open them. */
static void come_up(void)
{
    int chan = hcall_open();

    if (chan >= 0)
        close(chan);
}

static int mode_sleep(void)
{
    come_up();
    signal(SIGTERM, on_term);
    say("SLEEPING");
    while (!powered_off)
        pause();
    say("POWER OFF");
    return 0;
}

static void report(const char *what, long ret)
{
    say("%s %s", what, ret == 0 ? "allowed" : strerror(errno));
}

static int mode_walls(const char *rundir, const char *peer_pid)
{
    char *const args[] = {"true", NULL};
    char path[64];
    struct stat st;

    say("DUMPABLE %d", prctl(PR_GET_DUMPABLE));
    report("SET_DUMPABLE", prctl(PR_SET_DUMPABLE, 1));
    report("RUNDIR", stat(rundir, &st));
    report("HOSTRUN", stat("/run", &st));
    snprintf(path, sizeof(path), "/proc/%s", peer_pid);
    report("PEERPROC", stat(path, &st));
    report("EXEC", syscall(SYS_execveat, AT_FDCWD, "/usr/bin/true", args, environ, 0));
    return mode_sleep();
}

static int thread_noop(void *arg)
{
    return arg != NULL;
}

static int mode_fd_hiding(void)
{
    static char stack[16384] __attribute__((aligned(16)));
    int sv[2], pipes[2][2], one = 1;
    int memfd = memfd_create("frame", MFD_CLOEXEC), udp = socket(AF_INET, SOCK_DGRAM, 0);
    loff_t off = 0;

    report("CLONE_NOFILES",
           clone(thread_noop, stack + sizeof(stack),
                 CLONE_VM | CLONE_FS | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, NULL) < 0
               ? -1
               : 0);
    report("SOCKETPAIR", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    report("UNIX_SOCKET", socket(AF_UNIX, SOCK_DGRAM, 0) < 0 ? -1 : 0);
    if (pipe(pipes[0]) < 0 || pipe(pipes[1]) < 0 || memfd < 0 || udp < 0 ||
        ftruncate(memfd, 4096) < 0)
        die("setup");
    report("SPLICE", splice(memfd, &off, pipes[0][1], NULL, 4096, 0) < 0 ? -1 : 0);
    report("SENDFILE", sendfile(pipes[0][1], memfd, NULL, 4096) < 0 ? -1 : 0);
    report("TEE", tee(pipes[0][0], pipes[1][1], 4096, SPLICE_F_NONBLOCK) < 0 ? -1 : 0);
    report("ZEROCOPY", setsockopt(udp, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
    return mode_sleep();
}

static int mode_pktsock(void)
{
    struct tpacket_req req = {
        .tp_block_size = 4096, .tp_block_nr = 1, .tp_frame_size = 2048, .tp_frame_nr = 2};
    struct sockaddr_ll lo = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = 1};
    struct virtio_net_hdr vh = {0};
    uint8_t frame[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5};
    struct iovec iov[2] = {{&vh, sizeof(vh)}, {frame, sizeof(frame)}};
    int chan = hcall_open(), fd, zero = 0, fanout = 1 | PACKET_FANOUT_HASH << 16, err;

    if (chan < 0)
        die("hcall_open");
    report("RAW_SOCKET", socket(AF_PACKET, SOCK_RAW, 0) < 0 ? -1 : 0);
    err = hcall_open_pktsock(chan, 7);
    errno = -err;
    report("NO_NF", err < 0 ? -1 : 0);
    fd = hcall_open_pktsock(chan, 0);
    errno = fd < 0 ? -fd : 0;
    report("PKTSOCK", fd < 0 ? -1 : 0);
    if (fd < 0)
        return mode_sleep();
    report("RX_RING", setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)));
    report("FANOUT", setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &fanout, sizeof(fanout)));
    report("VNET_OFF", setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &zero, sizeof(zero)));
    report("REBIND", bind(fd, (struct sockaddr *)&lo, sizeof(lo)));
    report("SEND", writev(fd, iov, 2) == (ssize_t)(sizeof(vh) + sizeof(frame)) ? 0 : -1);
    return mode_sleep();
}

static int mode_hog(uint32_t mib)
{
    for (uint32_t i = 1; i <= mib; i++) {
        char *chunk = malloc(1 << 20);

        if (!chunk)
            die("malloc");
        memset(chunk, (int)i, 1 << 20);
        if (i % 32 == 0)
            say("HOG %u MiB", i);
    }
    say("HOG DONE");
    return mode_sleep();
}

static void *thread_sleep(void *arg)
{
    for (;;)
        pause();
    return arg;
}

static int mode_limits(void)
{
    const int resources[] = {RLIMIT_NOFILE, RLIMIT_CORE};
    const char *names[] = {"NOFILE", "CORE"};
    pthread_t t;
    int n = 0, err = 0;

    for (int i = 0; i < 2; i++) {
        struct rlimit rl;

        getrlimit(resources[i], &rl);
        say("%s %llu %llu", names[i], (unsigned long long)rl.rlim_cur,
            (unsigned long long)rl.rlim_max);
    }
    while (n < 1000 && !(err = pthread_create(&t, NULL, thread_sleep, NULL)))
        n++;
    say("THREADS %d: %s", n, err ? strerror(err) : "never refused");
    return mode_sleep();
}

static int mode_channels(void)
{
    int n = 0, fd;

    while (n < 100000 && (fd = hcall_open()) >= 0)
        n++;
    printf("CHANNELS %d: %s\n", n, n < 100000 ? strerror(-fd) : "never refused");
    fflush(stdout);
    return mode_sleep();
}

static int mode_echo(void)
{
    char line[256];

    say("ECHOING");
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\n")] = '\0';
        say("ECHO %s", line);
        if (!strcmp(line, "bye"))
            break;
    }
    return 0;
}

static int mode_store_close(void)
{
    struct sv_start_info si;
    int fds[SV_START_INFO_FDS], chan = hcall_open();
    evtchn_close_t c;
    int err;

    if (chan < 0 || hcall_start_info(chan, &si, fds) < 0)
        die("start info");
    for (int i = 0; i < SV_START_INFO_FDS; i++)
        close(fds[i]);
    c = (evtchn_close_t){.port = si.store_port};
    if (hcall_evtchn_close(chan, &c) < 0)
        die("close the store port");
    err = hcall_start_info(chan, &si, fds);
    if (err >= 0)
        die("start info answered after the store port was closed");
    say("START INFO refused: %s", strerror(-err));
    return 0;
}

static int mode_xc_destroy(uint32_t domid)
{
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);

    if (!xch || xc_domain_destroy(xch, domid) < 0)
        die("xc_domain_destroy");
    xc_interface_close(xch);
    return 0;
}

static int mode_flood(uint32_t mib)
{
    static char line[1024];

    memset(line, 'x', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\n';
    for (uint32_t i = 0; i < mib * 1024; i++)
        if (fwrite(line, sizeof(line), 1, stdout) != 1)
            die("console write");
    fflush(stdout);
    fprintf(stderr, "FLOODED\n");
    pause();
    return 0;
}

static int mode_shutdown(const char *reason)
{
    static const char *const reasons[] = {
        [SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot", [SHUTDOWN_crash] = "crash"};
    sched_shutdown_t s = {.reason = SHUTDOWN_MAX + 1};
    int chan = hcall_open();

    for (unsigned i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i] && !strcmp(reasons[i], reason))
            s.reason = i;
    if (chan < 0 || s.reason > SHUTDOWN_MAX)
        die("shutdown: no channel or unknown reason");
    say("SHUTDOWN %s", reason);
    hcall_sched_shutdown(chan, &s);
    die("still running after SCHEDOP_shutdown");
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(mode, "share") && argc >= 3)
        return mode_share(num(argv[2]), argc > 3 && !strcmp(argv[3], "ro"), false);
    if (!strcmp(mode, "share-close") && argc == 3)
        return mode_share_close(num(argv[2]));
    if (!strcmp(mode, "share-move") && argc == 4)
        return mode_share_move(num(argv[2]), num(argv[3]));
    if (!strcmp(mode, "share-held") && argc == 3)
        return mode_share_held(num(argv[2]));
    if (!strcmp(mode, "xsshare") && argc == 3)
        return mode_share(num(argv[2]), false, true);
    if (!strcmp(mode, "xsmap") && argc == 3) {
        uint32_t ref, port;

        xs_rendezvous(num(argv[2]), &ref, &port);
        return mode_map(num(argv[2]), ref, port);
    }
    if (!strcmp(mode, "pvsleep"))
        return mode_pvsleep();
    if (!strcmp(mode, "map") && argc == 5)
        return mode_map(num(argv[2]), num(argv[3]), num(argv[4]));
    if (!strcmp(mode, "map-ro") && argc == 4)
        return mode_map_ro(num(argv[2]), num(argv[3]));
    if (!strcmp(mode, "reopen") && argc == 4)
        return mode_reopen(num(argv[2]), num(argv[3]));
    if (!strcmp(mode, "map-bad") && argc == 4)
        return mode_map_bad(num(argv[2]), num(argv[3]));
    if (!strcmp(mode, "gnt-errors") && argc == 4)
        return mode_gnt_errors(num(argv[2]), num(argv[3]));
    if (!strcmp(mode, "unmap-twice") && argc == 4)
        return mode_unmap_twice(num(argv[2]), num(argv[3]));
    if (!strcmp(mode, "map-reuse") && argc == 4)
        return mode_map_reuse(num(argv[2]), num(argv[3]));
    if (!strcmp(mode, "lie") && argc == 4)
        return mode_lie(num(argv[2]), num(argv[3]));
    if (!strcmp(mode, "hostile") && argc == 3)
        return mode_hostile(argv[2]);
    if (!strcmp(mode, "hog") && argc == 3)
        return mode_hog(num(argv[2]));
    if (!strcmp(mode, "limits"))
        return mode_limits();
    if (!strcmp(mode, "fd-hiding"))
        return mode_fd_hiding();
    if (!strcmp(mode, "pktsock"))
        return mode_pktsock();
    if (!strcmp(mode, "walls") && argc == 4)
        return mode_walls(argv[2], argv[3]);
    if (!strcmp(mode, "sleep"))
        return mode_sleep();
    if (!strcmp(mode, "echo"))
        return mode_echo();
    if (!strcmp(mode, "xc-destroy") && argc == 3)
        return mode_xc_destroy(num(argv[2]));
    if (!strcmp(mode, "flood") && argc == 3)
        return mode_flood(num(argv[2]));
    if (!strcmp(mode, "store-close"))
        return mode_store_close();
    if (!strcmp(mode, "shutdown") && argc == 3)
        return mode_shutdown(argv[2]);
    if (!strcmp(mode, "channels"))
        return mode_channels();
    if (!strcmp(mode, "crash"))
        abort();
    if (!strcmp(mode, "slow-up") && argc == 3) {
        usleep(num(argv[2]) * 1000);
        return mode_sleep();
    }
    if (!strcmp(mode, "slow-crash") && argc == 3) {
        usleep(num(argv[2]) * 1000);
        say("CRASHING");
        return 1;
    }
    if (!strcmp(mode, "up-crash")) {
        come_up();
        say("UP, CRASHING");
        return 1;
    }
    fprintf(stderr, "testdom: unknown mode '%s'\n", mode);
    return 2;
}
