/*
 * Domain descriptions: parses libvirt domain XML and Xen xl.cfg into one
 * normalized struct domain_config, and writes it back as JSON (what
 * `xl create --dry-run` prints) or as libvirt XML.  Both formats, every key,
 * units, defaults and errors are described in docs/config.md.
 *
 * Error convention: functions return 0 or a negative errno.  A bad
 * description is -EINVAL with exactly one error in *err (file, line, key,
 * message); warnings (ignored keys or elements) go to the log.  On any error
 * the config is left freed and zeroed, so the caller frees only after success.
 */
#ifndef SV_CONFIG_H
#define SV_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_NAME_SIZE   64 /* domain names: [A-Za-z0-9_.-], 1..63 chars */
#define CONFIG_UUID_SIZE   37 /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" */
#define CONFIG_MAC_SIZE    18 /* "00:16:3e:xx:xx:xx" */
#define CONFIG_BRIDGE_SIZE 16 /* IFNAMSIZ */
#define CONFIG_IP_SIZE     50 /* INET6_ADDRSTRLEN + "/128" */
#define CONFIG_BDF_SIZE    13 /* "0000:03:10.1" */
#define CONFIG_MAX_IPS     8  /* addresses of one vif */
#define CONFIG_MAX_VIFS    16
#define CONFIG_MAX_PCIS    8
#define CONFIG_MAX_VCPUS   128
/* Xen's credit scheduler weight: its range and default. */
#define CONFIG_MAX_CPU_WEIGHT     65535
#define CONFIG_DEFAULT_CPU_WEIGHT 256
/* A driver domain's when its description gives none: sixteen guests' worth,
 * since it does the work of every guest it serves (docs/config.md). */
#define CONFIG_DRIVER_DOMAIN_CPU_WEIGHT (16 * CONFIG_DEFAULT_CPU_WEIGHT)
#define CONFIG_MAX_QUEUES               8
#define CONFIG_MAX_QUEUE_SIZE           253 /* buffers netfront posts each way: a ring's worth */
#define CONFIG_MAX_VLAN                 4094
#define CONFIG_MAX_TRUNK                64               /* tagged VLANs of one vif */
#define CONFIG_MAX_MEMORY_MIB           (1024ULL * 1024) /* 1 TiB */
#define CONFIG_DEFAULT_MEMORY_MIB       32               /* libxl's default */
#define CONFIG_MAX_LIMIT                (1u << 20)       /* max_grant_frames & co: sanity bound */
#define CONFIG_RATE_INTERVAL_US         50000        /* xl's and libvirt's default credit window */
#define CONFIG_MAX_RATE                 (1ULL << 40) /* bytes a second: 1 TB/s, a sanity bound */
#define CONFIG_MAX_BURST                (1ULL << 30) /* bytes of credit kept: 1 GiB, the same */

/* Where a value was written, kept for the errors only the running host can
 * reveal (xl create's checks: backend domain, PCI function, host memory).
 * line 0 when the value was not read from a file. */
struct config_origin {
    int line;
    char key[32]; /* the xl.cfg key ("vif backend") or XML element */
};

/* What the monitor does when the domain powers off, reboots or crashes. */
enum config_action {
    CONFIG_ACTION_DESTROY,
    CONFIG_ACTION_RESTART,
    CONFIG_ACTION_PRESERVE,
    CONFIG_ACTION_RENAME_RESTART,
};

/* A rate limit: bytes_per_sec * interval_us / 10^6 bytes of credit each
 * interval_us (Xen's credit scheme), unused credit kept up to burst_bytes
 * (0: the backend's default); bytes_per_sec 0: unlimited. */
struct config_rate {
    uint64_t bytes_per_sec;
    uint32_t interval_us;
    uint64_t burst_bytes;
};

struct config_vif {
    unsigned int devid;                      /* 0, 1, 2... in the order written */
    char mac[CONFIG_MAC_SIZE];               /* lower case; generated when not given */
    char bridge[CONFIG_BRIDGE_SIZE];         /* "" = the backend's default */
    char backend[CONFIG_NAME_SIZE];          /* backend domain name; "" = Domain-0 */
    unsigned int nr_ips;                     /* the guest's addresses on it, in the order written */
    char ip[CONFIG_MAX_IPS][CONFIG_IP_SIZE]; /* each "ADDR" or "ADDR/PREFIX" */
    unsigned int queues;                     /* 1..CONFIG_MAX_QUEUES */
    /* The buffers the guest's netfront posts for receiving and shares for
     * sending, per queue (libvirt's <driver rx_queue_size= tx_queue_size=>):
     * 1..CONFIG_MAX_QUEUE_SIZE; 0 = the guest's own choice (a ring's worth). */
    unsigned int rx_queue_size, tx_queue_size;
    unsigned int vlan;                /* 802.1Q VLAN id 1..4094 of its untagged frames;
                                       * 0 = the untagged LAN */
    unsigned int nr_trunk;            /* a trunk: it also carries these VLANs tagged */
    uint16_t trunk[CONFIG_MAX_TRUNK]; /* ascending, none equal to vlan */
    /* What the guest may send (xl's rate=, libvirt's <outbound average=>)
     * and receive (ours rx_rate=, libvirt's <inbound>). */
    struct config_rate rate, rx_rate;
    struct config_origin backend_at; /* where backend was set (the vif's when not) */
};

struct config_pci {
    char bdf[CONFIG_BDF_SIZE]; /* "dddd:bb:dd.f", lower-case hex */
    /* An SR-IOV VF as a network interface (docs/networking.md): the MAC
     * and port VLAN its PF owner gives it; "" and 0 leave them unset. */
    char mac[CONFIG_MAC_SIZE];
    unsigned int vlan;
    /* VF <-> PV failover, as Linux's net_failover: the guest bonds this VF
     * with vif `standby` (same MAC and VLAN) into one interface, traffic on
     * the VF while it is there and up, on the vif otherwise. */
    bool failover;
    unsigned int standby; /* with failover: the vif's devid */
    /* With failover: the VLANs the vif carries tagged, which the PF owner
     * lets the VF carry too (its VLAN_SET); taken from the vif, as mac and
     * vlan are, and never written back (the vif says them). */
    uint16_t trunk[CONFIG_MAX_TRUNK];
    unsigned int nr_trunk;
    /* What its PF owner lets the VF do and the link it gives it, as
     * Linux's `ip link set PF vf N trust on|off state auto|enable|disable`:
     * trusted, it may set its own MAC and VLANs and gets all multicast;
     * the link is the wire's (auto), up (enable) or down (disable). */
    bool trust;
    enum config_link_state {
        CONFIG_LINK_AUTO,
        CONFIG_LINK_ENABLE,
        CONFIG_LINK_DISABLE,
    } link_state;
    struct config_origin at;
};

/* "auto", "enable", "disable" (the xenstore key link-state's words). */
extern const char *const config_link_states[3];

/* A VF the description makes a network interface (a MAC, VLAN, trust, link
 * state or team given): libvirt's <interface type='hostdev'> form. */
bool config_pci_is_net(const struct config_pci *pci);

struct domain_config {
    char name[CONFIG_NAME_SIZE];
    char uuid[CONFIG_UUID_SIZE];    /* lower case; "" until config_fill_defaults() */
    uint64_t memory_mib;            /* initial allocation */
    uint64_t maxmem_mib;            /* >= memory_mib */
    struct config_origin memory_at; /* where memory_mib was set ("memory", no line: default) */
    unsigned int vcpus;             /* 1..CONFIG_MAX_VCPUS: online at start */
    unsigned int max_vcpus;         /* vcpus..CONFIG_MAX_VCPUS: what it may bring online */
    unsigned int cpu_weight;        /* 1..CONFIG_MAX_CPU_WEIGHT: share of the CPU against others */
    bool cpu_weight_given;          /* by the description, not a default */
    char *kernel;                   /* as written (relative = to xl's cwd); owned */
    struct config_origin kernel_at; /* where kernel was set */
    char *extra;                    /* command line, never NULL after parsing; owned */
    enum config_action on_poweroff, on_reboot, on_crash;
    bool driver_domain;
    /* A driver domain kept with a warm standby (xl.cfg driver_domain_standby,
     * libvirt <splitvisor:domain standby='yes'>): docs/networking.md. */
    bool standby;
    /* Xen's per-domain limits (xl.cfg keys of the same names; libvirt's
     * <controller type='xenbus' maxGrantFrames maxEventChannels>); 0: Xen's
     * default, which the hypervisor applies. */
    uint32_t max_grant_frames;
    uint32_t max_maptrack_frames;
    uint32_t max_event_channels;
    unsigned int nr_vifs;
    struct config_vif vifs[CONFIG_MAX_VIFS];
    unsigned int nr_pcis;
    struct config_pci pcis[CONFIG_MAX_PCIS];
};

struct config_error {
    char file[256];
    int line;     /* 1-based; 0 when the error is about the whole file */
    char key[64]; /* xl.cfg key or XML element ("" when none applies) */
    char message[256];
};

/* Sets *cfg to an empty description with every default in place (nothing to
 * free yet).  Used before config_add_vif_spec() on a domain built by hand. */
void config_init(struct domain_config *cfg);

/*
 * Reads PATH and parses it as XML when its first non-blank character is '<',
 * as xl.cfg otherwise.  Returns 0, -EINVAL for a bad description, or the
 * -errno of reading the file (also described in *err).  On success the
 * caller owns *cfg and releases it with config_free().
 */
int config_load(const char *path, struct domain_config *cfg, struct config_error *err);

/* Like config_load(), with n xl.cfg settings ("memory=512", as xl create's
 * command line takes them) after the file's own, so that they win; errors
 * name them as "(command line):N".  Over libvirt XML they change the
 * description the same way (a list, vif or pci, replaces its list). */
int config_load_args(const char *path, char *const *settings, int n, struct domain_config *cfg,
                     struct config_error *err);

/* Like config_load() on LEN bytes of BUF; NAME is the file name errors give. */
int config_parse_buffer(const char *name, const char *buf, size_t len, struct domain_config *cfg,
                        struct config_error *err);

/* Generates what a description may leave out but a running domain needs: a
 * random version-4 UUID when there is none.  Kept apart from parsing so that
 * parsing stays deterministic.  Returns 0 or -errno (getrandom). */
int config_fill_defaults(struct domain_config *cfg);

/*
 * Parses an xl vif spec ("mac=..,bridge=..,backend=..,ip=..,queues=..", as in
 * xl.cfg's vif list and `xl network-attach`) and appends it to cfg with devid
 * = cfg->nr_vifs (the caller may renumber it; a generated MAC keeps the devid
 * it was made from).  cfg->name must be set: it seeds the generated MAC.
 * Returns 0, or -EINVAL with *err filled (empty file, key "vif ...") and
 * cfg->nr_vifs unchanged.
 */
int config_add_vif_spec(struct domain_config *cfg, const char *spec, struct config_error *err);

/*
 * Parses an xl PCI spec ("[DDDD:]BB:DD.F[,option...]", as in xl.cfg's pci
 * list and `xl pci-attach`) and appends the device to cfg in the normalized
 * form "dddd:bb:dd.f".  Returns 0, or -EINVAL with *err filled (empty file,
 * key "pci") and cfg unchanged.
 */
int config_add_pci_spec(struct domain_config *cfg, const char *spec, struct config_error *err);

/* The vif's addresses, space-separated (xl's ip= form; "" for none), into
 * buf, truncated to len. */
void config_vif_ips(const struct config_vif *vif, char *buf, size_t len);

/* Removes the PCI device bdf (normalized form) from cfg; 0 or -ENOENT. */
int config_remove_pci(struct domain_config *cfg, const char *bdf);

/* Writes s as a JSON string, quoted and escaped (for other JSON writers). */
void config_json_string(FILE *out, const char *s);

/* Writes cfg as pretty-printed JSON (2-space indent, fixed key order) ending
 * in a newline.  Returns 0 or -EIO. */
int config_to_json(const struct domain_config *cfg, FILE *out);

/* Writes cfg as libvirt domain XML that config_load() reads back to the same
 * description.  Returns 0 or -EIO. */
int config_to_xml(const struct domain_config *cfg, FILE *out);

/* Fills *err with file, at's line and key and the formatted message, for a
 * value found wrong after parsing; returns -EINVAL. */
int config_origin_fail(struct config_error *err, const char *file, const struct config_origin *at,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Releases what cfg owns and zeroes it; safe on a zeroed or freed cfg. */
void config_free(struct domain_config *cfg);

/* Formats err as "FILE:LINE: KEY: MESSAGE" into buf, always NUL-terminated;
 * FILE, LINE (when 0) and KEY are left out when empty. */
void config_format_error(const struct config_error *err, char *buf, size_t len);

/* "destroy", "restart", "preserve" or "rename-restart". */
const char *config_action_name(enum config_action action);

#endif
