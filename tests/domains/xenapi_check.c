/*
 * A program written only for Xen's libraries: compiled by the xenapi test
 * against Debian's headers and linked with -lxenctrl -lxengnttab -lxenevtchn
 * from build/lib, it must work unchanged in dom0 and as a domain image.
 *   (no argument)          dom0: lists the domains
 *   as-domain              domain: shares two pages with dom0 ("hello" in the
 *                          first), binds a port for it, prints
 *                          "domain: shared ref R0 R1, port P", waits for an
 *                          event, prints what dom0 copied into the second
 *                          page, notifies back, ends access once dom0 unmapped
 *                          ("domain: unshared"), then sleeps
 *   peer DOMID R0 R1 P     dom0: maps both refs, reads "hello", grant-copies
 *                          its answer into the second page, binds P, notifies,
 *                          waits for the reply and unmaps
 *   control DOMID          dom0: getinfo, pause, unpause, shutdown (poweroff)
 *   evtchn                 dom0: a channel to itself; the bind and a send fire
 *                          a port once, sends while the port is masked fire
 *                          once at the unmask (and after the first wake
 *                          nobody), an unmask with nothing sent fires nothing
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#define ANSWER "copied by dom0"

static int failed(const char *who, const char *what)
{
    printf("%s: FAILED %s: %s\n", who, what, strerror(errno));
    fflush(stdout);
    return 1;
}

static int in_dom0(void)
{
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    xc_domaininfo_t info[16];
    int n = xch ? xc_domain_getinfolist(xch, 0, 16, info) : -1;

    printf("dom0: %d domains\n", n);
    xc_interface_close(xch);
    return n >= 1 ? 0 : 1;
}

/* Waits for the next event on any port of xce and unmasks it. */
static int wait_event(xenevtchn_handle *xce)
{
    xenevtchn_port_or_error_t port = xenevtchn_pending(xce);

    return port < 0 ? -1 : xenevtchn_unmask(xce, (evtchn_port_t)port);
}

static int in_domain(void)
{
    xengntshr_handle *xgs = xengntshr_open(NULL, 0);
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    uint32_t refs[2];
    char *pages = xgs ? xengntshr_share_pages(xgs, 0, 2, refs, 1) : NULL;
    int port = xce ? xenevtchn_bind_unbound_port(xce, 0) : -1;

    if (!pages || port < 0)
        return failed("domain", "share or bind");
    strcpy(pages, "hello");
    printf("domain: shared ref %u %u, port %d\n", refs[0], refs[1], port);
    fflush(stdout);
    while (strcmp(pages + 4096, ANSWER))
        if (wait_event(xce) < 0)
            return failed("domain", "pending");
    printf("domain: got %s\n", pages + 4096);
    xenevtchn_notify(xce, (evtchn_port_t)port);
    while (xengntshr_unshare(xgs, pages, 2) < 0) {
        if (errno != EBUSY)
            return failed("domain", "unshare");
        usleep(10000);
    }
    printf("domain: unshared\n");
    fflush(stdout);
    xenevtchn_close(xce);
    xengntshr_close(xgs);
    pause();
    return 0;
}

static int peer(uint32_t domid, uint32_t ref0, uint32_t ref1, evtchn_port_t rport)
{
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    uint32_t domids[2] = {domid, domid}, refs[2] = {ref0, ref1};
    char *pages = xgt ? xengnttab_map_grant_refs(xgt, 2, domids, refs, PROT_READ) : NULL;
    static char answer[] = ANSWER;
    xengnttab_grant_copy_segment_t seg = {.source.virt = answer,
                                          .dest.foreign = {.ref = ref1, .domid = (uint16_t)domid},
                                          .len = sizeof(answer),
                                          .flags = GNTCOPY_dest_gref};
    int port = xce ? xenevtchn_bind_interdomain(xce, domid, rport) : -1;

    if (!pages || port < 0)
        return failed("dom0", "map or bind");
    printf("dom0: read %s\n", pages);
    if (xengnttab_grant_copy(xgt, 1, &seg) < 0 || seg.status != GNTST_okay)
        return failed("dom0", "grant copy");
    if (xenevtchn_notify(xce, (evtchn_port_t)port) < 0 || wait_event(xce) < 0)
        return failed("dom0", "notify or pending");
    if (xengnttab_unmap(xgt, pages, 2) < 0)
        return failed("dom0", "unmap");
    printf("dom0: peer ok\n");
    xenevtchn_close(xce);
    xengnttab_close(xgt);
    return 0;
}

/* Reads one domain's info with the older xc_domain_getinfo. */
static int info_of(xc_interface *xch, uint32_t domid, xc_dominfo_t *info)
{
    return xc_domain_getinfo(xch, domid, 1, info) == 1 && info->domid == domid ? 0 : -1;
}

static int control(uint32_t domid)
{
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    xc_dominfo_t info;

    if (!xch || info_of(xch, domid, &info) < 0 || info.paused || info.shutdown)
        return failed("dom0", "getinfo of a running domain");
    if (xc_domain_pause(xch, domid) < 0 || info_of(xch, domid, &info) < 0 || !info.paused)
        return failed("dom0", "pause");
    if (xc_domain_unpause(xch, domid) < 0 || info_of(xch, domid, &info) < 0 || info.paused)
        return failed("dom0", "unpause");
    if (xc_domain_shutdown(xch, domid, SHUTDOWN_poweroff) < 0 || info_of(xch, domid, &info) < 0 ||
        !info.shutdown || info.shutdown_reason != SHUTDOWN_poweroff || info.crashed)
        return failed("dom0", "shutdown");
    printf("dom0: control ok\n");
    xc_interface_close(xch);
    return 0;
}

/* The ports that fire before the handle has nothing more: 0 when none did,
 * the port when exactly one did once, -1 otherwise. */
static int fired(xenevtchn_handle *xce)
{
    xenevtchn_port_or_error_t p, first = xenevtchn_pending(xce);

    if (first < 0)
        return errno == EAGAIN ? 0 : -1;
    p = xenevtchn_pending(xce);
    return p < 0 && errno == EAGAIN ? first : -1;
}

/* Which check of the channel to itself fails, or NULL. */
static const char *masking_fails(xenevtchn_handle *xce)
{
    int a = xenevtchn_bind_unbound_port(xce, 0);
    int b = a > 0 ? xenevtchn_bind_interdomain(xce, 0, (evtchn_port_t)a) : -1;

    if (b < 0)
        return "a channel to itself";
    fcntl(xenevtchn_fd(xce), F_SETFL, O_NONBLOCK);
    /* As Xen, the bound port starts pending (its peer may have sent before). */
    if (fired(xce) != b || xenevtchn_unmask(xce, (evtchn_port_t)b) < 0 || fired(xce) != 0)
        return "the new port did not fire once at the bind";
    xenevtchn_notify(xce, (evtchn_port_t)a);
    xenevtchn_notify(xce, (evtchn_port_t)a);
    if (fired(xce) != b) /* b is masked now */
        return "two sends: the peer port not fired once";
    xenevtchn_notify(xce, (evtchn_port_t)a);
    xenevtchn_notify(xce, (evtchn_port_t)a);
    if (fired(xce) != 0)
        return "a masked port fired";
    /* Once seen pending, further sends to it wake nobody (XSA-332: a peer
     * notifying in a loop costs its masked receiver nothing). */
    xenevtchn_notify(xce, (evtchn_port_t)a);
    if (poll(&(struct pollfd){.fd = xenevtchn_fd(xce), .events = POLLIN}, 1, 0) != 0)
        return "a send to a masked, pending port woke the handle";
    if (xenevtchn_unmask(xce, (evtchn_port_t)b) < 0 || fired(xce) != b)
        return "sends while masked: not fired once at the unmask";
    if (xenevtchn_unmask(xce, (evtchn_port_t)b) < 0 || fired(xce) != 0)
        return "an unmask after no send fired";
    xenevtchn_notify(xce, (evtchn_port_t)b);
    if (fired(xce) != a || xenevtchn_unmask(xce, (evtchn_port_t)a) < 0)
        return "the other way";
    if (xenevtchn_unbind(xce, (evtchn_port_t)b) < 0 || fired(xce) != 0)
        return "unbind";
    return NULL;
}

static int masking(void)
{
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    const char *what = xce ? masking_fails(xce) : "xenevtchn_open";

    xenevtchn_close(xce);
    if (what)
        return failed("dom0", what);
    printf("dom0: evtchn ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "as-domain"))
        return in_domain();
    if (argc == 6 && !strcmp(argv[1], "peer"))
        return peer((uint32_t)atoi(argv[2]), (uint32_t)atoi(argv[3]), (uint32_t)atoi(argv[4]),
                    (evtchn_port_t)atoi(argv[5]));
    if (argc == 3 && !strcmp(argv[1], "control"))
        return control((uint32_t)atoi(argv[2]));
    if (argc == 2 && !strcmp(argv[1], "evtchn"))
        return masking();
    return in_dom0();
}
