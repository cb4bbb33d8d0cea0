/*
 * hvbench: the hypervisor's own costs, each beside the machine's limit
 * measured in the same run:
 *   hypercall round trip   vs a SOCK_SEQPACKET ping-pong between two processes
 *   event channel notify   vs an eventfd ping-pong between two processes
 *   grant copy throughput  vs memcpy of the same sizes, into granted frames
 *                          and out of them
 * Needs a running hypervisor (bench/run starts one).  Prints one line per
 * figure with the ratio ours/baseline.
 */
#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#include "sv/hcall.h"
#include "sv/clock.h"

#define ROUNDS      20000
#define COPY_PAGES  64
#define COPY_ROUNDS 2000

static void report(const char *what, double ours, double base, const char *unit, bool lower)
{
    printf("%-34s %10.2f %-6s baseline %10.2f %-6s ratio %.2f (%s is better)\n", what, ours, unit,
           base, unit, ours / base, lower ? "lower" : "higher");
}

static double hypercall_rtt_us(void)
{
    int chan = hcall_open();
    struct sv_sysctl_physinfo pi;
    double t0;

    if (chan < 0) {
        fprintf(stderr, "hvbench: no hypervisor: %s\n", strerror(-chan));
        exit(1);
    }
    t0 = sv_now_s();
    for (int i = 0; i < ROUNDS; i++)
        hcall_sysctl_physinfo(chan, &pi);
    close(chan);
    return (sv_now_s() - t0) / ROUNDS * 1e6;
}

static double seqpacket_rtt_us(void)
{
    char buf[64] = {0};
    int sv[2];
    double t0, t;
    pid_t pid;

    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
    pid = fork();
    if (pid == 0) {
        close(sv[0]);
        while (read(sv[1], buf, sizeof(buf)) > 0)
            (void)!write(sv[1], buf, 40);
        _exit(0);
    }
    close(sv[1]);
    t0 = sv_now_s();
    for (int i = 0; i < ROUNDS; i++) {
        (void)!write(sv[0], buf, 16);
        (void)!read(sv[0], buf, sizeof(buf));
    }
    t = (sv_now_s() - t0) / ROUNDS * 1e6;
    close(sv[0]);
    waitpid(pid, NULL, 0);
    return t;
}

/* One side of the ping-pong: wait for our port, answer on it. */
static void evtchn_pong(xenevtchn_handle *xce, evtchn_port_t port, int rounds, bool serve)
{
    for (int i = 0; i < rounds; i++) {
        if (!serve)
            xenevtchn_notify(xce, port);
        xenevtchn_unmask(xce, (evtchn_port_t)xenevtchn_pending(xce));
        if (serve)
            xenevtchn_notify(xce, port);
    }
}

static double evtchn_rtt_us(void)
{
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    int port = xenevtchn_bind_unbound_port(xce, 0);
    double t0, t;
    pid_t pid = fork();

    if (pid == 0) {
        xenevtchn_handle *peer = xenevtchn_open(NULL, 0);
        int p = xenevtchn_bind_interdomain(peer, 0, (evtchn_port_t)port);

        evtchn_pong(peer, (evtchn_port_t)p, ROUNDS + 1, true);
        _exit(0);
    }
    /* The first round trip also waits for the child to bind. */
    for (int tries = 0; tries < 1000; tries++) {
        struct pollfd pfd = {.fd = xenevtchn_fd(xce), .events = POLLIN};

        xenevtchn_notify(xce, (evtchn_port_t)port);
        if (poll(&pfd, 1, 10) == 1)
            break;
    }
    xenevtchn_unmask(xce, (evtchn_port_t)xenevtchn_pending(xce));
    t0 = sv_now_s();
    evtchn_pong(xce, (evtchn_port_t)port, ROUNDS, false);
    t = (sv_now_s() - t0) / ROUNDS * 1e6;
    waitpid(pid, NULL, 0);
    xenevtchn_close(xce);
    return t;
}

static double eventfd_rtt_us(void)
{
    int ping = eventfd(0, 0), pong = eventfd(0, 0);
    eventfd_t v;
    double t0, t;
    pid_t pid = fork();

    if (pid == 0) {
        for (int i = 0; i < ROUNDS; i++) {
            eventfd_read(ping, &v);
            eventfd_write(pong, 1);
        }
        _exit(0);
    }
    t0 = sv_now_s();
    for (int i = 0; i < ROUNDS; i++) {
        eventfd_write(ping, 1);
        eventfd_read(pong, &v);
    }
    t = (sv_now_s() - t0) / ROUNDS * 1e6;
    waitpid(pid, NULL, 0);
    return t;
}

/* Copies between src and COPY_PAGES frames dom0 grants itself, into the
 * frames (to_frames) or out of them. */
static double grant_copy_gbps(char *src, bool to_frames)
{
    xengntshr_handle *xgs = xengntshr_open(NULL, 0);
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    static xengnttab_grant_copy_segment_t segs[COPY_PAGES];
    uint32_t refs[COPY_PAGES];
    void *dst = xengntshr_share_pages(xgs, 0, COPY_PAGES, refs, 1);
    double t0, t;

    if (!dst) {
        fprintf(stderr, "hvbench: share: %s\n", strerror(errno));
        exit(1);
    }
    memset(dst, 0x5a, COPY_PAGES * 4096);
    for (int i = 0; i < COPY_PAGES; i++) {
        segs[i] = (xengnttab_grant_copy_segment_t){.len = 4096};
        if (to_frames) {
            segs[i].source.virt = src + i * 4096;
            segs[i].dest.foreign.ref = refs[i];
            segs[i].flags = GNTCOPY_dest_gref;
        } else {
            segs[i].source.foreign.ref = refs[i];
            segs[i].dest.virt = src + i * 4096;
            segs[i].flags = GNTCOPY_source_gref;
        }
    }
    t0 = sv_now_s();
    for (int r = 0; r < COPY_ROUNDS; r++)
        xengnttab_grant_copy(xgt, COPY_PAGES, segs);
    t = sv_now_s() - t0;
    if (segs[0].status != GNTST_okay || memcmp(dst, src, 4096))
        fprintf(stderr, "hvbench: grant copy failed (status %d)\n", segs[0].status);
    xengntshr_unshare(xgs, dst, COPY_PAGES);
    xengntshr_close(xgs);
    xengnttab_close(xgt);
    return (double)COPY_ROUNDS * COPY_PAGES * 4096 * 8 / t / 1e9;
}

static double memcpy_gbps(char *src)
{
    char *dst = malloc(COPY_PAGES * 4096);
    double t0, t;

    t0 = sv_now_s();
    for (int r = 0; r < COPY_ROUNDS; r++) {
        for (int i = 0; i < COPY_PAGES; i++)
            memcpy(dst + i * 4096, src + i * 4096, 4096);
        __asm__ volatile("" ::"r"(dst) : "memory");
    }
    t = sv_now_s() - t0;
    free(dst);
    return (double)COPY_ROUNDS * COPY_PAGES * 4096 * 8 / t / 1e9;
}

int main(void)
{
    char *src = malloc(COPY_PAGES * 4096);

    memset(src, 0x5a, COPY_PAGES * 4096);
    printf("hvbench: %d round trips, grant copy %d x %d pages\n", ROUNDS, COPY_ROUNDS, COPY_PAGES);
    report("hypercall round trip", hypercall_rtt_us(), seqpacket_rtt_us(), "us", true);
    report("event channel notify round trip", evtchn_rtt_us(), eventfd_rtt_us(), "us", true);
    report("grant copy into frames (4 KiB x64)", grant_copy_gbps(src, true), memcpy_gbps(src),
           "Gbit/s", false);
    report("grant copy out of frames (4 KiB x64)", grant_copy_gbps(src, false), memcpy_gbps(src),
           "Gbit/s", false);
    free(src);
    return 0;
}
