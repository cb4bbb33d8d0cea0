/*
 * libsvl: the toolstack library (what libxl is to Xen's xl).  Domain
 * create and destroy, shutdown requests, devices (vifs, VFs, PCI
 * functions) and their re-plug when a driver domain comes back, the
 * descriptions kept for running domains, and the monitor's restart policy.
 * Front ends (xl, a service, tests) call it; it prints nothing.  A call
 * returns 0 (or a count) or -errno, with the reason in ctx->error; what is
 * worth saying on success (a warning, a re-plug) goes to the context's log
 * function.
 */
#ifndef SV_SVL_H
#define SV_SVL_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "sv/abi/hypercall.h"
#include "sv/config.h"

/* The reason of the last failure: one line per cause, the outermost last,
 * and the end of a domain's console when it says why ("" when none).
 * Lines accumulate until svl_error_clear(): a front end clears it once it
 * has said it (or chose not to). */
struct svl_error {
    char message[1024];
    char console[2400];
};

enum svl_level {
    SVL_INFO,    /* something done worth saying (a vif re-plugged) */
    SVL_WARN,    /* done, but not all as asked */
    SVL_CONSOLE, /* the end of a domain's console, after a warning */
};
typedef void svl_log_fn(void *arg, enum svl_level level, const char *msg);

struct svl_ctx {
    xc_interface *xch;
    int chan; /* our own hypercalls (sv/abi/hypercall.h) */
    struct svl_error error;
    svl_log_fn *log;
    void *log_arg;
};

/* Connects to the run directory's hypervisor; 0 or -errno. */
int svl_open(struct svl_ctx *ctx, svl_log_fn *log, void *log_arg);
void svl_close(struct svl_ctx *ctx);
/* Forgets the reason of the last failure. */
void svl_error_clear(struct svl_ctx *ctx);

/* Domains by name or id. */
/* A domain id in decimal digits only, below DOMID_FIRST_RESERVED. */
bool svl_parse_domid(const char *s, uint32_t *domid);
/* A name or a domain id: 0, -ESRCH (also for "") or -ENAMETOOLONG; unsaid. */
int svl_domid(struct svl_ctx *ctx, const char *spec, uint32_t *domid);
/* svl_domid() that gives the domain's name too, into name (len bytes): one
 * hypercall for both. */
int svl_domain_lookup(struct svl_ctx *ctx, const char *spec, uint32_t *domid, char *name,
                      size_t len);
/* The name of domid into buf; -ESRCH if none. */
int svl_domname(struct svl_ctx *ctx, uint32_t domid, char *buf, size_t len);
/* The process that runs domid: 0, or -ESRCH when it has none (paused
 * before its first run, or shut down) or is gone. */
int svl_domain_pid(struct svl_ctx *ctx, uint32_t domid, pid_t *pid);
/* The write end of domid's console input (xl console): an fd or -errno. */
int svl_console_input(struct svl_ctx *ctx, uint32_t domid);
/* The hypervisor's own counters (frames, ports, maps, the domains' fd
 * budget), beside xc_physinfo's: 0 or -errno. */
int svl_host_counters(struct svl_ctx *ctx, struct sv_sysctl_physinfo *counters);
/* The names of n domains ("" for one that is gone); 0 or -errno. */
int svl_domnames(struct svl_ctx *ctx, const uint32_t *ids, int n,
                 char (*names)[SV_DOMAIN_NAME_MAX]);
/* " (its last console output: PATH)" when the run directory keeps the
 * console of a destroyed domain of that name (written into buf), else "". */
const char *svl_last_console_hint(const char *name, char *buf, size_t len);

/* The descriptions of running domains, as created and changed since. */
int svl_userdata_save(uint32_t domid, const struct domain_config *cfg);
/* The caller frees cfg with config_free; -ENOENT when none is kept. */
int svl_userdata_load(uint32_t domid, struct domain_config *cfg);

/* Life cycle. */
/* What only the running host can tell of cfg (loaded from file): its
 * kernel, memory, backend domains and PCI functions; 0, or -EINVAL with the
 * file, line and key in ctx->error. */
int svl_domain_check(struct svl_ctx *ctx, const char *file, const struct domain_config *cfg);
/* Creates and (unless paused) starts cfg's domain; *domid out.  A failure
 * leaves nothing. */
int svl_domain_create(struct svl_ctx *ctx, const struct domain_config *cfg, bool paused,
                      uint32_t *domid);
/* Waits until a domain just started is up (its first hypercall) or died:
 * one that crashed before it was up is not created (destroyed, -ECHILD), or
 * kept as on_crash = preserve asks (0, a warning); either way its console's
 * end says why.  0 when it runs (one that dies after is its monitor's). */
int svl_domain_check_started(struct svl_ctx *ctx, const struct domain_config *cfg, uint32_t domid);
/* Destroys a domain and forgets its description and xenstore nodes; it
 * returns once the domain is gone. */
int svl_domain_destroy(struct svl_ctx *ctx, uint32_t domid);
/* The same for a caller that knows the domain's name (svl_domain_lookup):
 * one hypercall fewer. */
int svl_domain_destroy_named(struct svl_ctx *ctx, uint32_t domid, const char *name);
/* Asks domid to power off or reboot: through control/shutdown when it
 * watches it, else its power button (poweroff: -EBUSY while it is paused)
 * or a shutdown with reason reboot (a process has no reset button). */
int svl_domain_shutdown(struct svl_ctx *ctx, uint32_t domid, bool reboot);
/* Whether domid has shut down or is gone. */
bool svl_domain_has_shut_down(struct svl_ctx *ctx, uint32_t domid);

/* Destroys the warm standby of driver domain `name` (driver_domain_standby),
 * if it has one: with the domain itself, by an operator's destroy. */
int svl_standby_destroy(struct svl_ctx *ctx, const char *name);
/* Renames running domid: the hypervisor's name, its network namespace's
 * (sv-NAME, beside the one it was created with, which stays taken until
 * the domain ends), xenstore's name and its kept description. */
int svl_domain_rename(struct svl_ctx *ctx, uint32_t domid, const char *name);
/* Xen's `trigger DOMAIN power|reset` and `sysrq DOMAIN b|o|c`: the power
 * button, or an immediate stop with reason reboot, poweroff or crash (the
 * domain's on_* applies); anything else is -EOPNOTSUPP. */
int svl_domain_trigger(struct svl_ctx *ctx, uint32_t domid, const char *trigger);
int svl_domain_sysrq(struct svl_ctx *ctx, uint32_t domid, char key);
/* Replaces the description domid's next restart uses (cfg, the same name;
 * it keeps the domain's UUID); the running domain is unchanged. */
int svl_domain_config_update(struct svl_ctx *ctx, uint32_t domid, struct domain_config *cfg);

/* What a domain uses.  Its VCPUs are the threads of its process. */
#define SVL_MAX_VCPUS 64
struct svl_vcpu {
    int tid;
    int cpu;    /* where it last ran */
    char state; /* as /proc says: R running, S sleeping, ...; '-' gone */
    double time_s;
    cpu_set_t affinity;
};
/* Up to max VCPUs of running domid, in thread id order; a count. */
int svl_vcpu_list(struct svl_ctx *ctx, uint32_t domid, struct svl_vcpu *vcpus, int max);
/* Pins VCPU vcpu (-1: all) of domid to cpus; the number pinned. */
int svl_vcpu_pin(struct svl_ctx *ctx, uint32_t domid, int vcpu, const cpu_set_t *cpus);
/* "all" or a list "0-3,6" of CPUs the host has: 0, -EINVAL or -ERANGE. */
int svl_parse_cpus(const char *text, cpu_set_t *cpus);
/* The same form back ("all" when every CPU). */
void svl_format_cpus(const cpu_set_t *cpus, char *buf, size_t len);
/* Xen's mem-set (max false: a target, memory.high and memory/target) and
 * mem-max (memory.max) of domid's memory cgroup, 1..the memory its
 * description gave it, in MiB. */
int svl_memory_set(struct svl_ctx *ctx, uint32_t domid, uint64_t mib, bool max);

/* Xen's credit weight (1..65535) and cap (percent of one CPU, 0: none) of
 * domid, on its own cpu cgroup; Domain-0 (the host) reads 256 and 0 and
 * cannot be set.  _set: weight or cap < 0 leaves it; the weight is kept in
 * the description. */
int svl_sched_credit_get(struct svl_ctx *ctx, uint32_t domid, unsigned *weight, unsigned *cap);
int svl_sched_credit_set(struct svl_ctx *ctx, uint32_t domid, int weight, int cap);

/* Counters (virsh domstats / domifstat). */
#define SVL_MAX_VIF_STATS 16
struct svl_vif_stats {
    unsigned devid;
    char mac[18];
    char steering[40]; /* "pool N", "software switch", "" */
    bool counted;      /* served by NIC queues of its own: the counters below */
    uint64_t rx_packets, rx_bytes, rx_dropped, tx_packets, tx_bytes, tx_dropped;
};
struct svl_domstats {
    uint32_t domid;
    char name[SV_DOMAIN_NAME_MAX];
    xc_domaininfo_t info; /* CPU time, pages, VCPUs, state */
    bool has_memory_used;
    unsigned long long memory_used; /* bytes charged to its memory cgroup */
    unsigned nr_vifs;
    struct svl_vif_stats vifs[SVL_MAX_VIF_STATS];
};
int svl_domain_stats(struct svl_ctx *ctx, uint32_t domid, struct svl_domstats *st);

/* Vifs. */
/* The backend domain's id: "" (or Domain-0, 0) is dom0, any other name or
 * id must be a domain the hypervisor knows; -ESRCH when not. */
int svl_vif_backend_domid(struct svl_ctx *ctx, const char *name, uint32_t *domid);
/* Adds a vif to running domid from an xl spec ('mac=..,bridge=..'); its
 * description keeps it. */
int svl_vif_attach(struct svl_ctx *ctx, uint32_t domid, const char *spec);
/* Removes the vif named by devid or MAC, and from the description. */
int svl_vif_detach(struct svl_ctx *ctx, uint32_t domid, const char *devid_or_mac);
/* Calls fn for every child of the directory printf(fmt, domid) (a device
 * directory per devid, e.g. SVL_VIF_DIRS); 0 or -errno when xenstore
 * cannot be reached. */
#define SVL_VIF_DIRS "/libxl/%u/device/vif"
#define SVL_VF_DIRS  "/libxl/%u/device/vf"
typedef void svl_device_fn(struct xs_handle *h, const char *dir, const char *devid, void *arg);
int svl_for_each_device(const char *fmt, uint32_t domid, svl_device_fn *fn, void *arg);
/* dir/key as a domain wrote it, for a terminal: bytes outside printable
 * ASCII become '?'.  NULL when absent; the caller frees it. */
char *svl_read_shown(struct xs_handle *h, const char *dir, const char *key);

/* PCI functions. */
/* Whether bdf could be assigned now: 0, -ENODEV, -EPERM or -EBUSY. */
int svl_pci_check(struct svl_ctx *ctx, const char *bdf);
/* What an error of the PCI calls means to the user. */
const char *svl_pci_strerror(int err);
/* The PCI table: up to max functions; a count or -errno. */
int svl_pci_funcs(struct svl_ctx *ctx, struct sv_pci_func *funcs, int max);
/* The device's counters of function bdf (struct xnic_func_stats). */
struct xnic_func_stats;
int svl_pci_stats(struct svl_ctx *ctx, const char *bdf, struct xnic_func_stats *st);
/* pci-assignable-add / -remove of a BDF, short or whole. */
int svl_pci_assignable(struct svl_ctx *ctx, const char *bdf, bool add);
/* FLR of a function where it is (an owner keeps it, its queues stopped). */
int svl_pci_reset(struct svl_ctx *ctx, const char *bdf);
/* Hot-plugs spec ("BDF[,options]") into running domid, or takes the
 * function back (reset); the description follows.  A detach tells the PF
 * owner and the guest first and waits a bound for each; forced, it tells
 * nobody: the function is reset and taken at once, then its directories go. */
int svl_pci_attach(struct svl_ctx *ctx, uint32_t domid, const char *spec);
int svl_pci_detach(struct svl_ctx *ctx, uint32_t domid, const char *spec, bool force);

/* The monitor: applies on_poweroff/on_reboot/on_crash to every domain with
 * a kept description (restart policy: docs/xl.md); returns when the
 * hypervisor goes. */
void svl_monitor_run(struct svl_ctx *ctx);

/* What svl_monitor_cancel_restart found: no restart of the name pending,
 * its queued restart cancelled, or a restart that completed meanwhile (the
 * caller destroys the new domain). */
enum svl_monitor_cancel { SVL_MONITOR_NONE, SVL_MONITOR_CANCELLED, SVL_MONITOR_RESTARTED };

/* Cancels the monitor's pending restart of name (an operator's destroy is
 * final); waits while the monitor is creating it.  -errno when it cannot
 * tell. */
int svl_monitor_cancel_restart(const char *name);

#endif
