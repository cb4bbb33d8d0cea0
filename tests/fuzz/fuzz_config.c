/*
 * libFuzzer harness of the domain description parsers; FUZZ_PARSER names
 * the front end (config_parse_xl or config_parse_xml).  Besides memory
 * errors it checks a property: whatever parses must survive the round trip
 * config_to_xml -> XML parser with the same JSON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/config.h"
#include "sv/log.h"
#include "../../dom0-tools/config/config_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes cfg with writer into a malloc'ed string. */
static char *render(int (*writer)(const struct domain_config *, FILE *),
                    const struct domain_config *cfg, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);

    if (!f || writer(cfg, f) < 0)
        abort();
    fclose(f);
    return text;
}

static int parse(int (*parser)(const char *, const char *, size_t, struct domain_config *,
                               struct config_error *),
                 const char *buf, size_t len, struct domain_config *cfg)
{
    struct config_error err = {0};
    int rc;

    config_init(cfg);
    rc = parser("fuzz", buf, len, cfg, &err);
    if (rc < 0)
        config_free(cfg);
    return rc;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_init("fuzz_config");
    log_set_level(LOG_LEVEL_ERROR);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct domain_config cfg, again;
    char *json, *xml, *json2;
    size_t json_len, xml_len, json2_len;

    if (parse(FUZZ_PARSER, (const char *)data, size, &cfg) < 0)
        return 0;
    json = render(config_to_json, &cfg, &json_len);
    xml = render(config_to_xml, &cfg, &xml_len);
    if (parse(config_parse_xml, xml, xml_len, &again) < 0) {
        fprintf(stderr, "round trip: the XML written does not parse:\n%s", xml);
        abort();
    }
    json2 = render(config_to_json, &again, &json2_len);
    if (json_len != json2_len || memcmp(json, json2, json_len) != 0) {
        fprintf(stderr, "round trip changed the description:\n%s---\n%s", json, json2);
        abort();
    }
    free(json);
    free(json2);
    free(xml);
    config_free(&cfg);
    config_free(&again);
    return 0;
}
