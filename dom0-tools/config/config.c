/*
 * Entry points of the domain description parsers: reading a file, choosing
 * the front end from the content, defaults, errors and releasing a config.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sv/util.h"
#include "config_internal.h"

/* Descriptions are a few hundred bytes; refuse to slurp anything huge. */
#define CONFIG_FILE_MAX (1024 * 1024)

void config_init(struct domain_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->memory_mib = CONFIG_DEFAULT_MEMORY_MIB;
    strcpy(cfg->memory_at.key, "memory"); /* the default: no line */
    cfg->vcpus = 1;
    cfg->cpu_weight = CONFIG_DEFAULT_CPU_WEIGHT;
    cfg->on_poweroff = CONFIG_ACTION_DESTROY;
    cfg->on_reboot = CONFIG_ACTION_RESTART;
    cfg->on_crash = CONFIG_ACTION_DESTROY;
}

void config_free(struct domain_config *cfg)
{
    free(cfg->kernel);
    free(cfg->extra);
    memset(cfg, 0, sizeof(*cfg));
}

/* XML when the first non-blank byte (after a UTF-8 BOM) is '<'. */
static bool looks_like_xml(const char *buf, size_t len)
{
    size_t i = 0;

    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < len && buf[i] && strchr(" \t\r\n", buf[i]))
        i++;
    return i < len && buf[i] == '<';
}

/* config_parse_xml from CONFIG_XML_LIBRARY, opened by its path beside this
 * library: a bare name would be looked for in the RUNPATH of dlopen's
 * caller, which under ASan is the sanitizer's interceptor.  It stays
 * loaded for the process's life. */
static int parse_xml(const char *name, const char *buf, size_t len, struct domain_config *cfg,
                     struct config_error *err)
{
    static config_parse_fn *parse;
    char path[PATH_MAX];
    const char *slash;
    Dl_info self;
    void *lib;

    if (!parse) {
        slash = dladdr((void *)parse_xml, &self) ? strrchr(self.dli_fname, '/') : NULL;
        if (slash)
            snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - self.dli_fname), self.dli_fname,
                     CONFIG_XML_LIBRARY);
        else
            snprintf(path, sizeof(path), "%s", CONFIG_XML_LIBRARY);
        lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        parse = lib ? (config_parse_fn *)dlsym(lib, "config_parse_xml") : NULL;
        if (!parse)
            return config_fail(err, &(struct config_loc){.file = name},
                               "cannot read libvirt XML: %s", dlerror());
    }
    return parse(name, buf, len, cfg, err);
}

int config_parse_buffer(const char *name, const char *buf, size_t len, struct domain_config *cfg,
                        struct config_error *err)
{
    int rc;

    memset(err, 0, sizeof(*err));
    config_init(cfg);
    if (looks_like_xml(buf, len))
        rc = parse_xml(name, buf, len, cfg, err);
    else
        rc = config_parse_xl(name, buf, len, cfg, err);
    if (rc < 0)
        config_free(cfg);
    return rc;
}

static int read_file(const char *path, char **buf, size_t *len, struct config_error *err)
{
    struct config_loc loc = {.file = path};
    struct stat st;
    long n;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        config_fail(err, &loc, "cannot open: %s", strerror(errno));
        return rc;
    }
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        config_fail(err, &loc, "cannot stat: %s", strerror(errno));
        goto out_close;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = config_fail(err, &loc, "not a regular file");
        goto out_close;
    }
    if (st.st_size > CONFIG_FILE_MAX) {
        config_fail(err, &loc, "larger than %d bytes", CONFIG_FILE_MAX);
        rc = -EFBIG;
        goto out_close;
    }
    *buf = malloc((size_t)st.st_size + 1);
    if (!*buf) {
        config_fail(err, &loc, "out of memory");
        rc = -ENOMEM;
        goto out_close;
    }
    n = sv_read_full(fd, *buf, (size_t)st.st_size);
    if (n < 0) {
        rc = (int)n;
        config_fail(err, &loc, "cannot read: %s", strerror((int)-n));
        free(*buf);
        goto out_close;
    }
    (*buf)[n] = '\0';
    *len = (size_t)n;
    rc = 0;
out_close:
    close(fd);
    return rc;
}

int config_load(const char *path, struct domain_config *cfg, struct config_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    memset(err, 0, sizeof(*err));
    memset(cfg, 0, sizeof(*cfg));
    rc = read_file(path, &buf, &len, err);
    if (rc < 0)
        return rc;
    rc = config_parse_buffer(path, buf, len, cfg, err);
    free(buf);
    return rc;
}

/* libvirt XML, then the settings over it (xl.cfg lines, as xl create's
 * command line gives them to an xl.cfg file). */
static int settings_over_xml(const char *path, const char *xml, size_t len, char *const *settings,
                             int n, struct domain_config *cfg, struct config_error *err)
{
    size_t total = 1, used = 0;
    char *all;
    int rc;

    for (int i = 0; i < n; i++)
        total += strlen(settings[i]) + 1;
    all = malloc(total);
    if (!all)
        return config_fail(err, &(struct config_loc){.file = path}, "out of memory");
    for (int i = 0; i < n; i++)
        used += (size_t)sprintf(all + used, "%s\n", settings[i]);
    rc = config_parse_buffer(path, xml, len, cfg, err);
    if (rc == 0)
        rc = config_parse_xl_over(path, all, used, cfg, err);
    if (rc < 0)
        config_free(cfg);
    free(all);
    return rc;
}

int config_load_args(const char *path, char *const *settings, int n, struct domain_config *cfg,
                     struct config_error *err)
{
    char *buf = NULL, *all;
    size_t len = 0, total;
    int rc, lines = 1;

    if (n == 0)
        return config_load(path, cfg, err);
    memset(err, 0, sizeof(*err));
    memset(cfg, 0, sizeof(*cfg));
    rc = read_file(path, &buf, &len, err);
    if (rc < 0)
        return rc;
    if (looks_like_xml(buf, len)) {
        rc = settings_over_xml(path, buf, len, settings, n, cfg, err);
        free(buf);
        return rc;
    }
    total = len + 2;
    for (int i = 0; i < n; i++)
        total += strlen(settings[i]) + 1;
    all = malloc(total);
    if (!all) {
        free(buf);
        return config_fail(err, &(struct config_loc){.file = path}, "out of memory");
    }
    memcpy(all, buf, len);
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    free(buf);
    if (len && all[len - 1] != '\n')
        all[len++] = '\n';
    else
        lines--; /* the file's last line ended: the settings start on the next */
    for (int i = 0; i < n; i++) {
        size_t l = strlen(settings[i]);

        memcpy(all + len, settings[i], l);
        len += l;
        all[len++] = '\n';
    }
    config_init(cfg);
    rc = config_parse_xl_args(path, all, len, lines + 1, cfg, err);
    if (rc < 0)
        config_free(cfg);
    free(all);
    return rc;
}

int config_fill_defaults(struct domain_config *cfg)
{
    unsigned char u[16];

    if (cfg->uuid[0])
        return 0;
    if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u))
        return -errno;
    u[6] = (u[6] & 0x0f) | 0x40; /* version 4 */
    u[8] = (u[8] & 0x3f) | 0x80; /* RFC 4122 variant */
    snprintf(cfg->uuid, sizeof(cfg->uuid),
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    return 0;
}

int config_add_vif_spec(struct domain_config *cfg, const char *spec, struct config_error *err)
{
    struct config_loc loc = {.file = "", .key = "vif"};

    memset(err, 0, sizeof(*err));
    return config_vif_spec(cfg, spec, &loc, err);
}

int config_add_pci_spec(struct domain_config *cfg, const char *spec, struct config_error *err)
{
    struct config_loc loc = {.file = "", .key = "pci"};
    int rc;

    memset(err, 0, sizeof(*err));
    rc = config_pci_spec(cfg, spec, &loc, err);
    if (rc == 0 && (rc = config_pci_team(cfg, &cfg->pcis[cfg->nr_pcis - 1], "", err)) < 0)
        cfg->nr_pcis--;
    return rc;
}

int config_remove_pci(struct domain_config *cfg, const char *bdf)
{
    for (unsigned int i = 0; i < cfg->nr_pcis; i++) {
        if (strcmp(cfg->pcis[i].bdf, bdf))
            continue;
        memmove(&cfg->pcis[i], &cfg->pcis[i + 1], (cfg->nr_pcis - i - 1) * sizeof(cfg->pcis[0]));
        cfg->nr_pcis--;
        return 0;
    }
    return -ENOENT;
}

void config_format_error(const struct config_error *err, char *buf, size_t len)
{
    char line[16] = "";

    if (len == 0)
        return;
    if (err->line > 0)
        snprintf(line, sizeof(line), ":%d", err->line);
    snprintf(buf, len, "%s%s%s%s%s%s", err->file, line, err->file[0] || line[0] ? ": " : "",
             err->key, err->key[0] ? ": " : "", err->message);
}
