/* xl network-attach, network-detach, network-list: vifs of a running domain. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xl.h"

/* Parses spec as the vif with devid `devid` of cfg (its generated MAC follows devid). */
static int parse_vif(const struct domain_config *cfg, const char *spec, unsigned devid,
                     struct config_vif *out)
{
    static struct domain_config scratch;
    struct config_error cerr;

    if (devid >= CONFIG_MAX_VIFS)
        return xl_error("%s has no room for another vif", cfg->name) ? -ENOSPC : 0;
    config_init(&scratch);
    memcpy(scratch.name, cfg->name, sizeof(scratch.name));
    scratch.nr_vifs = devid;
    if (config_add_vif_spec(&scratch, spec, &cerr) < 0) {
        xl_config_error(&cerr);
        config_free(&scratch);
        return -EINVAL;
    }
    *out = scratch.vifs[devid];
    config_free(&scratch);
    for (unsigned i = 0; i < cfg->nr_vifs; i++)
        if (!strcmp(cfg->vifs[i].mac, out->mac)) {
            xl_error("vif %u of %s already has MAC %s", cfg->vifs[i].devid, cfg->name, out->mac);
            return -EEXIST;
        }
    return 0;
}

/* Xen's form, one KEY=VALUE argument each (mac=.. bridge=..), or one
 * 'mac=..,bridge=..' spec: as one spec in spec. */
static int join_spec(int argc, char **argv, char *spec, size_t len)
{
    size_t used = 0;

    for (int i = 2; i < argc; i++) {
        int n;

        if (!strchr(argv[i], '='))
            return xl_error("network-attach: '%s' is not a KEY=VALUE setting", argv[i]);
        n = snprintf(spec + used, len - used, "%s%s", used ? "," : "", argv[i]);
        if (n < 0 || (size_t)n >= len - used)
            return xl_error("network-attach: the settings are too long");
        used += (size_t)n;
    }
    return 0;
}

int cmd_network_attach(int argc, char **argv)
{
    struct domain_config cfg;
    struct config_vif vif;
    char spec[1024];
    uint32_t domid;
    int err;

    if (argc < 3)
        return xl_usage();
    if ((err = xl_domain_arg(2, argv, 0, &domid)) ||
        (err = join_spec(argc, argv, spec, sizeof(spec))))
        return err;
    if (userdata_load(domid, &cfg) < 0)
        return xl_error("no configuration kept for %s", argv[1]);
    err = vif_next_devid(domid);
    if (err >= 0)
        err = parse_vif(&cfg, spec, (unsigned)err, &vif);
    if (err)
        goto out_free;
    err = guestnet_plumb(cfg.name, &vif);
    if (err)
        goto out_free;
    err = vif_add(domid, &vif);
    if (err)
        goto out_unplumb;
    cfg.vifs[cfg.nr_vifs++] = vif;
    err = userdata_save(domid, &cfg);
    if (!err)
        goto out_free;
    xl_error("cannot keep the description of %s: %s", cfg.name, strerror(-err));
    vif_remove(domid, vif.devid);
out_unplumb:
    /* A failed attach leaves neither the veth nor xenstore nodes. */
    guestnet_unplumb(cfg.name, vif.devid);
out_free:
    config_free(&cfg);
    return err ? 1 : 0;
}

int cmd_network_detach(int argc, char **argv)
{
    struct domain_config cfg;
    unsigned devid;
    char mac[18];
    uint32_t domid;
    int err;

    if ((err = xl_domain_arg(argc, argv, 1, &domid)))
        return err;
    if (vif_find(domid, argv[2], &devid, mac) < 0)
        return xl_error("%s has no vif '%s'", argv[1], argv[2]);
    err = vif_remove(domid, devid);
    if (!err && userdata_load(domid, &cfg) == 0) {
        guestnet_unplumb(cfg.name, devid);
        for (unsigned i = 0; i < cfg.nr_vifs; i++)
            if (!strcasecmp(cfg.vifs[i].mac, mac)) {
                memmove(&cfg.vifs[i], &cfg.vifs[i + 1],
                        (cfg.nr_vifs - i - 1) * sizeof(cfg.vifs[0]));
                cfg.nr_vifs--;
                break;
            }
        err = userdata_save(domid, &cfg);
        config_free(&cfg);
    }
    return err ? xl_error("cannot detach: %s", strerror(-err)) : 0;
}

/* xl network-list DOMAIN...: Xen's header once, then the rows of each. */
int cmd_network_list(int argc, char **argv)
{
    struct xl_domset set;
    int status;

    if (argc < 2)
        return xl_usage();
    if ((status = xl_domset_parse(1, argc, argv, &set)))
        return status;
    vif_list_header();
    for (int i = 0; i < set.n; i++) {
        if (vif_list(set.ids[i]) < 0)
            return xl_error("cannot read xenstore");
        vf_list(set.ids[i]);
    }
    return 0;
}
