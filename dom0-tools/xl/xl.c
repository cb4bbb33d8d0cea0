/*
 * xl: entry point, the command table, and the helpers every command uses
 * (options, errors, domains named on the command line).
 * Exit status: 0 on success, 1 on failure (with a message), 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sv/log.h"
#include "sv/util.h"
#include "xl.h"

struct svl_ctx xl_ctx = {.chan = -1};

static int cmd_help(int argc, char **argv);

/* Long options, each standing for the short one of the same letter (at
 * most XL_MAX_LONGOPTS a command). */
#define XL_MAX_LONGOPTS 8
static const struct option create_long[] = {{"dry-run", optional_argument, NULL, 'n'},
                                            {"console", no_argument, NULL, 'c'},
                                            {"quiet", no_argument, NULL, 'q'},
                                            {NULL, 0, NULL, 0}};
static const struct option list_long[] = {
    {"long", no_argument, NULL, 'l'}, {"verbose", no_argument, NULL, 'v'}, {NULL, 0, NULL, 0}};
static const struct option stop_long[] = {
    {"all", no_argument, NULL, 'a'}, {"wait", no_argument, NULL, 'w'}, {NULL, 0, NULL, 0}};
static const struct option top_long[] = {{"batch", no_argument, NULL, 'b'},
                                         {"delay", required_argument, NULL, 'd'},
                                         {"iterations", required_argument, NULL, 'i'},
                                         {"networks", no_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
static const struct option info_long[] = {{"numa", no_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
static const struct option sched_long[] = {{"domain", required_argument, NULL, 'd'},
                                           {"weight", required_argument, NULL, 'w'},
                                           {"cap", required_argument, NULL, 'c'},
                                           {NULL, 0, NULL, 0}};
static const struct option dmesg_long[] = {{"clear", no_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};

static const struct xl_command commands[] = {
    {"create", cmd_create, "pcqn", create_long,
     "[-p] [-c] [-q] [-n|--dry-run[=json|xml]] FILE [KEY=VALUE...]",
     "create a domain from an xl.cfg or libvirt XML file; KEY=VALUE lines are added to an "
     "xl.cfg (-p: leave it paused; -c: attach to its console; -q: say nothing; -n: print the "
     "description, as JSON or libvirt XML, and create nothing)"},
    {"list", cmd_list, "lv", list_long, "[-l|--long] [-v|--verbose] [DOMAIN...]",
     "list domains (-l: the configuration of each, as JSON; -v: with UUID and reason)"},
    {"dumpxml", cmd_dumpxml, "", NULL, "DOMAIN", "print a domain's configuration as libvirt XML"},
    {"exec", cmd_exec, "+", NULL, "DOMAIN [--] COMMAND [ARGS...]",
     "run a command in the domain's network namespace and cgroups (it ends with the domain)"},
    {"uptime", cmd_uptime, "s", NULL, "[-s] [DOMAIN...]",
     "print how long domains have been running (-s: short, as uptime(1))"},
    {"top", cmd_top, "bd:i:n", top_long, "[-b] [-d SECONDS] [-i ITERATIONS] [-n]",
     "a refreshing table of domains: CPU, memory, per-vif packets and bytes (-b: no screen "
     "control; q leaves), as xentop"},
    {"destroy", cmd_destroy, "f", NULL, "[-f] DOMAIN",
     "terminate a domain immediately (-f: taken, as Xen's; Domain-0 is the host all the same)"},
    {"shutdown", cmd_shutdown, "awF", stop_long, "[-a|--all] [-w|--wait] [-F] [DOMAIN]",
     "ask a domain to shut down (-a: every domain; -w: wait; -F: taken, the power button is "
     "always the fallback)"},
    {"reboot", cmd_reboot, "awF", stop_long, "[-a|--all] [-w|--wait] [-F] [DOMAIN]",
     "ask a domain to reboot; its on_reboot applies (-a: every domain; -w: wait until it went "
     "down)"},
    {"pause", cmd_pause, "", NULL, "DOMAIN", "pause a domain"},
    {"unpause", cmd_unpause, "", NULL, "DOMAIN", "unpause a paused domain"},
    {"console", cmd_console, "", NULL, "DOMAIN", "attach to a domain's console (Ctrl-] leaves)"},
    {"network-attach", cmd_network_attach, "", NULL,
     "DOMAIN KEY=VALUE... (mac=.. bridge=.. backend=.. ip=.. queues=.., or one 'mac=..,ip=..')",
     "add a virtual network interface to a running domain"},
    {"network-detach", cmd_network_detach, "", NULL, "DOMAIN DEVID|MAC",
     "remove a virtual network interface"},
    {"network-list", cmd_network_list, "", NULL, "DOMAIN...",
     "list domains' virtual network interfaces"},
    {"pci-assignable-add", cmd_pci_assignable_add, "", NULL, "BDF",
     "make a PCI function assignable to domains (it is reset)"},
    {"pci-assignable-remove", cmd_pci_assignable_remove, "", NULL, "BDF",
     "give an unassigned function back to the host"},
    {"pci-assignable-list", cmd_pci_assignable_list, "", NULL, "",
     "list assignable, unassigned functions"},
    {"pci-attach", cmd_pci_attach, "", NULL, "DOMAIN BDF",
     "assign a function to a domain (hot-plug)"},
    {"pci-detach", cmd_pci_detach, "f", NULL, "[-f] DOMAIN BDF",
     "take a function back from a domain (reset; -f: at once, nobody asked first)"},
    {"pci-reset", cmd_pci_reset, "", NULL, "BDF",
     "reset a function (FLR) where it is: its owner keeps it, its queues stopped"},
    {"pci-list", cmd_pci_list, "", NULL, "DOMAIN", "list the functions a domain owns"},
    {"pci-list-all", cmd_pci_list_all, "", NULL, "",
     "list every function of every NIC: its kind, queues, whether assignable, its owner"},
    {"sched-credit", cmd_sched_credit, "d:w:c:", sched_long, "[-d DOMAIN [-w WEIGHT] [-c CAP]]",
     "show or set domains' credit weight (1..65535) and cap (% of one CPU, 0: none), on "
     "their cpu cgroups"},
    {"vcpu-list", cmd_vcpu_list, "", NULL, "[DOMAIN...]",
     "list domains' VCPUs (the threads of each one's process): CPU, state, time, affinity"},
    {"vcpu-pin", cmd_vcpu_pin, "f", NULL, "[-f] DOMAIN VCPU|all CPUS|all [all]",
     "pin a domain's VCPU (thread), or all of them, to CPUs ('0-3,6'; -f: taken, as Xen's)"},
    {"mem-set", cmd_mem_set, "", NULL, "DOMAIN MEM",
     "set a domain's memory target (MiB, or b/k/m/g), up to what it was given, on its "
     "memory cgroup"},
    {"mem-max", cmd_mem_max, "", NULL, "DOMAIN MEM",
     "set a domain's memory limit (MiB, or b/k/m/g), up to what it was given, on its memory "
     "cgroup"},
    {"rename", cmd_rename, "", NULL, "DOMAIN NEW-NAME",
     "rename a domain (its network namespace gets the new name too)"},
    {"trigger", cmd_trigger, "", NULL, "DOMAIN power|reset [VCPU]",
     "press a domain's power button, or reboot it at once (reset)"},
    {"sysrq", cmd_sysrq, "", NULL, "DOMAIN b|o|c",
     "stop a domain at once with reason reboot (b), poweroff (o) or crash (c)"},
    {"config-update", cmd_config_update, "", NULL, "DOMAIN FILE [KEY=VALUE...]",
     "replace the description a running domain's next restart uses"},
    {"domstats", cmd_domstats, "", NULL, "[DOMAIN...]",
     "print domains' counters as JSON (state, CPU, memory, per-vif packets and bytes)"},
    {"domid", cmd_domid, "", NULL, "NAME", "print a domain's id"},
    {"domname", cmd_domname, "", NULL, "ID", "print a domain's name"},
    {"dmesg", cmd_dmesg, "c", dmesg_long, "[-c]", "print the hypervisor log (-c: and clear it)"},
    {"info", cmd_info, "n", info_long, "[-n|--numa]",
     "print information about the host, in Xen's fields (-n: its CPU and NUMA topology too)"},
    {"help", cmd_help, "", NULL, "[COMMAND]", "list the commands, or one command's usage"},
};

static const struct xl_command *running;

/* What the running command's options said: indexed by the option's letter. */
static struct {
    bool given[128];
    const char *arg[128];
} opts;

bool xl_opt(char c)
{
    return opts.given[(unsigned char)c & 127];
}

const char *xl_optarg(char c)
{
    return opts.arg[(unsigned char)c & 127];
}

int xl_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(LOG_LEVEL_ERROR, 0, fmt, ap);
    va_end(ap);
    return 1;
}

void xl_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(LOG_LEVEL_WARN, 0, fmt, ap);
    va_end(ap);
}

int xl_svl_error(void)
{
    const char *m = xl_ctx.error.message;

    if (!*m)
        m = "failed (no reason given)";
    while (*m) {
        size_t n = strcspn(m, "\n");

        fprintf(stderr, "xl: %.*s\n", (int)n, m);
        m += n + (m[n] == '\n');
    }
    if (xl_ctx.error.console[0])
        fprintf(stderr, "xl: %s", xl_ctx.error.console);
    svl_error_clear(&xl_ctx);
    return 1;
}

void xl_svl_log(void *arg, enum svl_level level, const char *msg)
{
    (void)arg;
    if (level == SVL_INFO)
        printf("%s\n", msg);
    else if (level == SVL_WARN)
        xl_warn("%s", msg);
    else
        fprintf(stderr, "xl: %s", msg);
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

int xl_domid(const char *spec, uint32_t *domid)
{
    int err = svl_domid(&xl_ctx, spec, domid);

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

static int cmd_help(int argc, char **argv)
{
    bool found = false;
    char *text = NULL;
    size_t len = 0;
    FILE *out;
    int err;

    if (argc > 2)
        return xl_usage();
    /* One write: the list is longer than stdio's buffer, and a reader that
     * stops at the line it wants (`xl help | grep -q`) must not turn a
     * second write into SIGPIPE. */
    if (!(out = open_memstream(&text, &len)))
        return xl_error("out of memory");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (argc > 1 && strcmp(argv[1], commands[i].name))
            continue;
        fprintf(out, " %-10s %s\n %-10s   %s\n", commands[i].name, commands[i].args, "",
                commands[i].help);
        found = true;
    }
    err = fclose(out) ? -ENOMEM : 0;
    fflush(stdout);
    if (!err)
        err = sv_write_full(STDOUT_FILENO, text, len);
    free(text);
    if (err == -ENOMEM)
        return xl_error("out of memory");
    return found ? 0 : xl_error("unknown command '%s' (see 'xl help')", argv[1]);
}

static const struct xl_command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

/*
 * The one option parser of every command (getopt_long's rules, as Xen's xl:
 * options anywhere before "--", -ab clusters, --long and --long=VALUE; a
 * command whose letters start with '+' stops at its first operand, the rest
 * being another program's arguments).  -h and --help are every command's.
 * Leaves the operands in argv[1..] (argv[0] the command) and returns their
 * count + 1, or -1 (a bad option, said) or -2 (help asked).
 */
static int parse_options(const struct xl_command *cmd, int argc, char **argv)
{
    struct option longopts[XL_MAX_LONGOPTS + 2] = {{"help", no_argument, NULL, 'h'}};
    bool plus = cmd->opts[0] == '+';
    char shortopts[32];
    int c, n = 1;

    for (int i = 0; cmd->longopts && cmd->longopts[i].name && i < XL_MAX_LONGOPTS; i++)
        longopts[i + 1] = cmd->longopts[i];
    snprintf(shortopts, sizeof(shortopts), "%s:h%s", plus ? "+" : "", cmd->opts + plus);
    optind = 0; /* getopt's full reset */
    opterr = 0;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const char *bad = argv[optind - 1];

        if (c == 'h')
            return -2;
        if (c == ':' || c == '?') {
            if (bad[0] == '-' && bad[1] != '-' && optopt)
                xl_error("%s: %s '-%c'", cmd->name,
                         c == ':' ? "a value is missing after" : "unknown option", optopt);
            else
                xl_error("%s: %s '%s'", cmd->name,
                         c == ':' ? "a value is missing after" : "unknown option", bad);
            return -1;
        }
        opts.given[c & 127] = true;
        opts.arg[c & 127] = optarg;
    }
    for (int i = optind; i < argc; i++)
        argv[n++] = argv[i];
    argv[n] = NULL;
    return n;
}

/* Commands that never talk to the hypervisor. */
static bool offline(const struct xl_command *cmd)
{
    return cmd->fn == cmd_help || (cmd->fn == cmd_create && xl_opt('n'));
}

int main(int argc, char **argv)
{
    int ret;

    log_init("xl");
    log_set_tool_style();
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        printf("usage: xl COMMAND [ARGS]\n\n");
        return cmd_help(1, argv) ? 1 : (argc < 2 ? 2 : 0);
    }
    running = find_command(argv[1]);
    if (!running)
        return xl_error("unknown command '%s' (see 'xl help')", argv[1]) + 1;
    argc = parse_options(running, argc - 1, argv + 1);
    argv++;
    if (argc < 0) {
        xl_usage();
        return argc == -2 ? 0 : 2;
    }
    if (!offline(running) && svl_open(&xl_ctx, xl_svl_log, NULL) < 0)
        return xl_error("cannot reach the hypervisor in %s (is 'splitvisor start' done? "
                        "are you root?)",
                        sv_rundir());
    ret = running->fn(argc, argv);
    svl_close(&xl_ctx);
    return ret;
}
