/*
 * What the two front ends (config_xl.c, config_xml.c) share: error and
 * warning locations, and the field setters that validate and normalize a
 * value once, whichever format it came from.  Every setter returns 0 or
 * -EINVAL after filling *err for LOC.
 */
#ifndef SV_CONFIG_INTERNAL_H
#define SV_CONFIG_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>

#include "sv/config.h"
#include "sv/log.h"

/* The namespace of our additions in <metadata>. */
#define CONFIG_XMLNS "https://splitvisor.dev/xmlns/domain/1.0"
/* How output names the backend "" (dom0); input accepts it too. */
#define CONFIG_DOM0_NAME "Domain-0"

/* Where a value came from: file, 1-based line (0 = whole file), key. */
struct config_loc {
    const char *file;
    int line;
    const char *key;
};

/* Fill *err for loc with the formatted message; return -EINVAL. */
int config_vfail(struct config_error *err, const struct config_loc *loc, const char *fmt,
                 va_list ap) LOG_PRINTF(3, 0);
int config_fail(struct config_error *err, const struct config_loc *loc, const char *fmt, ...)
    LOG_PRINTF(3, 4);
/* Logs "FILE:LINE: KEY: message" as a warning. */
void config_warn(const struct config_loc *loc, const char *fmt, ...) LOG_PRINTF(2, 3);

/* Records loc's line and key in *at (config_origin_fail() names them). */
void config_note(struct config_origin *at, const struct config_loc *loc);

/* Decimal, or hexadecimal after "0x"; no sign, no blanks.  0, -EINVAL or
 * -ERANGE when above max. */
int config_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* The front ends: parse into an initialized cfg; on error cfg may hold
 * allocations the caller frees. */
int config_parse_xl(const char *file, const char *buf, size_t len, struct domain_config *cfg,
                    struct config_error *err);
/* The same where lines from args_line on are settings a command line added
 * (errors and warnings name them so). */
int config_parse_xl_args(const char *file, const char *buf, size_t len, int args_line,
                         struct domain_config *cfg, struct config_error *err);
/* Settings (xl.cfg lines, all from a command line) over cfg, a whole
 * description already parsed from file: they change it, a list replacing
 * its list. */
int config_parse_xl_over(const char *file, const char *buf, size_t len, struct domain_config *cfg,
                         struct config_error *err);
/* The libvirt XML front end is in its own library, CONFIG_XML_LIBRARY, which
 * config.c loads the first time it reads XML (see module.mk for why). */
typedef int config_parse_fn(const char *file, const char *buf, size_t len,
                            struct domain_config *cfg, struct config_error *err);
#define CONFIG_XML_LIBRARY "libsvconfigxml.so"
int config_parse_xml(const char *file, const char *buf, size_t len, struct domain_config *cfg,
                     struct config_error *err);

/* Domain, backend and bridge names end up in paths, netns and interface
 * names: 1..size-1 of [A-Za-z0-9_.-], not starting with '-' or '.'. */
int config_check_ident(const char *value, size_t size, const char *what,
                       const struct config_loc *loc, struct config_error *err);

int config_set_name(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                    struct config_error *err);
int config_set_uuid(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                    struct config_error *err);
/* NUMBER in UNIT (libvirt's units: b, KB, KiB, MiB, ...), rounded up to MiB. */
int config_set_memory(uint64_t *mib, const char *number, const char *unit,
                      const struct config_loc *loc, struct config_error *err);
int config_set_vcpus(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                     struct config_error *err);
/* The maximum (xl's maxvcpus, libvirt's <vcpu>M</vcpu> beside current=):
 * applied after vcpus, which it must not be below. */
int config_set_max_vcpus(struct domain_config *cfg, const char *value, const struct config_loc *loc,
                         struct config_error *err);
/* A per-domain limit (max_grant_frames, ...): 1..CONFIG_MAX_LIMIT. */
int config_set_limit(uint32_t *dst, const char *value, const struct config_loc *loc,
                     struct config_error *err);
/* xl.cfg cpu_weight; libvirt's <cputune><shares> is 4 times it (cgroup
 * cpu.shares, whose default 1024 is Xen's 256). */
int config_set_cpu_weight(struct domain_config *cfg, const char *value, unsigned int divisor,
                          const struct config_loc *loc, struct config_error *err);
/* Free text (kernel, extra): trimmed, UTF-8 without control characters. */
int config_set_text(char **dst, const char *value, const struct config_loc *loc,
                    struct config_error *err);
int config_set_action(enum config_action *dst, const char *value, const struct config_loc *loc,
                      struct config_error *err);

/* A vif is built between begin and end: begin claims the next slot with its
 * defaults, end generates the MAC when none was set, rejects a duplicate MAC
 * and commits the slot. */
struct config_vif *config_vif_begin(struct domain_config *cfg, const struct config_loc *loc,
                                    struct config_error *err);
int config_vif_end(struct domain_config *cfg, const struct config_loc *loc,
                   struct config_error *err);
int config_vif_set_mac(struct config_vif *vif, const char *value, const struct config_loc *loc,
                       struct config_error *err);
int config_vif_set_bridge(struct config_vif *vif, const char *value, const struct config_loc *loc,
                          struct config_error *err);
int config_vif_set_backend(struct config_vif *vif, const char *value, const struct config_loc *loc,
                           struct config_error *err);
/* One more of the vif's addresses; prefix may be NULL when value has none
 * (or carries "/PREFIX" itself). */
int config_vif_add_ip(struct config_vif *vif, const char *value, const char *prefix,
                      const struct config_loc *loc, struct config_error *err);
/* A model other than netfront is warned about: a PV guest gets netfront. */
void config_vif_model(const char *model, const struct config_loc *loc);
/* A vif's rate (its TX or RX one): bytes_per_sec (1..CONFIG_MAX_RATE)
 * every interval_us (1 us .. 1 s), giving at least a byte of credit per
 * window. */
int config_set_rate(struct config_rate *r, uint64_t bytes_per_sec, uint64_t interval_us,
                    const struct config_loc *loc, struct config_error *err);
/* Its burst: 1 KiB .. CONFIG_MAX_BURST bytes of credit kept. */
int config_set_burst(struct config_rate *r, uint64_t bytes, const struct config_loc *loc,
                     struct config_error *err);
int config_vif_set_rx_queue_size(struct config_vif *vif, const char *value,
                                 const struct config_loc *loc, struct config_error *err);
int config_vif_set_tx_queue_size(struct config_vif *vif, const char *value,
                                 const struct config_loc *loc, struct config_error *err);
int config_vif_set_queues(struct config_vif *vif, const char *value, const struct config_loc *loc,
                          struct config_error *err);
int config_vif_set_vlan(struct config_vif *vif, const char *value, const struct config_loc *loc,
                        struct config_error *err);
/* One more VLAN the vif carries tagged (a trunk). */
int config_vif_add_trunk(struct config_vif *vif, const char *value, const struct config_loc *loc,
                         struct config_error *err);
/* One xl vif spec: "key=value,key=value". */
int config_vif_spec(struct domain_config *cfg, const char *spec, const struct config_loc *loc,
                    struct config_error *err);

/* "[DDDD:]BB:DD.F[,option...]" (xl's pci list entry). */
int config_pci_spec(struct domain_config *cfg, const char *spec, const struct config_loc *loc,
                    struct config_error *err);
/* Numeric parts of an address (libvirt's <address domain= bus= slot= function=>). */
int config_pci_add(struct domain_config *cfg, uint64_t domain, uint64_t bus, uint64_t slot,
                   uint64_t function, const struct config_loc *loc, struct config_error *err);

/* Refuses a known feature this host lacks ("hvm", "pvh", "disk", "initrd",
 * "loader", "bootloader", "vnuma") with the same message in both formats;
 * returns -EINVAL. */
int config_refuse(const char *feature, const struct config_loc *loc, struct config_error *err);

/* A VF teamed with a standby vif (failover): the vif must exist, be an
 * access port and back no other VF; the VF takes its MAC and VLAN, which
 * given must agree (net_failover pairs the two by MAC). */
int config_pci_team(struct domain_config *cfg, struct config_pci *pci, const char *file,
                    struct config_error *err);

/* Initial memory within the maximum (when the maximum is set). */
int config_check_memory(const struct domain_config *cfg, const struct config_loc *loc,
                        struct config_error *err);

/* Cross-field checks and defaults once every key is in; loc names the file. */
int config_finish(struct domain_config *cfg, const struct config_loc *loc,
                  struct config_error *err);

#endif
