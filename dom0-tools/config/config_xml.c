/*
 * libvirt domain XML front end (<domain type='xen'>), parsed with libxml2.
 * Each element has a handler in a table; elements are applied in table order
 * whatever their order in the file (name before devices: generated MACs
 * derive from the name).  Unknown elements at the top level are warned
 * about and ignored, as libvirt ignores what a driver does not use; unknown
 * elements inside <os>, <devices>, <interface> and <hostdev> are errors,
 * because ignoring them would silently give the guest something else.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "sv/util.h"
#include "config_internal.h"

#define XML_ALIAS_SIZE 64

struct xml_ctx {
    const char *file;
    struct domain_config *cfg;
    struct config_error *err;
    struct config_vif *vif; /* the <interface> being read */
    /* Failover (<teaming>), resolved once every interface is read: the
     * vifs' aliases and whether each is a persistent team member, and the
     * persistent alias each VF names (hostdev: the VF being read). */
    char vif_alias[CONFIG_MAX_VIFS][XML_ALIAS_SIZE];
    bool vif_persistent[CONFIG_MAX_VIFS];
    struct xml_team {
        char persistent[XML_ALIAS_SIZE];
        int line;
    } team[CONFIG_MAX_PCIS], *hostdev;
    enum config_link_state vf_link; /* the hostdev <interface>'s <link> */
};

typedef int xml_elem_fn(struct xml_ctx *x, xmlNode *node);

enum {
    XML_ONCE = 0,   /* given twice is an error */
    XML_REPEAT = 1, /* may be given more than once */
    XML_WARN = 2,   /* ignored (fn NULL) with a warning */
    /* Applied in document order with the table's other XML_IN_ORDER
     * entries, where the first of them stands: devices whose order is
     * the guest's (a VF's <interface> among <hostdev>s).  Only with
     * XML_REPEAT. */
    XML_IN_ORDER = 4,
};

struct xml_elem {
    const char *name;
    xml_elem_fn *fn; /* NULL: accepted and ignored */
    int flags;
};

static struct config_loc xml_loc(const struct xml_ctx *x, const xmlNode *node)
{
    return (struct config_loc){
        .file = x->file, .line = (int)xmlGetLineNo(node), .key = (const char *)node->name};
}

static int xml_fail_at(struct xml_ctx *x, const xmlNode *node, const char *fmt, ...)
    LOG_PRINTF(3, 4);

static int xml_fail_at(struct xml_ctx *x, const xmlNode *node, const char *fmt, ...)
{
    struct config_loc loc = xml_loc(x, node);
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = config_vfail(x->err, &loc, fmt, ap);
    va_end(ap);
    return rc;
}

/* The trimmed text content of node; free() it. */
static char *xml_text(const xmlNode *node)
{
    xmlChar *raw = xmlNodeGetContent(node);
    const char *s = raw ? (const char *)raw : "";
    size_t len;
    char *out;

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    len = strlen(s);
    while (len > 0 && strchr(" \t\n\r", s[len - 1]))
        len--;
    out = strndup(s, len);
    xmlFree(raw);
    return out;
}

/* The attribute's value as a malloc'ed string, or NULL when absent. */
static char *xml_attr(const xmlNode *node, const char *name)
{
    xmlChar *raw = xmlGetNoNsProp(node, (const xmlChar *)name);
    char *out = raw ? strdup((const char *)raw) : NULL;

    xmlFree(raw);
    return out;
}

static int xml_require_attr(struct xml_ctx *x, const xmlNode *node, const char *name, char **value)
{
    *value = xml_attr(node, name);
    if (!*value)
        return xml_fail_at(x, node, "missing attribute '%s'", name);
    return 0;
}

static bool xml_is(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && !node->ns &&
           strcmp((const char *)node->name, name) == 0;
}

static const struct xml_elem *xml_find(const struct xml_elem *table, size_t n, const xmlNode *node)
{
    for (size_t i = 0; i < n; i++)
        if (xml_is(node, table[i].name))
            return &table[i];
    return NULL;
}

/* The first child of parent absent from table, or NULL. */
static xmlNode *xml_unknown_child(xmlNode *parent, const struct xml_elem *table, size_t n,
                                  xmlNode *after)
{
    for (xmlNode *c = after ? after->next : parent->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !xml_find(table, n, c))
            return c;
    return NULL;
}

static int xml_apply(struct xml_ctx *x, xmlNode *node, const struct xml_elem *elem,
                     const xmlNode **seen)
{
    struct config_loc loc = xml_loc(x, node);

    if (*seen && !(elem->flags & XML_REPEAT))
        return config_fail(x->err, &loc, "given twice (first on line %ld)", xmlGetLineNo(*seen));
    *seen = node;
    if (elem->fn)
        return elem->fn(x, node);
    if (elem->flags & XML_WARN)
        config_warn(&loc, "ignored");
    return 0;
}

/*
 * Applies table to the children of parent, in table order (so an entry
 * may rely on those before it), but XML_IN_ORDER entries together in
 * document order.  An element absent from the table is an error when
 * strict, else a warning once the rest applied (a refused file gets its
 * one error, not warnings).
 */
static int xml_children(struct xml_ctx *x, xmlNode *parent, const struct xml_elem *table, size_t n,
                        bool strict)
{
    xmlNode *unknown = xml_unknown_child(parent, table, n, NULL);
    bool in_order_applied = false;
    int rc = 0;

    if (unknown && strict) {
        struct config_loc loc = xml_loc(x, unknown);

        return config_fail(x->err, &loc, "unknown element in <%s>", parent->name);
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool in_order = table[i].flags & XML_IN_ORDER;
        const xmlNode *seen = NULL;

        if (in_order && in_order_applied)
            continue;
        in_order_applied |= in_order;
        for (xmlNode *c = parent->children; c && rc == 0; c = c->next) {
            const struct xml_elem *elem = xml_find(table, n, c);

            if (elem && (in_order ? (elem->flags & XML_IN_ORDER) : elem == &table[i]))
                rc = xml_apply(x, c, elem, &seen);
        }
    }
    for (; rc == 0 && unknown; unknown = xml_unknown_child(parent, table, n, unknown)) {
        struct config_loc loc = xml_loc(x, unknown);

        config_warn(&loc, "unknown element, ignored");
    }
    return rc;
}

/* Runs set(x, node, text-of-node) with the element's location. */
typedef int xml_text_fn(struct xml_ctx *x, const char *text, const struct config_loc *loc);

static int xml_with_text(struct xml_ctx *x, xmlNode *node, xml_text_fn *set)
{
    struct config_loc loc = xml_loc(x, node);
    char *text = xml_text(node);
    int rc;

    if (!text)
        return config_fail(x->err, &loc, "out of memory");
    rc = set(x, text, &loc);
    free(text);
    return rc;
}

static int set_name(struct xml_ctx *x, const char *t, const struct config_loc *loc)
{
    return config_set_name(x->cfg, t, loc, x->err);
}

static int set_uuid(struct xml_ctx *x, const char *t, const struct config_loc *loc)
{
    return config_set_uuid(x->cfg, t, loc, x->err);
}

static int set_shares(struct xml_ctx *x, const char *t, const struct config_loc *loc)
{
    return config_set_cpu_weight(x->cfg, t, 4, loc, x->err);
}

static int set_kernel(struct xml_ctx *x, const char *t, const struct config_loc *loc)
{
    config_note(&x->cfg->kernel_at, loc);
    return config_set_text(&x->cfg->kernel, t, loc, x->err);
}

static int set_cmdline(struct xml_ctx *x, const char *t, const struct config_loc *loc)
{
    return config_set_text(&x->cfg->extra, t, loc, x->err);
}

static int set_on_poweroff(struct xml_ctx *x, const char *t, const struct config_loc *loc)
{
    return config_set_action(&x->cfg->on_poweroff, t, loc, x->err);
}

static int set_on_reboot(struct xml_ctx *x, const char *t, const struct config_loc *loc)
{
    return config_set_action(&x->cfg->on_reboot, t, loc, x->err);
}

static int set_on_crash(struct xml_ctx *x, const char *t, const struct config_loc *loc)
{
    return config_set_action(&x->cfg->on_crash, t, loc, x->err);
}

/* libvirt's os types for Xen PV guests; hvm and xenpvh need what we lack. */
static int set_os_type(struct xml_ctx *x, const char *t, const struct config_loc *loc)
{
    if (strcmp(t, "hvm") == 0 || strcmp(t, "xenpvh") == 0)
        return config_refuse(t[0] == 'h' ? "hvm" : "pvh", loc, x->err);
    if (strcmp(t, "xen") != 0 && strcmp(t, "linux") != 0)
        return config_fail(x->err, loc, "os type '%.32s' is not supported (xen or linux)", t);
    return 0;
}

static int xml_memory_into(struct xml_ctx *x, xmlNode *node, uint64_t *mib)
{
    struct config_loc loc = xml_loc(x, node);
    char *unit = xml_attr(node, "unit");
    char *text = xml_text(node);
    int rc = text ? config_set_memory(mib, text, unit ? unit : "KiB", &loc, x->err)
                  : config_fail(x->err, &loc, "out of memory");

    free(text);
    free(unit);
    return rc;
}

/* <memory> is the maximum and, unless <currentMemory> says otherwise, the
 * initial allocation too. */
static int x_memory(struct xml_ctx *x, xmlNode *node)
{
    struct config_loc loc = xml_loc(x, node);
    int rc = xml_memory_into(x, node, &x->cfg->maxmem_mib);

    x->cfg->memory_mib = x->cfg->maxmem_mib;
    config_note(&x->cfg->memory_at, &loc);
    return rc;
}

static int x_current_memory(struct xml_ctx *x, xmlNode *node)
{
    struct config_loc loc = xml_loc(x, node);
    int rc = xml_memory_into(x, node, &x->cfg->memory_mib);

    config_note(&x->cfg->memory_at, &loc);
    return rc < 0 ? rc : config_check_memory(x->cfg, &loc, x->err);
}

#define TEXT_HANDLER(fn, setter)                                                                   \
    static int fn(struct xml_ctx *x, xmlNode *node)                                                \
    {                                                                                              \
        return xml_with_text(x, node, setter);                                                     \
    }

/* Elements naming what this host lacks: refused (an empty <bootloader/>
 * asks for nothing). */
#define REFUSE_HANDLER(fn, feature)                                                                \
    static int fn(struct xml_ctx *x, xmlNode *node)                                                \
    {                                                                                              \
        struct config_loc loc = xml_loc(x, node);                                                  \
        char *text = xml_text(node);                                                               \
        bool empty = text && !text[0] && !xmlFirstElementChild(node) && !node->properties;         \
                                                                                                   \
        free(text);                                                                                \
        return empty ? 0 : config_refuse(feature, &loc, x->err);                                   \
    }

REFUSE_HANDLER(x_disk, "disk")
REFUSE_HANDLER(x_initrd, "initrd")
REFUSE_HANDLER(x_loader, "loader")
REFUSE_HANDLER(x_bootloader, "bootloader")

/* <vcpu current='N'>M</vcpu>: N online of at most M, as xl's vcpus and
 * maxvcpus; without current, M of M. */
static int x_vcpu(struct xml_ctx *x, xmlNode *node)
{
    struct config_loc loc = xml_loc(x, node);
    char *current = xml_attr(node, "current");
    char *text = xml_text(node);
    int rc;

    if (!text)
        rc = config_fail(x->err, &loc, "out of memory");
    else
        rc = config_set_vcpus(x->cfg, current ? current : text, &loc, x->err);
    if (rc == 0)
        rc = config_set_max_vcpus(x->cfg, text, &loc, x->err);
    free(current);
    free(text);
    return rc;
}

TEXT_HANDLER(x_name, set_name)
TEXT_HANDLER(x_uuid, set_uuid)
TEXT_HANDLER(x_shares, set_shares)
TEXT_HANDLER(x_os_type, set_os_type)
TEXT_HANDLER(x_kernel, set_kernel)
TEXT_HANDLER(x_cmdline, set_cmdline)
TEXT_HANDLER(x_on_poweroff, set_on_poweroff)
TEXT_HANDLER(x_on_reboot, set_on_reboot)
TEXT_HANDLER(x_on_crash, set_on_crash)

static const struct xml_elem os_elems[] = {
    {"type", x_os_type, XML_ONCE},    {"loader", x_loader, XML_ONCE},
    {"initrd", x_initrd, XML_ONCE},   {"kernel", x_kernel, XML_ONCE},
    {"cmdline", x_cmdline, XML_ONCE},
};

static int x_os(struct xml_ctx *x, xmlNode *node)
{
    return xml_children(x, node, os_elems, ARRAY_SIZE(os_elems), true);
}

/* Of libvirt's CPU tuning, the weight: the rest (period, quota, pinning)
 * is warned about and ignored. */
static const struct xml_elem cputune_elems[] = {
    {"shares", x_shares, XML_ONCE},
};

static int x_cputune(struct xml_ctx *x, xmlNode *node)
{
    return xml_children(x, node, cputune_elems, ARRAY_SIZE(cputune_elems), false);
}

/* A yes/no attribute of <splitvisor:domain> into *dst, when it is there. */
static int xml_yes_no_attr(struct xml_ctx *x, xmlNode *node, const char *attr, bool *dst)
{
    struct config_loc loc = xml_loc(x, node);
    char *t = xml_attr(node, attr);
    int rc = 0;

    if (t && strcmp(t, "yes") != 0 && strcmp(t, "no") != 0)
        rc = config_fail(x->err, &loc, "%s='%.16s' is not yes or no", attr, t);
    else if (t)
        *dst = strcmp(t, "yes") == 0;
    free(t);
    return rc;
}

/* Runs config_set_limit on attribute attr of node, when it is there. */
static int xml_limit_attr(struct xml_ctx *x, xmlNode *node, const char *attr, uint32_t *dst)
{
    struct config_loc loc = xml_loc(x, node);
    char *value = xml_attr(node, attr);
    int rc = value ? config_set_limit(dst, value, &loc, x->err) : 0;

    free(value);
    return rc;
}

/* <metadata> holds anybody's elements; ours is <splitvisor:domain>. */
static int x_metadata(struct xml_ctx *x, xmlNode *node)
{
    for (xmlNode *c = node->children; c; c = c->next) {
        struct config_loc loc = xml_loc(x, c);
        int rc;

        if (c->type != XML_ELEMENT_NODE || !c->ns ||
            strcmp((const char *)c->ns->href, CONFIG_XMLNS) != 0)
            continue;
        if (strcmp((const char *)c->name, "domain") != 0) {
            config_warn(&loc, "unknown Splitvisor metadata element, ignored");
            continue;
        }
        rc = xml_yes_no_attr(x, c, "driver-domain", &x->cfg->driver_domain);
        if (rc == 0)
            rc = xml_yes_no_attr(x, c, "standby", &x->cfg->standby);
        /* libvirt has no name for it: xl.cfg's max_maptrack_frames. */
        if (rc == 0)
            rc = xml_limit_attr(x, c, "max-maptrack-frames", &x->cfg->max_maptrack_frames);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Runs set(vif, value of attribute attr) for an <interface> child. */
typedef int vif_setter_fn(struct config_vif *vif, const char *value, const struct config_loc *loc,
                          struct config_error *err);

static int xml_vif_attr(struct xml_ctx *x, xmlNode *node, const char *attr, vif_setter_fn *set)
{
    struct config_loc loc = xml_loc(x, node);
    char *value;
    int rc = xml_require_attr(x, node, attr, &value);

    if (rc == 0)
        rc = set(x->vif, value, &loc, x->err);
    free(value);
    return rc;
}

static int x_vif_mac(struct xml_ctx *x, xmlNode *node)
{
    return xml_vif_attr(x, node, "address", config_vif_set_mac);
}

static int x_vif_backend(struct xml_ctx *x, xmlNode *node)
{
    return xml_vif_attr(x, node, "name", config_vif_set_backend);
}

/* type='bridge' names a bridge; type='network' a libvirt network, which we
 * do not have: its name is taken as the bridge name. */
static int x_vif_source(struct xml_ctx *x, xmlNode *node)
{
    char *type = xml_attr(node->parent, "type");
    int rc;

    if (type && strcmp(type, "bridge") == 0)
        rc = xml_vif_attr(x, node, "bridge", config_vif_set_bridge);
    else if (type && strcmp(type, "network") == 0)
        rc = xml_vif_attr(x, node, "network", config_vif_set_bridge);
    else
        rc = xml_fail_at(x, node, "type='ethernet' interfaces take no <source>");
    free(type);
    return rc;
}

static int x_vif_model(struct xml_ctx *x, xmlNode *node)
{
    struct config_loc loc = xml_loc(x, node);
    char *type;
    int rc = xml_require_attr(x, node, "type", &type);

    if (rc == 0)
        config_vif_model(type, &loc);
    free(type);
    return rc;
}

/* An attribute of ours (namespace CONFIG_XMLNS) on a libvirt element. */
static char *xml_our_attr(const xmlNode *node, const char *name)
{
    xmlChar *raw = xmlGetNsProp(node, (const xmlChar *)name, (const xmlChar *)CONFIG_XMLNS);
    char *out = raw ? strdup((const char *)raw) : NULL;

    xmlFree(raw);
    return out;
}

/*
 * <outbound average='KiB/s'/> (what the guest sends) and <inbound> (what it
 * receives), in the 50 ms credit windows libvirt's libxl driver gives
 * Xen.  The exact rate, window and burst of an xl rate=, rx_rate= and
 * rx_burst= (which KiB cannot always say) ride along in our namespace:
 * splitvisor:bytes-per-sec, splitvisor:interval-usecs,
 * splitvisor:burst-bytes.  Xen's credit has one rate: peak and floor are
 * warned about, and so is burst where it means nothing (outbound: Xen's
 * netback keeps its own).
 */
static int xml_rate(struct xml_ctx *x, xmlNode *node, struct config_rate *r, bool has_burst)
{
    static const char *const ignored[] = {"peak", "floor", "burst"};
    struct config_loc loc = xml_loc(x, node);
    char *avg = xml_attr(node, "average");
    char *bps = xml_our_attr(node, "bytes-per-sec");
    char *usec = xml_our_attr(node, "interval-usecs");
    char *burst = has_burst ? xml_attr(node, "burst") : NULL;
    char *burst_bytes = has_burst ? xml_our_attr(node, "burst-bytes") : NULL;
    uint64_t rate = 0, interval = CONFIG_RATE_INTERVAL_US, bytes = 0;
    int rc = 0;

    for (size_t i = 0; i < ARRAY_SIZE(ignored) - has_burst; i++)
        if (xmlHasProp(node, (const xmlChar *)ignored[i]))
            config_warn(&loc, "%s ignored: Xen's credit scheme has one rate", ignored[i]);
    if (!avg)
        rc = config_fail(x->err, &loc, "missing attribute 'average'");
    else if (config_parse_uint(bps ? bps : avg, bps ? CONFIG_MAX_RATE : CONFIG_MAX_RATE / 1024,
                               &rate) < 0)
        rc =
            config_fail(x->err, &loc, "rate '%.32s' is not a number up to 1 TB/s", bps ? bps : avg);
    else if (usec && config_parse_uint(usec, 1000000, &interval) < 0)
        rc = config_fail(x->err, &loc, "interval-usecs '%.32s' out of range 1..1000000", usec);
    else if ((burst_bytes || burst) &&
             config_parse_uint(burst_bytes ? burst_bytes : burst,
                               burst_bytes ? CONFIG_MAX_BURST : CONFIG_MAX_BURST / 1024,
                               &bytes) < 0)
        rc = config_fail(x->err, &loc, "burst '%.32s' is not a number up to 1 GiB",
                         burst_bytes ? burst_bytes : burst);
    if (rc == 0)
        rc = config_set_rate(r, bps ? rate : rate * 1024, interval, &loc, x->err);
    if (rc == 0 && (burst_bytes || burst))
        rc = config_set_burst(r, burst_bytes ? bytes : bytes * 1024, &loc, x->err);
    free(avg);
    free(bps);
    free(usec);
    free(burst);
    free(burst_bytes);
    return rc;
}

static int x_vif_outbound(struct xml_ctx *x, xmlNode *node)
{
    return xml_rate(x, node, &x->vif->rate, false);
}

static int x_vif_inbound(struct xml_ctx *x, xmlNode *node)
{
    return xml_rate(x, node, &x->vif->rx_rate, true);
}

static const struct xml_elem bandwidth_elems[] = {
    {"inbound", x_vif_inbound, XML_ONCE},
    {"outbound", x_vif_outbound, XML_ONCE},
};

static int x_vif_bandwidth(struct xml_ctx *x, xmlNode *node)
{
    return xml_children(x, node, bandwidth_elems, ARRAY_SIZE(bandwidth_elems), true);
}

static int x_vif_ip(struct xml_ctx *x, xmlNode *node)
{
    struct config_loc loc = xml_loc(x, node);
    char *addr, *prefix;
    int rc;

    rc = xml_require_attr(x, node, "address", &addr);
    if (rc < 0)
        return rc;
    prefix = xml_attr(node, "prefix");
    rc = config_vif_add_ip(x->vif, addr, prefix, &loc, x->err);
    free(prefix);
    free(addr);
    return rc;
}

/* <driver queues= rx_queue_size= tx_queue_size=>, each optional. */
static int x_vif_driver(struct xml_ctx *x, xmlNode *node)
{
    static const struct {
        const char *attr;
        vif_setter_fn *set;
    } attrs[] = {
        {"queues", config_vif_set_queues},
        {"rx_queue_size", config_vif_set_rx_queue_size},
        {"tx_queue_size", config_vif_set_tx_queue_size},
    };
    struct config_loc loc = xml_loc(x, node);
    int rc = 0;

    for (size_t i = 0; !rc && i < ARRAY_SIZE(attrs); i++) {
        char *value = xml_attr(node, attrs[i].attr);

        rc = value ? attrs[i].set(x->vif, value, &loc, x->err) : 0;
        free(value);
    }
    return rc;
}

/* <tag id='42'/>: a VLAN the vif carries tagged, or with
 * nativeMode='untagged' the one its untagged frames belong to.  (A single
 * tag outside a trunk is made the untagged one by x_vif_vlan.) */
static int x_vif_vlan_tag(struct xml_ctx *x, xmlNode *node)
{
    struct config_loc loc = xml_loc(x, node);
    char *native = xml_attr(node, "nativeMode");
    int rc;

    if (!native)
        rc = xml_vif_attr(x, node, "id", config_vif_add_trunk);
    else if (strcmp(native, "untagged") == 0)
        rc = xml_vif_attr(x, node, "id", config_vif_set_vlan);
    else
        rc = config_fail(x->err, &loc,
                         "nativeMode '%.16s' is not supported (only 'untagged': the native "
                         "VLAN's frames are untagged in the guest)",
                         native);
    free(native);
    return rc;
}

static const struct xml_elem vlan_elems[] = {
    {"tag", x_vif_vlan_tag, XML_REPEAT},
};

/*
 * libvirt's <vlan>: one <tag id='42'/> puts the vif's frames on VLAN 42
 * (tagged outside the guest, untagged inside); trunk='yes', or more than
 * one tag, makes a trunk carrying the tags' VLANs tagged, and the one with
 * nativeMode='untagged' (if any) untagged.
 */
static int x_vif_vlan(struct xml_ctx *x, xmlNode *node)
{
    struct config_loc loc = xml_loc(x, node);
    char *trunk = xml_attr(node, "trunk");
    struct config_vif *vif = x->vif;
    int rc = 0;

    if (trunk && strcmp(trunk, "yes") != 0 && strcmp(trunk, "no") != 0)
        rc = config_fail(x->err, &loc, "trunk '%.16s' is not 'yes' or 'no'", trunk);
    if (rc == 0)
        rc = xml_children(x, node, vlan_elems, ARRAY_SIZE(vlan_elems), true);
    if (rc == 0 && !vif->vlan && !vif->nr_trunk)
        rc = config_fail(x->err, &loc, "<vlan> without a <tag id=>");
    if (rc == 0 && (!trunk || strcmp(trunk, "yes") != 0)) {
        if (!vif->vlan && vif->nr_trunk == 1) {
            vif->vlan = vif->trunk[0];
            vif->nr_trunk = 0;
        } else if (trunk) {
            rc = config_fail(x->err, &loc, "trunk='no' takes one <tag> without nativeMode");
        }
    }
    free(trunk);
    return rc;
}

/* <alias name='ua-net0'/>: how a VF's <teaming persistent=> names a vif. */
static int x_vif_alias(struct xml_ctx *x, xmlNode *node)
{
    struct config_loc loc = xml_loc(x, node);
    char *name;
    int rc = xml_require_attr(x, node, "name", &name);

    if (rc == 0 && (!name[0] || strlen(name) >= XML_ALIAS_SIZE))
        rc = config_fail(x->err, &loc, "alias name must be 1..%d characters", XML_ALIAS_SIZE - 1);
    if (rc == 0)
        snprintf(x->vif_alias[x->cfg->nr_vifs], XML_ALIAS_SIZE, "%s", name);
    free(name);
    return rc;
}

/*
 * libvirt's failover pair: <teaming type='persistent'/> on the vif,
 * <teaming type='transient' persistent='ALIAS'/> on the VF's
 * <interface type='hostdev'>.
 */
static int x_teaming(struct xml_ctx *x, xmlNode *node)
{
    struct config_loc loc = xml_loc(x, node);
    const char *want = x->hostdev ? "transient" : "persistent";
    char *type, *persistent = NULL;
    int rc = xml_require_attr(x, node, "type", &type);

    if (rc == 0 && strcmp(type, want))
        rc = config_fail(x->err, &loc, "type='%.32s': a %s is the %s member (type='%s')", type,
                         x->hostdev ? "VF" : "vif", want, want);
    if (rc == 0 && x->hostdev)
        rc = xml_require_attr(x, node, "persistent", &persistent);
    if (rc == 0 && x->hostdev && strlen(persistent) >= XML_ALIAS_SIZE)
        rc = config_fail(x->err, &loc, "persistent='%.32s...' is too long", persistent);
    if (rc == 0 && x->hostdev) {
        snprintf(x->hostdev->persistent, XML_ALIAS_SIZE, "%s", persistent);
        x->hostdev->line = loc.line;
    } else if (rc == 0) {
        x->vif_persistent[x->cfg->nr_vifs] = true;
    }
    free(type);
    free(persistent);
    return rc;
}

/*
 * <filterref filter='clean-traffic'>: libvirt's nwfilters.  netdd's IP
 * anti-spoofing from the vif's <ip> addresses is what the clean-traffic
 * family does (no-mac-spoofing: the NIC's and the switch's MAC check), so
 * those are accepted with a warning that netdd applies them; the family
 * without an <ip> has nothing to filter by, and any other filter is a
 * firewall nothing here runs: both refused, since a guest started without
 * its filter is not the guest that was described.  (Applied after <ip>.)
 */
static int x_vif_filterref(struct xml_ctx *x, xmlNode *node)
{
    static const char *const family[] = {"clean-traffic",       "no-ip-spoofing",
                                         "no-arp-spoofing",     "no-arp-ip-spoofing",
                                         "no-arp-mac-spoofing", "no-mac-spoofing"};
    struct config_loc loc = xml_loc(x, node);
    char *filter;
    int rc = xml_require_attr(x, node, "filter", &filter);
    size_t i;

    if (rc < 0)
        return rc;
    for (i = 0; i < ARRAY_SIZE(family) && strcmp(filter, family[i]); i++)
        ;
    if (i == ARRAY_SIZE(family))
        rc = config_fail(x->err, &loc,
                         "nwfilter '%.32s' is not supported (netdd applies only the "
                         "clean-traffic rules, from the vif's <ip> addresses)",
                         filter);
    else if (!x->vif->nr_ips && strcmp(filter, "no-mac-spoofing"))
        rc = config_fail(x->err, &loc,
                         "nwfilter '%.32s' needs the vif's <ip> addresses here (netdd filters "
                         "by them, not by the filter's parameters)",
                         filter);
    else
        config_warn(&loc,
                    "nwfilter '%.32s' not run: netdd itself lets the vif send only from its "
                    "<ip> addresses and MAC (its parameters are ignored)",
                    filter);
    free(filter);
    return rc;
}

static const struct xml_elem interface_elems[] = {
    {"mac", x_vif_mac, XML_ONCE},
    {"source", x_vif_source, XML_ONCE},
    {"backenddomain", x_vif_backend, XML_ONCE},
    {"model", x_vif_model, XML_ONCE},
    {"ip", x_vif_ip, XML_REPEAT},
    {"driver", x_vif_driver, XML_ONCE},
    {"vlan", x_vif_vlan, XML_ONCE},
    {"bandwidth", x_vif_bandwidth, XML_ONCE},
    {"target", NULL, XML_WARN},      /* the backend names its own vif device */
    {"script", NULL, XML_WARN},      /* the backend plugs the vif itself */
    {"virtualport", NULL, XML_WARN}, /* Open vSwitch or 802.1Qbg/bh: netdd's NIC switches */
    {"alias", x_vif_alias, XML_ONCE},
    {"teaming", x_teaming, XML_ONCE},
    {"filterref", x_vif_filterref, XML_ONCE}, /* after <ip>: it needs the addresses */
};

static int x_hostdev_interface(struct xml_ctx *x, xmlNode *node);

static int x_interface(struct xml_ctx *x, xmlNode *node)
{
    struct config_loc loc = xml_loc(x, node);
    char *type;
    int rc = xml_require_attr(x, node, "type", &type);

    if (rc < 0)
        return rc;
    if (strcmp(type, "hostdev") == 0) {
        free(type);
        return x_hostdev_interface(x, node);
    }
    if (strcmp(type, "bridge") != 0 && strcmp(type, "ethernet") != 0 &&
        strcmp(type, "network") != 0)
        rc = config_fail(x->err, &loc, "type='%.32s' is not supported (bridge, ethernet, network)",
                         type);
    free(type);
    if (rc < 0)
        return rc;
    x->vif = config_vif_begin(x->cfg, &loc, x->err);
    if (!x->vif)
        return -EINVAL;
    rc = xml_children(x, node, interface_elems, ARRAY_SIZE(interface_elems), true);
    if (rc == 0)
        rc = config_vif_end(x->cfg, &loc, x->err);
    x->vif = NULL;
    return rc;
}

/* <address domain='0x0000' bus='0x03' slot='0x10' function='0x1'/>; domain
 * may be left out. */
static int x_pci_address(struct xml_ctx *x, xmlNode *node)
{
    static const char *const names[] = {"domain", "bus", "slot", "function"};
    struct config_loc loc = xml_loc(x, node);
    uint64_t part[4] = {0};

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        char *v = xml_attr(node, names[i]);
        int rc = 0;

        if (!v && i > 0)
            return config_fail(x->err, &loc, "missing attribute '%s'", names[i]);
        if (v && config_parse_uint(v, 0xffff, &part[i]) < 0)
            rc = config_fail(x->err, &loc, "%s='%.16s' is not a number", names[i], v);
        free(v);
        if (rc < 0)
            return rc;
    }
    return config_pci_add(x->cfg, part[0], part[1], part[2], part[3], &loc, x->err);
}

static const struct xml_elem pci_source_elems[] = {
    {"address", x_pci_address, XML_ONCE},
};

static int x_pci_source(struct xml_ctx *x, xmlNode *node)
{
    unsigned int before = x->cfg->nr_pcis;
    int rc = xml_children(x, node, pci_source_elems, ARRAY_SIZE(pci_source_elems), true);

    if (rc == 0 && x->cfg->nr_pcis == before)
        rc = xml_fail_at(x, node, "missing <address>");
    return rc;
}

static const struct xml_elem hostdev_elems[] = {
    {"source", x_pci_source, XML_ONCE},
    {"driver", NULL, XML_ONCE},
    {"address", NULL, XML_WARN}, /* the guest-side slot: we do not place devices */
    {"alias", NULL, XML_ONCE},
};

static int x_hostdev(struct xml_ctx *x, xmlNode *node)
{
    char *mode = xml_attr(node, "mode");
    char *type = xml_attr(node, "type");
    unsigned int before = x->cfg->nr_pcis;
    int rc = 0;

    if (!mode || strcmp(mode, "subsystem") != 0 || !type || strcmp(type, "pci") != 0)
        rc = xml_fail_at(x, node, "only mode='subsystem' type='pci' is supported");
    free(mode);
    free(type);
    if (rc == 0)
        rc = xml_children(x, node, hostdev_elems, ARRAY_SIZE(hostdev_elems), true);
    if (rc == 0 && x->cfg->nr_pcis == before)
        rc = xml_fail_at(x, node, "missing <source>");
    return rc;
}

/* <link state='up|down'/>: the link the PF owner gives the VF (enable,
 * disable); without it the wire's (auto). */
static int x_vf_link(struct xml_ctx *x, xmlNode *node)
{
    char *state;
    int rc = xml_require_attr(x, node, "state", &state);

    if (rc < 0)
        return rc;
    if (!strcmp(state, "up") || !strcmp(state, "down"))
        x->vf_link = !strcmp(state, "up") ? CONFIG_LINK_ENABLE : CONFIG_LINK_DISABLE;
    else
        rc = xml_fail_at(x, node, "link state='%.16s' is not up or down", state);
    free(state);
    return rc;
}

static const struct xml_elem hostdev_interface_elems[] = {
    {"link", x_vf_link, XML_ONCE},
    {"source", x_pci_source, XML_ONCE},
    {"mac", x_vif_mac, XML_ONCE},
    {"vlan", x_vif_vlan, XML_ONCE},
    {"driver", NULL, XML_ONCE},
    {"address", NULL, XML_WARN}, /* the guest-side slot: we do not place devices */
    {"alias", NULL, XML_ONCE},
    {"teaming", x_teaming, XML_ONCE},
};

/*
 * <interface type='hostdev'>: an SR-IOV VF assigned to the guest as its
 * network interface, with the MAC and port VLAN its PF owner gives it
 * (<mac> and <vlan> checked as a vif's, into a scratch vif).
 */
static int x_hostdev_interface(struct xml_ctx *x, xmlNode *node)
{
    struct config_loc loc = xml_loc(x, node);
    struct config_vif scratch = {0};
    unsigned int before = x->cfg->nr_pcis;
    char *trust = xml_attr(node, "trustGuestRxFilters");
    struct config_pci *pci;
    int rc;

    /* libvirt's trust in the guest's receive filters: the VF's trust. */
    if (trust && strcmp(trust, "yes") && strcmp(trust, "no")) {
        rc = config_fail(x->err, &loc, "trustGuestRxFilters='%.16s' is not yes or no", trust);
        goto out;
    }
    x->vif = &scratch;
    x->vf_link = CONFIG_LINK_AUTO;
    /* One past the end when the table is full: <source> (read first)
     * fails then, before <teaming> could write there. */
    x->hostdev = &x->team[before];
    rc = xml_children(x, node, hostdev_interface_elems, ARRAY_SIZE(hostdev_interface_elems), true);
    x->vif = NULL;
    x->hostdev = NULL;
    if (rc < 0)
        goto out;
    if (x->cfg->nr_pcis == before) {
        rc = config_fail(x->err, &loc, "missing <source>");
        goto out;
    }
    if (scratch.nr_trunk) {
        rc = config_fail(x->err, &loc,
                         "<vlan trunk> on a VF: one <tag> (its port VLAN); it carries tagged "
                         "VLANs only as the <teaming> partner of a trunk vif, which names them");
        goto out;
    }
    pci = &x->cfg->pcis[before];
    memcpy(pci->mac, scratch.mac, sizeof(pci->mac));
    pci->vlan = scratch.vlan;
    pci->trust = trust && !strcmp(trust, "yes");
    pci->link_state = x->vf_link;
out:
    free(trust);
    return rc;
}

/* <controller type='xenbus' maxGrantFrames='N' maxEventChannels='N'/>:
 * Xen's limits (libvirt's names), the domain's quotas in the hypervisor.
 * Other controllers (usb, pci, ide...) serve devices we do not have. */
static int x_controller(struct xml_ctx *x, xmlNode *node)
{
    struct config_loc loc = xml_loc(x, node);
    char *type = xml_attr(node, "type");
    int rc = 0;

    if (type && strcmp(type, "xenbus") == 0) {
        rc = xml_limit_attr(x, node, "maxGrantFrames", &x->cfg->max_grant_frames);
        if (rc == 0)
            rc = xml_limit_attr(x, node, "maxEventChannels", &x->cfg->max_event_channels);
    } else {
        config_warn(&loc, "type '%.32s' ignored: only xenbus means something here",
                    type ? type : "");
    }
    free(type);
    return rc;
}

/* Every domain has exactly one console (xl console); the other harmless
 * devices are simply absent here. */
static const struct xml_elem device_elems[] = {
    {"disk", x_disk, XML_REPEAT},
    {"interface", x_interface, XML_REPEAT | XML_IN_ORDER},
    {"hostdev", x_hostdev, XML_REPEAT | XML_IN_ORDER},
    {"controller", x_controller, XML_REPEAT},
    {"console", NULL, XML_REPEAT},
    {"serial", NULL, XML_REPEAT},
    {"emulator", NULL, XML_WARN},
    {"memballoon", NULL, XML_WARN},
    {"input", NULL, XML_REPEAT | XML_WARN},
    {"graphics", NULL, XML_REPEAT | XML_WARN},
    {"video", NULL, XML_REPEAT | XML_WARN},
};

/* Each VF's <teaming persistent=> to the vif of that alias. */
static int xml_resolve_teams(struct xml_ctx *x)
{
    for (unsigned int i = 0; i < x->cfg->nr_pcis; i++) {
        struct config_loc loc = {.file = x->file, .line = x->team[i].line, .key = "teaming"};
        unsigned int v = 0;

        if (!x->team[i].persistent[0])
            continue;
        while (v < x->cfg->nr_vifs && strcmp(x->vif_alias[v], x->team[i].persistent))
            v++;
        if (v == x->cfg->nr_vifs)
            return config_fail(x->err, &loc, "persistent='%s' names no <interface>'s <alias>",
                               x->team[i].persistent);
        if (!x->vif_persistent[v])
            return config_fail(x->err, &loc, "interface '%s' has no <teaming type='persistent'/>",
                               x->team[i].persistent);
        x->cfg->pcis[i].failover = true;
        x->cfg->pcis[i].standby = x->cfg->vifs[v].devid;
    }
    return 0;
}

static int x_devices(struct xml_ctx *x, xmlNode *node)
{
    int rc = xml_children(x, node, device_elems, ARRAY_SIZE(device_elems), true);

    return rc < 0 ? rc : xml_resolve_teams(x);
}

/* In application order. */
static const struct xml_elem domain_elems[] = {
    {"bootloader", x_bootloader, XML_ONCE},
    {"bootloader_args", NULL, XML_WARN}, /* the bootloader's, refused above when set */
    {"name", x_name, XML_ONCE},
    {"uuid", x_uuid, XML_ONCE},
    {"memory", x_memory, XML_ONCE},
    {"currentMemory", x_current_memory, XML_ONCE},
    {"vcpu", x_vcpu, XML_ONCE},
    {"cputune", x_cputune, XML_ONCE},
    {"os", x_os, XML_ONCE},
    {"on_poweroff", x_on_poweroff, XML_ONCE},
    {"on_reboot", x_on_reboot, XML_ONCE},
    {"on_crash", x_on_crash, XML_ONCE},
    {"metadata", x_metadata, XML_ONCE},
    {"devices", x_devices, XML_ONCE},
    {"title", NULL, XML_ONCE},
    {"description", NULL, XML_ONCE},
};

static bool xml_has_child(const xmlNode *parent, const char *name)
{
    for (const xmlNode *c = parent->children; c; c = c->next)
        if (xml_is(c, name))
            return true;
    return false;
}

static int xml_os_type_first(struct xml_ctx *x, xmlNode *root)
{
    for (xmlNode *os = root->children; os; os = os->next)
        if (xml_is(os, "os"))
            for (xmlNode *t = os->children; t; t = t->next)
                if (xml_is(t, "type"))
                    return x_os_type(x, t);
    return 0;
}

static int xml_domain(struct xml_ctx *x, xmlNode *root)
{
    struct config_loc loc = xml_loc(x, root);
    char *type;
    int rc;

    if (!xml_is(root, "domain"))
        return config_fail(x->err, &loc, "the root element must be <domain>");
    rc = xml_require_attr(x, root, "type", &type);
    if (rc == 0 && strcmp(type, "xen") != 0)
        rc = config_fail(x->err, &loc, "domain type '%.32s' is not supported (only xen)", type);
    free(type);
    /* What the domain is comes first: an HVM domain's other elements are
     * not what is wrong with it. */
    if (rc == 0)
        rc = xml_os_type_first(x, root);
    /* The vifs need the name for their MACs: report its absence first. */
    if (rc == 0 && xml_has_child(root, "name"))
        rc = xml_children(x, root, domain_elems, ARRAY_SIZE(domain_elems), false);
    return rc < 0 ? rc : config_finish(x->cfg, &loc, x->err);
}

/* libxml2's own message for a file that is not well-formed XML. */
static int xml_syntax_error(const char *file, xmlParserCtxt *ctxt, struct config_error *err)
{
    const xmlError *e = xmlCtxtGetLastError(ctxt);
    struct config_loc loc = {.file = file, .line = e ? e->line : 0};
    char msg[sizeof(err->message)];
    size_t len;

    snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "not well-formed XML");
    len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        msg[--len] = '\0';
    for (char *nl = strchr(msg, '\n'); nl; nl = strchr(nl, '\n'))
        *nl = ' '; /* one error, one line */
    return config_fail(err, &loc, "%s", msg);
}

/* Some libxml2 layers (encodings) report through the generic handler even
 * with XML_PARSE_NOERROR; their errors reach us through the context. */
static void xml_quiet(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    (void)fmt;
}

int config_parse_xml(const char *file, const char *buf, size_t len, struct domain_config *cfg,
                     struct config_error *err)
{
    struct xml_ctx x = {.file = file, .cfg = cfg, .err = err};
    struct config_loc whole = {.file = file};
    xmlParserCtxt *ctxt;
    xmlDoc *doc;
    int rc;

    if (len > INT_MAX)
        return config_fail(err, &whole, "file too large");
    xmlSetGenericErrorFunc(NULL, xml_quiet);
    ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return config_fail(err, &whole, "out of memory");
    /* No network, no external DTD: a description reads nothing but itself. */
    doc = xmlCtxtReadMemory(ctxt, buf, (int)len, file, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        rc = xml_syntax_error(file, ctxt, err);
        goto out_ctxt;
    }
    /* libvirt XML has no DTD; refusing one rules out entity tricks. */
    if (doc->intSubset) {
        whole.key = "DOCTYPE";
        rc = config_fail(err, &whole, "DTDs are not supported");
    } else {
        rc = xml_domain(&x, xmlDocGetRootElement(doc));
    }
    xmlFreeDoc(doc);
out_ctxt:
    xmlFreeParserCtxt(ctxt);
    return rc;
}
