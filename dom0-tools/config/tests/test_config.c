/*
 * Unit tests of the domain description parsers: memory units, generated
 * MACs, vif specs, PCI addresses, the error paths and the writers.  Whole
 * files are covered by the golden tests (tests/integration/config_golden.sh).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sv/config.h"
#include "sv/log.h"
#include "sv/util.h"
#include "../config_internal.h"

static const struct config_loc test_loc = {.file = "test", .line = 7, .key = "k"};

static int parse(const char *text, struct domain_config *cfg, struct config_error *err)
{
    return config_parse_buffer("test", text, strlen(text), cfg, err);
}

static void test_memory_units(void **state)
{
    static const struct {
        const char *number, *unit;
        uint64_t mib;
    } ok[] = {
        {"1", "MiB", 1},         {"1", "M", 1},         {"1", "m", 1},       {"1024", "KiB", 1},
        {"1025", "KiB", 2},      {"1024", "k", 1},      {"1", "GiB", 1024},  {"1", "G", 1024},
        {"1", "GB", 954},        {"1000", "MB", 954},   {"1", "KB", 1},      {"1048576", "b", 1},
        {"1048577", "bytes", 2}, {"1", "TiB", 1048576}, {"1", "T", 1048576}, {"0x10", "MiB", 16},
        {"1", "TB", 953675},
    };
    struct config_error err;
    uint64_t mib;

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        assert_int_equal(config_set_memory(&mib, ok[i].number, ok[i].unit, &test_loc, &err), 0);
        assert_int_equal(mib, ok[i].mib);
    }
    assert_int_equal(config_set_memory(&mib, "0", "MiB", &test_loc, &err), -EINVAL);
    assert_string_equal(err.message, "must not be 0");
    assert_int_equal(config_set_memory(&mib, "2", "TiB", &test_loc, &err), -EINVAL);
    assert_int_equal(config_set_memory(&mib, "1048577", "MiB", &test_loc, &err), -EINVAL);
    assert_int_equal(config_set_memory(&mib, "99999999999999999999999", "b", &test_loc, &err),
                     -EINVAL);
    assert_int_equal(config_set_memory(&mib, "1", "mib", &test_loc, &err), -EINVAL);
    assert_int_equal(config_set_memory(&mib, "-1", "MiB", &test_loc, &err), -EINVAL);
    assert_int_equal(config_set_memory(&mib, "1.5", "GiB", &test_loc, &err), -EINVAL);
    assert_int_equal(config_set_memory(&mib, "", "GiB", &test_loc, &err), -EINVAL);
    assert_string_equal(err.file, "test");
    assert_int_equal(err.line, 7);
    assert_string_equal(err.key, "k");
}

static void test_parse_uint(void **state)
{
    uint64_t v;

    (void)state;
    assert_int_equal(config_parse_uint("18446744073709551615", UINT64_MAX, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(config_parse_uint("18446744073709551616", UINT64_MAX, &v), -ERANGE);
    assert_int_equal(config_parse_uint("0xff", 255, &v), 0);
    assert_int_equal(v, 255);
    assert_int_equal(config_parse_uint("0x100", 255, &v), -ERANGE);
    assert_int_equal(config_parse_uint("0x", 255, &v), -EINVAL);
    assert_int_equal(config_parse_uint("ff", 255, &v), -EINVAL);
    assert_int_equal(config_parse_uint(" 1", 255, &v), -EINVAL);
}

static void named(struct domain_config *cfg, const char *name)
{
    config_init(cfg);
    strcpy(cfg->name, name);
}

static void test_mac_generation(void **state)
{
    struct domain_config a, b, c;
    struct config_error err;

    (void)state;
    named(&a, "guest1");
    named(&b, "guest1");
    named(&c, "guest2");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(config_add_vif_spec(&a, "bridge=br0", &err), 0);
        assert_int_equal(config_add_vif_spec(&b, "", &err), 0);
        assert_int_equal(config_add_vif_spec(&c, "", &err), 0);
    }
    for (int i = 0; i < 3; i++) {
        unsigned int b3;

        assert_int_equal(a.vifs[i].devid, i);
        /* Same name and devid, same MAC, whatever else the vif says. */
        assert_string_equal(a.vifs[i].mac, b.vifs[i].mac);
        assert_string_not_equal(a.vifs[i].mac, c.vifs[i].mac);
        assert_memory_equal(a.vifs[i].mac, "00:16:3e:", 9);
        assert_int_equal(sscanf(a.vifs[i].mac + 9, "%x", &b3), 1);
        assert_true(b3 < 0x80);
    }
    assert_string_not_equal(a.vifs[0].mac, a.vifs[1].mac);
    /* A UUID filled in later does not move the MACs. */
    assert_int_equal(config_fill_defaults(&b), 0);
    assert_int_equal(config_add_vif_spec(&b, "", &err), 0);
    assert_int_equal(config_add_vif_spec(&a, "", &err), 0);
    assert_string_equal(a.vifs[3].mac, b.vifs[3].mac);
}

/* Where memory, each backend and each PCI function were written, for the
 * errors xl create finds against the host after parsing. */
static void test_origins(void **state)
{
    static const char xl[] = "name = 'g'\nkernel = 'k'\nmemory = 64\n"
                             "vif = [ 'mac=00:16:3e:00:00:01',\n 'backend=dd' ]\n"
                             "pci = [ '03:10.1' ]\n";
    static const char xml[] = "<domain type='xen'>\n<name>g</name>\n"
                              "<os><kernel>k</kernel></os>\n"
                              "<memory>65536</memory>\n<devices>\n<interface type='ethernet'>\n"
                              "<backenddomain name='dd'/>\n</interface>\n"
                              "<hostdev mode='subsystem' type='pci'><source>\n"
                              "<address bus='3' slot='16' function='1'/>\n"
                              "</source></hostdev>\n</devices>\n</domain>\n";
    struct domain_config cfg;
    struct config_error err;
    char msg[256];

    (void)state;
    assert_int_equal(config_parse_buffer("g.cfg", xl, strlen(xl), &cfg, &err), 0);
    assert_int_equal(cfg.memory_at.line, 3);
    assert_string_equal(cfg.memory_at.key, "memory");
    assert_int_equal(cfg.vifs[0].backend_at.line, 4); /* dom0: the vif's line */
    assert_string_equal(cfg.vifs[0].backend_at.key, "vif");
    assert_int_equal(cfg.vifs[1].backend_at.line, 5);
    assert_string_equal(cfg.vifs[1].backend_at.key, "vif backend");
    assert_int_equal(cfg.pcis[0].at.line, 6);
    assert_int_equal(
        config_origin_fail(&err, "g.cfg", &cfg.vifs[1].backend_at, "no '%s'", cfg.vifs[1].backend),
        -EINVAL);
    config_format_error(&err, msg, sizeof(msg));
    assert_string_equal(msg, "g.cfg:5: vif backend: no 'dd'");
    config_free(&cfg);

    assert_int_equal(config_parse_buffer("g.xml", xml, strlen(xml), &cfg, &err), 0);
    assert_int_equal(cfg.memory_at.line, 4);
    assert_string_equal(cfg.vifs[0].backend_at.key, "backenddomain");
    assert_int_equal(cfg.vifs[0].backend_at.line, 7);
    assert_string_equal(cfg.pcis[0].at.key, "address");
    assert_int_equal(cfg.pcis[0].at.line, 10);
    config_free(&cfg);

    /* The default memory has no line: the error names the key alone. */
    named(&cfg, "g");
    config_origin_fail(&err, "g.cfg", &cfg.memory_at, "too much");
    config_format_error(&err, msg, sizeof(msg));
    assert_string_equal(msg, "g.cfg: memory: too much");
}

/* A driver domain weighs sixteen guests unless its description says, in
 * either order of the keys and in either format; any other domain one. */
static void test_driver_domain_weight(void **state)
{
    static const struct {
        const char *text;
        unsigned int weight;
    } cases[] = {
        {"name = 'd'\nkernel = 'k'\ndriver_domain = 1\n", CONFIG_DRIVER_DOMAIN_CPU_WEIGHT},
        {"name = 'd'\nkernel = 'k'\ncpu_weight = 256\ndriver_domain = 1\n", 256},
        {"name = 'd'\nkernel = 'k'\ndriver_domain = 1\ncpu_weight = 300\n", 300},
        {"name = 'g'\nkernel = 'k'\n", CONFIG_DEFAULT_CPU_WEIGHT},
        {"<domain type='xen'><name>d</name><os><kernel>k</kernel></os><metadata>"
         "<splitvisor:domain xmlns:splitvisor='https://splitvisor.dev/xmlns/domain/1.0' "
         "driver-domain='yes'/></metadata></domain>",
         CONFIG_DRIVER_DOMAIN_CPU_WEIGHT},
        {"<domain type='xen'><name>d</name><os><kernel>k</kernel></os>"
         "<cputune><shares>1024</shares></cputune><metadata>"
         "<splitvisor:domain xmlns:splitvisor='https://splitvisor.dev/xmlns/domain/1.0' "
         "driver-domain='yes'/></metadata></domain>",
         256},
    };
    struct domain_config cfg;
    struct config_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(config_parse_buffer("d", cases[i].text, strlen(cases[i].text), &cfg, &err),
                         0);
        assert_int_equal(cfg.cpu_weight, cases[i].weight);
        config_free(&cfg);
    }
}

static void test_vif_spec(void **state)
{
    struct domain_config cfg;
    struct config_error err;
    struct config_vif *v = &cfg.vifs[0];

    (void)state;
    named(&cfg, "g");
    assert_int_equal(config_add_vif_spec(&cfg,
                                         " mac=00:16:3E:0A:0B:0C , bridge=xenbr0,"
                                         "backend=netdd,ip=10.0.0.2/24,queues=4",
                                         &err),
                     0);
    assert_string_equal(v->mac, "00:16:3e:0a:0b:0c");
    assert_string_equal(v->bridge, "xenbr0");
    assert_string_equal(v->backend, "netdd");
    assert_string_equal(v->ip, "10.0.0.2/24");
    assert_int_equal(v->queues, 4);
    assert_int_equal(config_add_vif_spec(&cfg, "backend=Domain-0,ip=FD00:0::1", &err), 0);
    assert_string_equal(cfg.vifs[1].backend, "");
    assert_string_equal(cfg.vifs[1].ip, "fd00::1");
    assert_int_equal(cfg.vifs[1].queues, 1);
    assert_int_equal(cfg.nr_vifs, 2);
}

static void test_vif_spec_errors(void **state)
{
    static const struct {
        const char *spec, *key, *message;
    } bad[] = {
        {"mac=00:16:3e:00:00:0g", "vif mac", "invalid MAC"},
        {"mac=00:16:3e:00:00:01:", "vif mac", "invalid MAC"},
        {"mac=00-16-3e-00-00-01", "vif mac", "invalid MAC"},
        {"mac=03:00:00:00:00:01", "vif mac", "multicast"},
        {"mac=00:00:00:00:00:00", "vif mac", "all zeroes"},
        {"mac=00:16:3e:00:00:01", "vif", "already used"},
        {"bridge=br/0", "vif bridge", "character outside"},
        {"bridge=averyveryverylongbridge", "vif bridge", "longer than 15"},
        {"bridge=", "vif bridge", "empty"},
        {"backend=-x", "vif backend", "must not start"},
        {"ip=10.0.0.1 10.0.0.300", "vif ip", "invalid IP"},
        {"ip=10.0.0.1/", "vif ip", "invalid prefix"},
        {"ip=::1/129", "vif ip", "invalid prefix"},
        {"ip=/24", "vif ip", "invalid IP"},
        {"queues=0", "vif queues", "out of range"},
        {"type=ioemu", "vif type", "not supported"},
        {"rate=10Mb/s@0ms", "vif rate", "interval out of range"},
        {"rate=fast", "vif rate", "invalid rate"},
        {"rx_rate=1MB/s,rx_rate=2MB/s", "vif rx_rate", "given twice"},
        {"rx_rate=1B/s@1ms", "vif rx_rate", "less than a byte"},
        {"rx_rate=1MB/s,rx_burst=2GiB", "vif rx_burst", "invalid burst"},
        {"rx_rate=1MB/s,rx_burst=1023", "vif rx_burst", "out of range"},
        {"rx_burst=64KiB", "vif", "receive burst without a receive rate"},
        {"bridge", "vif", "not key=value"},
    };
    struct domain_config cfg;
    struct config_error err;

    (void)state;
    named(&cfg, "g");
    assert_int_equal(config_add_vif_spec(&cfg, "mac=00:16:3e:00:00:01", &err), 0);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_equal(config_add_vif_spec(&cfg, bad[i].spec, &err), -EINVAL);
        assert_string_equal(err.key, bad[i].key);
        assert_non_null(strstr(err.message, bad[i].message));
    }
    assert_int_equal(cfg.nr_vifs, 1);
    while (cfg.nr_vifs < CONFIG_MAX_VIFS)
        assert_int_equal(config_add_vif_spec(&cfg, "", &err), 0);
    assert_int_equal(config_add_vif_spec(&cfg, "", &err), -EINVAL);
    assert_non_null(strstr(err.message, "more than 16"));
    /* Without a name there is nothing to derive a MAC from. */
    config_init(&cfg);
    assert_int_equal(config_add_vif_spec(&cfg, "", &err), -EINVAL);
}

static void test_bdf(void **state)
{
    static const struct {
        const char *spec, *bdf;
    } ok[] = {
        {"0000:03:10.1", "0000:03:10.1"},   {"03:10.1", "0000:03:10.1"},
        {"3:0.0", "0000:03:00.0"},          {"ABCD:Ef:1f.7", "abcd:ef:1f.7"},
        {" 0001:00:02.3 ", "0001:00:02.3"}, {"04:00.0,seize=1,permissive=1", "0000:04:00.0"},
    };
    static const char *const bad[] = {
        "",
        "03:10",
        "03:10.",
        "03:10.8",
        "03:20.0",
        "0000:03:10.1x",
        "00000:03:10.1",
        "0000:003:10.1",
        "0000:03:100.1",
        "03.10.1",
        "0000:03:10.1,bogus=1",
        "g3:10.1",
        "0000:03:10.12",
    };
    struct domain_config cfg;
    struct config_error err;

    (void)state;
    config_init(&cfg);
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        assert_int_equal(config_pci_spec(&cfg, ok[i].spec, &test_loc, &err), 0);
        assert_string_equal(cfg.pcis[cfg.nr_pcis - 1].bdf, ok[i].bdf);
        cfg.nr_pcis = 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        if (config_pci_spec(&cfg, bad[i], &test_loc, &err) != -EINVAL)
            fail_msg("accepted '%s'", bad[i]);
        assert_int_equal(err.line, 7);
    }
    assert_int_equal(config_pci_add(&cfg, 0x10000, 0, 0, 0, &test_loc, &err), -EINVAL);
    assert_int_equal(config_pci_add(&cfg, 0, 0x100, 0, 0, &test_loc, &err), -EINVAL);
    assert_int_equal(config_pci_add(&cfg, 0, 0, 0, 0, &test_loc, &err), 0);
    assert_int_equal(config_pci_add(&cfg, 0, 0, 0, 0, &test_loc, &err), -EINVAL);
    assert_non_null(strstr(err.message, "assigned twice"));
}

/* xl pci-attach/-detach keep the description in step. */
static void test_pci_add_remove(void **state)
{
    struct domain_config cfg;
    struct config_error err;

    (void)state;
    config_init(&cfg);
    assert_int_equal(config_add_pci_spec(&cfg, "03:10.1", &err), 0);
    assert_int_equal(config_add_pci_spec(&cfg, "0000:03:10.2", &err), 0);
    /* A bad option after a good address leaves cfg as it was. */
    assert_int_equal(config_add_pci_spec(&cfg, "03:10.3,vslot=1", &err), -EINVAL);
    assert_string_equal(err.key, "pci");
    assert_int_equal(cfg.nr_pcis, 2);
    assert_int_equal(config_add_pci_spec(&cfg, "0000:03:10.1", &err), -EINVAL);
    assert_int_equal(config_remove_pci(&cfg, "0000:03:10.1"), 0);
    assert_int_equal(cfg.nr_pcis, 1);
    assert_string_equal(cfg.pcis[0].bdf, "0000:03:10.2");
    assert_int_equal(config_remove_pci(&cfg, "0000:03:10.1"), -ENOENT);
    config_free(&cfg);
}

/* A VF's mac= and vlan= (ours), checked as a vif's; a bad one adds nothing. */
static void test_pci_net_options(void **state)
{
    static const char *const bad[] = {
        "03:10.2,mac=",
        "03:10.2,mac=01:16:3e:5f:00:07",
        "03:10.2,mac=00:00:00:00:00:00",
        "03:10.2,mac=00:16:3e:5f:00:07:aa",
        "03:10.2,mac=00:16:3e:5f:00:07,mac=00:16:3e:5f:00:08",
        "03:10.2,mac=00:16:3e:5f:00:07xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "03:10.2,mac",
        "03:10.2,vlan=0",
        "03:10.2,vlan=4095",
        "03:10.2,vlan=4x",
        "03:10.2,vlan=42,vlan=43",
    };
    struct domain_config cfg;
    struct config_error err;

    (void)state;
    config_init(&cfg);
    assert_int_equal(config_add_pci_spec(&cfg, "03:10.2,mac=00:16:3E:5F:00:07, vlan=42", &err), 0);
    assert_string_equal(cfg.pcis[0].mac, "00:16:3e:5f:00:07");
    assert_int_equal(cfg.pcis[0].vlan, 42);
    assert_int_equal(config_add_pci_spec(&cfg, "03:10.3,permissive=1", &err), 0);
    assert_string_equal(cfg.pcis[1].mac, "");
    assert_int_equal(cfg.pcis[1].vlan, 0);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        if (config_add_pci_spec(&cfg, bad[i], &err) != -EINVAL)
            fail_msg("accepted '%s'", bad[i]);
        assert_string_equal(err.key, "pci");
        assert_int_equal(cfg.nr_pcis, 2);
    }
    config_free(&cfg);
}

/* xl pci-attach's failover=N against a running domain's vifs: the VF takes
 * the vif's MAC and VLAN; a bad pairing leaves the description as it was. */
static void test_pci_failover(void **state)
{
    static const char *const bad[] = {
        "03:10.4,failover=2",                       /* no such vif */
        "03:10.4,failover=x",                       /* not a number */
        "03:10.4,failover=16",                      /* out of range */
        "03:10.4,failover=0,failover=1",            /* twice */
        "03:10.4,failover=1,mac=00:16:3e:5f:00:09", /* not vif 1's MAC */
        "03:10.4,failover=0,vlan=43",               /* not vif 0's VLAN */
        "03:10.4,failover=0",                       /* vif 0 backs 03:10.2 already */
    };
    struct domain_config cfg;
    struct config_error err;

    (void)state;
    config_init(&cfg);
    snprintf(cfg.name, sizeof(cfg.name), "g");
    assert_int_equal(config_add_vif_spec(&cfg, "mac=00:16:3e:5f:00:07,bridge=xenbr0.42", &err), 0);
    assert_int_equal(config_add_vif_spec(&cfg, "mac=00:16:3e:5f:00:08", &err), 0);
    assert_int_equal(config_add_pci_spec(&cfg, "03:10.2,failover=0", &err), 0);
    assert_true(cfg.pcis[0].failover);
    assert_int_equal(cfg.pcis[0].standby, 0);
    assert_string_equal(cfg.pcis[0].mac, "00:16:3e:5f:00:07");
    assert_int_equal(cfg.pcis[0].vlan, 42);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        if (config_add_pci_spec(&cfg, bad[i], &err) != -EINVAL)
            fail_msg("accepted '%s'", bad[i]);
        assert_int_equal(cfg.nr_pcis, 1);
    }
    assert_int_equal(config_add_pci_spec(&cfg, "03:10.3,mac=00:16:3E:5F:00:08,failover=1", &err),
                     0);
    assert_int_equal(cfg.pcis[1].standby, 1);
    config_free(&cfg);
}

/* One bad description per error path, with where the error must point. */
static void test_error_paths(void **state)
{
    static const struct {
        const char *text;
        int line;
        const char *key, *message;
    } bad[] = {
        {"name='a'\nkernel='k'\nuuid='x'\n", 3, "uuid", "invalid UUID"},
        {"kernel='k'\n", 0, "name", "missing"},
        {"name='a'\n", 0, "kernel", "missing"},
        {"name='Domain-0'\nkernel='k'\n", 1, "name", "reserved"},
        {"name='a'\nkernel='k'\nvcpus=129\n", 3, "vcpus", "out of range"},
        {"name='a'\nkernel='k'\nmemory=1048577\n", 3, "memory", "1 TiB"},
        {"name='a'\nkernel='k'\non_crash='coredump-restart'\n", 3, "on_crash", "not supported"},
        {"name='a'\nkernel='k'\npci=[\n'0:0.0',\n'0:0.0']\n", 5, "pci", "twice"},
        {"name='a'\nkernel='k\\0'\n", 2, "kernel", "escape out of range"},
        {"name='a'\nkernel='k\x01'\n", 2, "kernel", "control character"},
        {"name='a'\nkernel='k'\nvif=[ 'mac=00:16:3e:00:00:01',\n 'mac=00:16:3e:00:00:01' ]", 4,
         "vif", "already used"},
        {"name='a'\nkernel=[]\n", 2, "kernel", "not a list"},
        {"name=\n", 1, "name", "expected a value"},
        {"name='a',\n", 1, "name", "end of the line"},
        {"[\n", 1, "", "expected a key"},
        {"<domain type='xen'><name>a</name><os><kernel>k</kernel></os>"
         "<devices><hostdev mode='subsystem' type='pci'><source><address bus='x' slot='0' "
         "function='0'/></source></hostdev></devices></domain>",
         1, "address", "bus='x' is not a number"},
        {"<domain type='xen'>\n<name>a</name>\n<os><kernel>k</kernel></os>\n"
         "<vcpu>many</vcpu></domain>",
         4, "vcpu", "not a number"},
        {"<domain type='xen'>\n<name>a</name>\n<os><kernel>k</kernel></os>\n"
         "<devices><interface type='bridge'><source/></interface></devices></domain>",
         4, "source", "missing attribute 'bridge'"},
        {"<domain type='xen'>\n<name>a</name>\n<os>\n<kernel>k</kernel>\n<kernel>j</kernel>"
         "</os></domain>",
         5, "kernel", "given twice"},
        {"\n\n<domain", 3, "", "Couldn't find end of Start Tag"},
    };
    struct domain_config cfg;
    struct config_error err;

    (void)state;
    log_set_level(LOG_LEVEL_ERROR);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_equal(parse(bad[i].text, &cfg, &err), -EINVAL);
        assert_string_equal(err.file, "test");
        assert_int_equal(err.line, bad[i].line);
        assert_string_equal(err.key, bad[i].key);
        if (!strstr(err.message, bad[i].message))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.message, bad[i].message);
        /* Left zeroed: nothing for the caller to free. */
        assert_null(cfg.kernel);
        assert_int_equal(cfg.nr_vifs, 0);
    }
}

/* A NUL byte inside a string or between tokens is an error, not an end. */
static void test_nul_bytes(void **state)
{
    static const char in_string[] = "name='a'\nkernel='k\0'\n";
    static const char between[] = "name='a'\n\0kernel='k'\n";
    struct domain_config cfg;
    struct config_error err;

    (void)state;
    assert_int_equal(config_parse_buffer("t", in_string, sizeof(in_string) - 1, &cfg, &err),
                     -EINVAL);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.message, "NUL"));
    assert_int_equal(config_parse_buffer("t", between, sizeof(between) - 1, &cfg, &err), -EINVAL);
    assert_non_null(strstr(err.message, "NUL"));
}

static void test_format_error(void **state)
{
    struct config_error err = {.file = "a.cfg", .line = 3, .key = "vif", .message = "bad"};
    char buf[64];

    (void)state;
    config_format_error(&err, buf, sizeof(buf));
    assert_string_equal(buf, "a.cfg:3: vif: bad");
    err.line = 0;
    config_format_error(&err, buf, sizeof(buf));
    assert_string_equal(buf, "a.cfg: vif: bad");
    err.key[0] = '\0';
    config_format_error(&err, buf, sizeof(buf));
    assert_string_equal(buf, "a.cfg: bad");
    config_format_error(&err, buf, 4);
    assert_string_equal(buf, "a.c");
}

static void test_load_errors(void **state)
{
    struct domain_config cfg;
    struct config_error err;

    (void)state;
    assert_int_equal(config_load("/nonexistent/x.cfg", &cfg, &err), -ENOENT);
    assert_string_equal(err.file, "/nonexistent/x.cfg");
    assert_non_null(strstr(err.message, "cannot open"));
    assert_int_equal(config_load("/", &cfg, &err), -EINVAL);
    assert_non_null(strstr(err.message, "not a regular file"));
}

static void test_fill_defaults(void **state)
{
    struct domain_config cfg;
    struct config_error err;
    unsigned int v;

    (void)state;
    assert_int_equal(parse("name='a'\nkernel='k'\n", &cfg, &err), 0);
    assert_string_equal(cfg.uuid, "");
    assert_string_equal(cfg.extra, "");
    assert_int_equal(config_fill_defaults(&cfg), 0);
    assert_int_equal(strlen(cfg.uuid), 36);
    assert_int_equal(cfg.uuid[14], '4');
    assert_int_equal(sscanf(cfg.uuid + 19, "%1x", &v), 1);
    assert_true(v >= 8 && v <= 0xb);
    assert_int_equal(config_set_uuid(&cfg, cfg.uuid, &test_loc, &err), 0);
    config_free(&cfg);
    config_free(&cfg); /* idempotent */

    assert_int_equal(
        parse("name='a'\nkernel='k'\nuuid='11111111-2222-4333-8444-555555555555'", &cfg, &err), 0);
    assert_int_equal(config_fill_defaults(&cfg), 0);
    assert_string_equal(cfg.uuid, "11111111-2222-4333-8444-555555555555");
    config_free(&cfg);
}

/* libvirt's UUID forms: dashes or blanks between any two hex pairs. */
static void test_uuid_forms(void **state)
{
    static const char *const ok[] = {
        "6b1dc3f2-a0e5-4c8f-9d2e-7a31b4c5d6e7", "6B1DC3F2A0E54C8F9D2E7A31B4C5D6E7",
        " 6b1dc3f2a0e54c8f-9d2e7a31b4c5d6e7\n", "6b-1d-c3-f2-a0-e5-4c-8f-9d-2e-7a-31-b4-c5-d6-e7",
        "6b1dc3f2 a0e5 4c8f 9d2e 7a31b4c5d6e7",
    };
    static const char *const bad[] = {
        "6b1dc3f2-a0e5-4c8f-9d2e-7a31b4c5d6e",    "6b1dc3f2-a0e5-4c8f-9d2e-7a31b4c5d6e7a",
        "6b1dc3f2a0e54c8f9d2e7a31b4c5d6e7 x",     "6-b1dc3f2a0e54c8f9d2e7a31b4c5d6e7",
        "6b1dc3f2_a0e5_4c8f_9d2e_7a31b4c5d6e7",   "",
        "{6b1dc3f2-a0e5-4c8f-9d2e-7a31b4c5d6e7}",
    };
    struct domain_config cfg;
    struct config_error err;

    (void)state;
    config_init(&cfg);
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        memset(cfg.uuid, 0, sizeof(cfg.uuid));
        if (config_set_uuid(&cfg, ok[i], &test_loc, &err) != 0)
            fail_msg("refused '%s': %s", ok[i], err.message);
        assert_string_equal(cfg.uuid, "6b1dc3f2-a0e5-4c8f-9d2e-7a31b4c5d6e7");
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        if (config_set_uuid(&cfg, bad[i], &test_loc, &err) != -EINVAL)
            fail_msg("accepted '%s'", bad[i]);
}

/* xl's command line: "root=R E"; cmdline replaces both, whatever the order. */
static void test_xl_command_line(void **state)
{
    static const struct {
        const char *text, *extra;
    } cases[] = {
        {"root='/dev/xvda1'\n", "root=/dev/xvda1"},
        {"extra='ro quiet'\nroot='/dev/xvda1'\n", "root=/dev/xvda1 ro quiet"},
        {"extra='ro'\n", "ro"},
        {"cmdline='x=1'\nroot='/dev/xvda1'\nextra='ro'\n", "x=1"},
        {"root='/dev/xvda1'\nextra=''\n", "root=/dev/xvda1"},
    };
    struct domain_config cfg;
    struct config_error err;
    char text[256];

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        snprintf(text, sizeof(text), "name='a'\nkernel='k'\n%s", cases[i].text);
        assert_int_equal(parse(text, &cfg, &err), 0);
        assert_string_equal(cfg.extra, cases[i].extra);
        config_free(&cfg);
    }
}

/* Settings over libvirt XML change it as over xl.cfg: a value wins, a
 * defaulted maxmem follows memory, a list replaces the list, and an error
 * names the setting's line on the command line. */
static void test_settings_over_xml(void **state)
{
    static const char xml[] = "<domain type='xen'><name>a</name><memory unit='MiB'>16</memory>"
                              "<os><kernel>/k</kernel></os><devices><interface type='bridge'>"
                              "<mac address='00:16:3e:00:00:01'/></interface></devices></domain>\n";
    char path[] = "/tmp/test_config_XXXXXX";
    char *set[] = {"name='b'", "memory=32", "vif=['mac=00:16:3e:00:00:02','']"};
    char *bad[] = {"vcpus=1", "memory='lots'"};
    struct domain_config cfg;
    struct config_error err;
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, xml, sizeof(xml) - 1), (ssize_t)(sizeof(xml) - 1));
    close(fd);
    assert_int_equal(config_load_args(path, set, 3, &cfg, &err), 0);
    assert_string_equal(cfg.name, "b");
    assert_int_equal(cfg.memory_mib, 32);
    assert_int_equal(cfg.maxmem_mib, 32);
    assert_int_equal(cfg.nr_vifs, 2);
    assert_string_equal(cfg.vifs[0].mac, "00:16:3e:00:00:02");
    config_free(&cfg);
    assert_int_equal(config_load_args(path, bad, 2, &cfg, &err), -EINVAL);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.key, "memory");
    unlink(path);
}

/* Lists in lists parse (an unknown key holding them is only warned about)
 * and are refused, by name, where a key takes strings. */
static void test_xl_nested_lists(void **state)
{
    struct domain_config cfg;
    struct config_error err;

    (void)state;
    assert_int_equal(
        parse("name='a'\nkernel='k'\nvcpu_hard_affinity=[ ['0-1'], [], '2' ]\n", &cfg, &err), 0);
    config_free(&cfg);
    assert_int_equal(parse("name='a'\nkernel='k'\npci=[ '0:0.0', [ '0:1.0' ] ]\n", &cfg, &err),
                     -EINVAL);
    assert_string_equal(err.key, "pci");
    assert_non_null(strstr(err.message, "not a list"));
    assert_int_equal(
        parse("name='a'\nkernel='k'\nvnuma=[ [ 'pnode=0' ],\n[ 'pnode=1' ] ]\n", &cfg, &err),
        -EINVAL);
    assert_string_equal(err.key, "vnuma");
    assert_int_equal(err.line, 3);
    assert_int_equal(parse("name='a'\nkernel='k'\nx=[ [ 'a' ]\n", &cfg, &err), -EINVAL);
    assert_non_null(strstr(err.message, "expected ',' or ']'"));
    assert_int_equal(parse("name='a'\nkernel='k'\nx=[ [ = ] ]\n", &cfg, &err), -EINVAL);
    assert_non_null(strstr(err.message, "expected a string, number or list"));
}

/* Several addresses per vif, in both formats, kept in order. */
static void test_vif_ips(void **state)
{
    struct domain_config cfg;
    struct config_error err;
    char ips[CONFIG_MAX_IPS * CONFIG_IP_SIZE];

    (void)state;
    config_init(&cfg);
    strcpy(cfg.name, "a");
    assert_int_equal(config_add_vif_spec(&cfg, "ip= 10.0.0.2/24\tfd00:0::2 ", &err), 0);
    assert_int_equal(cfg.vifs[0].nr_ips, 2);
    assert_string_equal(cfg.vifs[0].ip[0], "10.0.0.2/24");
    assert_string_equal(cfg.vifs[0].ip[1], "fd00::2");
    config_vif_ips(&cfg.vifs[0], ips, sizeof(ips));
    assert_string_equal(ips, "10.0.0.2/24 fd00::2");
    assert_int_equal(config_add_vif_spec(&cfg, "ip=10.0.0.3,ip=10.0.0.4", &err), -EINVAL);
    assert_non_null(strstr(err.message, "twice"));
    assert_int_equal(config_add_vif_spec(&cfg, "ip= ", &err), -EINVAL);
    assert_non_null(strstr(err.message, "empty"));
    assert_int_equal(config_add_vif_spec(&cfg, "ip=fd00::1 fd00:0::1/64", &err), -EINVAL);
    assert_non_null(strstr(err.message, "given twice"));
    assert_int_equal(cfg.nr_vifs, 1);
    config_free(&cfg);
}

static char *capture(int (*writer)(const struct domain_config *, FILE *),
                     const struct domain_config *cfg)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);

    assert_non_null(f);
    assert_int_equal(writer(cfg, f), 0);
    fclose(f);
    return text;
}

/* Escapes in both writers, and the XML written parses back the same. */
static void test_writers_escape(void **state)
{
    struct domain_config cfg, again;
    struct config_error err;
    char *json, *xml, *json2;

    (void)state;
    assert_int_equal(
        parse("name='a'\nkernel='k<&>\"\\'\\\\'\nextra='x\\ty \"z\" \xe2\x82\xac'\n", &cfg, &err),
        0);
    json = capture(config_to_json, &cfg);
    assert_non_null(strstr(json, "\"kernel\": \"k<&>\\\"'\\\\\","));
    assert_non_null(strstr(json, "\"extra\": \"x\\ty \\\"z\\\" \xe2\x82\xac\","));
    xml = capture(config_to_xml, &cfg);
    assert_non_null(strstr(xml, "<kernel>k&lt;&amp;&gt;&quot;'\\</kernel>"));
    assert_int_equal(config_parse_buffer("round", xml, strlen(xml), &again, &err), 0);
    json2 = capture(config_to_json, &again);
    assert_string_equal(json, json2);
    free(json);
    free(json2);
    free(xml);
    config_free(&cfg);
    config_free(&again);
}

static void test_format_detection(void **state)
{
    struct domain_config cfg;
    struct config_error err;

    (void)state;
    assert_int_equal(parse("\xef\xbb\xbf \n\t<domain type='xen'><name>a</name><os><kernel>k"
                           "</kernel></os></domain>",
                           &cfg, &err),
                     0);
    config_free(&cfg);
    /* A comment first: xl.cfg, even if an XML line follows. */
    assert_int_equal(parse("# <domain>\nname='a'\nkernel='k'\n", &cfg, &err), 0);
    config_free(&cfg);
    assert_int_equal(parse("", &cfg, &err), -EINVAL);
    assert_string_equal(err.key, "name");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_units),
        cmocka_unit_test(test_parse_uint),
        cmocka_unit_test(test_mac_generation),
        cmocka_unit_test(test_origins),
        cmocka_unit_test(test_driver_domain_weight),
        cmocka_unit_test(test_vif_spec),
        cmocka_unit_test(test_vif_spec_errors),
        cmocka_unit_test(test_bdf),
        cmocka_unit_test(test_pci_add_remove),
        cmocka_unit_test(test_pci_net_options),
        cmocka_unit_test(test_pci_failover),
        cmocka_unit_test(test_error_paths),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_format_error),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_fill_defaults),
        cmocka_unit_test(test_uuid_forms),
        cmocka_unit_test(test_xl_command_line),
        cmocka_unit_test(test_xl_nested_lists),
        cmocka_unit_test(test_settings_over_xml),
        cmocka_unit_test(test_vif_ips),
        cmocka_unit_test(test_writers_escape),
        cmocka_unit_test(test_format_detection),
    };

    log_init("test_config");
    log_set_level(LOG_LEVEL_ERROR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
