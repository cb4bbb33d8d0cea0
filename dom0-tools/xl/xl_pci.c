/*
 * xl pci-assignable-add/-remove/-list, pci-attach/-detach/-list: the
 * hypervisor's PCI table (functions of the xnic device models), and the
 * assignment of a description's `pci = [...]` / <hostdev> at create.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sv/abi/xnic.h"
#include "sv/hcall.h"
#include "xl.h"

#define XL_MAX_FUNCS 128

typedef int pci_stub_fn(int chan, struct sv_pci_req *arg);

static int pci_call(pci_stub_fn *call, uint32_t domid, const char *bdf)
{
    struct sv_pci_req r = {.domid = domid};

    snprintf(r.bdf, sizeof(r.bdf), "%s", bdf);
    return call(xl_chan, &r);
}

const char *xl_pci_strerror(int err)
{
    switch (err) {
    case -ENODEV:
        return "no such PCI function (see xl pci-assignable-list)";
    case -EPERM:
        return "not assignable (xl pci-assignable-add it first)";
    case -EBUSY:
        return "assigned to a domain";
    case -ENOENT:
        return "not assigned to that domain";
    default:
        return strerror(-err);
    }
}

int xl_pci_attach(uint32_t domid, const char *bdf)
{
    int err = pci_call(hcall_pci_attach, domid, bdf);

    if (err < 0)
        xl_error("pci %s: %s", bdf, xl_pci_strerror(err));
    return err;
}

int xl_pci_detach(uint32_t domid, const char *bdf)
{
    return pci_call(hcall_pci_detach, domid, bdf);
}

int xl_pci_stats(const char *bdf, struct xnic_func_stats *st)
{
    struct sv_pci_req r = {0};
    struct hcall_io io = {.res = st, .res_cap = sizeof(*st)};

    snprintf(r.bdf, sizeof(r.bdf), "%s", bdf);
    return hcall_pci_stats_v(xl_chan, &r, 1, &io);
}

int xl_pci_check(const char *bdf)
{
    static struct sv_pci_func funcs[XL_MAX_FUNCS];
    int n = hcall_pci_funcs(xl_chan, funcs, XL_MAX_FUNCS);

    for (int i = 0; i < n; i++) {
        if (strcmp(funcs[i].bdf, bdf))
            continue;
        if (!funcs[i].assignable)
            return -EPERM;
        return funcs[i].owner == DOMID_INVALID ? 0 : -EBUSY;
    }
    return n < 0 ? n : -ENODEV;
}

/* The function spec names, normalized as descriptions keep it: to attach,
 * with its options, against the domain's own description (failover= names
 * one of its vifs, whose MAC and VLAN the VF takes); otherwise its address
 * alone.  0 or the exit status (said). */
static int parse_spec(uint32_t domid, const char *spec, bool attach, struct config_pci *pci)
{
    static struct domain_config cfg;
    struct config_error cerr;
    char bdf[32];

    if (!attach || userdata_load(domid, &cfg) < 0)
        config_init(&cfg);
    if (!attach) {
        snprintf(bdf, sizeof(bdf), "%.*s", (int)strcspn(spec, ","), spec);
        spec = bdf;
    }
    if (config_add_pci_spec(&cfg, spec, &cerr) < 0)
        return xl_config_error(&cerr);
    *pci = cfg.pcis[cfg.nr_pcis - 1];
    config_free(&cfg);
    return 0;
}

/* A function by its BDF, short (03:00.0) or whole (0000:03:00.0), as xl.cfg
 * and pci-attach take it; options after a comma are not a BDF's. */
static int one_bdf(int argc, char **argv, pci_stub_fn *call)
{
    struct config_pci pci;
    int err;

    if (argc != 2)
        return xl_usage();
    if (strchr(argv[1], ','))
        return xl_error("'%s' is not a BDF", argv[1]);
    if ((err = parse_spec(0, argv[1], false, &pci)))
        return err;
    err = pci_call(call, 0, pci.bdf);
    return err < 0 ? xl_error("%s: %s", pci.bdf, xl_pci_strerror(err)) : 0;
}

int cmd_pci_assignable_add(int argc, char **argv)
{
    return one_bdf(argc, argv, hcall_pci_assignable_add);
}

int cmd_pci_assignable_remove(int argc, char **argv)
{
    return one_bdf(argc, argv, hcall_pci_assignable_remove);
}

/* Which functions print_funcs() lists, and how. */
enum xl_funcs {
    XL_FUNCS_ASSIGNABLE, /* assignable and unassigned: BDFs only */
    XL_FUNCS_OF_DOMAIN,  /* a domain's */
    XL_FUNCS_ALL,        /* every function of every NIC, with its owner */
};

static void print_all_one(const struct sv_pci_func *f)
{
    char owner[SV_DOMAIN_NAME_MAX] = "Domain-0", kind[16];

    if (f->owner != DOMID_INVALID && xl_domname(f->owner, owner, sizeof(owner)) < 0)
        snprintf(owner, sizeof(owner), "%u", f->owner);
    snprintf(kind, sizeof(kind), f->func ? "VF %u" : "PF", f->func - 1);
    printf("%-13s %3u  %-6s %6u %-10s %s\n", f->bdf, f->nic, kind, f->nqueues,
           f->assignable ? "yes" : "no", owner);
}

static int print_funcs(enum xl_funcs which, long domid)
{
    static struct sv_pci_func funcs[XL_MAX_FUNCS];
    int n = hcall_pci_funcs(xl_chan, funcs, XL_MAX_FUNCS);

    if (n < 0)
        return xl_error("cannot list PCI functions: %s", strerror(-n));
    if (which == XL_FUNCS_OF_DOMAIN)
        printf("%-6s %-13s %-6s %s\n", "Vdev", "BDF", "Queues", "Function");
    if (which == XL_FUNCS_ALL)
        printf("%-13s %3s  %-6s %6s %-10s %s\n", "BDF", "NIC", "Func", "Queues", "Assignable",
               "Owner");
    for (int i = 0; i < n; i++) {
        const struct sv_pci_func *f = &funcs[i];

        if (which == XL_FUNCS_ALL)
            print_all_one(f);
        else if (which == XL_FUNCS_ASSIGNABLE && f->assignable && f->owner == DOMID_INVALID)
            printf("%s\n", f->bdf);
        else if (which == XL_FUNCS_OF_DOMAIN && f->owner == domid)
            printf("%02x.0   %-13s %-6u %s\n", (unsigned)i, f->bdf, f->nqueues,
                   f->func ? "VF" : "PF");
    }
    return 0;
}

int cmd_pci_list_all(int argc, char **argv)
{
    (void)argv;
    return argc == 1 ? print_funcs(XL_FUNCS_ALL, 0) : xl_usage();
}

int cmd_pci_assignable_list(int argc, char **argv)
{
    (void)argv;
    return argc == 1 ? print_funcs(XL_FUNCS_ASSIGNABLE, 0) : xl_usage();
}

/* The function spec names (with its options), normalized as descriptions
 * keep it; 0 or the exit status (said). */

/* The domain's kept description follows a hot-plug, as libxl's does: xl
 * list -l, dumpxml and a restart by the monitor see the change. */
static void keep_pci(uint32_t domid, const char *spec, const char *bdf, bool attached)
{
    struct domain_config cfg;
    struct config_error cerr;
    int err;

    if (userdata_load(domid, &cfg) < 0)
        return;
    err = attached ? config_add_pci_spec(&cfg, spec, &cerr) : config_remove_pci(&cfg, bdf);
    if (err)
        xl_error("%s is %s, but the description of %s cannot say so (%s): a restart will %s it",
                 bdf, attached ? "attached" : "detached", cfg.name,
                 attached ? cerr.message : strerror(-err), attached ? "lose" : "attach");
    else if ((err = userdata_save(domid, &cfg)) < 0)
        xl_error("cannot keep the description of %s: %s", cfg.name, strerror(-err));
    config_free(&cfg);
}

int xl_pci_plug(uint32_t domid, const char *name, const struct config_pci *pci)
{
    int err = vf_plug(domid, name, pci);

    return err == 1 ? xl_pci_attach(domid, pci->bdf) : err;
}

static int dom_bdf(int argc, char **argv, uint32_t cmd)
{
    struct config_pci pci;
    char name[128];
    uint32_t domid;
    int err;

    if ((err = xl_domain_arg(argc, argv, 1, &domid)) ||
        (err = parse_spec(domid, argv[2], cmd == SV_PCI_attach, &pci)))
        return err;
    if (cmd == SV_PCI_attach) {
        if ((err = xl_domname(domid, name, sizeof(name))) < 0)
            return xl_error("%s: %s", argv[1], strerror(-err));
        if (xl_pci_plug(domid, name, &pci) < 0)
            return 1; /* said */
    } else {
        vf_unplug(domid, pci.bdf);
        if ((err = pci_call(hcall_pci_detach, domid, pci.bdf)) < 0)
            return xl_error("%s: %s", pci.bdf, xl_pci_strerror(err));
    }
    keep_pci(domid, argv[2], pci.bdf, cmd == SV_PCI_attach);
    return 0;
}

int cmd_pci_attach(int argc, char **argv)
{
    return dom_bdf(argc, argv, SV_PCI_attach);
}

int cmd_pci_detach(int argc, char **argv)
{
    return dom_bdf(argc, argv, SV_PCI_detach);
}

int cmd_pci_list(int argc, char **argv)
{
    uint32_t domid;
    int status = xl_domain_arg(argc, argv, 0, &domid);

    if (status)
        return status;
    return print_funcs(XL_FUNCS_OF_DOMAIN, domid);
}
