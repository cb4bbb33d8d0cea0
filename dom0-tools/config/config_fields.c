/*
 * Field setters shared by the XML and xl.cfg front ends: each value is
 * validated and normalized here once, so that the same domain written in
 * either format gives the same struct domain_config (and the same JSON).
 */
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

void config_note(struct config_origin *at, const struct config_loc *loc)
{
    at->line = loc->line;
    snprintf(at->key, sizeof(at->key), "%s", loc->key ? loc->key : "");
}

int config_origin_fail(struct config_error *err, const char *file, const struct config_origin *at,
                       const char *fmt, ...)
{
    struct config_loc loc = {.file = file, .line = at->line, .key = at->key};
    va_list ap;
    int rc;

    memset(err, 0, sizeof(*err));
    va_start(ap, fmt);
    rc = config_vfail(err, &loc, fmt, ap);
    va_end(ap);
    return rc;
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

int config_check_ident(const char *value, size_t size, const char *what,
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
            return config_fail(err, loc, "%s '%s' has a character outside [A-Za-z0-9_.-]", what,
                               value);
    return 0;
}

int config_set_name(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                    struct config_error *err)
{
    int rc = config_check_ident(value, sizeof(cfg->name), "domain name", loc, err);

    if (rc == 0 && strcmp(value, CONFIG_DOM0_NAME) == 0)
        return config_fail(err, loc, "'%s' is reserved for dom0", value);
    if (rc == 0)
        strcpy(cfg->name, value);
    return rc;
}

/*
 * libvirt's virUUIDParse: 32 hex digits in pairs, with '-' or ' ' allowed
 * between any two pairs (so with or without the usual dashes) and blanks
 * around; printed in the canonical dashed lower-case form.
 */
int config_set_uuid(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                    struct config_error *err)
{
    const char *p = value;
    unsigned char u[16];
    size_t i = 0;

    while (isspace((unsigned char)*p))
        p++;
    while (i < sizeof(u)) {
        if (*p == '-' || *p == ' ') {
            p++;
            continue;
        }
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
            goto bad;
        sscanf(p, "%2hhx", &u[i++]);
        p += 2;
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        goto bad;
    snprintf(cfg->uuid, sizeof(cfg->uuid),
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    return 0;
bad:
    return config_fail(err, loc,
                       "invalid UUID '%.64s' (want 32 hex digits, as "
                       "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx or without dashes)",
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

static int parse_vcpus(unsigned int *dst, const char *value, const struct config_loc *loc,
                       struct config_error *err)
{
    uint64_t n;
    int rc = config_parse_uint(value, CONFIG_MAX_VCPUS, &n);

    if (rc == -EINVAL)
        return config_fail(err, loc, "'%.64s' is not a number", value);
    if (rc == -ERANGE || n == 0)
        return config_fail(err, loc, "vcpus %.64s out of range 1..%d", value, CONFIG_MAX_VCPUS);
    *dst = (unsigned int)n;
    return 0;
}

int config_set_vcpus(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                     struct config_error *err)
{
    return parse_vcpus(&cfg->vcpus, value, loc, err);
}

int config_set_max_vcpus(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                         struct config_error *err)
{
    int rc = parse_vcpus(&cfg->max_vcpus, value, loc, err);

    if (rc == 0 && cfg->vcpus > cfg->max_vcpus)
        return config_fail(err, loc, "%u vcpus online is more than the maximum %u", cfg->vcpus,
                           cfg->max_vcpus);
    return rc;
}

int config_set_limit(uint32_t *dst, const char *value, const struct config_loc *loc,
                     struct config_error *err)
{
    uint64_t n;
    int rc = config_parse_uint(value, CONFIG_MAX_LIMIT, &n);

    if (rc == -EINVAL)
        return config_fail(err, loc, "'%.64s' is not a number", value);
    if (rc == -ERANGE || n == 0)
        return config_fail(err, loc, "%.64s out of range 1..%u", value, CONFIG_MAX_LIMIT);
    *dst = (uint32_t)n;
    return 0;
}

int config_set_cpu_weight(struct domain_config *cfg, const char *value, unsigned int divisor,
                          const struct config_loc *loc, struct config_error *err)
{
    uint64_t n;
    int rc = config_parse_uint(value, (uint64_t)CONFIG_MAX_CPU_WEIGHT * divisor, &n);

    if (rc == -EINVAL)
        return config_fail(err, loc, "'%.64s' is not a number", value);
    if (rc == -ERANGE || n < divisor)
        return config_fail(err, loc, "%.64s out of range %u..%u", value, divisor,
                           CONFIG_MAX_CPU_WEIGHT * divisor);
    cfg->cpu_weight = (unsigned int)(n / divisor);
    cfg->cpu_weight_given = true;
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

/* Known features this host lacks: one message, and one policy (refused),
 * whichever format names them. */
static const struct {
    const char *feature;
    const char *message;
} unsupported[] = {
    {"hvm", "HVM domains are not supported (only PV: a domain is a process)"},
    {"pvh", "PVH domains are not supported (only PV: a domain is a process)"},
    {"disk", "disks are not supported (domains have no block devices)"},
    {"initrd", "an initrd/ramdisk is not supported (the kernel is a program started as is)"},
    {"loader", "firmware loaders are not supported (a PV domain starts its kernel directly)"},
    {"bootloader", "bootloaders (pygrub) are not supported: give the kernel directly"},
    {"vnuma", "vNUMA is not supported (a domain is one process on the host's NUMA policy)"},
};

int config_refuse(const char *feature, const struct config_loc *loc, struct config_error *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++)
        if (strcmp(feature, unsupported[i].feature) == 0)
            return config_fail(err, loc, "%s", unsupported[i].message);
    return config_fail(err, loc, "%s is not supported", feature);
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
        return config_fail(err, loc,
                           "'%s' is not supported (domains are processes without "
                           "guest core dumps or soft reset)",
                           value);
    return config_fail(err, loc,
                       "'%.64s' is not one of destroy, restart, preserve, "
                       "rename-restart",
                       value);
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

int config_finish(struct domain_config *cfg, const struct config_loc *loc, struct config_error *err)
{
    struct config_loc at = *loc;

    at.key = "name";
    if (!cfg->name[0])
        return config_fail(err, &at, "missing: every domain needs a name");
    at.key = "kernel";
    if (!cfg->kernel || !cfg->kernel[0])
        return config_fail(err, &at, "missing: every domain needs a kernel");
    if (cfg->max_vcpus == 0)
        cfg->max_vcpus = cfg->vcpus;
    if (cfg->driver_domain && !cfg->cpu_weight_given)
        cfg->cpu_weight = CONFIG_DRIVER_DOMAIN_CPU_WEIGHT;
    at.key = "memory";
    if (cfg->maxmem_mib == 0)
        cfg->maxmem_mib = cfg->memory_mib;
    if (config_check_memory(cfg, &at, err) < 0)
        return -EINVAL;
    for (unsigned int i = 0; i < cfg->nr_pcis; i++)
        if (config_pci_team(cfg, &cfg->pcis[i], loc->file, err) < 0)
            return -EINVAL;
    if (!cfg->extra)
        return config_set_text(&cfg->extra, "", loc, err);
    return 0;
}
