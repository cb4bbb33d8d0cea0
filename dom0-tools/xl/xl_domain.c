/* xl destroy, shutdown, reboot, pause, unpause, trigger, sysrq, rename:
 * changing a domain's run state or name, over libsvl. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sv/util.h"
#include "xl.h"

#define XL_SHUTDOWN_WAIT_S 30

/* An operation on one domain: 0 or -errno. */
typedef int domain_op_fn(uint32_t domid);

static int one_domain(int argc, char **argv, domain_op_fn *op, const char *what)
{
    uint32_t domid;
    int err = xl_domain_arg(argc, argv, 0, &domid);

    if (err)
        return err;
    if (domid == 0)
        return xl_error("cannot %s Domain-0", what);
    if ((err = op(domid)) < 0)
        return xl_error("cannot %s %s: %s", what, argv[1], strerror(-err));
    return 0;
}

static int destroy_op(uint32_t domid)
{
    return svl_domain_destroy(&xl_ctx, domid);
}

static int pause_op(uint32_t domid)
{
    return xc_domain_pause(xl_ctx.xch, domid) < 0 ? -errno : 0;
}

static int unpause_op(uint32_t domid)
{
    return xc_domain_unpause(xl_ctx.xch, domid) < 0 ? -errno : 0;
}

/* Destroys the domain DOMAIN names, if any, and cancels a restart of its
 * name the monitor has pending: an operator's destroy is final. */
int cmd_destroy(int argc, char **argv)
{
    char name[SV_DOMAIN_NAME_MAX];
    bool found;
    uint32_t domid;
    int pending, err;

    if (argc != 2)
        return xl_usage();
    found = svl_domain_lookup(&xl_ctx, argv[1], &domid, name, sizeof(name)) == 0;
    if (found && domid == 0)
        return xl_error("cannot destroy Domain-0");
    if (!found)
        snprintf(name, sizeof(name), "%s", argv[1]);
    if (found && (err = svl_domain_destroy_named(&xl_ctx, domid, name)) < 0 && err != -ESRCH)
        return xl_error("cannot destroy %s: %s", argv[1], strerror(-err));
    if (found && (err = svl_standby_destroy(&xl_ctx, name)) < 0 && err != -ESRCH)
        return xl_error("cannot destroy %s's standby: %s", name, strerror(-err));
    pending = svl_monitor_cancel_restart(name);
    if (pending < 0)
        return xl_error("%s: cannot cancel its pending restart: %s", name, strerror(-pending));
    /* The monitor re-created it while this waited: that one goes too. */
    if (pending == SVL_MONITOR_RESTARTED && svl_domid(&xl_ctx, name, &domid) == 0 && domid != 0 &&
        (err = destroy_op(domid)) < 0 && err != -ESRCH)
        return xl_error("cannot destroy %s (restarted meanwhile): %s", name, strerror(-err));
    if (!found && pending == SVL_MONITOR_NONE)
        return xl_error("no domain '%s'", argv[1]);
    if (!found)
        printf("%s: its pending restart is cancelled\n", name);
    return 0;
}

int cmd_pause(int argc, char **argv)
{
    return one_domain(argc, argv, pause_op, "pause");
}

int cmd_unpause(int argc, char **argv)
{
    return one_domain(argc, argv, unpause_op, "unpause");
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
    got = xc_domain_getinfolist(xl_ctx.xch, 1, XL_DOMSET_MAX + 1, info);
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
static int stop_domain(int argc, char **argv, bool reboot)
{
    uint32_t ids[XL_DOMSET_MAX];
    int n, ret = stop_targets(argc, argv, ids, &n);

    for (int i = 0; !ret && i < n; i++)
        if (svl_domain_shutdown(&xl_ctx, ids[i], reboot) < 0)
            ret = xl_svl_error();
    for (int i = 0; !ret && xl_opt('w') && i < n; i++) {
        for (int t = 0; t < XL_SHUTDOWN_WAIT_S * 10 && !svl_domain_has_shut_down(&xl_ctx, ids[i]);
             t++)
            nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
        if (!svl_domain_has_shut_down(&xl_ctx, ids[i]))
            return xl_error("domain %u did not shut down within %d s", ids[i], XL_SHUTDOWN_WAIT_S);
        printf("Domain %u has shut down\n", ids[i]);
    }
    return ret;
}

int cmd_shutdown(int argc, char **argv)
{
    return stop_domain(argc, argv, false);
}

int cmd_reboot(int argc, char **argv)
{
    return stop_domain(argc, argv, true);
}

/* xl trigger DOMAIN power|reset [VCPU] (the VCPU is Xen's, for nmi and
 * init: taken and unused) and xl sysrq DOMAIN LETTER. */
int cmd_trigger(int argc, char **argv)
{
    unsigned long vcpu;
    uint32_t domid;
    int err;

    if (argc == 4 && !sv_parse_uint(argv[3], SVL_MAX_VCPUS - 1, &vcpu))
        return xl_error("trigger: '%s' is not a VCPU number", argv[3]);
    if ((err = xl_domain_arg(argc == 4 ? 3 : argc, argv, 1, &domid)))
        return err;
    return svl_domain_trigger(&xl_ctx, domid, argv[2]) < 0 ? xl_svl_error() : 0;
}

int cmd_sysrq(int argc, char **argv)
{
    uint32_t domid;
    int err;

    if ((err = xl_domain_arg(argc, argv, 1, &domid)))
        return err;
    if (strlen(argv[2]) != 1)
        return xl_error("sysrq: one letter, not '%s'", argv[2]);
    return svl_domain_sysrq(&xl_ctx, domid, argv[2][0]) < 0 ? xl_svl_error() : 0;
}

int cmd_rename(int argc, char **argv)
{
    uint32_t domid;
    int err;

    if ((err = xl_domain_arg(argc, argv, 1, &domid)))
        return err;
    return svl_domain_rename(&xl_ctx, domid, argv[2]) < 0 ? xl_svl_error() : 0;
}
