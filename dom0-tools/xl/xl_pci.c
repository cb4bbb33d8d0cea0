/*
 * xl pci-assignable-add/-remove/-list, pci-attach/-detach/-list,
 * pci-list-all, pci-reset: the hypervisor's PCI table (functions of the xnic device
 * models), over libsvl.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "xl.h"

#define XL_MAX_FUNCS 128

/* pci-assignable-add/-remove BDF. */
static int one_bdf(int argc, char **argv, bool add)
{
    if (argc != 2)
        return xl_usage();
    return svl_pci_assignable(&xl_ctx, argv[1], add) < 0 ? xl_svl_error() : 0;
}

int cmd_pci_assignable_add(int argc, char **argv)
{
    return one_bdf(argc, argv, true);
}

int cmd_pci_assignable_remove(int argc, char **argv)
{
    return one_bdf(argc, argv, false);
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

    /* The host has what no domain has; its PF driver (hostpf) says so. */
    if (f->owner == 0)
        snprintf(owner, sizeof(owner), "Domain-0 (hostpf)");
    else if (f->owner != DOMID_INVALID && svl_domname(&xl_ctx, f->owner, owner, sizeof(owner)) < 0)
        snprintf(owner, sizeof(owner), "%u", f->owner);
    snprintf(kind, sizeof(kind), f->func ? "VF %u" : "PF", f->func - 1);
    printf("%-13s %3u  %-6s %6u %-10s %s\n", f->bdf, f->nic, kind, f->nqueues,
           f->assignable ? "yes" : "no", owner);
}

static int print_funcs(enum xl_funcs which, long domid)
{
    static struct sv_pci_func funcs[XL_MAX_FUNCS];
    int n = svl_pci_funcs(&xl_ctx, funcs, XL_MAX_FUNCS);

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

static int dom_bdf(int argc, char **argv, bool attach)
{
    uint32_t domid;
    int err;

    if ((err = xl_domain_arg(argc, argv, 1, &domid)))
        return err;
    err = attach ? svl_pci_attach(&xl_ctx, domid, argv[2])
                 : svl_pci_detach(&xl_ctx, domid, argv[2], xl_opt('f'));
    return err < 0 ? xl_svl_error() : 0;
}

int cmd_pci_attach(int argc, char **argv)
{
    return dom_bdf(argc, argv, true);
}

int cmd_pci_detach(int argc, char **argv)
{
    return dom_bdf(argc, argv, false);
}

/* pci-reset BDF: the host's FLR of a function, where it is. */
int cmd_pci_reset(int argc, char **argv)
{
    if (argc != 2)
        return xl_usage();
    return svl_pci_reset(&xl_ctx, argv[1]) < 0 ? xl_svl_error() : 0;
}

int cmd_pci_list(int argc, char **argv)
{
    uint32_t domid;
    int status = xl_domain_arg(argc, argv, 0, &domid);

    if (status)
        return status;
    return print_funcs(XL_FUNCS_OF_DOMAIN, domid);
}
