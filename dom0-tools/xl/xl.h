/*
 * xl: the toolstack's command line.  One function per subcommand, listed in
 * the table of xl.c with its usage; this header is what they share.
 */
#ifndef XL_H
#define XL_H

#include <stdbool.h>
#include <stdint.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "sv/config.h"
#include "sv/abi/hypercall.h"

struct option;
struct xl_command {
    const char *name;
    int (*fn)(int argc, char **argv); /* argv: the command, then its operands */
    const char *opts;                 /* getopt's letters ('+' first: stop at an operand) */
    const struct option *longopts;    /* each naming a letter of opts */
    const char *args;
    const char *help;
};

/* Whether the running command was given option c, and its value (NULL when
 * none): xl.c parsed them before the command runs, the same way for all. */
bool xl_opt(char c);
const char *xl_optarg(char c);

extern xc_interface *xl_xch; /* opened before any command runs */
extern int xl_chan;          /* our own hypercalls (sv/abi/hypercall.h) */

/* Prints "xl: <message>" on stderr; returns 1 (the failing exit status). */
int xl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "xl: warning: <message>" on stderr. */
void xl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* xl_error() of a description's error (file, line, field): 1. */
int xl_config_error(const struct config_error *cerr);
/* Prints the usage of the running command; returns 2. */
int xl_usage(void);

/* Resolves a domain given by name or id; -ESRCH or -ENAMETOOLONG (with a
 * message) if none. */
int xl_domid(const char *spec, uint32_t *domid);
/* The same without a message: a name or a domain id; -ESRCH, -ENAMETOOLONG. */
int xl_lookup_domid(const char *spec, uint32_t *domid);
/* A domain id in decimal digits only, below DOMID_FIRST_RESERVED. */
bool xl_parse_domid(const char *s, uint32_t *domid);
/* A command's DOMAIN argument (argv[1]) followed by exactly more further
 * arguments: 0 with *domid set, or the exit status to return (2: bad
 * usage, 1: no such domain, said). */
int xl_domain_arg(int argc, char **argv, int more, uint32_t *domid);
/* The domains a command's operands name: none named means every domain. */
#define XL_DOMSET_MAX 64
struct xl_domset {
    int n;
    uint32_t ids[XL_DOMSET_MAX];
};
/* Resolves the domains argv[first..argc) name; 0, or the exit status to
 * return (1: a domain does not exist or too many, said). */
int xl_domset_parse(int first, int argc, char **argv, struct xl_domset *set);
bool xl_domset_has(const struct xl_domset *set, uint32_t domid);
/* The name of domid into buf; -ESRCH if none. */
int xl_domname(uint32_t domid, char *buf, size_t len);
/* The names of n domains in one round trip per SV_DOMCTL_LOOKUP_BATCH
 * ("" for one that is gone); 0 or -errno. */
int xl_domnames(const uint32_t *ids, int n, char (*names)[SV_DOMAIN_NAME_MAX]);

/* " (its last console output: PATH)" when the run directory keeps the
 * console of a destroyed domain of that name (written into buf), else "". */
const char *xl_last_console_hint(const char *name, char *buf, size_t len);

/* xl_console.c: follows domid's console until Ctrl-] or its end; 0 or 1 (said). */
int xl_console_attach(uint32_t domid);

/* xl_create.c: creates and (unless paused) starts cfg's domain; *domid out. */
int xl_create_domain(const struct domain_config *cfg, bool paused, uint32_t *domid);
/* userdata.c: the description a running domain was created from. */
int userdata_save(uint32_t domid, const struct domain_config *cfg);
int userdata_load(uint32_t domid, struct domain_config *cfg); /* caller frees with config_free */
void userdata_remove(uint32_t domid);

/* Writes path = value, owned by owner and readable by reader (xs_home.c). */
bool xs_put(struct xs_handle *h, xs_transaction_t t, const char *path, const char *value,
            uint32_t owner, uint32_t reader);

/* xs_home.c: the domain's xenstore home, as libxl writes it, and XS_INTRODUCE. */
int xs_home_create(const struct domain_config *cfg, uint32_t domid);
void xs_home_remove(uint32_t domid);
/* Writes reason ("poweroff", "reboot") to control/shutdown if the domain
 * watches it (control/feature-REASON). */
bool xs_home_request_shutdown(uint32_t domid, const char *reason);

/* vif.c: a vif's frontend, backend and toolstack directories in xenstore. */
int vif_add(uint32_t domid, const struct config_vif *vif);
/* The backend domain's id: "" (or Domain-0, 0) is dom0, any other name or
 * id must be a domain the hypervisor knows; -ESRCH when not. */
int vif_backend_domid(const char *name, uint32_t *domid);
/* Calls fn for every child of the directory printf(fmt, domid) (a device
 * directory per devid, e.g. "/libxl/%u/device/vif"); 0 or -errno when
 * xenstore cannot be reached. */
int xl_for_each_device(const char *fmt, uint32_t domid,
                       void (*fn)(struct xs_handle *h, const char *dir, const char *devid,
                                  void *arg),
                       void *arg);
/* dir/key as a domain wrote it, for a terminal: bytes outside printable
 * ASCII become '?'.  NULL when absent; the caller frees it. */
char *xl_read_shown(struct xs_handle *h, const char *dir, const char *key);
int vif_remove(uint32_t domid, unsigned devid);
void vif_remove_all(uint32_t domid);
/* xl network-list: the header once, then each domain's rows. */
void vif_list_header(void);
int vif_list(uint32_t domid);
/* One line per vif: MAC, steering and its packet counters (xl top). */
void vif_list_brief(uint32_t domid);
/* Domain `name` (b) came up: re-create the backend directory of every
 * running guest's vif that names it, and point the frontends at it. */
void vif_replug_backend(const char *name, uint32_t b);
/* Domain b went: the vifs it served point at no backend. */
void vif_orphan_backend(uint32_t b);
/* The next unused devid of domid, or -errno. */
int vif_next_devid(uint32_t domid);
/* Removes the directory that held path (a backend's .../vif/F or .../vf/F)
 * once empty. */
void vif_remove_parent_if_empty(struct xs_handle *h, const char *path);
/* The vif of domid named by devid or MAC: 0 (devid, mac filled) or -ENOENT. */
int vif_find(uint32_t domid, const char *devid_or_mac, unsigned *devid, char mac[18]);

/* guestnet.c: TAP ethD in the domain's namespace for vif D (its hardware). */
int guestnet_plumb(uint32_t domid, const char *name, const struct config_vif *vif);
void guestnet_unplumb(const char *name, unsigned devid);
/* TAP vfN for the guest's VF interface N (its VF driver turns on vnet
 * headers and offloads when it attaches). */
int guestnet_plumb_vf(uint32_t domid, const char *name, unsigned devid);
void guestnet_unplumb_vf(const char *name, unsigned devid);

/* vf.c: a VF as a guest's network interface.  vf_plug has the PF's owner
 * configure pci, assigns it and makes its TAP and frontend directory; 1
 * (nothing done) for a function that is not a VF; vf_unplug tells the guest
 * and removes them (the caller detaches the function); vf_remove_all
 * removes them for a destroyed domain. */
int vf_plug(uint32_t domid, const char *name, const struct config_pci *pci);
void vf_unplug(uint32_t domid, const char *bdf);
void vf_remove_all(uint32_t domid);
void vf_list(uint32_t domid);
/* Every node under dir owned by owner and readable by reader (a guest's
 * own keys were created readable by the backend of the time). */
void xl_chmod_tree(struct xs_handle *h, const char *dir, uint32_t owner, uint32_t reader);
/* Makes the VF requests whose PF domain owner now drives (a restarted
 * driver domain) again under its home. */
void vf_replug_owner(uint32_t owner);

/* Destroys a domain and forgets its description and xenstore nodes. */
int xl_destroy_domain(uint32_t domid);

/* monitor.c: starts the run directory's one monitor, which applies
 * on_poweroff/on_reboot/on_crash to every domain, unless it runs already;
 * 0 or 1 (said). */
int monitor_start(void);

int cmd_create(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_domid(int argc, char **argv);
int cmd_domname(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_reboot(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_dumpxml(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_uptime(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_network_attach(int argc, char **argv);
int cmd_network_detach(int argc, char **argv);
int cmd_network_list(int argc, char **argv);
int cmd_pci_assignable_add(int argc, char **argv);
int cmd_pci_assignable_remove(int argc, char **argv);
int cmd_pci_assignable_list(int argc, char **argv);
int cmd_pci_attach(int argc, char **argv);
int cmd_pci_detach(int argc, char **argv);
int cmd_pci_list(int argc, char **argv);
int cmd_pci_list_all(int argc, char **argv);
int cmd_sched_credit(int argc, char **argv);

/* xl_pci.c: assigns bdf to domid, with a message on failure; 0 or -errno. */
int xl_pci_attach(uint32_t domid, const char *bdf);
/* Whether bdf could be assigned now, without assigning it: 0, -ENODEV (no
 * such function), -EPERM (not assignable) or -EBUSY (owned). */
int xl_pci_check(const char *bdf);
/* Takes bdf back from domid (reset); 0 or -errno, unsaid. */
int xl_pci_detach(uint32_t domid, const char *bdf);
/* Assigns pci to domid: a VF as a network interface (vf_plug), anything
 * else as a plain function; 0 or -errno (said). */
int xl_pci_plug(uint32_t domid, const char *name, const struct config_pci *pci);
/* The device's counters of function bdf (struct xnic_func_stats of
 * sv/abi/xnic.h); 0 or -errno. */
struct xnic_func_stats;
int xl_pci_stats(const char *bdf, struct xnic_func_stats *st);
/* What an error of the PCI calls above means to the user. */
const char *xl_pci_strerror(int err);

#endif
