/*
 * xl.cfg front end (Xen's docs/man/xl.cfg.5.pod syntax): a hand-written
 * lexer and parser read every `KEY = VALUE` setting first, then the known
 * keys are applied in a fixed order (name before vif: generated MACs derive
 * from the name), the last setting of a key winning as in xl.
 *
 *   file    := { [ KEY ('=' value) ] ( '\n' | ';' | EOF ) }
 *   value   := STRING | NUMBER | list
 *   list    := '[' [ item { ',' item } [ ',' ] ] ']'
 *   item    := STRING | NUMBER | list
 *
 * Strings take single or double quotes with C escapes; '#' starts a comment;
 * lists may span lines.  Lists in lists (xl's vnuma) are parsed for their
 * syntax only: no key we apply takes one.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sv/util.h"
#include "config_internal.h"

enum xl_tok {
    XL_EOF,
    XL_NEWLINE,
    XL_IDENT,
    XL_STRING,
    XL_NUMBER,
    XL_EQUALS,
    XL_LBRACKET,
    XL_RBRACKET,
    XL_COMMA,
    XL_SEMICOLON,
};

struct xl_token {
    enum xl_tok kind;
    int line;
    char *text; /* IDENT, STRING, NUMBER: owned */
};

struct xl_value {
    char *text; /* NULL: a list in the list */
    int line;
};

/* Lists in lists deeper than this are refused (the stack is the limit). */
#define XL_MAX_DEPTH 8

struct xl_setting {
    char *key;
    int line;
    bool is_list;
    unsigned int nvalues;
    struct xl_value *values;
};

struct xl_parser {
    const char *file;
    const char *p, *end;
    int line;
    int list_depth;  /* newlines are blanks inside a list */
    const char *key; /* the setting being read, for errors */
    struct config_error *err;
    struct xl_setting *settings;
    unsigned int nsettings, cap;
    int args_line; /* lines from here on are settings of the command line */
};

/* Where line is: the file's line, or the command line's Nth setting. */
static struct config_loc xl_loc(const struct xl_parser *xp, int line, const char *key)
{
    if (xp->args_line && line >= xp->args_line)
        return (struct config_loc){
            .file = "(command line)", .line = line - xp->args_line + 1, .key = key};
    return (struct config_loc){.file = xp->file, .line = line, .key = key};
}

static int xl_fail(struct xl_parser *xp, int line, const char *fmt, ...) LOG_PRINTF(3, 4);

static int xl_fail(struct xl_parser *xp, int line, const char *fmt, ...)
{
    struct config_loc loc = xl_loc(xp, line, xp->key);
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = config_vfail(xp->err, &loc, fmt, ap);
    va_end(ap);
    return rc;
}

/* One escape after a backslash at *pp; stores the byte in *out. */
static int xl_escape(struct xl_parser *xp, const char **pp, char *out)
{
    static const char simple[] = "n\nt\tr\ra\ab\bf\fv\v\\\\''\"\"";
    const char *p = *pp;
    unsigned int v = 0;
    int n = 0;

    for (size_t i = 0; simple[i]; i += 2) {
        if (*p == simple[i]) {
            *out = simple[i + 1];
            *pp = p + 1;
            return 0;
        }
    }
    if (*p == 'x' && p + 1 < xp->end && isxdigit((unsigned char)p[1])) {
        for (p++; n < 2 && p < xp->end && isxdigit((unsigned char)*p); p++, n++)
            v = v * 16 + (unsigned int)(isdigit((unsigned char)*p)
                                            ? *p - '0'
                                            : tolower((unsigned char)*p) - 'a' + 10);
    } else {
        for (; n < 3 && p < xp->end && *p >= '0' && *p <= '7'; p++, n++)
            v = v * 8 + (unsigned int)(*p - '0');
    }
    if (n == 0)
        return xl_fail(xp, xp->line, "unknown escape '\\%.1s' in string", p);
    if (v == 0 || v > 0xff)
        return xl_fail(xp, xp->line, "escape out of range (NUL or above \\377)");
    *out = (char)v;
    *pp = p;
    return 0;
}

static int xl_string(struct xl_parser *xp, struct xl_token *tok)
{
    char quote = *xp->p++;
    const char *p = xp->p;
    char *s = malloc((size_t)(xp->end - p) + 1);
    size_t n = 0;

    if (!s)
        return xl_fail(xp, xp->line, "out of memory");
    while (p < xp->end && *p != quote && *p != '\n' && *p != '\0') {
        if (*p == '\\' && p + 1 < xp->end) {
            p++;
            if (xl_escape(xp, &p, &s[n++]) < 0)
                goto fail;
        } else {
            s[n++] = *p++;
        }
    }
    if (p >= xp->end || *p != quote) {
        xl_fail(xp, xp->line, "unterminated string%s", p < xp->end && !*p ? " (NUL byte)" : "");
        goto fail;
    }
    s[n] = '\0';
    xp->p = p + 1;
    tok->kind = XL_STRING;
    tok->text = s;
    return 0;
fail:
    free(s);
    return -EINVAL;
}

/* A run of [A-Za-z0-9_] (IDENT) or [0-9][0-9A-Za-z]* (NUMBER, checked when
 * applied). */
static int xl_word(struct xl_parser *xp, struct xl_token *tok, enum xl_tok kind)
{
    const char *start = xp->p;

    while (xp->p < xp->end && (isalnum((unsigned char)*xp->p) || *xp->p == '_'))
        xp->p++;
    tok->kind = kind;
    tok->text = strndup(start, (size_t)(xp->p - start));
    return tok->text ? 0 : xl_fail(xp, xp->line, "out of memory");
}

static const struct {
    char c;
    enum xl_tok kind;
} xl_punct[] = {
    {'=', XL_EQUALS}, {'[', XL_LBRACKET}, {']', XL_RBRACKET}, {',', XL_COMMA}, {';', XL_SEMICOLON},
};

static int xl_next(struct xl_parser *xp, struct xl_token *tok)
{
    tok->text = NULL;
    for (;;) {
        while (xp->p < xp->end && (*xp->p == ' ' || *xp->p == '\t' || *xp->p == '\r'))
            xp->p++;
        if (xp->p < xp->end && *xp->p == '#')
            while (xp->p < xp->end && *xp->p != '\n')
                xp->p++;
        tok->line = xp->line;
        if (xp->p >= xp->end) {
            tok->kind = XL_EOF;
            return 0;
        }
        if (*xp->p != '\n')
            break;
        xp->p++;
        xp->line++;
        if (xp->list_depth == 0) {
            tok->kind = XL_NEWLINE;
            return 0;
        }
    }
    if (*xp->p == '\'' || *xp->p == '"')
        return xl_string(xp, tok);
    if (isdigit((unsigned char)*xp->p))
        return xl_word(xp, tok, XL_NUMBER);
    if (isalpha((unsigned char)*xp->p) || *xp->p == '_')
        return xl_word(xp, tok, XL_IDENT);
    for (size_t i = 0; i < ARRAY_SIZE(xl_punct); i++) {
        if (*xp->p == xl_punct[i].c) {
            xp->p++;
            tok->kind = xl_punct[i].kind;
            return 0;
        }
    }
    if (*xp->p == '+' && xp->p + 1 < xp->end && xp->p[1] == '=')
        return xl_fail(xp, xp->line, "'+=' is not supported; write the whole value");
    if (*xp->p == '\0')
        return xl_fail(xp, xp->line, "NUL byte in file");
    if (isprint((unsigned char)*xp->p))
        return xl_fail(xp, xp->line, "unexpected character '%c'", *xp->p);
    return xl_fail(xp, xp->line, "unexpected byte 0x%02x", (unsigned char)*xp->p);
}

static void xl_setting_free(struct xl_setting *s)
{
    for (unsigned int i = 0; i < s->nvalues; i++)
        free(s->values[i].text);
    free(s->values);
    free(s->key);
}

static void xl_parser_free(struct xl_parser *xp)
{
    for (unsigned int i = 0; i < xp->nsettings; i++)
        xl_setting_free(&xp->settings[i]);
    free(xp->settings);
}

/* Takes ownership of tok->text. */
static int xl_add_value(struct xl_parser *xp, struct xl_setting *s, struct xl_token *tok)
{
    struct xl_value *v = reallocarray(s->values, s->nvalues + 1, sizeof(*v));

    if (!v) {
        free(tok->text);
        return xl_fail(xp, tok->line, "out of memory");
    }
    s->values = v;
    v[s->nvalues].text = tok->text;
    v[s->nvalues++].line = tok->line;
    tok->text = NULL;
    return 0;
}

static bool xl_is_atom(const struct xl_token *tok)
{
    return tok->kind == XL_STRING || tok->kind == XL_NUMBER;
}

/* After '[': items separated by commas, an optional trailing comma, ']'.
 * s is NULL inside a nested list, whose items are checked and dropped. */
static int xl_list(struct xl_parser *xp, struct xl_setting *s)
{
    struct xl_token tok;
    int rc;

    if (xp->list_depth == XL_MAX_DEPTH)
        return xl_fail(xp, xp->line, "lists nested deeper than %d", XL_MAX_DEPTH);
    xp->list_depth++;
    for (;;) {
        if ((rc = xl_next(xp, &tok)) < 0)
            break;
        if (tok.kind == XL_RBRACKET)
            break;
        rc = -EINVAL;
        if (tok.kind == XL_EOF) {
            xl_fail(xp, tok.line, "unterminated list: missing ']'");
            break;
        }
        if (tok.kind == XL_LBRACKET) {
            /* The nested list's place: a value without text. */
            if ((rc = xl_list(xp, NULL)) < 0 || (s && (rc = xl_add_value(xp, s, &tok)) < 0))
                break;
        } else if (!xl_is_atom(&tok)) {
            free(tok.text);
            xl_fail(xp, tok.line, "expected a string, number or list in the list");
            break;
        } else if (s) {
            if ((rc = xl_add_value(xp, s, &tok)) < 0)
                break;
        } else {
            free(tok.text);
        }
        if ((rc = xl_next(xp, &tok)) < 0)
            break;
        if (tok.kind == XL_RBRACKET)
            break;
        free(tok.text);
        if (tok.kind != XL_COMMA) {
            rc = xl_fail(xp, tok.line, "expected ',' or ']' in the list");
            break;
        }
    }
    xp->list_depth--;
    return rc;
}

static int xl_value(struct xl_parser *xp, struct xl_setting *s)
{
    struct xl_token tok;
    int rc = xl_next(xp, &tok);

    if (rc < 0)
        return rc;
    if (tok.kind == XL_LBRACKET) {
        s->is_list = true;
        return xl_list(xp, s);
    }
    if (xl_is_atom(&tok))
        return xl_add_value(xp, s, &tok);
    free(tok.text);
    return xl_fail(xp, tok.line, "expected a value: \"string\", number or [ list ]");
}

static int xl_setting(struct xl_parser *xp, struct xl_token *ident)
{
    struct xl_setting *s;
    struct xl_token tok;
    int rc;

    if (xp->nsettings == xp->cap) {
        unsigned int cap = xp->cap ? xp->cap * 2 : 16;
        struct xl_setting *grown = reallocarray(xp->settings, cap, sizeof(*grown));

        if (!grown)
            return xl_fail(xp, ident->line, "out of memory");
        xp->settings = grown;
        xp->cap = cap;
    }
    s = &xp->settings[xp->nsettings++];
    memset(s, 0, sizeof(*s));
    s->key = ident->text;
    s->line = ident->line;
    ident->text = NULL;
    xp->key = s->key;
    if ((rc = xl_next(xp, &tok)) < 0)
        return rc;
    free(tok.text);
    if (tok.kind != XL_EQUALS)
        return xl_fail(xp, tok.line, "expected '=' after the key");
    if ((rc = xl_value(xp, s)) < 0 || (rc = xl_next(xp, &tok)) < 0)
        return rc;
    free(tok.text);
    if (tok.kind != XL_NEWLINE && tok.kind != XL_SEMICOLON && tok.kind != XL_EOF)
        return xl_fail(xp, tok.line, "expected the end of the line after the value");
    xp->key = NULL;
    return 0;
}

static int xl_parse_settings(struct xl_parser *xp)
{
    struct xl_token tok;
    int rc;

    for (;;) {
        if ((rc = xl_next(xp, &tok)) < 0)
            return rc;
        if (tok.kind == XL_EOF)
            return 0;
        if (tok.kind == XL_NEWLINE || tok.kind == XL_SEMICOLON)
            continue;
        if (tok.kind != XL_IDENT) {
            free(tok.text);
            return xl_fail(xp, tok.line, "expected a key");
        }
        rc = xl_setting(xp, &tok);
        free(tok.text);
        if (rc < 0)
            return rc;
    }
}

/* Appliers: one value (each item of a list key) at its location. */
typedef int xl_apply_fn(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                        struct config_error *err);

static int xl_type(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                   struct config_error *err)
{
    (void)cfg;
    if (strcmp(value, "hvm") == 0 || strcmp(value, "pvh") == 0)
        return config_refuse(value, loc, err);
    if (strcmp(value, "pv") != 0)
        return config_fail(err, loc, "type '%.32s' is not supported (only pv)", value);
    return 0;
}

/* xm's and older xl's name of type: "generic" (or "linux") is PV. */
static int xl_builder(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                      struct config_error *err)
{
    (void)cfg;
    if (strcmp(value, "hvm") == 0)
        return config_refuse(value, loc, err);
    if (strcmp(value, "generic") != 0 && strcmp(value, "linux") != 0)
        return config_fail(err, loc, "builder '%.32s' is not supported (only generic: PV)", value);
    return 0;
}

/* Keys naming what this host lacks: refused when they say anything (an
 * empty string or list asks for nothing). */
#define XL_REFUSE(fn, feature)                                                                     \
    static int fn(struct domain_config *cfg, const char *value, const struct config_loc *loc,      \
                  struct config_error *err)                                                        \
    {                                                                                              \
        (void)cfg;                                                                                 \
        return value && !value[0] ? 0 : config_refuse(feature, loc, err);                          \
    }

XL_REFUSE(xl_disk, "disk")
XL_REFUSE(xl_ramdisk, "initrd")
XL_REFUSE(xl_firmware, "loader")
XL_REFUSE(xl_bootloader, "bootloader")
XL_REFUSE(xl_vnuma, "vnuma")

static int xl_memory(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                     struct config_error *err)
{
    config_note(&cfg->memory_at, loc);
    return config_set_memory(&cfg->memory_mib, value, "MiB", loc, err);
}

static int xl_maxmem(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                     struct config_error *err)
{
    int rc = config_set_memory(&cfg->maxmem_mib, value, "MiB", loc, err);

    return rc < 0 ? rc : config_check_memory(cfg, loc, err);
}

static int xl_kernel(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                     struct config_error *err)
{
    config_note(&cfg->kernel_at, loc);
    return config_set_text(&cfg->kernel, value, loc, err);
}

/* As xl: root=R and extra=E make the command line "root=R E" (applied
 * before extra); cmdline replaces both. */
static int xl_root(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                   struct config_error *err)
{
    char *line = NULL;
    int rc;

    if (asprintf(&line, "root=%s", value) < 0)
        return config_fail(err, loc, "out of memory");
    rc = config_set_text(&cfg->extra, line, loc, err);
    free(line);
    return rc;
}

static int xl_extra(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                    struct config_error *err)
{
    char *line = NULL;
    int rc;

    if (!cfg->extra)
        return config_set_text(&cfg->extra, value, loc, err);
    if (asprintf(&line, "%s %s", cfg->extra, value) < 0)
        return config_fail(err, loc, "out of memory");
    rc = config_set_text(&cfg->extra, line, loc, err);
    free(line);
    return rc;
}

static int xl_cmdline(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                      struct config_error *err)
{
    if (cfg->extra)
        config_warn(loc, "overrides 'root' and 'extra'");
    return config_set_text(&cfg->extra, value, loc, err);
}

static int xl_on_poweroff(struct domain_config *cfg, const char *value,
                          const struct config_loc *loc, struct config_error *err)
{
    return config_set_action(&cfg->on_poweroff, value, loc, err);
}

static int xl_on_reboot(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                        struct config_error *err)
{
    return config_set_action(&cfg->on_reboot, value, loc, err);
}

static int xl_on_crash(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                       struct config_error *err)
{
    return config_set_action(&cfg->on_crash, value, loc, err);
}

static int xl_cpu_weight(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                         struct config_error *err)
{
    return config_set_cpu_weight(cfg, value, 1, loc, err);
}

/* xl.cfg's booleans: 0 or 1. */
static int xl_bool(bool *dst, const char *value, const struct config_loc *loc,
                   struct config_error *err)
{
    uint64_t v;

    if (config_parse_uint(value, 1, &v) < 0)
        return config_fail(err, loc, "'%.32s' is not a boolean (0 or 1)", value);
    *dst = v;
    return 0;
}

static int xl_driver_domain(struct domain_config *cfg, const char *value,
                            const struct config_loc *loc, struct config_error *err)
{
    return xl_bool(&cfg->driver_domain, value, loc, err);
}

static int xl_driver_domain_standby(struct domain_config *cfg, const char *value,
                                    const struct config_loc *loc, struct config_error *err)
{
    return xl_bool(&cfg->standby, value, loc, err);
}

static int xl_max_grant_frames(struct domain_config *cfg, const char *value,
                               const struct config_loc *loc, struct config_error *err)
{
    return config_set_limit(&cfg->max_grant_frames, value, loc, err);
}

static int xl_max_maptrack_frames(struct domain_config *cfg, const char *value,
                                  const struct config_loc *loc, struct config_error *err)
{
    return config_set_limit(&cfg->max_maptrack_frames, value, loc, err);
}

static int xl_max_event_channels(struct domain_config *cfg, const char *value,
                                 const struct config_loc *loc, struct config_error *err)
{
    return config_set_limit(&cfg->max_event_channels, value, loc, err);
}

/* In application order: what the domain is (type, builder, then what this
 * host lacks) first, so that its error is the one given. */
enum xl_kind {
    XL_ONE,    /* one value */
    XL_LIST,   /* a list of strings and numbers */
    XL_NESTED, /* a list of lists (or of anything) */
};

static const struct {
    const char *key;
    enum xl_kind kind;
    xl_apply_fn *apply;
} xl_keys[] = {
    {"type", XL_ONE, xl_type},
    {"builder", XL_ONE, xl_builder},
    {"bootloader", XL_ONE, xl_bootloader},
    {"firmware", XL_ONE, xl_firmware},
    {"ramdisk", XL_ONE, xl_ramdisk},
    {"disk", XL_LIST, xl_disk},
    {"vnuma", XL_NESTED, xl_vnuma},
    {"name", XL_ONE, config_set_name},
    {"uuid", XL_ONE, config_set_uuid},
    {"memory", XL_ONE, xl_memory},
    {"maxmem", XL_ONE, xl_maxmem},
    {"vcpus", XL_ONE, config_set_vcpus},
    {"maxvcpus", XL_ONE, config_set_max_vcpus},
    {"cpu_weight", XL_ONE, xl_cpu_weight},
    {"kernel", XL_ONE, xl_kernel},
    {"root", XL_ONE, xl_root},
    {"extra", XL_ONE, xl_extra},
    {"cmdline", XL_ONE, xl_cmdline},
    {"on_poweroff", XL_ONE, xl_on_poweroff},
    {"on_reboot", XL_ONE, xl_on_reboot},
    {"on_crash", XL_ONE, xl_on_crash},
    {"driver_domain", XL_ONE, xl_driver_domain},
    {"driver_domain_standby", XL_ONE, xl_driver_domain_standby},
    {"max_grant_frames", XL_ONE, xl_max_grant_frames},
    {"max_maptrack_frames", XL_ONE, xl_max_maptrack_frames},
    {"max_event_channels", XL_ONE, xl_max_event_channels},
    {"vif", XL_LIST, config_vif_spec},
    {"pci", XL_LIST, config_pci_spec},
};

static int xl_key_index(const char *key)
{
    for (size_t i = 0; i < ARRAY_SIZE(xl_keys); i++)
        if (strcmp(key, xl_keys[i].key) == 0)
            return (int)i;
    return -1;
}

static int xl_apply_setting(struct xl_parser *xp, size_t k, const struct xl_setting *s,
                            struct domain_config *cfg)
{
    struct config_loc loc = xl_loc(xp, s->line, s->key);
    int rc = 0;

    if (s->is_list != (xl_keys[k].kind != XL_ONE))
        return config_fail(xp->err, &loc, "%s",
                           s->is_list ? "expected one value, not a list"
                                      : "expected a list [ ... ]");
    for (unsigned int i = 0; i < s->nvalues && rc == 0; i++) {
        loc = xl_loc(xp, s->values[i].line, s->key);
        if (!s->values[i].text && xl_keys[k].kind != XL_NESTED)
            return config_fail(xp->err, &loc,
                               "expected strings or numbers in the list, "
                               "not a list");
        rc = xl_keys[k].apply(cfg, s->values[i].text, &loc, xp->err);
    }
    return rc;
}

/* Returns, per known key, the setting that wins (the last one); with warn,
 * warns about unknown keys and overridden settings instead. */
static void xl_pick(struct xl_parser *xp, const struct xl_setting *winner[], bool warn)
{
    for (unsigned int i = 0; i < xp->nsettings; i++) {
        const struct xl_setting *s = &xp->settings[i];
        struct config_loc loc = xl_loc(xp, s->line, s->key);
        int k = xl_key_index(s->key);

        if (k < 0) {
            if (warn)
                config_warn(&loc, "unknown key, ignored");
            continue;
        }
        if (winner[k] && warn && xp->args_line && s->line >= xp->args_line)
            config_warn(&(struct config_loc){xp->file, winner[k]->line, s->key},
                        "overridden on the command line");
        else if (winner[k] && warn)
            config_warn(&(struct config_loc){xp->file, winner[k]->line, s->key},
                        "overridden on line %d", s->line);
        winner[k] = s;
    }
}

int config_parse_xl(const char *file, const char *buf, size_t len, struct domain_config *cfg,
                    struct config_error *err)
{
    return config_parse_xl_args(file, buf, len, 0, cfg, err);
}

/* A list setting over a description that has one replaces it, as a
 * command line's vif=[...] replaces an xl.cfg file's. */
static void xl_clear_list(struct domain_config *cfg, size_t k)
{
    if (xl_keys[k].apply == config_vif_spec)
        cfg->nr_vifs = 0;
    else if (xl_keys[k].apply == config_pci_spec)
        cfg->nr_pcis = 0;
}

/* Parses buf's settings into cfg; over: cfg is a whole description
 * already (libvirt XML), which they change. */
static int xl_parse(const char *file, const char *buf, size_t len, int args_line, bool over,
                    struct domain_config *cfg, struct config_error *err)
{
    struct xl_parser xp = {
        .file = file, .p = buf, .end = buf + len, .line = 1, .err = err, .args_line = args_line};
    const struct xl_setting *winner[ARRAY_SIZE(xl_keys)] = {0};
    struct config_loc whole = {.file = file};
    int rc = xl_parse_settings(&xp);

    if (rc < 0)
        goto out_free;
    xl_pick(&xp, winner, false);
    for (size_t k = 0; k < ARRAY_SIZE(xl_keys) && rc == 0; k++) {
        if (winner[k] && over && xl_keys[k].kind != XL_ONE)
            xl_clear_list(cfg, k);
        if (winner[k])
            rc = xl_apply_setting(&xp, k, winner[k], cfg);
        else if (!over && xl_keys[k].apply == config_set_name)
            break; /* config_finish reports the missing name before any vif needs it */
    }
    if (rc == 0)
        rc = config_finish(cfg, &whole, err);
    /* A refused file gets its one error, not warnings about the rest. */
    if (rc == 0)
        xl_pick(&xp, (const struct xl_setting * [ARRAY_SIZE(xl_keys)]){0}, true);
out_free:
    xl_parser_free(&xp);
    return rc;
}

int config_parse_xl_args(const char *file, const char *buf, size_t len, int args_line,
                         struct domain_config *cfg, struct config_error *err)
{
    return xl_parse(file, buf, len, args_line, false, cfg, err);
}

int config_parse_xl_over(const char *file, const char *buf, size_t len, struct domain_config *cfg,
                         struct config_error *err)
{
    /* What the description left to its defaults follows the settings, as
     * in an xl.cfg file: maxmem the memory, maxvcpus the vcpus. */
    if (cfg->maxmem_mib == cfg->memory_mib)
        cfg->maxmem_mib = 0;
    if (cfg->max_vcpus == cfg->vcpus)
        cfg->max_vcpus = 0;
    return xl_parse(file, buf, len, 1, true, cfg, err);
}
