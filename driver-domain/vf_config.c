/* netdd configures the VFs of its PF for the toolstack (see vf_config.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "pf.h"
#include "sv/log.h"
#include "sv/xenbus.h"
#include "sv/abi/xnic.h"
#include "vf_config.h"

#define VF_CONFIG_MAX   64
#define VF_CONFIG_TOKEN "vf-config"

struct vf_config {
    struct xs_handle *xs;
    struct pf *pf;
    char dir[96]; /* <home>/backend/vf */
    struct vf_configured {
        bool used;
        unsigned vf;
        char dir[160];
    } done[VF_CONFIG_MAX];
};

static int read_uint(struct vf_config *c, const char *dir, const char *key, unsigned max,
                     unsigned *out)
{
    char *v = NULL, *end;
    unsigned long n;
    int err = xenbus_read(c->xs, XBT_NULL, dir, key, &v);

    if (err)
        return err;
    n = strtoul(v, &end, 10);
    err = !*v || *end || n > max ? -EINVAL : 0;
    free(v);
    *out = (unsigned)n;
    return err;
}

/* "" (none) or xx:xx:xx:xx:xx:xx, unicast. */
static int read_mac(struct vf_config *c, const char *dir, uint8_t mac[6])
{
    char *v = NULL;
    unsigned b[6];
    int err = xenbus_read(c->xs, XBT_NULL, dir, "mac", &v);

    memset(mac, 0, 6);
    if (err == -ENOENT || (!err && !*v))
        err = 0;
    else if (!err &&
             (sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6 ||
              strlen(v) != 17 || (b[0] & 1)))
        err = -EINVAL;
    else
        for (int i = 0; !err && i < 6; i++)
            mac[i] = (uint8_t)b[i];
    free(v);
    return err;
}

static int configure(struct vf_config *c, const char *dir, unsigned *vf)
{
    unsigned vlan, spoofchk, trust;
    uint8_t mac[6];
    int err;

    if ((err = read_uint(c, dir, "vf", XNIC_MAX_VFS - 1, vf)) ||
        (err = read_uint(c, dir, "vlan", 4094, &vlan)) ||
        (err = read_uint(c, dir, "spoofchk", 1, &spoofchk)) ||
        (err = read_uint(c, dir, "trust", 1, &trust)) || (err = read_mac(c, dir, mac)))
        return err;
    /* Anti-spoofing needs a MAC to compare with. */
    return pf_vf_config(c->pf, *vf, mac, (uint16_t)vlan,
                        XNIC_VPF_BCAST | (trust ? XNIC_VPF_ALLMULTI : 0) |
                            (spoofchk && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])
                                 ? XNIC_VPF_SPOOFCHK
                                 : 0));
}

static struct vf_configured *find(struct vf_config *c, const char *dir)
{
    for (unsigned i = 0; i < VF_CONFIG_MAX; i++)
        if (c->done[i].used && !strcmp(c->done[i].dir, dir))
            return &c->done[i];
    return NULL;
}

static void serve(struct vf_config *c, const char *dir)
{
    struct vf_configured *slot = NULL;
    unsigned vf = 0;
    int err;

    if (find(c, dir))
        return;
    for (unsigned i = 0; i < VF_CONFIG_MAX && !slot; i++)
        if (!c->done[i].used)
            slot = &c->done[i];
    err = slot ? configure(c, dir, &vf) : -ENOSPC;
    if (err) {
        log_warnx("%s: cannot configure the VF (%s)", dir, strerror(-err));
        xenbus_printf(c->xs, XBT_NULL, dir, "error", "%s", strerror(-err));
        xenbus_switch_state(c->xs, dir, XenbusStateClosed);
        return;
    }
    *slot = (struct vf_configured){.used = true, .vf = vf};
    snprintf(slot->dir, sizeof(slot->dir), "%s", dir);
    log_info("%s: VF %u configured", dir, vf);
    xenbus_switch_state(c->xs, dir, XenbusStateConnected);
}

/* Every backend/vf/F/N: new ones configured, gone ones unconfigured. */
static void rescan(struct vf_config *c)
{
    unsigned nf = 0;
    char **fronts = xs_directory(c->xs, XBT_NULL, c->dir, &nf);
    char dir[160], *state;

    for (unsigned i = 0; i < VF_CONFIG_MAX; i++) {
        state = NULL;
        if (!c->done[i].used ||
            xenbus_read(c->xs, XBT_NULL, c->done[i].dir, "state", &state) == 0) {
            free(state);
            continue;
        }
        /* Gone: the VF goes back to no MAC, no VLAN (its next owner's
         * configuration comes the same way). */
        pf_vf_config(c->pf, c->done[i].vf, (const uint8_t[6]){0}, 0, 0);
        log_info("%s: VF %u released", c->done[i].dir, c->done[i].vf);
        c->done[i].used = false;
    }
    for (unsigned i = 0; fronts && i < nf; i++) {
        unsigned nd = 0;
        char **devs;

        snprintf(dir, sizeof(dir), "%s/%s", c->dir, fronts[i]);
        devs = xs_directory(c->xs, XBT_NULL, dir, &nd);
        for (unsigned k = 0; devs && k < nd; k++) {
            snprintf(dir, sizeof(dir), "%s/%s/%s", c->dir, fronts[i], devs[k]);
            serve(c, dir);
        }
        free(devs);
    }
    free(fronts);
}

struct vf_config *vf_config_new(struct xs_handle *xs, struct pf *pf, const char *home)
{
    struct vf_config *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->xs = xs;
    c->pf = pf;
    snprintf(c->dir, sizeof(c->dir), "%s/backend/vf", home);
    /* The watch fires at once: what is there now is served then. */
    if (!xs_watch(xs, c->dir, VF_CONFIG_TOKEN)) {
        log_error("watch %s", c->dir);
        free(c);
        return NULL;
    }
    return c;
}

void vf_config_free(struct vf_config *c)
{
    if (!c)
        return;
    xs_unwatch(c->xs, c->dir, VF_CONFIG_TOKEN);
    free(c);
}

bool vf_config_event(struct vf_config *c, const char *token)
{
    if (!c || strcmp(token, VF_CONFIG_TOKEN))
        return false;
    rescan(c);
    return true;
}
