/*
 * A domain's xenstore home, written as libxl writes it, and its removal:
 *   /local/domain/N           dom0's, readable by N
 *     name, domid, vm, memory/target, device/, error/
 *     control/shutdown        N's (the toolstack writes requests there)
 *     control/feature-*       N's (the domain says it watches control/shutdown)
 *     data/                   N's (the domain's own scratch space)
 *   /vm/UUID                  name, uuid
 * then XS_INTRODUCE with the ring frame and port the hypervisor made, and
 * for a driver domain its own node and request-rate quotas.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "sv/abi/xs_net.h"
#include "sv/hcall.h"
#include "sv/xenbus.h"
#include "svl_internal.h"

#define XEN_DEFAULT_NODES 1000 /* Xen's node quota a domain */

struct home_ctx {
    const struct domain_config *cfg;
    uint32_t domid;
    char dom[64];
};

bool svl_xs_put(struct xs_handle *h, xs_transaction_t t, const char *path, const char *value,
                uint32_t owner, uint32_t reader)
{
    struct xs_permissions perms[2] = {{.id = owner, .perms = XS_PERM_NONE},
                                      {.id = reader, .perms = XS_PERM_READ}};

    return xs_write(h, t, path, value, (unsigned)strlen(value)) &&
           xs_set_permissions(h, t, path, perms, owner == reader ? 1 : 2);
}

static int write_home(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    const struct home_ctx *c = arg;
    char path[160], value[64];
    uint32_t n = c->domid;
    bool ok;

#define NODE(rel, val, owner)                                                                      \
    (snprintf(path, sizeof(path), "%s/%s", c->dom, rel), svl_xs_put(h, t, path, val, owner, n))
    ok = svl_xs_put(h, t, c->dom, "", 0, n);
    snprintf(value, sizeof(value), "%u", n);
    ok = ok && NODE("name", c->cfg->name, 0) && NODE("domid", value, 0);
    snprintf(value, sizeof(value), "/vm/%s", c->cfg->uuid);
    ok = ok && NODE("vm", value, 0);
    snprintf(value, sizeof(value), "%llu", (unsigned long long)c->cfg->memory_mib * 1024);
    ok = ok && NODE("memory/target", value, 0) && NODE("device", "", 0) && NODE("error", "", 0);
    ok = ok && NODE("control", "", 0) && NODE("control/shutdown", "", n) &&
         NODE("control/feature-poweroff", "", n) && NODE("control/feature-reboot", "", n) &&
         NODE("data", "", n);
#undef NODE
    snprintf(path, sizeof(path), "/vm/%s/name", c->cfg->uuid);
    ok = ok && svl_xs_put(h, t, path, c->cfg->name, 0, 0);
    snprintf(path, sizeof(path), "/vm/%s/uuid", c->cfg->uuid);
    ok = ok && svl_xs_put(h, t, path, c->cfg->uuid, 0, 0);
    return ok ? 0 : -errno;
}

/*
 * A driver domain owns its backends' directories, those xl writes there
 * too, so Xen's default of 1000 nodes a domain stops netdd at about 40
 * vifs: it gets that default for its own nodes plus the most its vifs can
 * hold, as its own quota in place of the host-wide one (which libxl leaves
 * to the administrator, and which raised would let every guest grow too).
 * The same for the requests a second it may make (a guest's 200 would
 * hold back its one thread, and with it every vif, at a few vifs' start).
 */
static int set_driver_quota(struct xs_handle *h, uint32_t domid)
{
    const struct {
        const char *name;
        unsigned value;
    } quotas[] = {
        {"nodes", XEN_DEFAULT_NODES + SV_XS_NETDD_MAX_VIFS * SV_XS_VIF_BACKEND_NODES},
        {"request-rate", SV_XS_NETDD_MAX_VIFS * SV_XS_VIF_BACKEND_REQUESTS},
        {"request-burst", SV_XS_NETDD_MAX_VIFS * SV_XS_VIF_BACKEND_REQUESTS},
    };

    for (size_t i = 0; i < sizeof(quotas) / sizeof(quotas[0]); i++) {
        char args[64];
        int len = snprintf(args, sizeof(args), "set%c%s%c%u%c%u", 0, quotas[i].name, 0,
                           quotas[i].value, 0, domid);
        char *ok = xs_control_command(h, "quota", args, (unsigned)len + 1);

        if (!ok)
            return -errno;
        free(ok);
    }
    return 0;
}

int svl_home_create(struct svl_ctx *ctx, const struct domain_config *cfg, uint32_t domid)
{
    struct sv_domctl_lookup l = {.domid = domid};
    struct home_ctx c = {.cfg = cfg, .domid = domid};
    struct xs_handle *h = xs_open(0);
    int err = 0;

    snprintf(c.dom, sizeof(c.dom), "/local/domain/%u", domid);
    if (!h)
        return -errno;
    err = xenbus_transaction(h, write_home, &c);
    if (!err)
        err = hcall_domctl_lookup(ctx->chan, &l);
    if (!err && !xs_introduce_domain(h, domid, l.store_pfn, l.store_port))
        err = -errno;
    if (!err && cfg->driver_domain)
        err = set_driver_quota(h, domid);
    xs_close(h);
    return err;
}

void svl_home_remove(uint32_t domid)
{
    struct xs_handle *h = xs_open(0);
    char path[64], *vm;
    unsigned len;

    if (!h)
        return;
    snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
    vm = xs_read(h, XBT_NULL, path, &len);
    if (vm && !strncmp(vm, "/vm/", 4))
        xs_rm(h, XBT_NULL, vm);
    free(vm);
    xs_release_domain(h, domid);
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    xs_rm(h, XBT_NULL, path);
    snprintf(path, sizeof(path), "/libxl/%u", domid);
    xs_rm(h, XBT_NULL, path);
    xs_close(h);
}

/* reason ("poweroff", "reboot") in control/shutdown, when the domain said
 * it watches it (control/feature-REASON = 1). */
bool svl_home_request_shutdown(uint32_t domid, const char *reason)
{
    struct xs_handle *h = xs_open(0);
    char path[80], *feature;
    unsigned len;
    bool done = false;

    if (!h)
        return false;
    snprintf(path, sizeof(path), "/local/domain/%u/control/feature-%s", domid, reason);
    feature = xs_read(h, XBT_NULL, path, &len);
    if (feature && !strcmp(feature, "1")) {
        snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
        done = xs_write(h, XBT_NULL, path, reason, (unsigned)strlen(reason));
    }
    free(feature);
    xs_close(h);
    return done;
}
