/* xl destroy, shutdown, reboot, pause, unpause: changing a domain's run state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sv/hcall.h"
#include "xl.h"

#define XL_SHUTDOWN_WAIT_S 30

typedef int domain_op_fn(xc_interface *xch, uint32_t domid);

static int one_domain(int argc, char **argv, domain_op_fn *op, const char *what)
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

/* Destroys the domain DOMAIN names, if any, and cancels a restart of its
 * name the monitor has pending: an operator's destroy is final. */
int cmd_destroy(int argc, char **argv)
{
    char name[SV_DOMAIN_NAME_MAX];
    bool found;
    uint32_t domid;
    int pending;

    if (argc != 2)
        return xl_usage();
    found = xl_lookup_domid(argv[1], &domid) == 0;
    if (found && domid == 0)
        return xl_error("cannot destroy Domain-0");
    if (!found || xl_domname(domid, name, sizeof(name)) < 0)
        snprintf(name, sizeof(name), "%s", argv[1]);
    if (found && xl_destroy_domain(domid) < 0 && errno != ESRCH)
        return xl_error("cannot destroy %s: %s", argv[1], strerror(errno));
    pending = monitor_cancel_restart(name);
    if (pending < 0)
        return xl_error("%s: cannot cancel its pending restart: %s", name, strerror(-pending));
    /* The monitor re-created it while this waited: that one goes too. */
    if (pending == MONITOR_RESTARTED && xl_lookup_domid(name, &domid) == 0 && domid != 0 &&
        xl_destroy_domain(domid) < 0 && errno != ESRCH)
        return xl_error("cannot destroy %s (restarted meanwhile): %s", name, strerror(errno));
    if (!found && pending == MONITOR_NONE)
        return xl_error("no domain '%s'", argv[1]);
    if (!found)
        printf("%s: its pending restart is cancelled\n", name);
    return 0;
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

/* The domains xl shutdown/reboot act on: DOMAIN, or with -a every running
 * one but Domain-0; 0 with *n set, or the exit status to return (said). */
static int stop_targets(int argc, char **argv, uint32_t *ids, int *n)
{
    xc_domaininfo_t info[XL_DOMSET_MAX + 1];
    int got;

    *n = 0;
    if (argc != (xl_opt('a') ? 1 : 2))
        return xl_usage();
    if (!xl_opt('a')) {
        if (xl_domid(argv[1], &ids[0]) < 0)
            return 1;
        if (ids[0] == 0)
            return xl_error("Domain-0 is the host: stop it with 'splitvisor stop'");
        *n = 1;
        return 0;
    }
    got = xc_domain_getinfolist(xl_xch, 1, XL_DOMSET_MAX + 1, info);
    if (got < 0)
        return xl_error("cannot list domains: %s", strerror(errno));
    for (int i = 0; i < got && *n < XL_DOMSET_MAX; i++)
        if (!(info[i].flags & XEN_DOMINF_shutdown))
            ids[(*n)++] = info[i].domain;
    return 0;
}

/* xl shutdown and xl reboot: [-a] [-w] [-F] [DOMAIN]; -w waits until every
 * one went down.  -F (Xen: the power button when the guest has no PV
 * drivers) is how they always end here, so it is taken and changes nothing. */
static int stop_domain(int argc, char **argv, domain_op_fn *op, const char *what)
{
    uint32_t ids[XL_DOMSET_MAX];
    int n, ret = stop_targets(argc, argv, ids, &n);

    for (int i = 0; !ret && i < n; i++)
        if (op(xl_xch, ids[i]) < 0)
            ret = xl_error("cannot %s domain %u: %s", what, ids[i], strerror(errno));
    for (int i = 0; !ret && xl_opt('w') && i < n; i++) {
        for (int t = 0; t < XL_SHUTDOWN_WAIT_S * 10 && !has_shut_down(ids[i]); t++)
            nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
        if (!has_shut_down(ids[i]))
            return xl_error("domain %u did not shut down within %d s", ids[i], XL_SHUTDOWN_WAIT_S);
        printf("Domain %u has shut down\n", ids[i]);
    }
    return ret;
}

int cmd_shutdown(int argc, char **argv)
{
    return stop_domain(argc, argv, power_button, "shut down");
}

int cmd_reboot(int argc, char **argv)
{
    return stop_domain(argc, argv, reset_button, "reboot");
}
