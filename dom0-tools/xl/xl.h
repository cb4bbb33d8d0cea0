/*
 * xl: the toolstack's command line, a thin front end over libsvl
 * (sv/svl.h).  One function per subcommand, listed in the table of xl.c
 * with its usage; this header is what they share.
 */
#ifndef XL_H
#define XL_H

#include <stdbool.h>
#include <stdint.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "sv/abi/hypercall.h"
#include "sv/config.h"
#include "sv/svl.h"

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

extern struct svl_ctx xl_ctx; /* the toolstack library, opened before any command runs */

/* Prints "xl: <message>" on stderr; returns 1 (the failing exit status). */
int xl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "xl: warning: <message>" on stderr. */
void xl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* xl_error() of a description's error (file, line, field): 1. */
int xl_config_error(const struct config_error *cerr);
/* xl_error() of each line of the library's last failure (xl_ctx.error),
 * then the domain's console when it says why; 1. */
int xl_svl_error(void);
/* What the library says on the way (xl_ctx's log): on stdout (info) or
 * stderr (warnings); the monitor logs it instead (sv/log.h). */
void xl_svl_log(void *arg, enum svl_level level, const char *msg);
/* Prints the usage of the running command; returns 2. */
int xl_usage(void);

/* Resolves a domain given by name or id; -ESRCH or -ENAMETOOLONG (with a
 * message) if none. */
int xl_domid(const char *spec, uint32_t *domid);
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

/* xl_console.c: follows domid's console until Ctrl-] or its end; 0 or 1 (said). */
int xl_console_attach(uint32_t domid);

/* xl_devlist.c: xl network-list's header once, then each domain's rows. */
void xl_vif_list_header(void);
int xl_vif_list(uint32_t domid);
void xl_vf_list(uint32_t domid);

/* xl_monitor.c: starts the run directory's one monitor (libsvl's policy in
 * a process of its own) unless it runs already; 0 or 1 (said). */
int xl_monitor_start(void);

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
int cmd_pci_reset(int argc, char **argv);
int cmd_pci_list(int argc, char **argv);
int cmd_pci_list_all(int argc, char **argv);
int cmd_sched_credit(int argc, char **argv);
int cmd_vcpu_list(int argc, char **argv);
int cmd_vcpu_pin(int argc, char **argv);
int cmd_mem_set(int argc, char **argv);
int cmd_mem_max(int argc, char **argv);
int cmd_trigger(int argc, char **argv);
int cmd_sysrq(int argc, char **argv);
int cmd_config_update(int argc, char **argv);
int cmd_domstats(int argc, char **argv);
int cmd_rename(int argc, char **argv);

#endif
