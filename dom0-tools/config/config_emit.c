/*
 * Writers for a parsed description: JSON (what `xl create --dry-run`
 * prints, and what the golden tests compare) and libvirt XML that the XML
 * front end reads back to the same description.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config_internal.h"

void config_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* `  "key": "value",` at the given indent; last leaves the comma out. */
static void json_str_field(FILE *out, int indent, const char *key, const char *value, bool last)
{
    fprintf(out, "%*s\"%s\": ", indent, "", key);
    config_json_string(out, value);
    fputs(last ? "\n" : ",\n", out);
}

static void json_uint_field(FILE *out, int indent, const char *key, unsigned long long value,
                            bool last)
{
    fprintf(out, "%*s\"%s\": %llu%s\n", indent, "", key, value, last ? "" : ",");
}

/* The vif's addresses separated by spaces, as xl's ip= and the "ip" key of
 * Xen's backend directory. */
void config_vif_ips(const struct config_vif *vif, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (unsigned int i = 0; i < vif->nr_ips && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "", vif->ip[i]);
}

/* A rate, when set, after the field before it (which ends without a comma). */
static void json_rate(FILE *out, const char *key, const struct config_rate *r)
{
    if (!r->bytes_per_sec)
        return;
    fprintf(out, ",\n      \"%s\": {\"bytes_per_sec\": %llu, \"interval_usecs\": %u", key,
            (unsigned long long)r->bytes_per_sec, r->interval_us);
    if (r->burst_bytes)
        fprintf(out, ", \"burst_bytes\": %llu", (unsigned long long)r->burst_bytes);
    fputs("}", out);
}

static void json_vif(FILE *out, const struct config_vif *vif, bool last)
{
    char ips[CONFIG_MAX_IPS * CONFIG_IP_SIZE];

    config_vif_ips(vif, ips, sizeof(ips));
    fputs("    {\n", out);
    json_uint_field(out, 6, "devid", vif->devid, false);
    json_str_field(out, 6, "mac", vif->mac, false);
    json_str_field(out, 6, "bridge", vif->bridge, false);
    json_str_field(out, 6, "backend", vif->backend[0] ? vif->backend : CONFIG_DOM0_NAME, false);
    json_str_field(out, 6, "ip", ips, false);
    json_uint_field(out, 6, "queues", vif->queues, false);
    if (vif->rx_queue_size)
        json_uint_field(out, 6, "rx_queue_size", vif->rx_queue_size, false);
    if (vif->tx_queue_size)
        json_uint_field(out, 6, "tx_queue_size", vif->tx_queue_size, false);
    json_uint_field(out, 6, "vlan", vif->vlan, false);
    fprintf(out, "      \"trunk\": [");
    for (unsigned int i = 0; i < vif->nr_trunk; i++)
        fprintf(out, "%s%u", i ? ", " : "", vif->trunk[i]);
    fputs("]", out);
    json_rate(out, "rate", &vif->rate);
    json_rate(out, "rx_rate", &vif->rx_rate);
    fputs("\n", out);
    fputs(last ? "    }\n" : "    },\n", out);
}

static void json_pci(FILE *out, const struct config_pci *pci, bool last)
{
    bool link = pci->link_state != CONFIG_LINK_AUTO;

    fputs("    {\n", out);
    json_str_field(out, 6, "bdf", pci->bdf,
                   !pci->mac[0] && !pci->vlan && !pci->trust && !link && !pci->failover);
    if (pci->mac[0])
        json_str_field(out, 6, "mac", pci->mac,
                       !pci->vlan && !pci->trust && !link && !pci->failover);
    if (pci->vlan)
        json_uint_field(out, 6, "vlan", pci->vlan, !pci->trust && !link && !pci->failover);
    if (pci->trust)
        fprintf(out, "      \"trust\": true%s\n", !link && !pci->failover ? "" : ",");
    if (link)
        json_str_field(out, 6, "link_state", config_link_states[pci->link_state], !pci->failover);
    if (pci->failover)
        json_uint_field(out, 6, "failover", pci->standby, true);
    fputs(last ? "    }\n" : "    },\n", out);
}

int config_to_json(const struct domain_config *cfg, FILE *out)
{
    fputs("{\n", out);
    json_str_field(out, 2, "name", cfg->name, false);
    if (cfg->uuid[0])
        json_str_field(out, 2, "uuid", cfg->uuid, false);
    else
        fputs("  \"uuid\": null,\n", out);
    json_uint_field(out, 2, "memory", cfg->memory_mib, false);
    json_uint_field(out, 2, "maxmem", cfg->maxmem_mib, false);
    json_uint_field(out, 2, "vcpus", cfg->vcpus, false);
    if (cfg->max_vcpus > cfg->vcpus)
        json_uint_field(out, 2, "maxvcpus", cfg->max_vcpus, false);
    json_uint_field(out, 2, "cpu_weight", cfg->cpu_weight, false);
    json_str_field(out, 2, "kernel", cfg->kernel ? cfg->kernel : "", false);
    json_str_field(out, 2, "extra", cfg->extra ? cfg->extra : "", false);
    json_str_field(out, 2, "on_poweroff", config_action_name(cfg->on_poweroff), false);
    json_str_field(out, 2, "on_reboot", config_action_name(cfg->on_reboot), false);
    json_str_field(out, 2, "on_crash", config_action_name(cfg->on_crash), false);
    fprintf(out, "  \"driver_domain\": %s,\n", cfg->driver_domain ? "true" : "false");
    if (cfg->standby)
        fputs("  \"driver_domain_standby\": true,\n", out);
    if (cfg->max_grant_frames)
        json_uint_field(out, 2, "max_grant_frames", cfg->max_grant_frames, false);
    if (cfg->max_maptrack_frames)
        json_uint_field(out, 2, "max_maptrack_frames", cfg->max_maptrack_frames, false);
    if (cfg->max_event_channels)
        json_uint_field(out, 2, "max_event_channels", cfg->max_event_channels, false);
    fputs(cfg->nr_vifs ? "  \"vifs\": [\n" : "  \"vifs\": [],\n", out);
    for (unsigned int i = 0; i < cfg->nr_vifs; i++)
        json_vif(out, &cfg->vifs[i], i + 1 == cfg->nr_vifs);
    if (cfg->nr_vifs)
        fputs("  ],\n", out);
    fputs(cfg->nr_pcis ? "  \"pcis\": [\n" : "  \"pcis\": []\n", out);
    for (unsigned int i = 0; i < cfg->nr_pcis; i++)
        json_pci(out, &cfg->pcis[i], i + 1 == cfg->nr_pcis);
    if (cfg->nr_pcis)
        fputs("  ]\n", out);
    fputs("}\n", out);
    return ferror(out) ? -EIO : 0;
}

/* Escapes text for element content and double-quoted attributes alike. */
static void xml_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\t':
            fputs("&#9;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

static void xml_element(FILE *out, int indent, const char *name, const char *text)
{
    fprintf(out, "%*s<%s>", indent, "", name);
    xml_escaped(out, text);
    fprintf(out, "</%s>\n", name);
}

/* A vif some VF is teamed with: libvirt's persistent member, named by an alias. */
static bool xml_vif_teamed(const struct domain_config *cfg, const struct config_vif *vif)
{
    for (unsigned int i = 0; i < cfg->nr_pcis; i++)
        if (cfg->pcis[i].failover && cfg->pcis[i].standby == vif->devid)
            return true;
    return false;
}

/* <inbound> or <outbound>: libvirt's KiB/s and KiB, and ours exact when
 * they are not. */
static void xml_rate(FILE *out, const char *elem, const struct config_rate *r)
{
    bool exact = r->bytes_per_sec % 1024 || r->interval_us != CONFIG_RATE_INTERVAL_US ||
                 r->burst_bytes % 1024;

    if (!r->bytes_per_sec)
        return;
    fprintf(out, "        <%s average=\"%llu\"", elem,
            (unsigned long long)((r->bytes_per_sec + 1023) / 1024));
    if (r->burst_bytes)
        fprintf(out, " burst=\"%llu\"", (unsigned long long)((r->burst_bytes + 1023) / 1024));
    if (exact)
        fprintf(out,
                " xmlns:splitvisor=\"%s\" splitvisor:bytes-per-sec=\"%llu\" "
                "splitvisor:interval-usecs=\"%u\"",
                CONFIG_XMLNS, (unsigned long long)r->bytes_per_sec, r->interval_us);
    if (exact && r->burst_bytes)
        fprintf(out, " splitvisor:burst-bytes=\"%llu\"", (unsigned long long)r->burst_bytes);
    fputs("/>\n", out);
}

static void xml_vif(FILE *out, const struct domain_config *cfg, const struct config_vif *vif)
{
    fprintf(out, "    <interface type=\"%s\">\n", vif->bridge[0] ? "bridge" : "ethernet");
    fprintf(out, "      <mac address=\"%s\"/>\n", vif->mac);
    if (vif->bridge[0])
        fprintf(out, "      <source bridge=\"%s\"/>\n", vif->bridge);
    if (vif->backend[0])
        fprintf(out, "      <backenddomain name=\"%s\"/>\n", vif->backend);
    for (unsigned int i = 0; i < vif->nr_ips; i++) {
        const char *ip = vif->ip[i], *slash = strchr(ip, '/');

        if (slash)
            fprintf(out, "      <ip address=\"%.*s\" prefix=\"%s\"/>\n", (int)(slash - ip), ip,
                    slash + 1);
        else
            fprintf(out, "      <ip address=\"%s\"/>\n", ip);
    }
    fputs("      <model type=\"netfront\"/>\n", out);
    fprintf(out, "      <driver queues=\"%u\"", vif->queues);
    if (vif->rx_queue_size)
        fprintf(out, " rx_queue_size=\"%u\"", vif->rx_queue_size);
    if (vif->tx_queue_size)
        fprintf(out, " tx_queue_size=\"%u\"", vif->tx_queue_size);
    fputs("/>\n", out);
    if (vif->nr_trunk) {
        fputs("      <vlan trunk=\"yes\">\n", out);
        for (unsigned int i = 0; i < vif->nr_trunk; i++)
            fprintf(out, "        <tag id=\"%u\"/>\n", vif->trunk[i]);
        if (vif->vlan)
            fprintf(out, "        <tag id=\"%u\" nativeMode=\"untagged\"/>\n", vif->vlan);
        fputs("      </vlan>\n", out);
    } else if (vif->vlan) {
        fprintf(out, "      <vlan>\n        <tag id=\"%u\"/>\n      </vlan>\n", vif->vlan);
    }
    if (vif->rate.bytes_per_sec || vif->rx_rate.bytes_per_sec) {
        fputs("      <bandwidth>\n", out);
        xml_rate(out, "inbound", &vif->rx_rate);
        xml_rate(out, "outbound", &vif->rate);
        fputs("      </bandwidth>\n", out);
    }
    if (xml_vif_teamed(cfg, vif))
        fprintf(out, "      <alias name=\"ua-vif%u\"/>\n      <teaming type=\"persistent\"/>\n",
                vif->devid);
    fputs("    </interface>\n", out);
}

static void xml_pci(FILE *out, const struct config_pci *pci)
{
    unsigned int domain, bus, slot, function;

    /* bdf is always the normalized "dddd:bb:dd.f". */
    if (sscanf(pci->bdf, "%x:%x:%x.%x", &domain, &bus, &slot, &function) != 4)
        return;
    /* A VF given a MAC or VLAN is a network interface: libvirt's form. */
    bool net = config_pci_is_net(pci);

    if (net)
        fprintf(out, "    <interface type=\"hostdev\" managed=\"yes\"%s>\n      <source>\n",
                pci->trust ? " trustGuestRxFilters=\"yes\"" : "");
    else
        fputs("    <hostdev mode=\"subsystem\" type=\"pci\">\n      <source>\n", out);
    fprintf(out,
            "        <address %sdomain=\"0x%04x\" bus=\"0x%02x\" slot=\"0x%02x\" "
            "function=\"0x%x\"/>\n",
            net ? "type=\"pci\" " : "", domain, bus, slot, function);
    fputs("      </source>\n", out);
    if (pci->mac[0])
        fprintf(out, "      <mac address=\"%s\"/>\n", pci->mac);
    if (pci->vlan)
        fprintf(out, "      <vlan>\n        <tag id=\"%u\"/>\n      </vlan>\n", pci->vlan);
    if (pci->link_state != CONFIG_LINK_AUTO)
        fprintf(out, "      <link state=\"%s\"/>\n",
                pci->link_state == CONFIG_LINK_ENABLE ? "up" : "down");
    if (pci->failover)
        fprintf(out, "      <teaming type=\"transient\" persistent=\"ua-vif%u\"/>\n", pci->standby);
    fputs(net ? "    </interface>\n" : "    </hostdev>\n", out);
}

int config_to_xml(const struct domain_config *cfg, FILE *out)
{
    fputs("<domain type=\"xen\">\n", out);
    xml_element(out, 2, "name", cfg->name);
    if (cfg->uuid[0])
        xml_element(out, 2, "uuid", cfg->uuid);
    fprintf(out, "  <memory unit=\"MiB\">%llu</memory>\n", (unsigned long long)cfg->maxmem_mib);
    fprintf(out, "  <currentMemory unit=\"MiB\">%llu</currentMemory>\n",
            (unsigned long long)cfg->memory_mib);
    if (cfg->max_vcpus > cfg->vcpus)
        fprintf(out, "  <vcpu current=\"%u\">%u</vcpu>\n", cfg->vcpus, cfg->max_vcpus);
    else
        fprintf(out, "  <vcpu>%u</vcpu>\n", cfg->vcpus);
    fprintf(out, "  <cputune>\n    <shares>%u</shares>\n  </cputune>\n", cfg->cpu_weight * 4);
    fputs("  <os>\n    <type>xen</type>\n", out);
    xml_element(out, 4, "kernel", cfg->kernel ? cfg->kernel : "");
    if (cfg->extra && cfg->extra[0])
        xml_element(out, 4, "cmdline", cfg->extra);
    fputs("  </os>\n", out);
    xml_element(out, 2, "on_poweroff", config_action_name(cfg->on_poweroff));
    xml_element(out, 2, "on_reboot", config_action_name(cfg->on_reboot));
    xml_element(out, 2, "on_crash", config_action_name(cfg->on_crash));
    fputs("  <metadata>\n", out);
    fprintf(out, "    <splitvisor:domain xmlns:splitvisor=\"%s\" driver-domain=\"%s\"",
            CONFIG_XMLNS, cfg->driver_domain ? "yes" : "no");
    if (cfg->standby)
        fputs(" standby=\"yes\"", out);
    if (cfg->max_maptrack_frames)
        fprintf(out, " max-maptrack-frames=\"%u\"", cfg->max_maptrack_frames);
    fputs("/>\n  </metadata>\n  <devices>\n", out);
    if (cfg->max_grant_frames || cfg->max_event_channels) {
        fputs("    <controller type=\"xenbus\"", out);
        if (cfg->max_grant_frames)
            fprintf(out, " maxGrantFrames=\"%u\"", cfg->max_grant_frames);
        if (cfg->max_event_channels)
            fprintf(out, " maxEventChannels=\"%u\"", cfg->max_event_channels);
        fputs("/>\n", out);
    }
    for (unsigned int i = 0; i < cfg->nr_vifs; i++)
        xml_vif(out, cfg, &cfg->vifs[i]);
    for (unsigned int i = 0; i < cfg->nr_pcis; i++)
        xml_pci(out, &cfg->pcis[i]);
    fputs("  </devices>\n</domain>\n", out);
    return ferror(out) ? -EIO : 0;
}
