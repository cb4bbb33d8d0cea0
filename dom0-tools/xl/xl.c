/*
 * xl: entry point, the command table, and the helpers every command uses.
 * Exit status: 0 on success, 1 on failure (with a message), 2 on bad usage.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sv/hcall.h"
#include "sv/log.h"
#include "sv/util.h"
#include "xl.h"

xc_interface *xl_xch;
int xl_chan = -1;

int xl_domnames(const uint32_t *ids, int n, char (*names)[SV_DOMAIN_NAME_MAX])
{
    static struct sv_domctl_lookup l[SV_DOMCTL_LOOKUP_BATCH];

    for (int first = 0; first < n; first += SV_DOMCTL_LOOKUP_BATCH) {
        int k = n - first < SV_DOMCTL_LOOKUP_BATCH ? n - first : SV_DOMCTL_LOOKUP_BATCH;
        size_t len = (size_t)k * sizeof(l[0]);
        int err;

        memset(l, 0, len);
        for (int i = 0; i < k; i++)
            l[i].domid = ids[first + i];
        err = hcall(xl_chan, &(struct hcall){.op = SV_HC_domctl,
                                             .cmd = SV_DOMCTL_lookup,
                                             .count = (uint32_t)k,
                                             .arg = l,
                                             .arg_len = len,
                                             .res = l,
                                             .res_cap = len});
        if (err < 0 && err != -ESRCH) /* ESRCH: the one domain asked for is gone */
            return err;
        for (int i = 0; i < k; i++)
            snprintf(names[first + i], SV_DOMAIN_NAME_MAX, "%s", err < 0 ? "" : l[i].name);
    }
    return 0;
}

static int cmd_help(int argc, char **argv);

static const struct xl_command commands[] = {
    {"create", cmd_create, "[-p] [-n|--dry-run] FILE",
     "create a domain from an xl.cfg or libvirt XML file (-p: leave it paused)"},
    {"list", cmd_list, "[-l] [DOMAIN...]", "list domains (-l: the configuration of each, as JSON)"},
    {"dumpxml", cmd_dumpxml, "DOMAIN", "print a domain's configuration as libvirt XML"},
    {"exec", cmd_exec, "DOMAIN -- COMMAND [ARGS...]",
     "run a command in the domain's network namespace (its user space)"},
    {"uptime", cmd_uptime, "[DOMAIN...]", "print how long domains have been running"},
    {"top", cmd_top, "[-b] [-d SECONDS] [-i ITERATIONS]",
     "a refreshing table of domains: CPU, memory, per-vif packets (-b: no screen control), "
     "as xentop"},
    {"destroy", cmd_destroy, "DOMAIN", "terminate a domain immediately"},
    {"shutdown", cmd_shutdown, "[-w] DOMAIN", "ask a domain to shut down (-w: wait)"},
    {"reboot", cmd_reboot, "[-w] DOMAIN",
     "ask a domain to reboot; its on_reboot applies (-w: wait until it went down)"},
    {"pause", cmd_pause, "DOMAIN", "pause a domain"},
    {"unpause", cmd_unpause, "DOMAIN", "unpause a paused domain"},
    {"console", cmd_console, "DOMAIN", "attach to a domain's console (Ctrl-] leaves)"},
    {"network-attach", cmd_network_attach, "DOMAIN 'mac=..,bridge=..,backend=..,ip=..,queues=..'",
     "add a virtual network interface to a running domain"},
    {"network-detach", cmd_network_detach, "DOMAIN DEVID|MAC",
     "remove a virtual network interface"},
    {"network-list", cmd_network_list, "DOMAIN", "list a domain's virtual network interfaces"},
    {"pci-assignable-add", cmd_pci_assignable_add, "BDF",
     "make a PCI function assignable to domains (it is reset)"},
    {"pci-assignable-remove", cmd_pci_assignable_remove, "BDF",
     "give an unassigned function back to the host"},
    {"pci-assignable-list", cmd_pci_assignable_list, "", "list assignable, unassigned functions"},
    {"pci-attach", cmd_pci_attach, "DOMAIN BDF", "assign a function to a domain (hot-plug)"},
    {"pci-detach", cmd_pci_detach, "DOMAIN BDF", "take a function back from a domain (reset)"},
    {"pci-list", cmd_pci_list, "DOMAIN", "list the functions a domain owns"},
    {"domid", cmd_domid, "NAME", "print a domain's id"},
    {"domname", cmd_domname, "ID", "print a domain's name"},
    {"dmesg", cmd_dmesg, "[-c]", "print the hypervisor log (-c: and clear it)"},
    {"info", cmd_info, "", "print information about the host"},
    {"help", cmd_help, "[COMMAND]", "list the commands, or one command's usage"},
};

static const struct xl_command *running;

static void say(const char *prefix, const char *fmt, va_list ap)
{
    fputs(prefix, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int xl_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say("xl: ", fmt, ap);
    va_end(ap);
    return 1;
}

void xl_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say("xl: warning: ", fmt, ap);
    va_end(ap);
}

int xl_config_error(const struct config_error *cerr)
{
    char msg[700];

    config_format_error(cerr, msg, sizeof(msg));
    return xl_error("%s", msg);
}

int xl_usage(void)
{
    fprintf(stderr, "usage: xl %s %s\n  %s\n", running->name, running->args, running->help);
    return 2;
}

bool xl_parse_domid(const char *s, uint32_t *domid)
{
    unsigned long id;

    /* Past the domain ids is no domain (nor, cut to 16 bits, another's). */
    if (!sv_parse_uint(s, DOMID_FIRST_RESERVED - 1, &id))
        return false;
    *domid = (uint32_t)id;
    return true;
}

int xl_lookup_domid(const char *spec, uint32_t *domid)
{
    struct sv_domctl_lookup l = {0};
    int err;

    if (!*spec)
        return -ESRCH; /* an unset $DOM in a script must not name dom0 */
    if (spec[strspn(spec, "0123456789")] == '\0') {
        if (!xl_parse_domid(spec, &l.domid))
            return -ESRCH;
        if (l.domid == 0) {
            *domid = 0;
            return 0;
        }
    } else if (snprintf(l.name, sizeof(l.name), "%s", spec) >= (int)sizeof(l.name)) {
        return -ENAMETOOLONG;
    }
    err = hcall_simple(xl_chan, SV_HC_domctl, SV_DOMCTL_lookup, &l, sizeof(l));
    if (err < 0)
        return err;
    *domid = l.domid;
    return 0;
}

int xl_domid(const char *spec, uint32_t *domid)
{
    int err = xl_lookup_domid(spec, domid);

    if (err < 0) /* a name too long for any domain is no domain either */
        xl_error("no domain '%s'", spec);
    return err;
}

int xl_domain_arg(int argc, char **argv, int more, uint32_t *domid)
{
    if (argc != 2 + more)
        return xl_usage();
    return xl_domid(argv[1], domid) < 0 ? 1 : 0;
}

int xl_domset_parse(int first, int argc, char **argv, struct xl_domset *set)
{
    for (int i = first; i < argc; i++)
        if (argv[i][0] == '-')
            return xl_usage();
    set->n = 0;
    for (int i = first; i < argc; i++) {
        if (set->n == XL_DOMSET_MAX)
            return xl_error("more than %d domains named", XL_DOMSET_MAX);
        if (xl_domid(argv[i], &set->ids[set->n++]) < 0)
            return 1;
    }
    return 0;
}

bool xl_domset_has(const struct xl_domset *set, uint32_t domid)
{
    for (int i = 0; i < set->n; i++)
        if (set->ids[i] == domid)
            return true;
    return set->n == 0;
}

int xl_domname(uint32_t domid, char *buf, size_t len)
{
    struct sv_domctl_lookup l = {.domid = domid};
    int err = hcall_simple(xl_chan, SV_HC_domctl, SV_DOMCTL_lookup, &l, sizeof(l));

    if (err < 0)
        return err;
    snprintf(buf, len, "%s", l.name);
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    bool found = false;

    if (argc > 2)
        return xl_usage();
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (argc > 1 && strcmp(argv[1], commands[i].name))
            continue;
        printf(" %-10s %s\n %-10s   %s\n", commands[i].name, commands[i].args, "",
               commands[i].help);
        found = true;
    }
    return found ? 0 : xl_error("unknown command '%s' (see 'xl help')", argv[1]);
}

static const struct xl_command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

/* -h or --help among a command's options; what follows "--" is not xl's
 * (xl exec DOM -- prog --help asks prog). */
static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

/* Commands that never talk to the hypervisor. */
static bool offline(const struct xl_command *cmd, int argc, char **argv)
{
    if (cmd->fn == cmd_help)
        return true;
    for (int i = 1; cmd->fn == cmd_create && i < argc; i++)
        if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--dry-run"))
            return true;
    return false;
}

int main(int argc, char **argv)
{
    int ret;

    log_init("xl");
    if (argc < 2 || wants_help(2, argv)) {
        printf("usage: xl COMMAND [ARGS]\n\n");
        return cmd_help(1, argv) ? 1 : (argc < 2 ? 2 : 0);
    }
    running = find_command(argv[1]);
    if (!running)
        return xl_error("unknown command '%s' (see 'xl help')", argv[1]) + 1;
    if (wants_help(argc - 1, argv + 1)) {
        xl_usage();
        return 0;
    }
    if (!offline(running, argc - 1, argv + 1)) {
        xl_xch = xc_interface_open(NULL, NULL, 0);
        xl_chan = hcall_open();
        if (!xl_xch || xl_chan < 0)
            return xl_error("cannot reach the hypervisor in %s (is 'splitvisor start' done? "
                            "are you root?)",
                            sv_rundir());
    }
    ret = running->fn(argc - 1, argv + 1);
    if (xl_xch)
        xc_interface_close(xl_xch);
    if (xl_chan >= 0)
        close(xl_chan);
    return ret;
}
