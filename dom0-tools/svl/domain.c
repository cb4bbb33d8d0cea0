/*
 * A domain's life cycle: check what only the running host can tell (the
 * kernel image, the memory, the backend domains, the PCI functions), create
 * it paused, plug its devices, start it, tell a domain that crashed as it
 * started; destroy it and forget it; ask it to shut down or reboot.  A failed create leaves
 * nothing: what the host can refuse is checked first, the hypervisor undoes a create that fails
 * part way, and a domain that could not be set up is destroyed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sv/cgroup.h"
#include "sv/hcall.h"
#include "sv/util.h"
#include "svl_internal.h"

const char *svl_last_console_hint(const char *name, char *buf, size_t len)
{
    char rel[CONFIG_NAME_SIZE + 24], path[300];

    snprintf(rel, sizeof(rel), "console/%s.last.log", name);
    if (sv_rundir_path(path, sizeof(path), rel) < 0 || access(path, F_OK) < 0)
        return "";
    snprintf(buf, len, " (its last console output: %s)", path);
    return buf;
}

/* How long a create waits for a started domain to come up (its first
 * hypercall) or die.  An image that makes no hypercall by then (a program
 * that needs no hypervisor) is taken as running. */
#define SVL_CREATE_UP_MS 1000
#define XL_CONSOLE_TAIL  2048

/*
 * Whether domid died before it was up (bad arguments, a library missing, an
 * exec that failed) with a crash, or vanished: the hypervisor answers as soon
 * as the domain makes its first hypercall or dies, so a healthy domain costs
 * its start and no more.  A clean poweroff that quick is a domain that ran.
 */
static bool crashed_at_once(struct svl_ctx *ctx, uint32_t domid)
{
    struct sv_domctl_wait w = {.domid = domid, .timeout_ms = SVL_CREATE_UP_MS};
    int err = hcall_domctl_wait_up(ctx->chan, &w);
    xc_domaininfo_t info;

    if (err == 0 || err == -ETIMEDOUT)
        return false;
    if (err != -ECHILD || xc_domain_getinfolist(ctx->xch, domid, 1, &info) != 1 ||
        info.domain != domid)
        return true;
    return ((info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) == SHUTDOWN_crash;
}

/* The tail of a console log (console/REL in the run directory), into
 * ctx->error.console. */
static void console_tail(struct svl_ctx *ctx, const char *name, const char *rel)
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
    snprintf(ctx->error.console, sizeof(ctx->error.console), "%s's console (%s) ends:\n%s%s", name,
             path, start, buf[n - 1] == '\n' ? "" : "\n");
}

/*
 * A domain that crashed as it started: with on_crash=preserve it is kept
 * for a post-mortem, as asked (a warning); otherwise it would vanish or
 * crash-loop under its monitor, so it is destroyed and the create fails.
 * Either way the end of its console says why.  0 or -ECHILD.
 */
int svl_domain_check_started(struct svl_ctx *ctx, const struct domain_config *cfg, uint32_t domid)
{
    char rel[CONFIG_NAME_SIZE + 24];

    if (!crashed_at_once(ctx, domid))
        return 0;
    if (cfg->on_crash == CONFIG_ACTION_PRESERVE) {
        svl_log(ctx, SVL_WARN, "%s crashed as it started (kept, as on_crash says)", cfg->name);
        snprintf(rel, sizeof(rel), "console/%u.log", domid);
        console_tail(ctx, cfg->name, rel);
        if (ctx->error.console[0])
            svl_log(ctx, SVL_CONSOLE, "%s", ctx->error.console);
        ctx->error.console[0] = '\0';
        return 0;
    }
    svl_domain_destroy(ctx, domid);
    snprintf(rel, sizeof(rel), "console/%s.last.log", cfg->name);
    console_tail(ctx, cfg->name, rel);
    return svl_fail(ctx, -ECHILD, "%s: crashed as it started: not created", cfg->name);
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
static int set_cpu_weight(struct svl_ctx *ctx, uint32_t domid, const struct domain_config *cfg)
{
    pid_t pid;
    int err = svl_domain_pid(ctx, domid, &pid);

    if (!err)
        err = sv_cgroup_cpu_weight(pid, cfg->cpu_weight);
    if (err == -ENOENT) {
        svl_log(ctx, SVL_WARN, "%s: no cpu cgroup of its own on this host: cpu_weight ignored",
                cfg->name);
        err = 0;
    }
    return err;
}

int svl_domain_create(struct svl_ctx *ctx, const struct domain_config *cfg, bool paused,
                      uint32_t *domid)
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
    if (parse_uuid(cfg->uuid, req.handle) < 0)
        return svl_fail(ctx, -EINVAL, "%s: bad uuid '%s'", cfg->name, cfg->uuid);
    if (split_args(cfg->extra, &req) < 0)
        return svl_fail(ctx, -EINVAL, "%s: extra: unbalanced quote or too long", cfg->name);
    kernel_fd = open(cfg->kernel, O_RDONLY | O_CLOEXEC);
    if (kernel_fd < 0 || access(cfg->kernel, X_OK) < 0) {
        err = svl_fail(ctx, -errno, "%s: kernel: cannot run '%s': %s", cfg->name, cfg->kernel,
                       strerror(errno));
        if (kernel_fd >= 0)
            close(kernel_fd);
        return err;
    }
    err = hcall_domctl_create_v(ctx->chan, &req, 1,
                                &(struct hcall_io){.fds_in = &kernel_fd, .nfds_in = 1});
    close(kernel_fd);
    if (err == -EEXIST)
        return svl_fail(ctx, err, "%s: a domain or network namespace sv-%s already exists",
                        cfg->name, cfg->name);
    if (err == -ENOPKG)
        return svl_fail(ctx, err,
                        "%s: the hypervisor cannot run 'ip' (iproute2) to make its network "
                        "namespace",
                        cfg->name);
    if (err < 0)
        return svl_fail(ctx, err, "%s: the hypervisor refused to create it: %s%s", cfg->name,
                        strerror(-err), svl_last_console_hint(cfg->name, hint, sizeof(hint)));
    *domid = req.domid;
    /* Which step failed goes in the error: a bare errno from xenstored or
     * the hypervisor says nothing of where to look. */
    step = "saving its description";
    err = svl_userdata_save(req.domid, cfg);
    if (!err) {
        step = "its xenstore home (xenstored's log says more)";
        err = svl_home_create(ctx, cfg, req.domid);
    }
    for (unsigned i = 0; !err && i < cfg->nr_vifs; i++) {
        step = "plugging a vif";
        err = svl_guestnet_plumb(ctx, req.domid, cfg->name, &cfg->vifs[i]);
        if (!err)
            err = svl_vif_add(ctx, req.domid, &cfg->vifs[i]);
    }
    for (unsigned i = 0; !err && i < cfg->nr_pcis; i++) {
        step = "assigning its PCI functions";
        /* A driver domain succeeds whoever held its PF before: the monitor's
         * restart takes the PF over as its dead owner left it. */
        err = svl_pci_plug(ctx, req.domid, cfg->name, &cfg->pcis[i], cfg->driver_domain);
    }
    if (!err && cfg->cpu_weight != CONFIG_DEFAULT_CPU_WEIGHT) {
        step = "setting its cpu_weight";
        err = set_cpu_weight(ctx, req.domid, cfg);
    }
    if (!err && !paused && xc_domain_unpause(ctx->xch, req.domid) < 0) {
        step = "unpausing it (did it die?)";
        err = -errno;
    }
    if (err) {
        svl_domain_destroy(ctx, req.domid);
        return svl_fail(ctx, err, "%s: cannot start domain %u: %s: %s%s", cfg->name, req.domid,
                        step, strerror(-err), svl_last_console_hint(cfg->name, hint, sizeof(hint)));
    }
    svl_vf_replug_owner(ctx, req.domid); /* first: a teamed vif finds its VF's state */
    svl_vif_replug_backend(ctx, cfg->name, req.domid);
    /* The domain serves without it: a standby that cannot start is said. */
    if (cfg->standby && svl_standby_create(ctx, cfg) < 0) {
        svl_log(ctx, SVL_WARN, "%s", ctx->error.message);
        svl_error_clear(ctx);
    }
    return 0;
}

/*
 * What only the running host can tell, checked before anything is created
 * so that a refusal leaves nothing behind and names the file, line and key
 * of the value: a kernel image that cannot be run, memory the host does not
 * have, a backend domain that does not exist, a PCI function that cannot be
 * assigned.  svl_domain_create() checks the kernel and the last two again as
 * it goes (a restart has no file to name).
 */
int svl_domain_check(struct svl_ctx *ctx, const char *file, const struct domain_config *cfg)
{
    struct config_error cerr = {0};
    xc_physinfo_t pi;
    uint32_t backend;
    int err;

    if (access(cfg->kernel, X_OK) < 0)
        config_origin_fail(&cerr, file, &cfg->kernel_at, "cannot run '%s': %s", cfg->kernel,
                           strerror(errno));
    else if (xc_physinfo(ctx->xch, &pi) == 0 && cfg->memory_mib * 256 > pi.total_pages)
        config_origin_fail(
            &cerr, file, &cfg->memory_at, "%llu MiB is more than the host has (%llu MiB)",
            (unsigned long long)cfg->memory_mib, (unsigned long long)(pi.total_pages / 256));
    for (unsigned i = 0; !cerr.message[0] && i < cfg->nr_vifs; i++)
        if (svl_vif_backend_domid(ctx, cfg->vifs[i].backend, &backend) < 0)
            config_origin_fail(&cerr, file, &cfg->vifs[i].backend_at,
                               "vif %u: unknown backend domain '%s'", cfg->vifs[i].devid,
                               cfg->vifs[i].backend);
    if (!cerr.message[0])
        svl_standby_check(cfg, &cerr, file);
    for (unsigned i = 0; !cerr.message[0] && i < cfg->nr_pcis; i++)
        if ((err = svl_pci_check(ctx, cfg->pcis[i].bdf)) < 0)
            config_origin_fail(&cerr, file, &cfg->pcis[i].at, "%s: %s", cfg->pcis[i].bdf,
                               svl_pci_strerror(err));
    return cerr.message[0] ? svl_config_fail(ctx, -EINVAL, &cerr) : 0;
}

int svl_domain_destroy(struct svl_ctx *ctx, uint32_t domid)
{
    char name[SV_DOMAIN_NAME_MAX] = "";

    svl_domname(ctx, domid, name, sizeof(name));
    return svl_domain_destroy_named(ctx, domid, name);
}

int svl_domain_destroy_named(struct svl_ctx *ctx, uint32_t domid, const char *name)
{
    int ret = xc_domain_destroy(ctx->xch, domid);

    if (ret == 0 || errno == ESRCH) {
        if (name[0]) /* a renamed domain's second name; the first went with it */
            svl_guestnet_forget(ctx, name);
        svl_userdata_remove(domid);
        svl_vif_orphan_backend(domid);
        svl_vif_remove_all(domid);
        svl_vf_remove_all(ctx, domid);
        svl_home_remove(domid);
    }
    return ret < 0 ? -errno : 0;
}

bool svl_domain_has_shut_down(struct svl_ctx *ctx, uint32_t domid)
{
    xc_domaininfo_t info;

    return xc_domain_getinfolist(ctx->xch, domid, 1, &info) != 1 || info.domain != domid ||
           (info.flags & XEN_DOMINF_shutdown);
}

int svl_domain_shutdown(struct svl_ctx *ctx, uint32_t domid, bool reboot)
{
    struct sv_domctl c = {.domid = domid};
    int err;

    if (svl_home_request_shutdown(domid, reboot ? "reboot" : "poweroff"))
        return 0;
    if (reboot) /* no reset button: stopped with reason reboot, its monitor applies on_reboot */
        err = xc_domain_shutdown(ctx->xch, domid, SHUTDOWN_reboot) < 0 ? -errno : 0;
    else
        err = hcall_domctl_power_button(ctx->chan, &c);
    if (err == -EBUSY && !reboot) /* a paused one cannot see its button */
        return svl_fail(ctx, err,
                        "domain %u is paused and watches no control/shutdown: it cannot act on "
                        "its power button ('xl unpause' it, or 'xl destroy' it)",
                        domid);
    if (err < 0)
        return svl_fail(ctx, err, "cannot %s domain %u: %s", reboot ? "reboot" : "shut down", domid,
                        strerror(-err));
    return 0;
}

/* What Xen's trigger and sysrq mean for a domain that is a process: the
 * power button, an immediate stop with a reason (its on_* applies), or
 * nothing (refused). */
static const struct {
    const char *trigger;
    char sysrq;
    int reason; /* SHUTDOWN_*, or -1: the power button */
} actions[] = {
    {"power", '\0', -1},
    {"reset", 'b', SHUTDOWN_reboot},
    {"", 'o', SHUTDOWN_poweroff},
    {"", 'c', SHUTDOWN_crash},
};

static int act(struct svl_ctx *ctx, uint32_t domid, int reason)
{
    struct sv_domctl c = {.domid = domid};

    if (domid == 0)
        return svl_fail(ctx, -EPERM, "Domain-0 is the host: stop it with 'splitvisor stop'");
    if (reason < 0)
        return hcall_domctl_power_button(ctx->chan, &c);
    return xc_domain_shutdown(ctx->xch, domid, reason) < 0 ? -errno : 0;
}

int svl_domain_trigger(struct svl_ctx *ctx, uint32_t domid, const char *trigger)
{
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (actions[i].trigger[0] && !strcmp(actions[i].trigger, trigger))
            return act(ctx, domid, actions[i].reason);
    return svl_fail(ctx, -EOPNOTSUPP,
                    "trigger '%s' means nothing here (power: the power button; reset: reboot "
                    "at once)",
                    trigger);
}

int svl_domain_sysrq(struct svl_ctx *ctx, uint32_t domid, char key)
{
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (actions[i].sysrq && actions[i].sysrq == key)
            return act(ctx, domid, actions[i].reason);
    return svl_fail(ctx, -EOPNOTSUPP,
                    "sysrq '%c' means nothing here (b: reboot, o: power off, c: crash, at once)",
                    key);
}

int svl_domain_config_update(struct svl_ctx *ctx, uint32_t domid, struct domain_config *cfg)
{
    struct domain_config old;
    int err;

    if (domid == 0)
        return svl_fail(ctx, -EPERM, "Domain-0 is the host: it has no description");
    if (svl_userdata_load(domid, &old) < 0)
        return svl_fail(ctx, -ENOENT, "no configuration kept for domain %u", domid);
    /* The same domain: its name (rename is another command) and its UUID. */
    if (strcmp(old.name, cfg->name)) {
        err =
            svl_fail(ctx, -EINVAL, "the new description names '%s', not '%s'", cfg->name, old.name);
        goto out;
    }
    snprintf(cfg->uuid, sizeof(cfg->uuid), "%s", old.uuid);
    err = svl_userdata_save(domid, cfg);
    if (err < 0)
        svl_fail(ctx, err, "cannot keep the description of %s: %s", old.name, strerror(-err));
out:
    config_free(&old);
    return err;
}

int svl_domain_set_name(struct svl_ctx *ctx, uint32_t domid, const char *name)
{
    struct sv_domctl_lookup l = {.domid = domid};
    struct xs_handle *h;
    char path[64];
    int err;

    if (snprintf(l.name, sizeof(l.name), "%s", name) >= (int)sizeof(l.name))
        return svl_fail(ctx, -ENAMETOOLONG, "'%s' is longer than a domain name may be", name);
    err = hcall_domctl_rename(ctx->chan, &l);
    if (err == -EEXIST)
        return svl_fail(ctx, err, "a domain named '%s' exists", name);
    if (err == -EINVAL)
        return svl_fail(ctx, err, "'%s' is no domain name (letters, digits, '_', '.', '-')", name);
    if (err < 0)
        return svl_fail(ctx, err, "cannot rename domain %u: %s", domid, strerror(-err));
    if ((h = xs_open(0))) {
        snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
        xs_write(h, XBT_NULL, path, name, (unsigned)strlen(name));
        xs_close(h);
    }
    return 0;
}

int svl_domain_rename(struct svl_ctx *ctx, uint32_t domid, const char *name)
{
    char old[SV_DOMAIN_NAME_MAX];
    struct domain_config cfg;
    int err;

    if (domid == 0)
        return svl_fail(ctx, -EPERM, "Domain-0 is the host: it keeps its name");
    if ((err = svl_domname(ctx, domid, old, sizeof(old))) < 0)
        return svl_fail(ctx, err, "no domain %u", domid);
    if (svl_userdata_load(domid, &cfg) < 0)
        return svl_fail(ctx, -ENOENT, "no configuration kept for %s", old);
    err = svl_domain_set_name(ctx, domid, name);
    if (err < 0)
        goto out;
    /* Its namespace by the new name, for xl exec and the vifs plugged
     * from now on; the first name stays the hypervisor's. */
    err = svl_guestnet_alias(ctx, domid, name);
    if (err < 0) {
        svl_fail(ctx, err, "%s: cannot name its network namespace sv-%s", old, name);
        svl_domain_set_name(ctx, domid, old);
        goto out;
    }
    snprintf(cfg.name, sizeof(cfg.name), "%s", name);
    if ((err = svl_userdata_save(domid, &cfg)) < 0)
        svl_log(ctx, SVL_WARN, "%s is renamed, but its description cannot say so: %s", name,
                strerror(-err));
    err = 0;
out:
    config_free(&cfg);
    return err;
}
