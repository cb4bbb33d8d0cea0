/*
 * A driver domain's warm standby (driver_domain_standby, Le et al.'s warm
 * spare): a second domain from the same description, NAME-standby, started
 * without the PF and without vifs (its netdd runs with --standby: process,
 * libraries and handles ready, waiting for its PF), so that when the active
 * one dies the monitor hands the standby the PF, its name and the guests'
 * vifs instead of creating a domain: the hypervisor's create and the new
 * netdd's start leave the restart's path.  A new standby is made after
 * each take-over.  docs/networking.md, "Driver domain restart".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "sv/abi/xs_net.h"
#include "svl_internal.h"

#define STANDBY_SUFFIX "-standby"
#define STANDBY_ARG    "--standby"

/* A standby's name is NAME-standby or NAME-standby2 (k 0 or 1): a domain
 * keeps the network namespace of the name it was created with (sv-NAME,
 * architecture.md), so the standby that took over still holds the one
 * of its first name, and the next standby takes the other. */
#define STANDBY_NAMES 2

/* Standby name k of name into buf (SV_DOMAIN_NAME_MAX); -ENAMETOOLONG
 * when it does not fit. */
static int standby_name(const char *name, unsigned k, char *buf)
{
    return snprintf(buf, SV_DOMAIN_NAME_MAX, "%s" STANDBY_SUFFIX "%s", name, k ? "2" : "") >=
                   SV_DOMAIN_NAME_MAX
               ? -ENAMETOOLONG
               : 0;
}

/* The live standby of name: 0 and its domid, or -ENOENT. */
static int standby_find(struct svl_ctx *ctx, const char *name, uint32_t *domid)
{
    char sname[SV_DOMAIN_NAME_MAX];

    for (unsigned k = 0; k < STANDBY_NAMES; k++)
        if (standby_name(name, k, sname) == 0 && svl_domid(ctx, sname, domid) == 0 &&
            !svl_domain_has_shut_down(ctx, *domid))
            return 0;
    return -ENOENT;
}

int svl_standby_check(const struct domain_config *cfg, struct config_error *cerr, const char *file)
{
    char name[SV_DOMAIN_NAME_MAX];
    const struct config_origin whole = {0};

    if (!cfg->standby)
        return 0;
    if (!cfg->driver_domain || cfg->on_crash != CONFIG_ACTION_RESTART)
        return config_origin_fail(cerr, file, &whole,
                                  "driver_domain_standby needs driver_domain = 1 and "
                                  "on_crash = \"restart\"");
    if (standby_name(cfg->name, STANDBY_NAMES - 1, name) < 0)
        return config_origin_fail(cerr, file, &whole,
                                  "driver_domain_standby: its standby's name %s" STANDBY_SUFFIX
                                  "2 would be longer than %d characters",
                                  cfg->name, SV_DOMAIN_NAME_MAX - 1);
    return 0;
}

int svl_standby_create(struct svl_ctx *ctx, const struct domain_config *active)
{
    struct domain_config s = *active;
    size_t len = strlen(active->extra) + sizeof(" " STANDBY_ARG);
    uint32_t domid;
    int err;

    if (standby_find(ctx, active->name, &domid) == 0)
        return 0; /* one already (made by a create while this one waited) */
    /* Its own UUID, no devices: the PF and the vifs come at the take-over. */
    s.uuid[0] = '\0';
    s.nr_pcis = 0;
    s.nr_vifs = 0;
    s.standby = false;
    s.kernel = strdup(active->kernel);
    s.extra = malloc(len);
    if (!s.kernel || !s.extra) {
        err = svl_fail(ctx, -ENOMEM, "%s: its standby: out of memory", active->name);
        goto out;
    }
    snprintf(s.extra, len, "%s%s" STANDBY_ARG, active->extra, active->extra[0] ? " " : "");
    err = config_fill_defaults(&s);
    if (err) {
        err = svl_fail(ctx, err, "%s: its standby's UUID: %s", active->name, strerror(-err));
        goto out;
    }
    /* The first name whose namespace is free (above). */
    err = -EEXIST;
    for (unsigned k = 0; err == -EEXIST && k < STANDBY_NAMES; k++) {
        if (standby_name(active->name, k, s.name) < 0) {
            err = svl_fail(ctx, -ENAMETOOLONG, "%s: its standby's name is too long", active->name);
            break;
        }
        if (k)
            svl_error_clear(ctx);
        err = svl_domain_create(ctx, &s, false, &domid);
    }
    if (!err)
        svl_log(ctx, SVL_INFO, "%s: standby %s is domain %u", active->name, s.name, domid);
out:
    config_free(&s);
    return err;
}

/* Tells the standby's netdd that the PF is its own now. */
static int standby_activate(uint32_t domid)
{
    struct xs_handle *h = xs_open(0);
    char path[64];
    bool ok;

    if (!h)
        return -errno;
    snprintf(path, sizeof(path), "/local/domain/%u/" SV_XS_STANDBY, domid);
    ok = svl_xs_put(h, XBT_NULL, path, "active", 0, domid);
    xs_close(h);
    return ok ? 0 : -errno;
}

int svl_standby_activate(struct svl_ctx *ctx, const struct domain_config *cfg, uint32_t *domid)
{
    int err = 0;

    if (!cfg->standby || standby_find(ctx, cfg->name, domid) < 0)
        return -ENOENT;
    for (unsigned i = 0; !err && i < cfg->nr_pcis; i++)
        err = svl_pci_plug(ctx, *domid, cfg->name, &cfg->pcis[i], true);
    if (!err)
        err = standby_activate(*domid);
    if (err) {
        svl_fail(ctx, err, "%s: its standby (domain %u) cannot take over: %s", cfg->name, *domid,
                 strerror(-err));
        svl_domain_destroy(ctx, *domid);
        return err;
    }
    /* The guests follow it now, not after the dead domain's destroy (50-60
     * ms of xenstore work that held their reconnect): the re-plug matches
     * their vifs by the name they give their backend, which the standby
     * takes only once the dead domain has let go of it. */
    svl_vf_replug_owner(ctx, *domid); /* first: a teamed vif finds its VF's state */
    svl_vif_replug_backend(ctx, cfg->name, *domid);
    return 0;
}

int svl_standby_takeover(struct svl_ctx *ctx, const struct domain_config *cfg, uint32_t domid)
{
    /* The vifs name their backend by it (a vif attached from now on), and
     * the monitor restarts the domain under it. */
    int err = svl_domain_set_name(ctx, domid, cfg->name);

    if (!err)
        err = svl_userdata_save(domid, cfg);
    if (err) {
        svl_fail(ctx, err, "%s: its standby (domain %u) cannot take over: %s", cfg->name, domid,
                 strerror(-err));
        svl_domain_destroy(ctx, domid);
        return err;
    }
    return 0;
}

int svl_standby_destroy(struct svl_ctx *ctx, const char *name)
{
    struct domain_config s;
    uint32_t domid;
    size_t len;
    bool ours;

    if (standby_find(ctx, name, &domid) < 0 || svl_userdata_load(domid, &s) < 0)
        return 0;
    /* Only a standby made here: a domain an operator named so stays. */
    len = strlen(s.extra);
    ours = len >= strlen(STANDBY_ARG) && !strcmp(s.extra + len - strlen(STANDBY_ARG), STANDBY_ARG);
    config_free(&s);
    return ours ? svl_domain_destroy(ctx, domid) : 0;
}
