/*
 * libsvl's context: the connections to the hypervisor, the reason of the
 * last failure, the front end's log; and domains by name or id.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sv/hcall.h"
#include "sv/util.h"
#include "svl_internal.h"

int svl_open(struct svl_ctx *ctx, svl_log_fn *log, void *log_arg)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->log = log;
    ctx->log_arg = log_arg;
    ctx->xch = xc_interface_open(NULL, NULL, 0);
    ctx->chan = hcall_open();
    if (ctx->xch && ctx->chan >= 0)
        return 0;
    svl_close(ctx);
    return -ECONNREFUSED;
}

void svl_close(struct svl_ctx *ctx)
{
    if (ctx->xch)
        xc_interface_close(ctx->xch);
    if (ctx->chan >= 0)
        close(ctx->chan);
    ctx->xch = NULL;
    ctx->chan = -1;
}

void svl_error_clear(struct svl_ctx *ctx)
{
    ctx->error.message[0] = '\0';
    ctx->error.console[0] = '\0';
}

int svl_fail(struct svl_ctx *ctx, int err, const char *fmt, ...)
{
    char *m = ctx->error.message;
    size_t used = strlen(m);
    va_list ap;

    if (used && used + 1 < sizeof(ctx->error.message))
        m[used++] = '\n';
    va_start(ap, fmt);
    vsnprintf(m + used, sizeof(ctx->error.message) - used, fmt, ap);
    va_end(ap);
    return err;
}

int svl_config_fail(struct svl_ctx *ctx, int err, const struct config_error *cerr)
{
    char msg[700];

    config_format_error(cerr, msg, sizeof(msg));
    return svl_fail(ctx, err, "%s", msg);
}

void svl_log(struct svl_ctx *ctx, enum svl_level level, const char *fmt, ...)
{
    char msg[2600];
    va_list ap;

    if (!ctx->log)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ctx->log(ctx->log_arg, level, msg);
}

int svl_domnames(struct svl_ctx *ctx, const uint32_t *ids, int n, char (*names)[SV_DOMAIN_NAME_MAX])
{
    static struct sv_domctl_lookup l[SV_DOMCTL_LOOKUP_BATCH];

    for (int first = 0; first < n; first += SV_DOMCTL_LOOKUP_BATCH) {
        int k = n - first < SV_DOMCTL_LOOKUP_BATCH ? n - first : SV_DOMCTL_LOOKUP_BATCH;
        size_t len = (size_t)k * sizeof(l[0]);
        int err;

        memset(l, 0, len);
        for (int i = 0; i < k; i++)
            l[i].domid = ids[first + i];
        err = hcall_domctl_lookup_v(ctx->chan, l, (uint32_t)k, NULL);
        if (err < 0 && err != -ESRCH) /* ESRCH: the one domain asked for is gone */
            return err;
        for (int i = 0; i < k; i++)
            snprintf(names[first + i], SV_DOMAIN_NAME_MAX, "%s", err < 0 ? "" : l[i].name);
    }
    return 0;
}

bool svl_parse_domid(const char *s, uint32_t *domid)
{
    unsigned long id;

    /* Past the domain ids is no domain (nor, cut to 16 bits, another's). */
    if (!sv_parse_uint(s, DOMID_FIRST_RESERVED - 1, &id))
        return false;
    *domid = (uint32_t)id;
    return true;
}

int svl_domain_lookup(struct svl_ctx *ctx, const char *spec, uint32_t *domid, char *name,
                      size_t len)
{
    struct sv_domctl_lookup l = {0};
    int err;

    if (!*spec)
        return -ESRCH; /* an unset $DOM in a script must not name dom0 */
    if (spec[strspn(spec, "0123456789")] == '\0') {
        if (!svl_parse_domid(spec, &l.domid))
            return -ESRCH;
        if (l.domid == 0) {
            *domid = 0;
            if (len)
                snprintf(name, len, "Domain-0");
            return 0;
        }
    } else if (snprintf(l.name, sizeof(l.name), "%s", spec) >= (int)sizeof(l.name)) {
        return -ENAMETOOLONG;
    }
    err = hcall_domctl_lookup(ctx->chan, &l);
    if (err < 0)
        return err;
    *domid = l.domid;
    if (len)
        snprintf(name, len, "%s", l.name);
    return 0;
}

int svl_domid(struct svl_ctx *ctx, const char *spec, uint32_t *domid)
{
    return svl_domain_lookup(ctx, spec, domid, NULL, 0);
}

int svl_domname(struct svl_ctx *ctx, uint32_t domid, char *buf, size_t len)
{
    struct sv_domctl_lookup l = {.domid = domid};
    int err = hcall_domctl_lookup(ctx->chan, &l);

    if (err < 0)
        return err;
    snprintf(buf, len, "%s", l.name);
    return 0;
}

int svl_domain_pid(struct svl_ctx *ctx, uint32_t domid, pid_t *pid)
{
    struct sv_domctl_lookup l = {.domid = domid};
    int err = hcall_domctl_lookup(ctx->chan, &l);

    if (err < 0)
        return err;
    if (!l.pid)
        return -ESRCH;
    *pid = (pid_t)l.pid;
    return 0;
}

int svl_console_input(struct svl_ctx *ctx, uint32_t domid)
{
    struct sv_domctl c = {.domid = domid};
    int fd = -1;
    struct hcall_io io = {.fds_out = &fd, .nfds_max = 1};
    int err = hcall_domctl_console_in_v(ctx->chan, &c, 1, &io);

    if (err < 0)
        return err;
    return io.nfds_out == 1 ? fd : -EPROTO;
}

int svl_host_counters(struct svl_ctx *ctx, struct sv_sysctl_physinfo *counters)
{
    return hcall_sysctl_physinfo(ctx->chan, counters);
}
