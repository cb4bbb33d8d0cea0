/*
 * A program written only for Xen's libraries: compiled by the xenapi test
 * against Debian's headers and linked with -lxenctrl -lxengnttab -lxenevtchn
 * from build/lib, it must work unchanged in dom0 and as a domain image.
 *   dom0: lists the domains;  domain: shares a page and binds a port.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

static int in_dom0(void)
{
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    xc_domaininfo_t info[16];
    int n = xch ? xc_domain_getinfolist(xch, 0, 16, info) : -1;

    printf("dom0: %d domains\n", n);
    xc_interface_close(xch);
    return n >= 1 ? 0 : 1;
}

static int in_domain(void)
{
    xengntshr_handle *xgs = xengntshr_open(NULL, 0);
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    uint32_t ref;
    void *page = xgs ? xengntshr_share_pages(xgs, 0, 1, &ref, 1) : NULL;
    int port = xce ? xenevtchn_bind_unbound_port(xce, 0) : -1;

    if (!page || port < 0) {
        printf("domain: FAILED\n");
        return 1;
    }
    printf("domain: shared ref %u, port %d\n", ref, port);
    xengntshr_unshare(xgs, page, 1);
    xenevtchn_close(xce);
    xengntshr_close(xgs);
    return 0;
}

int main(int argc, char **argv)
{
    (void)argv;
    return argc > 1 ? in_domain() : in_dom0();
}
