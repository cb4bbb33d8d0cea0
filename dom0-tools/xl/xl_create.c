/*
 * xl create: parse the description, check what only the running host can
 * tell (the kernel image, the name, the memory, the backend domains, the PCI
 * functions), create the domain paused, start it, and make sure the run
 * directory's monitor runs to apply on_poweroff/on_reboot/on_crash.
 * A failed create leaves nothing: what the host can refuse is checked first,
 * the hypervisor undoes a create that fails part way, and xl destroys a
 * domain it could not finish setting up.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sv/cgroup.h"
#include "sv/hcall.h"
#include "sv/log.h"
#include "sv/util.h"
#include "xl.h"

const char *xl_last_console_hint(const char *name, char *buf, size_t len)
{
    char rel[CONFIG_NAME_SIZE + 24], path[300];

    snprintf(rel, sizeof(rel), "console/%s.last.log", name);
    if (sv_rundir_path(path, sizeof(path), rel) < 0 || access(path, F_OK) < 0)
        return "";
    snprintf(buf, len, " (its last console output: %s)", path);
    return buf;
}

/* A domain that crashes at once (bad arguments, a library missing) was not
 * created: how long xl create watches for that. */
#define XL_CREATE_SETTLE_MS 300
#define XL_CONSOLE_TAIL     2048

/* Whether domid crashed (or vanished) within XL_CREATE_SETTLE_MS. */
static bool crashed_at_once(uint32_t domid)
{
    for (int i = 0; i < XL_CREATE_SETTLE_MS / 10; i++) {
        xc_domaininfo_t info;
        unsigned reason;

        if (xc_domain_getinfolist(xl_xch, domid, 1, &info) != 1 || info.domain != domid)
            return true;
        reason = (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
        if (info.flags & XEN_DOMINF_shutdown)
            return reason == SHUTDOWN_crash;
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    return false;
}

/* The tail of a console log (console/REL in the run directory), on stderr. */
static void print_console_tail(const char *name, const char *rel)
{
    char path[300], buf[XL_CONSOLE_TAIL + 1];
    const char *start = buf;
    long n = 0;
    off_t size;
    int fd;

    if (sv_rundir_path(path, sizeof(path), rel) < 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return;
    size = lseek(fd, 0, SEEK_END);
    if (size >= 0 && lseek(fd, size > XL_CONSOLE_TAIL ? size - XL_CONSOLE_TAIL : 0, SEEK_SET) >= 0)
        n = sv_read_full(fd, buf, XL_CONSOLE_TAIL);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    if (size > XL_CONSOLE_TAIL && strchr(buf, '\n'))
        start = strchr(buf, '\n') + 1; /* whole lines only */
    fprintf(stderr, "xl: %s's console (%s) ends:\n%s%s", name, path, start,
            buf[n - 1] == '\n' ? "" : "\n");
}

/*
 * A domain that crashed as it started: with on_crash=preserve it is kept
 * for a post-mortem, as asked (a warning); otherwise it would vanish or
 * crash-loop under its monitor, so it is destroyed and the create fails.
 * Either way the end of its console says why.  0 or -ECHILD.
 */
static int started_crashed(const struct domain_config *cfg, uint32_t domid)
{
    char rel[CONFIG_NAME_SIZE + 24];

    if (cfg->on_crash == CONFIG_ACTION_PRESERVE) {
        xl_warn("%s crashed as it started (kept, as on_crash says)", cfg->name);
        snprintf(rel, sizeof(rel), "console/%u.log", domid);
        print_console_tail(cfg->name, rel);
        return 0;
    }
    xl_destroy_domain(domid);
    xl_error("%s: crashed as it started: not created", cfg->name);
    snprintf(rel, sizeof(rel), "console/%s.last.log", cfg->name);
    print_console_tail(cfg->name, rel);
    return -ECHILD;
}

/* Splits the command line on blanks, honouring '...' and "..." quoting. */
static int split_args(const char *line, struct sv_domctl_create *req)
{
    size_t out = 0;

    req->argc = 0;
    while (*line) {
        char quote = 0;

        while (isspace((unsigned char)*line))
            line++;
        if (!*line)
            break;
        for (; *line && (quote || !isspace((unsigned char)*line)); line++) {
            if (!quote && (*line == '\'' || *line == '"'))
                quote = *line;
            else if (quote && *line == quote)
                quote = 0;
            else if (out + 1 < sizeof(req->args))
                req->args[out++] = *line;
            else
                return -E2BIG;
        }
        if (quote)
            return -EINVAL;
        req->args[out++] = '\0';
        req->argc++;
    }
    req->args_len = (uint32_t)out;
    return 0;
}

static int parse_uuid(const char *text, uint8_t out[16])
{
    int n = 0;

    for (const char *p = text; *p && n < 32; p++) {
        if (*p == '-')
            continue;
        if (!isxdigit((unsigned char)*p))
            return -EINVAL;
        out[n / 2] = (uint8_t)((out[n / 2] << 4) | (isdigit((unsigned char)*p)
                                                        ? *p - '0'
                                                        : tolower((unsigned char)*p) - 'a' + 10));
        n++;
    }
    return n == 32 ? 0 : -EINVAL;
}

/* The description's CPU weight, where libxl would set the scheduler's: on
 * the domain's own cpu cgroup (the hypervisor gives each the default). */
static int set_cpu_weight(uint32_t domid, const struct domain_config *cfg)
{
    struct sv_domctl_lookup l = {.domid = domid};
    int err = hcall_domctl_lookup(xl_chan, &l);

    if (!err)
        err = sv_cgroup_cpu_weight((pid_t)l.pid, cfg->cpu_weight);
    if (err == -ENOENT) {
        log_warnx("%s: no cpu cgroup of its own on this host: cpu_weight ignored", cfg->name);
        err = 0;
    }
    return err;
}

int xl_create_domain(const struct domain_config *cfg, bool paused, uint32_t *domid)
{
    static struct sv_domctl_create req;
    const char *step;
    char hint[400];
    int kernel_fd, err;

    memset(&req, 0, sizeof(req));
    /* One limit: what the parsers take is what the hypervisor takes. */
    _Static_assert(sizeof(req.name) == sizeof(cfg->name), "domain name limits differ");
    snprintf(req.name, sizeof(req.name), "%s", cfg->name);
    req.memory_kb = cfg->memory_mib * 1024;
    req.vcpus = cfg->vcpus;
    req.max_vcpus = cfg->max_vcpus;
    req.max_grant_frames = cfg->max_grant_frames;
    req.max_maptrack_frames = cfg->max_maptrack_frames;
    req.max_event_channels = cfg->max_event_channels;
    if (parse_uuid(cfg->uuid, req.handle) < 0) {
        xl_error("%s: bad uuid '%s'", cfg->name, cfg->uuid);
        return -EINVAL;
    }
    if (split_args(cfg->extra, &req) < 0) {
        xl_error("%s: extra: unbalanced quote or too long", cfg->name);
        return -EINVAL;
    }
    kernel_fd = open(cfg->kernel, O_RDONLY | O_CLOEXEC);
    if (kernel_fd < 0 || access(cfg->kernel, X_OK) < 0) {
        err = -errno;
        xl_error("%s: kernel: cannot run '%s': %s", cfg->name, cfg->kernel, strerror(errno));
        if (kernel_fd >= 0)
            close(kernel_fd);
        return err;
    }
    err = hcall_domctl_create_v(xl_chan, &req, 1,
                                &(struct hcall_io){.fds_in = &kernel_fd, .nfds_in = 1});
    close(kernel_fd);
    if (err == -EEXIST)
        xl_error("%s: a domain or network namespace sv-%s already exists", cfg->name, cfg->name);
    else if (err == -ENOPKG)
        xl_error("%s: the hypervisor cannot run 'ip' (iproute2) to make its network namespace",
                 cfg->name);
    else if (err < 0)
        xl_error("%s: the hypervisor refused to create it: %s%s", cfg->name, strerror(-err),
                 xl_last_console_hint(cfg->name, hint, sizeof(hint)));
    if (err < 0)
        return err;
    *domid = req.domid;
    /* Which step failed goes in the error: a bare errno from xenstored or
     * the hypervisor says nothing of where to look. */
    step = "saving its description";
    err = userdata_save(req.domid, cfg);
    if (!err) {
        step = "its xenstore home (xenstored's log says more)";
        err = xs_home_create(cfg, req.domid);
    }
    for (unsigned i = 0; !err && i < cfg->nr_vifs; i++) {
        step = "plugging a vif";
        err = guestnet_plumb(cfg->name, &cfg->vifs[i]);
        if (!err)
            err = vif_add(req.domid, &cfg->vifs[i]);
    }
    for (unsigned i = 0; !err && i < cfg->nr_pcis; i++) {
        step = "assigning its PCI functions";
        err = xl_pci_plug(req.domid, cfg->name, &cfg->pcis[i]);
    }
    if (!err && cfg->cpu_weight != CONFIG_DEFAULT_CPU_WEIGHT) {
        step = "setting its cpu_weight";
        err = set_cpu_weight(req.domid, cfg);
    }
    if (!err && !paused && xc_domain_unpause(xl_xch, req.domid) < 0) {
        step = "unpausing it (did it die?)";
        err = -errno;
    }
    if (err) {
        xl_destroy_domain(req.domid);
        xl_error("%s: cannot start domain %u: %s: %s%s", cfg->name, req.domid, step, strerror(-err),
                 xl_last_console_hint(cfg->name, hint, sizeof(hint)));
        return err;
    }
    vf_replug_owner(req.domid); /* first: a teamed vif finds its VF's state */
    vif_replug_backend(cfg->name, req.domid);
    return 0;
}

/*
 * What only the running host can tell, checked before anything is created
 * so that a refusal leaves nothing behind and names the file, line and key
 * of the value: a kernel image that cannot be run, memory the host does not
 * have, a backend domain that does not exist, a PCI function that cannot be
 * assigned.  xl_create_domain() checks the kernel and the last two again as
 * it goes (a restart has no file to name).
 */
static int check_host(const char *file, const struct domain_config *cfg)
{
    struct config_error cerr = {0};
    xc_physinfo_t pi;
    uint32_t backend;
    int err;

    if (access(cfg->kernel, X_OK) < 0)
        config_origin_fail(&cerr, file, &cfg->kernel_at, "cannot run '%s': %s", cfg->kernel,
                           strerror(errno));
    else if (xc_physinfo(xl_xch, &pi) == 0 && cfg->memory_mib * 256 > pi.total_pages)
        config_origin_fail(
            &cerr, file, &cfg->memory_at, "%llu MiB is more than the host has (%llu MiB)",
            (unsigned long long)cfg->memory_mib, (unsigned long long)(pi.total_pages / 256));
    for (unsigned i = 0; !cerr.message[0] && i < cfg->nr_vifs; i++)
        if (vif_backend_domid(cfg->vifs[i].backend, &backend) < 0)
            config_origin_fail(&cerr, file, &cfg->vifs[i].backend_at,
                               "vif %u: unknown backend domain '%s'", cfg->vifs[i].devid,
                               cfg->vifs[i].backend);
    for (unsigned i = 0; !cerr.message[0] && i < cfg->nr_pcis; i++)
        if ((err = xl_pci_check(cfg->pcis[i].bdf)) < 0)
            config_origin_fail(&cerr, file, &cfg->pcis[i].at, "%s: %s", cfg->pcis[i].bdf,
                               xl_pci_strerror(err));
    return cerr.message[0] ? xl_config_error(&cerr) : 0;
}

/* The description FILE [KEY=VALUE...] names (xl create's operands). */
static int load(int argc, char **argv, struct domain_config *cfg)
{
    struct config_error cerr;

    if (argc < 2)
        return xl_usage();
    for (int i = 2; i < argc; i++)
        if (!strchr(argv[i], '='))
            return xl_error("create: '%s' is not a KEY=VALUE setting", argv[i]);
    if (config_load_args(argv[1], argv + 2, argc - 2, cfg, &cerr))
        return xl_config_error(&cerr);
    return 0;
}

/* -n / --dry-run[=json|xml]: the description, normalized. */
static int dry_run(const struct domain_config *cfg)
{
    const char *format = xl_optarg('n') ? xl_optarg('n') : "json";

    if (!strcmp(format, "json"))
        return config_to_json(cfg, stdout) ? 1 : 0;
    if (!strcmp(format, "xml"))
        return config_to_xml(cfg, stdout) ? 1 : 0;
    return xl_error("create: --dry-run takes json or xml, not '%s'", format);
}

int cmd_create(int argc, char **argv)
{
    struct domain_config cfg;
    bool paused = xl_opt('p');
    uint32_t domid;
    int err = load(argc, argv, &cfg);

    if (err)
        return err;
    if (xl_opt('n')) {
        err = dry_run(&cfg);
        config_free(&cfg);
        return err;
    }
    err = config_fill_defaults(&cfg);
    if (!err)
        err = check_host(argv[1], &cfg) ? -EINVAL : 0;
    if (!err)
        err = xl_create_domain(&cfg, paused, &domid);
    if (!err && !paused && crashed_at_once(domid))
        err = started_crashed(&cfg, domid);
    if (!err) {
        if (!xl_opt('q'))
            printf("Domain %u (%s) created%s\n", domid, cfg.name, paused ? ", paused" : "");
        fflush(stdout);
        err = monitor_start();
    }
    config_free(&cfg);
    if (!err && xl_opt('c'))
        return xl_console_attach(domid);
    return err ? 1 : 0;
}
