/*
 * xl create: parse the description (with KEY=VALUE settings), print it
 * (--dry-run), or have libsvl check it against the host, create and start
 * the domain; then make sure the run directory's monitor runs to apply
 * on_poweroff/on_reboot/on_crash.  xl config-update: a new description
 * for a running domain's next restart.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xl.h"

/* The description FILE [KEY=VALUE...] names (xl create's operands). */
static int load(int argc, char **argv, struct domain_config *cfg)
{
    struct config_error cerr;

    if (argc < 2)
        return xl_usage();
    for (int i = 2; i < argc; i++)
        if (!strchr(argv[i], '='))
            return xl_error("create: '%s' is not a KEY=VALUE setting", argv[i]);
    if (config_load_args(argv[1], argv + 2, argc - 2, cfg, &cerr))
        return xl_config_error(&cerr);
    return 0;
}

/* -n / --dry-run[=json|xml]: the description, normalized. */
static int dry_run(const struct domain_config *cfg)
{
    const char *format = xl_optarg('n') ? xl_optarg('n') : "json";

    if (!strcmp(format, "json"))
        return config_to_json(cfg, stdout) ? 1 : 0;
    if (!strcmp(format, "xml"))
        return config_to_xml(cfg, stdout) ? 1 : 0;
    return xl_error("create: --dry-run takes json or xml, not '%s'", format);
}

int cmd_create(int argc, char **argv)
{
    struct domain_config cfg;
    bool paused = xl_opt('p');
    uint32_t domid;
    int err = load(argc, argv, &cfg);

    if (err)
        return err;
    if (xl_opt('n')) {
        err = dry_run(&cfg);
        config_free(&cfg);
        return err;
    }
    err = config_fill_defaults(&cfg);
    if (err) {
        config_free(&cfg);
        return xl_error("%s: %s", argv[1], strerror(-err));
    }
    err = svl_domain_check(&xl_ctx, argv[1], &cfg);
    if (!err)
        err = svl_domain_create(&xl_ctx, &cfg, paused, &domid);
    if (!err && !paused)
        err = svl_domain_check_started(&xl_ctx, &cfg, domid);
    if (err)
        xl_svl_error();
    if (!err) {
        if (!xl_opt('q'))
            printf("Domain %u (%s) created%s\n", domid, cfg.name, paused ? ", paused" : "");
        fflush(stdout);
        err = xl_monitor_start();
    }
    config_free(&cfg);
    if (!err && xl_opt('c'))
        return xl_console_attach(domid);
    return err ? 1 : 0;
}

/* xl config-update DOMAIN FILE [KEY=VALUE...]: the description its next
 * restart uses (Xen's form); the running domain is unchanged. */
int cmd_config_update(int argc, char **argv)
{
    struct domain_config cfg;
    uint32_t domid;
    int err;

    if (argc < 3)
        return xl_usage();
    if ((err = xl_domain_arg(2, argv, 0, &domid)) || (err = load(argc - 1, argv + 1, &cfg)))
        return err;
    err = svl_domain_config_update(&xl_ctx, domid, &cfg);
    config_free(&cfg);
    return err < 0 ? xl_svl_error() : 0;
}
