/*
 * Device setters shared by the XML and xl.cfg front ends: network
 * interfaces (vifs, and xl's vif spec used by `xl network-attach` too) and
 * assigned PCI devices, validated and normalized once for both formats.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/util.h"
#include "config_internal.h"

struct config_vif *config_vif_begin(struct domain_config *cfg, const struct config_loc *loc,
                                    struct config_error *err)
{
    struct config_vif *vif;

    if (cfg->nr_vifs >= CONFIG_MAX_VIFS) {
        config_fail(err, loc, "more than %d network interfaces", CONFIG_MAX_VIFS);
        return NULL;
    }
    vif = &cfg->vifs[cfg->nr_vifs];
    memset(vif, 0, sizeof(*vif));
    vif->devid = cfg->nr_vifs;
    vif->queues = 1;
    config_note(&vif->backend_at, loc);
    return vif;
}

/* A stable MAC in Xen's OUI 00:16:3e: a hash (FNV-1a) of the domain name and
 * the devid.  Not the UUID: it may be generated at create time, and the MAC must
 * not change with it.  The top bit of the fourth byte is clear, as in
 * libxl's random MACs. */
static void generate_mac(const struct domain_config *cfg, struct config_vif *vif)
{
    const char *seed = cfg->name;
    uint32_t h = 2166136261u;
    char devid[16];

    for (const char *p = seed; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    snprintf(devid, sizeof(devid), "/%u", vif->devid);
    for (const char *p = devid; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    /* FNV's last step barely reaches the high bits: finish with murmur3's
     * mixer so that devids 0, 1, 2 differ in every byte. */
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    snprintf(vif->mac, sizeof(vif->mac), "00:16:3e:%02x:%02x:%02x", (h >> 16) & 0x7f,
             (h >> 8) & 0xff, h & 0xff);
}

int config_vif_end(struct domain_config *cfg, const struct config_loc *loc,
                   struct config_error *err)
{
    struct config_vif *vif = &cfg->vifs[cfg->nr_vifs];

    if (!cfg->name[0])
        return config_fail(err, loc, "the domain needs a name before its vifs");
    if (!vif->mac[0])
        generate_mac(cfg, vif);
    if (vif->rx_rate.burst_bytes && !vif->rx_rate.bytes_per_sec)
        return config_fail(err, loc, "a receive burst without a receive rate");
    for (unsigned int i = 0; i < vif->nr_trunk; i++)
        if (vif->trunk[i] == vif->vlan)
            return config_fail(err, loc,
                               "VLAN %u is the vif's untagged VLAN: it cannot be in the trunk too",
                               vif->vlan);
    for (unsigned int i = 0; i < cfg->nr_vifs; i++)
        if (strcmp(cfg->vifs[i].mac, vif->mac) == 0)
            return config_fail(err, loc, "MAC %s is already used by vif %u", vif->mac,
                               cfg->vifs[i].devid);
    cfg->nr_vifs++;
    return 0;
}

int config_vif_set_mac(struct config_vif *vif, const char *value, const struct config_loc *loc,
                       struct config_error *err)
{
    unsigned int first, any = 0;

    if (strlen(value) != CONFIG_MAC_SIZE - 1)
        goto bad;
    for (int i = 0; i < CONFIG_MAC_SIZE - 1; i++) {
        if (i % 3 == 2 ? value[i] != ':' : !isxdigit((unsigned char)value[i]))
            goto bad;
        any |= i % 3 != 2 && value[i] != '0';
    }
    sscanf(value, "%2x", &first);
    if (first & 1)
        return config_fail(err, loc, "MAC %s is a multicast address", value);
    if (!any)
        return config_fail(err, loc, "MAC %s is all zeroes", value);
    for (int i = 0; i < CONFIG_MAC_SIZE; i++)
        vif->mac[i] = (char)tolower((unsigned char)value[i]);
    return 0;
bad:
    return config_fail(err, loc, "invalid MAC '%.64s' (want xx:xx:xx:xx:xx:xx)", value);
}

int config_vif_set_bridge(struct config_vif *vif, const char *value, const struct config_loc *loc,
                          struct config_error *err)
{
    int rc = config_check_ident(value, sizeof(vif->bridge), "bridge name", loc, err);

    if (rc == 0)
        strcpy(vif->bridge, value);
    return rc;
}

int config_vif_set_backend(struct config_vif *vif, const char *value, const struct config_loc *loc,
                           struct config_error *err)
{
    int rc;

    if (strcmp(value, CONFIG_DOM0_NAME) == 0 || strcmp(value, "0") == 0) {
        vif->backend[0] = '\0';
        return 0;
    }
    rc = config_check_ident(value, sizeof(vif->backend), "backend domain name", loc, err);
    if (rc == 0) {
        strcpy(vif->backend, value);
        config_note(&vif->backend_at, loc);
    }
    return rc;
}

/* Normalizes ADDR[/PREFIX] through inet_pton/inet_ntop and appends it. */
int config_vif_add_ip(struct config_vif *vif, const char *value, const char *prefix,
                      const struct config_loc *loc, struct config_error *err)
{
    char addr[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN];
    unsigned char bin[16];
    const char *slash = strchr(value, '/');
    size_t len = slash ? (size_t)(slash - value) : strlen(value);
    int family = AF_INET;
    uint64_t bits = 0;

    if (slash && prefix)
        return config_fail(err, loc, "prefix given twice in '%.64s'", value);
    if (slash)
        prefix = slash + 1;
    if (len == 0 || len >= sizeof(addr))
        goto bad;
    memcpy(addr, value, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET, addr, bin) != 1) {
        family = AF_INET6;
        if (inet_pton(AF_INET6, addr, bin) != 1)
            goto bad;
    }
    if (prefix && config_parse_uint(prefix, family == AF_INET ? 32 : 128, &bits) < 0)
        return config_fail(err, loc, "invalid prefix length '%.16s' for %s", prefix, addr);
    inet_ntop(family, bin, text, sizeof(text));
    if (vif->nr_ips == CONFIG_MAX_IPS)
        return config_fail(err, loc, "more than %d IP addresses on one vif", CONFIG_MAX_IPS);
    for (unsigned int i = 0; i < vif->nr_ips; i++) {
        size_t n = strcspn(vif->ip[i], "/");

        if (strlen(text) == n && strncmp(vif->ip[i], text, n) == 0)
            return config_fail(err, loc, "IP address %s given twice", text);
    }
    if (prefix)
        snprintf(vif->ip[vif->nr_ips++], CONFIG_IP_SIZE, "%s/%u", text, (unsigned int)bits);
    else
        snprintf(vif->ip[vif->nr_ips++], CONFIG_IP_SIZE, "%s", text);
    return 0;
bad:
    return config_fail(err, loc, "invalid IP address '%.64s'", value);
}

int config_vif_set_queues(struct config_vif *vif, const char *value, const struct config_loc *loc,
                          struct config_error *err)
{
    uint64_t n;

    if (config_parse_uint(value, CONFIG_MAX_QUEUES, &n) < 0 || n == 0)
        return config_fail(err, loc, "queues '%.16s' out of range 1..%d", value, CONFIG_MAX_QUEUES);
    vif->queues = (unsigned int)n;
    return 0;
}

static int set_queue_size(unsigned int *size, const char *key, const char *value,
                          const struct config_loc *loc, struct config_error *err)
{
    uint64_t n;

    if (config_parse_uint(value, CONFIG_MAX_QUEUE_SIZE, &n) < 0 || n == 0)
        return config_fail(err, loc, "%s '%.16s' out of range 1..%d", key, value,
                           CONFIG_MAX_QUEUE_SIZE);
    *size = (unsigned int)n;
    return 0;
}

int config_vif_set_rx_queue_size(struct config_vif *vif, const char *value,
                                 const struct config_loc *loc, struct config_error *err)
{
    return set_queue_size(&vif->rx_queue_size, "rx_queue_size", value, loc, err);
}

int config_vif_set_tx_queue_size(struct config_vif *vif, const char *value,
                                 const struct config_loc *loc, struct config_error *err)
{
    return set_queue_size(&vif->tx_queue_size, "tx_queue_size", value, loc, err);
}

static int parse_vid(const char *value, unsigned int *vid, const struct config_loc *loc,
                     struct config_error *err)
{
    uint64_t id;

    if (config_parse_uint(value, CONFIG_MAX_VLAN, &id) < 0 || id == 0)
        return config_fail(err, loc, "VLAN id '%.16s' out of range 1..%d", value, CONFIG_MAX_VLAN);
    *vid = (unsigned int)id;
    return 0;
}

int config_vif_set_vlan(struct config_vif *vif, const char *value, const struct config_loc *loc,
                        struct config_error *err)
{
    if (vif->vlan)
        return config_fail(err, loc, "one untagged VLAN per interface");
    return parse_vid(value, &vif->vlan, loc, err);
}

int config_vif_add_trunk(struct config_vif *vif, const char *value, const struct config_loc *loc,
                         struct config_error *err)
{
    unsigned int vid = 0, i;
    int rc = parse_vid(value, &vid, loc, err);

    if (rc < 0)
        return rc;
    for (i = 0; i < vif->nr_trunk && vif->trunk[i] < vid; i++)
        ;
    if (i < vif->nr_trunk && vif->trunk[i] == vid)
        return config_fail(err, loc, "VLAN %u is in the trunk twice", vid);
    if (vif->nr_trunk == CONFIG_MAX_TRUNK)
        return config_fail(err, loc, "more than %d VLANs in a trunk", CONFIG_MAX_TRUNK);
    memmove(&vif->trunk[i + 1], &vif->trunk[i], (vif->nr_trunk - i) * sizeof(vif->trunk[0]));
    vif->trunk[i] = (uint16_t)vid;
    vif->nr_trunk++;
    return 0;
}

typedef int vif_item_fn(struct config_vif *vif, const char *item, const struct config_loc *loc,
                        struct config_error *err);

/* xl's list-valued vif keys: add() each item of value between seps (commas
 * separate a vif's keys, so these lists use others), empty items too unless
 * blanks separate them; given: the key came before. */
static int vif_items(struct config_vif *vif, const char *value, const char *key, bool given,
                     const char *seps, vif_item_fn *add, const struct config_loc *loc,
                     struct config_error *err)
{
    bool blanks = strchr(seps, ' ') != NULL;
    char *buf, *rest;
    int rc = 0, n = 0;

    if (given)
        return config_fail(err, loc, "%s is given twice", key);
    buf = rest = strdup(value);
    if (!buf)
        return config_fail(err, loc, "out of memory");
    for (char *p = strsep(&rest, seps); p && rc == 0; p = strsep(&rest, seps)) {
        if (blanks && !*p)
            continue;
        rc = add(vif, p, loc, err);
        n++;
    }
    free(buf);
    if (rc == 0 && n == 0)
        return config_fail(err, loc, "empty %s", key);
    return rc;
}

/* xl's trunk=VID:VID...: the VLANs the vif carries tagged. */
static int vif_trunk(struct config_vif *vif, const char *value, const struct config_loc *loc,
                     struct config_error *err)
{
    return vif_items(vif, value, "trunk", vif->nr_trunk, ":", config_vif_add_trunk, loc, err);
}

/* xl's bridge=NAME.VID:VID:VID, the convention of Xen's vif-openvswitch
 * hotplug script: .VID puts the vif's untagged frames on VLAN VID, each
 * :VID adds a VLAN it carries tagged (the script's trunks). */
static int vif_bridge(struct config_vif *vif, const char *value, const struct config_loc *loc,
                      struct config_error *err)
{
    const char *colon = strchr(value, ':');
    size_t head = colon ? (size_t)(colon - value) : strlen(value);
    char name[CONFIG_BRIDGE_SIZE + 8], *dot;
    int rc;

    if (head >= sizeof(name))
        return config_fail(err, loc, "bridge name '%.32s' too long", value);
    memcpy(name, value, head);
    name[head] = '\0';
    if (colon && (rc = vif_trunk(vif, colon + 1, loc, err)) < 0)
        return rc;
    dot = strrchr(name, '.');
    if (dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1)) {
        *dot = '\0';
        if ((rc = config_vif_set_vlan(vif, dot + 1, loc, err)) < 0)
            return rc;
    }
    return config_vif_set_bridge(vif, name, loc, err);
}

void config_vif_model(const char *model, const struct config_loc *loc)
{
    if (strcmp(model, "netfront") != 0)
        config_warn(loc, "model '%.32s' ignored: PV guests get netfront", model);
}

int config_set_rate(struct config_rate *r, uint64_t bytes_per_sec, uint64_t interval_us,
                    const struct config_loc *loc, struct config_error *err)
{
    if (r->bytes_per_sec)
        return config_fail(err, loc, "the rate is given twice");
    if (bytes_per_sec == 0 || bytes_per_sec > CONFIG_MAX_RATE)
        return config_fail(err, loc, "rate out of range 1 byte/s .. 1 TB/s");
    if (interval_us == 0 || interval_us > 1000000)
        return config_fail(err, loc, "interval out of range 1us .. 1s");
    if (bytes_per_sec * interval_us < 1000000)
        return config_fail(err, loc, "less than a byte per interval: make the interval longer");
    r->bytes_per_sec = bytes_per_sec;
    r->interval_us = (uint32_t)interval_us;
    return 0;
}

int config_set_burst(struct config_rate *r, uint64_t bytes, const struct config_loc *loc,
                     struct config_error *err)
{
    if (r->burst_bytes)
        return config_fail(err, loc, "the burst is given twice");
    if (bytes < 1024 || bytes > CONFIG_MAX_BURST)
        return config_fail(err, loc, "burst out of range 1 KiB .. 1 GiB");
    r->burst_bytes = bytes;
    return 0;
}

/* Digits then a suffix in table: *out = number * factor, at most max; 0,
 * -EINVAL or -ERANGE. */
static int scaled(const char *s, const char *const suffix[], const uint64_t factor[], size_t n,
                  uint64_t max, uint64_t *out)
{
    size_t digits = strspn(s, "0123456789");
    char num[24];

    if (digits == 0 || digits >= sizeof(num))
        return -EINVAL;
    memcpy(num, s, digits);
    num[digits] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s + digits, suffix[i]) == 0) {
            int rc = config_parse_uint(num, max / factor[i], out);

            if (rc == 0)
                *out *= factor[i];
            return rc;
        }
    }
    return -EINVAL;
}

/*
 * xl's rate=RATE/s[@INTERVAL] (libxlu_vif.c): RATE is a number with an
 * optional K, M or G (powers of 1000) and B (bytes) or b (bits); INTERVAL
 * a number of s (also without a unit), ms or us, 50ms by default.
 */
static int parse_rate(struct config_rate *r, const char *value, const struct config_loc *loc,
                      struct config_error *err)
{
    static const char *const rate_units[] = {"B/s", "KB/s", "MB/s", "GB/s",
                                             "b/s", "Kb/s", "Mb/s", "Gb/s"};
    static const uint64_t rate_factor[] = {8, 8000, 8000000, 8000000000ULL,
                                           1, 1000, 1000000, 1000000000ULL};
    static const char *const interval_units[] = {"s", "", "ms", "us"};
    static const uint64_t interval_factor[] = {1000000, 1000000, 1000, 1};
    char rate[48];
    const char *at = strchr(value, '@');
    size_t len = at ? (size_t)(at - value) : strlen(value);
    uint64_t bits = 0, interval = CONFIG_RATE_INTERVAL_US;
    int rc;

    if (len >= sizeof(rate))
        goto bad;
    memcpy(rate, value, len);
    rate[len] = '\0';
    rc = scaled(rate, rate_units, rate_factor, ARRAY_SIZE(rate_units), CONFIG_MAX_RATE * 8, &bits);
    if (rc == 0 && at)
        rc = scaled(at + 1, interval_units, interval_factor, ARRAY_SIZE(interval_units), 1000000,
                    &interval);
    if (rc == -ERANGE)
        return config_fail(err, loc, "rate '%.48s' out of range (at most 1 TB/s, @1s)", value);
    if (rc < 0)
        goto bad;
    return config_set_rate(r, bits / 8, interval, loc, err);
bad:
    return config_fail(err, loc,
                       "invalid rate '%.48s' (want RATE/s[@INTERVAL] as in "
                       "10Mb/s@20ms: RATE in B, KB, MB, GB or b, Kb, Mb, Gb; INTERVAL in s, "
                       "ms or us)",
                       value);
}

static int vif_rate(struct config_vif *vif, const char *value, const struct config_loc *loc,
                    struct config_error *err)
{
    return parse_rate(&vif->rate, value, loc, err);
}

/* Ours: Xen's rate= limits only what the guest sends, and xl has no key
 * for what it receives (libvirt's <inbound>). */
static int vif_rx_rate(struct config_vif *vif, const char *value, const struct config_loc *loc,
                       struct config_error *err)
{
    return parse_rate(&vif->rx_rate, value, loc, err);
}

/* Ours, libvirt's <inbound burst=>: SIZE in bytes, with an optional B, KB,
 * MB (powers of 1000), KiB or MiB. */
static int vif_rx_burst(struct config_vif *vif, const char *value, const struct config_loc *loc,
                        struct config_error *err)
{
    static const char *const units[] = {"", "B", "KB", "MB", "KiB", "MiB"};
    static const uint64_t factor[] = {1, 1, 1000, 1000000, 1024, 1024 * 1024};
    uint64_t bytes;

    if (scaled(value, units, factor, ARRAY_SIZE(units), CONFIG_MAX_BURST, &bytes) < 0)
        return config_fail(err, loc,
                           "invalid burst '%.48s' (want SIZE in B, KB, MB, KiB or MiB, "
                           "1 KiB .. 1 GiB)",
                           value);
    return config_set_burst(&vif->rx_rate, bytes, loc, err);
}

static int vif_add_ip(struct config_vif *vif, const char *addr, const struct config_loc *loc,
                      struct config_error *err)
{
    return config_vif_add_ip(vif, addr, NULL, loc, err);
}

/* xl's ip=: addresses separated by blanks, as in the "ip" key Xen's
 * hotplug scripts read. */
static int vif_ip(struct config_vif *vif, const char *value, const struct config_loc *loc,
                  struct config_error *err)
{
    return vif_items(vif, value, "ip", vif->nr_ips, " \t", vif_add_ip, loc, err);
}

/* PV guests always get netfront; xl names it so, and the emulated models
 * (e1000, rtl8139) are what an HVM guest would get instead. */
static int vif_model(struct config_vif *vif, const char *value, const struct config_loc *loc,
                     struct config_error *err)
{
    (void)vif;
    (void)err;
    config_vif_model(value, loc);
    return 0;
}

static int vif_type(struct config_vif *vif, const char *value, const struct config_loc *loc,
                    struct config_error *err)
{
    (void)vif;
    if (strcmp(value, "vif") != 0)
        return config_fail(err, loc, "vif type '%.32s' is not supported (only 'vif')", value);
    return 0;
}

static int vif_ignored(struct config_vif *vif, const char *value, const struct config_loc *loc,
                       struct config_error *err)
{
    (void)vif;
    (void)value;
    (void)err;
    config_warn(loc, "ignored: the backend plugs the vif itself");
    return 0;
}

static const struct {
    const char *key;
    int (*set)(struct config_vif *, const char *, const struct config_loc *, struct config_error *);
} vif_keys[] = {
    {"mac", config_vif_set_mac},
    {"bridge", vif_bridge},
    {"backend", config_vif_set_backend},
    {"ip", vif_ip},
    {"model", vif_model},
    {"rate", vif_rate},
    {"rx_rate", vif_rx_rate},
    {"rx_burst", vif_rx_burst},
    {"queues", config_vif_set_queues},
    {"rx_queue_size", config_vif_set_rx_queue_size},
    {"tx_queue_size", config_vif_set_tx_queue_size},
    {"trunk", vif_trunk},
    {"type", vif_type},
    {"script", vif_ignored},
    {"vifname", vif_ignored},
};

/* Trims blanks in place; returns the first non-blank character. */
static char *trim(char *s)
{
    size_t len;

    while (*s == ' ' || *s == '\t')
        s++;
    len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        s[--len] = '\0';
    return s;
}

static int vif_token(struct config_vif *vif, char *token, const struct config_loc *loc,
                     struct config_error *err)
{
    char *eq = strchr(token, '=');
    char *key, *value;

    if (!eq)
        return config_fail(err, loc, "'%.64s' is not key=value", token);
    *eq = '\0';
    key = trim(token);
    value = trim(eq + 1);
    for (size_t i = 0; i < ARRAY_SIZE(vif_keys); i++) {
        if (strcmp(key, vif_keys[i].key) == 0) {
            struct config_loc sub = *loc;
            char what[64];

            snprintf(what, sizeof(what), "%s %s", loc->key ? loc->key : "vif", key);
            sub.key = what;
            return vif_keys[i].set(vif, value, &sub, err);
        }
    }
    return config_fail(err, loc, "unknown vif option '%.32s'", key);
}

int config_vif_spec(struct domain_config *cfg, const char *spec, const struct config_loc *loc,
                    struct config_error *err)
{
    struct config_vif *vif = config_vif_begin(cfg, loc, err);
    char *copy, *token, *save = NULL;
    int rc = 0;

    if (!vif)
        return -EINVAL;
    copy = strdup(spec);
    if (!copy)
        return config_fail(err, loc, "out of memory");
    for (token = strtok_r(copy, ",", &save); token && rc == 0; token = strtok_r(NULL, ",", &save))
        if (*trim(token))
            rc = vif_token(vif, token, loc, err);
    free(copy);
    return rc ? rc : config_vif_end(cfg, loc, err);
}

/* Up to maxdigits hex digits at *p, advancing *p; returns how many. */
static int hex_field(const char **p, int maxdigits, unsigned int *out)
{
    int n = 0;

    *out = 0;
    while (n < maxdigits && isxdigit((unsigned char)**p)) {
        *out = *out * 16 + (unsigned int)(isdigit((unsigned char)**p)
                                              ? **p - '0'
                                              : tolower((unsigned char)**p) - 'a' + 10);
        (*p)++;
        n++;
    }
    return n;
}

/* "[DDDD:]BB:DD.F" up to end (exclusive) into domain, bus, slot, function. */
static int parse_bdf(const char *s, const char *end, unsigned int part[4])
{
    const char *p = s;
    unsigned int a, b;
    int na = hex_field(&p, 4, &a);

    if (na == 0 || *p++ != ':' || hex_field(&p, 2, &b) == 0)
        return -EINVAL;
    if (*p == ':') {
        p++;
        part[0] = a, part[1] = b;
        if (hex_field(&p, 2, &part[2]) == 0)
            return -EINVAL;
    } else if (na <= 2) {
        part[0] = 0, part[1] = a, part[2] = b;
    } else {
        return -EINVAL;
    }
    if (*p++ != '.' || hex_field(&p, 1, &part[3]) == 0 || p != end)
        return -EINVAL;
    return 0;
}

/* xl's per-device options: we have no device model nor MSI translation to
 * apply them to, but they do not change what gets assigned. */
static const char *const pci_ignored_options[] = {
    "permissive", "msitranslate", "seize", "power_mgmt", "rdm_policy",
};

/* mac= and vlan= (ours: a VF's interface, as libvirt's <interface
 * type='hostdev'>), checked as a vif's are. */
static int pci_net_option(struct config_pci *pci, const char *opt, size_t klen,
                          const struct config_loc *loc, struct config_error *err)
{
    struct config_vif scratch = {.vlan = pci->vlan};
    char value[32];
    size_t vlen = strcspn(opt + klen + 1, ",");
    int rc;

    snprintf(value, sizeof(value), "%.*s", (int)(vlen < sizeof(value) ? vlen : sizeof(value) - 1),
             opt + klen + 1);
    if (vlen >= sizeof(value))
        return config_fail(err, loc, "pci option '%.*s' too long", (int)klen, opt);
    if (klen == 3) {
        if (pci->mac[0])
            return config_fail(err, loc, "one MAC per PCI device");
        rc = config_vif_set_mac(&scratch, value, loc, err);
        memcpy(pci->mac, scratch.mac, sizeof(pci->mac));
    } else {
        rc = config_vif_set_vlan(&scratch, value, loc, err);
        pci->vlan = scratch.vlan;
    }
    return rc;
}

/* failover=N: teamed with vif N (its devid) as the VF's standby. */
static int pci_failover_option(struct config_pci *pci, const char *value,
                               const struct config_loc *loc, struct config_error *err)
{
    char num[8];
    size_t vlen = strcspn(value, ",");
    uint64_t devid;

    snprintf(num, sizeof(num), "%.*s", (int)(vlen < sizeof(num) ? vlen : sizeof(num) - 1), value);
    if (pci->failover)
        return config_fail(err, loc, "failover given twice");
    if (vlen >= sizeof(num) || config_parse_uint(num, CONFIG_MAX_VIFS - 1, &devid) < 0)
        return config_fail(err, loc, "failover='%.16s' is not a vif number (0..%d)", value,
                           CONFIG_MAX_VIFS - 1);
    pci->failover = true;
    pci->standby = (unsigned int)devid;
    return 0;
}

const char *const config_link_states[3] = {"auto", "enable", "disable"};

bool config_pci_is_net(const struct config_pci *pci)
{
    return pci->mac[0] || pci->vlan || pci->trust || pci->link_state != CONFIG_LINK_AUTO ||
           pci->failover;
}

/* trust=0|1 and link_state=auto|enable|disable (ours, as Linux's ip link
 * sets a VF's: trust on|off, state auto|enable|disable). */
static int pci_vf_option(struct config_pci *pci, const char *opt, size_t klen,
                         const struct config_loc *loc, struct config_error *err)
{
    const char *value = opt + klen + 1;
    size_t vlen = strcspn(value, ",");

    if (klen == 5) {
        if (vlen != 1 || (*value != '0' && *value != '1'))
            return config_fail(err, loc, "trust='%.*s' is not 0 or 1", (int)(vlen > 16 ? 16 : vlen),
                               value);
        pci->trust = *value == '1';
        return 0;
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(config_link_states); i++)
        if (strlen(config_link_states[i]) == vlen && !strncmp(value, config_link_states[i], vlen)) {
            pci->link_state = (enum config_link_state)i;
            return 0;
        }
    return config_fail(err, loc, "link_state='%.*s' is not auto, enable or disable",
                       (int)(vlen > 16 ? 16 : vlen), value);
}

static int pci_option(struct config_pci *pci, const char *opt, const struct config_loc *loc,
                      struct config_error *err)
{
    size_t klen = strcspn(opt, "=");

    if (opt[klen] == '=' && ((klen == 5 && !strncmp(opt, "trust", 5)) ||
                             (klen == 10 && !strncmp(opt, "link_state", 10))))
        return pci_vf_option(pci, opt, klen, loc, err);

    if (opt[klen] == '=' && klen == 8 && !strncmp(opt, "failover", 8))
        return pci_failover_option(pci, opt + klen + 1, loc, err);

    if (opt[klen] == '=' &&
        ((klen == 3 && !strncmp(opt, "mac", 3)) || (klen == 4 && !strncmp(opt, "vlan", 4))))
        return pci_net_option(pci, opt, klen, loc, err);

    for (size_t i = 0; i < ARRAY_SIZE(pci_ignored_options); i++) {
        if (strlen(pci_ignored_options[i]) == klen &&
            strncmp(opt, pci_ignored_options[i], klen) == 0) {
            config_warn(loc, "option '%.*s' ignored", (int)klen, opt);
            return 0;
        }
    }
    return config_fail(err, loc, "unknown pci option '%.*s'", (int)(klen > 32 ? 32 : klen), opt);
}

int config_pci_spec(struct domain_config *cfg, const char *spec, const struct config_loc *loc,
                    struct config_error *err)
{
    const char *comma = strchr(spec, ',');
    const char *end = comma ? comma : spec + strlen(spec);
    unsigned int part[4], before = cfg->nr_pcis;
    int rc;

    while (*spec == ' ')
        spec++;
    while (end > spec && end[-1] == ' ')
        end--;
    if (parse_bdf(spec, end, part) < 0)
        return config_fail(err, loc, "invalid PCI address '%.*s' (want DDDD:BB:DD.F)",
                           (int)(end - spec > 32 ? 32 : end - spec), spec);
    rc = config_pci_add(cfg, part[0], part[1], part[2], part[3], loc, err);
    while (rc == 0 && comma) {
        const char *opt = comma + 1;

        while (*opt == ' ')
            opt++;
        comma = strchr(opt, ',');
        if (*opt && *opt != ',')
            rc = pci_option(&cfg->pcis[before], opt, loc, err);
    }
    if (rc < 0)
        cfg->nr_pcis = before; /* a bad option comes after the device is added */
    return rc;
}

int config_pci_add(struct domain_config *cfg, uint64_t domain, uint64_t bus, uint64_t slot,
                   uint64_t function, const struct config_loc *loc, struct config_error *err)
{
    char bdf[CONFIG_BDF_SIZE];

    if (domain > 0xffff || bus > 0xff || slot > 0x1f || function > 7)
        return config_fail(err, loc,
                           "PCI address out of range (domain <= 0xffff, bus <= 0xff, "
                           "slot <= 0x1f, function <= 7)");
    snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", (unsigned int)domain, (unsigned int)bus,
             (unsigned int)slot, (unsigned int)function);
    for (unsigned int i = 0; i < cfg->nr_pcis; i++)
        if (strcmp(cfg->pcis[i].bdf, bdf) == 0)
            return config_fail(err, loc, "PCI device %s assigned twice", bdf);
    if (cfg->nr_pcis >= CONFIG_MAX_PCIS)
        return config_fail(err, loc, "more than %d PCI devices", CONFIG_MAX_PCIS);
    cfg->pcis[cfg->nr_pcis] = (struct config_pci){0};
    strcpy(cfg->pcis[cfg->nr_pcis].bdf, bdf);
    config_note(&cfg->pcis[cfg->nr_pcis++].at, loc);
    return 0;
}

int config_pci_team(struct domain_config *cfg, struct config_pci *pci, const char *file,
                    struct config_error *err)
{
    struct config_loc loc = {.file = file, .line = pci->at.line, .key = pci->at.key};
    const struct config_vif *vif = NULL;

    if (!pci->failover)
        return 0;
    for (unsigned int i = 0; i < cfg->nr_vifs; i++)
        if (cfg->vifs[i].devid == pci->standby)
            vif = &cfg->vifs[i];
    if (!vif)
        return config_fail(err, &loc, "failover: %s has no vif %u to be its standby", pci->bdf,
                           pci->standby);
    if (pci->mac[0] && strcmp(pci->mac, vif->mac))
        return config_fail(err, &loc, "failover: %s's MAC %s is not vif %u's (%s)", pci->bdf,
                           pci->mac, vif->devid, vif->mac);
    if (pci->vlan && pci->vlan != vif->vlan)
        return config_fail(err, &loc, "failover: %s's VLAN %u is not vif %u's (%u)", pci->bdf,
                           pci->vlan, vif->devid, vif->vlan);
    for (const struct config_pci *p = cfg->pcis; p < pci; p++)
        if (p->failover && p->standby == vif->devid)
            return config_fail(err, &loc, "failover: vif %u already backs %s", vif->devid, p->bdf);
    memcpy(pci->mac, vif->mac, sizeof(pci->mac));
    pci->vlan = vif->vlan;
    memcpy(pci->trunk, vif->trunk, sizeof(pci->trunk));
    pci->nr_trunk = vif->nr_trunk;
    return 0;
}
