/*
 * Field setters shared by the XML and xl.cfg front ends: each value is
 * validated and normalized here once, so that the same domain written in
 * either format gives the same struct domain_config (and the same JSON).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sv/util.h"
#include "config_internal.h"

int config_vfail(struct config_error *err, const struct config_loc *loc, const char *fmt,
                 va_list ap)
{
    snprintf(err->file, sizeof(err->file), "%s", loc->file ? loc->file : "");
    snprintf(err->key, sizeof(err->key), "%s", loc->key ? loc->key : "");
    err->line = loc->line;
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    return -EINVAL;
}

int config_fail(struct config_error *err, const struct config_loc *loc, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = config_vfail(err, loc, fmt, ap);
    va_end(ap);
    return rc;
}

void config_warn(const struct config_loc *loc, const char *fmt, ...)
{
    struct config_error where;
    char line[sizeof(where.file) + sizeof(where.key) + sizeof(where.message) + 32];
    va_list ap;

    va_start(ap, fmt);
    config_vfail(&where, loc, fmt, ap);
    va_end(ap);
    config_format_error(&where, line, sizeof(line));
    log_warnx("%s", line);
}

int config_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    int base = 10;
    uint64_t v = 0;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return -EINVAL;
    for (; *s; s++) {
        int d;

        if (isdigit((unsigned char)*s))
            d = *s - '0';
        else if (base == 16 && isxdigit((unsigned char)*s))
            d = tolower((unsigned char)*s) - 'a' + 10;
        else
            return -EINVAL;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return -ERANGE;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

/* Domain, backend and bridge names end up in paths, netns and interface
 * names: keep them to a portable character set. */
static int check_ident(const char *value, size_t size, const char *what,
                       const struct config_loc *loc, struct config_error *err)
{
    size_t len = strlen(value);

    if (len == 0)
        return config_fail(err, loc, "empty %s", what);
    if (len >= size)
        return config_fail(err, loc, "%s '%.64s' longer than %zu characters", what, value,
                           size - 1);
    if (value[0] == '-' || value[0] == '.')
        return config_fail(err, loc, "%s '%s' must not start with '%c'", what, value, value[0]);
    for (const char *p = value; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
            return config_fail(err, loc, "%s '%s' has a character outside [A-Za-z0-9_.-]",
                               what, value);
    return 0;
}

int config_set_name(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                    struct config_error *err)
{
    int rc = check_ident(value, sizeof(cfg->name), "domain name", loc, err);

    if (rc == 0 && strcmp(value, CONFIG_DOM0_NAME) == 0)
        return config_fail(err, loc, "'%s' is reserved for dom0", value);
    if (rc == 0)
        strcpy(cfg->name, value);
    return rc;
}

int config_set_uuid(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                    struct config_error *err)
{
    static const int dash_at[] = {8, 13, 18, 23};
    size_t i, d = 0;

    if (strlen(value) != CONFIG_UUID_SIZE - 1)
        goto bad;
    for (i = 0; i < CONFIG_UUID_SIZE - 1; i++) {
        if (d < ARRAY_SIZE(dash_at) && (int)i == dash_at[d]) {
            if (value[i] != '-')
                goto bad;
            d++;
        } else if (!isxdigit((unsigned char)value[i])) {
            goto bad;
        }
    }
    for (i = 0; i < CONFIG_UUID_SIZE; i++)
        cfg->uuid[i] = (char)tolower((unsigned char)value[i]);
    return 0;
bad:
    return config_fail(err, loc, "invalid UUID '%.64s' (want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                       value);
}

/* libvirt's memory units: the SI ones are powers of 1000, the rest of 1024. */
static const struct {
    const char *name;
    uint64_t bytes;
} memory_units[] = {
    {"b", 1},
    {"bytes", 1},
    {"KB", 1000ULL},
    {"k", 1024ULL},
    {"KiB", 1024ULL},
    {"MB", 1000ULL * 1000},
    {"M", 1024ULL * 1024},
    {"MiB", 1024ULL * 1024},
    {"GB", 1000ULL * 1000 * 1000},
    {"G", 1024ULL * 1024 * 1024},
    {"GiB", 1024ULL * 1024 * 1024},
    {"TB", 1000ULL * 1000 * 1000 * 1000},
    {"T", 1024ULL * 1024 * 1024 * 1024},
    {"TiB", 1024ULL * 1024 * 1024 * 1024},
};

static int unit_bytes(const char *unit, uint64_t *bytes)
{
    for (size_t i = 0; i < ARRAY_SIZE(memory_units); i++) {
        /* libvirt matches the single letters either case, the rest exactly. */
        bool one = strlen(memory_units[i].name) == 1;

        if (one ? strcasecmp(unit, memory_units[i].name) == 0
                : strcmp(unit, memory_units[i].name) == 0) {
            *bytes = memory_units[i].bytes;
            return 0;
        }
    }
    return -EINVAL;
}

int config_set_memory(uint64_t *mib, const char *number, const char *unit,
                      const struct config_loc *loc, struct config_error *err)
{
    const uint64_t max_bytes = CONFIG_MAX_MEMORY_MIB << 20;
    uint64_t bytes_per_unit, n;
    int rc;

    if (unit_bytes(unit, &bytes_per_unit) < 0)
        return config_fail(err, loc, "unknown memory unit '%.32s'", unit);
    rc = config_parse_uint(number, max_bytes / bytes_per_unit, &n);
    if (rc == -EINVAL)
        return config_fail(err, loc, "'%.64s' is not a number", number);
    if (rc == -ERANGE)
        return config_fail(err, loc, "%.64s %s is more than the 1 TiB maximum", number, unit);
    if (n == 0)
        return config_fail(err, loc, "must not be 0");
    *mib = (n * bytes_per_unit + (1ULL << 20) - 1) >> 20;
    return 0;
}

int config_set_vcpus(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                     struct config_error *err)
{
    uint64_t n;
    int rc = config_parse_uint(value, CONFIG_MAX_VCPUS, &n);

    if (rc == -EINVAL)
        return config_fail(err, loc, "'%.64s' is not a number", value);
    if (rc == -ERANGE || n == 0)
        return config_fail(err, loc, "vcpus %.64s out of range 1..%d", value, CONFIG_MAX_VCPUS);
    cfg->vcpus = (unsigned int)n;
    return 0;
}

/* Length of the UTF-8 sequence at s (1..4), 0 when it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n, i;
    uint32_t c;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0)
        n = 2, c = s[0] & 0x1f;
    else if ((s[0] & 0xf0) == 0xe0)
        n = 3, c = s[0] & 0x0f;
    else if ((s[0] & 0xf8) == 0xf0)
        n = 4, c = s[0] & 0x07;
    else
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF. */
    if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
        (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
        return 0;
    return n;
}

/* Text must survive JSON and XML output unchanged: valid UTF-8, no control
 * characters but tab, and no surrounding blanks (XML front ends trim). */
int config_set_text(char **dst, const char *value, const struct config_loc *loc,
                    struct config_error *err)
{
    const unsigned char *p = (const unsigned char *)value;
    size_t len;
    char *copy;

    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    len = strlen((const char *)p);
    while (len > 0 && strchr(" \t\n\r", p[len - 1]))
        len--;
    for (size_t i = 0, n; i < len; i += n) {
        n = utf8_len(p + i);
        if (n == 0 || i + n > len)
            return config_fail(err, loc, "not valid UTF-8");
        if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
            return config_fail(err, loc, "control character 0x%02x in value", p[i]);
    }
    copy = strndup((const char *)p, len);
    if (!copy)
        return config_fail(err, loc, "out of memory");
    free(*dst);
    *dst = copy;
    return 0;
}

static const char *const action_names[] = {
    [CONFIG_ACTION_DESTROY] = "destroy",
    [CONFIG_ACTION_RESTART] = "restart",
    [CONFIG_ACTION_PRESERVE] = "preserve",
    [CONFIG_ACTION_RENAME_RESTART] = "rename-restart",
};

const char *config_action_name(enum config_action action)
{
    if ((size_t)action >= ARRAY_SIZE(action_names))
        return "?";
    return action_names[action];
}

int config_set_action(enum config_action *dst, const char *value, const struct config_loc *loc,
                      struct config_error *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(action_names); i++) {
        if (strcmp(value, action_names[i]) == 0) {
            *dst = (enum config_action)i;
            return 0;
        }
    }
    if (strncmp(value, "coredump-", 9) == 0 || strcmp(value, "soft-reset") == 0)
        return config_fail(err, loc, "'%s' is not supported (domains are processes without "
                           "guest core dumps or soft reset)", value);
    return config_fail(err, loc, "'%.64s' is not one of destroy, restart, preserve, "
                       "rename-restart", value);
}

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
    snprintf(vif->mac, sizeof(vif->mac), "00:16:3e:%02x:%02x:%02x", (h >> 16) & 0x7f, (h >> 8) & 0xff,
             h & 0xff);
}

int config_vif_end(struct domain_config *cfg, const struct config_loc *loc,
                   struct config_error *err)
{
    struct config_vif *vif = &cfg->vifs[cfg->nr_vifs];

    if (!cfg->name[0])
        return config_fail(err, loc, "the domain needs a name before its vifs");
    if (!vif->mac[0])
        generate_mac(cfg, vif);
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

int config_vif_set_bridge(struct config_vif *vif, const char *value,
                          const struct config_loc *loc, struct config_error *err)
{
    int rc = check_ident(value, sizeof(vif->bridge), "bridge name", loc, err);

    if (rc == 0)
        strcpy(vif->bridge, value);
    return rc;
}

int config_vif_set_backend(struct config_vif *vif, const char *value,
                           const struct config_loc *loc, struct config_error *err)
{
    int rc;

    if (strcmp(value, CONFIG_DOM0_NAME) == 0 || strcmp(value, "0") == 0) {
        vif->backend[0] = '\0';
        return 0;
    }
    rc = check_ident(value, sizeof(vif->backend), "backend domain name", loc, err);
    if (rc == 0)
        strcpy(vif->backend, value);
    return rc;
}

/* Normalizes ADDR[/PREFIX] through inet_pton/inet_ntop. */
int config_vif_set_ip(struct config_vif *vif, const char *value, const char *prefix,
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
    if (prefix)
        snprintf(vif->ip, sizeof(vif->ip), "%s/%u", text, (unsigned int)bits);
    else
        snprintf(vif->ip, sizeof(vif->ip), "%s", text);
    return 0;
bad:
    return config_fail(err, loc, "invalid IP address '%.64s'", value);
}

int config_vif_set_queues(struct config_vif *vif, const char *value,
                          const struct config_loc *loc, struct config_error *err)
{
    uint64_t n;

    if (config_parse_uint(value, CONFIG_MAX_QUEUES, &n) < 0 || n == 0)
        return config_fail(err, loc, "queues '%.16s' out of range 1..%d", value,
                           CONFIG_MAX_QUEUES);
    vif->queues = (unsigned int)n;
    return 0;
}

static int vif_ip(struct config_vif *vif, const char *value, const struct config_loc *loc,
                  struct config_error *err)
{
    if (strchr(value, ' '))
        return config_fail(err, loc, "only one IP address per vif is supported");
    return config_vif_set_ip(vif, value, NULL, loc, err);
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
    int (*set)(struct config_vif *, const char *, const struct config_loc *,
               struct config_error *);
} vif_keys[] = {
    {"mac", config_vif_set_mac},
    {"bridge", config_vif_set_bridge},
    {"backend", config_vif_set_backend},
    {"ip", vif_ip},
    {"queues", config_vif_set_queues},
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
    for (token = strtok_r(copy, ",", &save); token && rc == 0;
         token = strtok_r(NULL, ",", &save))
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

static int pci_option(const char *opt, const struct config_loc *loc, struct config_error *err)
{
    size_t klen = strcspn(opt, "=");

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
    unsigned int part[4];
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
            rc = pci_option(opt, loc, err);
    }
    return rc;
}

int config_pci_add(struct domain_config *cfg, uint64_t domain, uint64_t bus, uint64_t slot,
                   uint64_t function, const struct config_loc *loc, struct config_error *err)
{
    char bdf[CONFIG_BDF_SIZE];

    if (domain > 0xffff || bus > 0xff || slot > 0x1f || function > 7)
        return config_fail(err, loc, "PCI address out of range (domain <= 0xffff, bus <= 0xff, "
                           "slot <= 0x1f, function <= 7)");
    snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", (unsigned int)domain, (unsigned int)bus,
             (unsigned int)slot, (unsigned int)function);
    for (unsigned int i = 0; i < cfg->nr_pcis; i++)
        if (strcmp(cfg->pcis[i].bdf, bdf) == 0)
            return config_fail(err, loc, "PCI device %s assigned twice", bdf);
    if (cfg->nr_pcis >= CONFIG_MAX_PCIS)
        return config_fail(err, loc, "more than %d PCI devices", CONFIG_MAX_PCIS);
    strcpy(cfg->pcis[cfg->nr_pcis++].bdf, bdf);
    return 0;
}

int config_check_memory(const struct domain_config *cfg, const struct config_loc *loc,
                        struct config_error *err)
{
    if (cfg->maxmem_mib && cfg->memory_mib > cfg->maxmem_mib)
        return config_fail(err, loc, "initial memory %llu MiB is above the maximum %llu MiB",
                           (unsigned long long)cfg->memory_mib,
                           (unsigned long long)cfg->maxmem_mib);
    return 0;
}

int config_finish(struct domain_config *cfg, const struct config_loc *loc,
                  struct config_error *err)
{
    struct config_loc at = *loc;

    at.key = "name";
    if (!cfg->name[0])
        return config_fail(err, &at, "missing: every domain needs a name");
    at.key = "kernel";
    if (!cfg->kernel || !cfg->kernel[0])
        return config_fail(err, &at, "missing: every domain needs a kernel");
    at.key = "memory";
    if (cfg->maxmem_mib == 0)
        cfg->maxmem_mib = cfg->memory_mib;
    if (config_check_memory(cfg, &at, err) < 0)
        return -EINVAL;
    if (!cfg->extra)
        return config_set_text(&cfg->extra, "", loc, err);
    return 0;
}
