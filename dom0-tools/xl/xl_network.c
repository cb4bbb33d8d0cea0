/* xl network-attach, network-detach, network-list: vifs of a running domain, over libsvl. */
#include <stdio.h>
#include <string.h>

#include "xl.h"

/* Xen's form, one KEY=VALUE argument each (mac=.. bridge=..), or one
 * 'mac=..,bridge=..' spec: as one spec in spec. */
static int join_spec(int argc, char **argv, char *spec, size_t len)
{
    size_t used = 0;

    for (int i = 2; i < argc; i++) {
        int n;

        if (!strchr(argv[i], '='))
            return xl_error("network-attach: '%s' is not a KEY=VALUE setting", argv[i]);
        n = snprintf(spec + used, len - used, "%s%s", used ? "," : "", argv[i]);
        if (n < 0 || (size_t)n >= len - used)
            return xl_error("network-attach: the settings are too long");
        used += (size_t)n;
    }
    return 0;
}

int cmd_network_attach(int argc, char **argv)
{
    char spec[1024];
    uint32_t domid;
    int err;

    if (argc < 3)
        return xl_usage();
    if ((err = xl_domain_arg(2, argv, 0, &domid)) ||
        (err = join_spec(argc, argv, spec, sizeof(spec))))
        return err;
    return svl_vif_attach(&xl_ctx, domid, spec) < 0 ? xl_svl_error() : 0;
}

int cmd_network_detach(int argc, char **argv)
{
    uint32_t domid;
    int err;

    if ((err = xl_domain_arg(argc, argv, 1, &domid)))
        return err;
    return svl_vif_detach(&xl_ctx, domid, argv[2]) < 0 ? xl_svl_error() : 0;
}

/* xl network-list DOMAIN...: Xen's header once, then the rows of each. */
int cmd_network_list(int argc, char **argv)
{
    struct xl_domset set;
    int status;

    if (argc < 2)
        return xl_usage();
    if ((status = xl_domset_parse(1, argc, argv, &set)))
        return status;
    xl_vif_list_header();
    for (int i = 0; i < set.n; i++) {
        if (xl_vif_list(set.ids[i]) < 0)
            return xl_error("cannot read xenstore");
        xl_vf_list(set.ids[i]);
    }
    return 0;
}
