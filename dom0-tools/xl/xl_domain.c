/* xl destroy, shutdown, reboot, pause, unpause: changing a domain's run state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sv/hcall.h"
#include "xl.h"

#define XL_SHUTDOWN_WAIT_S 30

typedef int (*domain_op_t)(xc_interface *xch, uint32_t domid);

static int one_domain(int argc, char **argv, domain_op_t op, const char *what)
{
    uint32_t domid;
    int status = xl_domain_arg(argc, argv, 0, &domid);

    if (status)
        return status;
    if (domid == 0)
        return xl_error("cannot %s Domain-0", what);
    if (op(xl_xch, domid) < 0)
        return xl_error("cannot %s %s: %s", what, argv[1], strerror(errno));
    return 0;
}

int xl_destroy_domain(uint32_t domid)
{
    int ret = xc_domain_destroy(xl_xch, domid);

    if (ret == 0 || errno == ESRCH) {
        userdata_remove(domid);
        vif_orphan_backend(domid);
        vif_remove_all(domid);
        vf_remove_all(domid);
        xs_home_remove(domid);
    }
    return ret;
}

static int destroy_op(xc_interface *xch, uint32_t domid)
{
    (void)xch;
    return xl_destroy_domain(domid);
}

int cmd_destroy(int argc, char **argv)
{
    return one_domain(argc, argv, destroy_op, "destroy");
}

int cmd_pause(int argc, char **argv)
{
    return one_domain(argc, argv, xc_domain_pause, "pause");
}

int cmd_unpause(int argc, char **argv)
{
    return one_domain(argc, argv, xc_domain_unpause, "unpause");
}

/* True once domid has shut down or is gone. */
static bool has_shut_down(uint32_t domid)
{
    xc_domaininfo_t info;

    return xc_domain_getinfolist(xl_xch, domid, 1, &info) != 1 || info.domain != domid ||
           (info.flags & XEN_DOMINF_shutdown);
}

/* PV shutdown through control/shutdown when the domain watches it, else the power button. */
static int power_button(xc_interface *xch, uint32_t domid)
{
    struct sv_domctl c = {.domid = domid};
    int err;

    (void)xch;
    if (xs_home_request_shutdown(domid, "poweroff"))
        return 0;
    err = hcall_domctl_power_button(xl_chan, &c);
    if (err < 0)
        errno = -err;
    return err < 0 ? -1 : 0;
}

/* PV reboot through control/shutdown when the domain watches it; else the
 * domain is stopped with reason reboot (a process has no reset button), and
 * its monitor applies on_reboot. */
static int reset_button(xc_interface *xch, uint32_t domid)
{
    if (xs_home_request_shutdown(domid, "reboot"))
        return 0;
    return xc_domain_shutdown(xch, domid, SHUTDOWN_reboot);
}

/* xl shutdown and xl reboot: [-w] DOMAIN, -w waiting until it went down. */
static int stop_domain(int argc, char **argv, domain_op_t op, const char *what)
{
    bool wait = argc == 3 && !strcmp(argv[1], "-w");
    uint32_t domid;
    int ret;

    if (wait) {
        argv++;
        argc--;
    }
    ret = one_domain(argc, argv, op, what);
    if (ret || !wait || xl_domid(argv[1], &domid) < 0)
        return ret;
    for (int i = 0; i < XL_SHUTDOWN_WAIT_S * 10; i++) {
        if (has_shut_down(domid)) {
            printf("Domain %u has shut down\n", domid);
            return 0;
        }
        nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
    }
    return xl_error("%s did not shut down within %d s", argv[1], XL_SHUTDOWN_WAIT_S);
}

int cmd_shutdown(int argc, char **argv)
{
    return stop_domain(argc, argv, power_button, "shut down");
}

int cmd_reboot(int argc, char **argv)
{
    return stop_domain(argc, argv, reset_button, "reboot");
}
