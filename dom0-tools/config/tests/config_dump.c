/*
 * config-dump: the parser regression tool of tests/integration/config_golden.sh
 * (like `vmd -n`).  Prints the JSON of a description, or with --xml the
 * libvirt XML written back from it; on a bad description prints the error on
 * stderr and exits 1.  Warnings go to stderr through the log.
 *
 *   config-dump [--xml] FILE
 */
#include <stdio.h>
#include <string.h>

#include "sv/config.h"
#include "sv/log.h"

int main(int argc, char **argv)
{
    struct domain_config cfg;
    struct config_error err;
    char msg[1024];
    bool xml = argc == 3 && strcmp(argv[1], "--xml") == 0;
    int rc;

    log_init(argv[0]);
    if (argc != 2 + xml) {
        fprintf(stderr, "usage: config-dump [--xml] FILE\n");
        return 2;
    }
    if (config_load(argv[1 + xml], &cfg, &err) < 0) {
        config_format_error(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
        return 1;
    }
    rc = xml ? config_to_xml(&cfg, stdout) : config_to_json(&cfg, stdout);
    config_free(&cfg);
    return rc < 0 || fflush(stdout) != 0;
}
