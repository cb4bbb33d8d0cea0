/*
 * xl network-list: each vif and VF of a domain
 * as the toolstack's xenstore directories say, with the NIC's counters of
 * the pool, queues or VF that serve it.  Values a domain wrote are shown as
 * printable text only (svl_read_shown).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>

#include "sv/abi/xnic.h"
#include "sv/abi/xs_net.h"
#include "sv/xenbus.h"
#include "xl.h"

/* A multi-queue vif's pool: RX, TX and dropped frames of each of its queue
 * pairs (the backend's "nic-queues" names them),
 * " queues rx A/B tx C/D rx-no-buf E/F spoofed G/H". */
static void queue_counters(struct xs_handle *h, const char *back, const struct xnic_func_stats *st,
                           char *out, size_t len)
{
    static const struct {
        const char *name;
        size_t off;
    } fields[] = {{"rx", offsetof(struct xnic_queue_stats, rx_packets)},
                  {"tx", offsetof(struct xnic_queue_stats, tx_packets)},
                  {"rx-no-buf", offsetof(struct xnic_queue_stats, rx_no_buf)},
                  {"spoofed", offsetof(struct xnic_queue_stats, tx_spoofed)}};
    char *list = svl_read_shown(h, back, SV_XS_NIC_QUEUES), *tok, *save = NULL;
    unsigned q[XNIC_MAX_QUEUES], nq = 0;
    size_t n;

    for (tok = list ? strtok_r(list, " ", &save) : NULL; tok && nq < XNIC_MAX_QUEUES;
         tok = strtok_r(NULL, " ", &save))
        if ((q[nq] = (unsigned)atoi(tok)) < st->nqueues)
            nq++;
    free(list);
    if (nq < 2)
        return;
    n = (size_t)snprintf(out, len, " queues");
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]) && n < len; f++)
        for (unsigned i = 0; i < nq && n < len; i++) {
            uint64_t v;

            memcpy(&v, (const char *)&st->queue[q[i]] + fields[f].off, sizeof(v));
            if (!i)
                n += (size_t)snprintf(out + n, len - n, " %s ", fields[f].name);
            if (n < len)
                n += (size_t)snprintf(out + n, len - n, "%s%llu", i ? "/" : "",
                                      (unsigned long long)v);
        }
}

/* The counters of the queue pair that serves a vif steered to "pool N":
 * the PF its backend domain owns, as the device keeps them. */
static void pool_counters(struct xs_handle *h, const char *back, uint32_t backend,
                          const char *steering, char *out, size_t len)
{
    static struct sv_pci_func funcs[64];
    static struct xnic_func_stats st;
    unsigned pool;
    int n;

    snprintf(out, len, "%s", steering ? steering : "-");
    if (steering && !strcmp(steering, "software switch")) {
        char *counters = svl_read_shown(h, back, SV_XS_SWITCH_COUNTERS);

        snprintf(out, len, "software switch %s", counters ? counters : "");
        free(counters);
        return;
    }
    if (!steering || sscanf(steering, "pool %u", &pool) != 1 || pool >= XNIC_MAX_QUEUES)
        return;
    n = svl_pci_funcs(&xl_ctx, funcs, 64);
    for (int i = 0; i < n; i++) {
        if (funcs[i].owner != backend || funcs[i].func != 0)
            continue;
        if (svl_pci_stats(&xl_ctx, funcs[i].bdf, &st) == 0 && pool < st.nqueues) {
            int n0 = snprintf(out, len, "pool %u of %s rx %llu tx %llu rx-no-buf %llu spoofed %llu",
                              pool, funcs[i].bdf, (unsigned long long)st.queue[pool].rx_packets,
                              (unsigned long long)st.queue[pool].tx_packets,
                              (unsigned long long)st.queue[pool].rx_no_buf,
                              (unsigned long long)st.queue[pool].tx_spoofed);

            if (n0 > 0 && (size_t)n0 < len)
                queue_counters(h, back, &st, out + n0, len - (size_t)n0);
        }
        return;
    }
}

/* Appends " KEY VALUE" for a counter of the backend's own, where it
 * published one: the frames its IP anti-spoofing dropped (a vif with
 * addresses), its broadcasts past the budget. */
static void backend_counter(struct xs_handle *h, const char *back, const char *key, char *out,
                            size_t len)
{
    char *value = svl_read_shown(h, back, key);
    size_t n = strlen(out);

    if (value && n < len)
        snprintf(out + n, len - n, " %s %s", key, value);
    free(value);
}

/* A listed vif, from the toolstack's own directory: which frontend and
 * backend directories are the vif's, and the backend's domain, are dom0's
 * word, not what the guest wrote in its frontend directory. */
struct vif_listed {
    char *front, *back;
    uint32_t backend;
};

static bool vif_listed(struct xs_handle *h, const char *libxl_dir, struct vif_listed *v)
{
    v->front = svl_read_shown(h, libxl_dir, "frontend");
    v->back = svl_read_shown(h, libxl_dir, "backend");
    if (v->front && v->back && sscanf(v->back, "/local/domain/%u/", &v->backend) == 1)
        return true;
    free(v->front);
    free(v->back);
    return false;
}

static void list_one(struct xs_handle *h, const char *dir, const char *devid, void *arg)
{
    static const char *keys[] = {"mac",           "handle",      "state",
                                 "event-channel", "tx-ring-ref", "rx-ring-ref"};
    char *v[6], rings[40], steer[200], *steering, ports[24];
    struct vif_listed vif;

    (void)arg;
    if (!vif_listed(h, dir, &vif))
        return;
    for (int k = 0; k < 6; k++)
        v[k] = svl_read_shown(h, vif.front, keys[k]);
    snprintf(rings, sizeof(rings), "%s/%s", v[4] ? v[4] : "-1", v[5] ? v[5] : "-1");
    if (!v[4]) { /* several queues: their keys are under queue-N/ */
        char *nq = svl_read_shown(h, vif.front, "multi-queue-num-queues");

        if (nq)
            snprintf(rings, sizeof(rings), "%s queues", nq);
        free(nq);
    }
    if (!v[3]) { /* split event channels: one port per ring, shown tx/rx */
        char *tx = svl_read_shown(h, vif.front, "event-channel-tx");
        char *rx = svl_read_shown(h, vif.front, "event-channel-rx");

        snprintf(ports, sizeof(ports), "%s/%s", tx ? tx : "-1", rx ? rx : "-1");
        v[3] = strdup(ports);
        free(tx);
        free(rx);
    }
    steering = svl_read_shown(h, vif.back, SV_XS_STEERING);
    pool_counters(h, vif.back, vif.backend, steering, steer, sizeof(steer));
    backend_counter(h, vif.back, SV_XS_IP_FILTERED, steer, sizeof(steer));
    backend_counter(h, vif.back, SV_XS_MCAST_HELD, steer, sizeof(steer));
    printf("%-4s %-3u %-18s %-6s %-5s %-7s %-16s %-36s %s\n", devid, vif.backend, v[0] ? v[0] : "-",
           v[1] ? v[1] : "-", v[2] ? v[2] : "-", v[3] ? v[3] : "-1", rings, vif.back, steer);
    free(steering);
    for (int k = 0; k < 6; k++)
        free(v[k]);
    free(vif.front);
    free(vif.back);
}

void xl_vif_list_header(void)
{
    printf("%-4s %-3s %-18s %-6s %-5s %-7s %-16s %-36s %s\n", "Idx", "BE", "Mac Addr.", "handle",
           "state", "evt-ch", "tx-/rx-ring-ref", "BE-path", "steering / NIC counters");
}

int xl_vif_list(uint32_t domid)
{
    return svl_for_each_device(SVL_VIF_DIRS, domid, list_one, NULL);
}

/* One row of xl network-list: the VF, what its PF owner gave it, and the
 * VF's own counters (the device's, not the driver domain's). */
static void vf_list_one(struct xs_handle *h, const char *dir, const char *devid, void *arg)
{
    struct xnic_func_stats st;
    char *bdf = NULL, *back = NULL, *mac = NULL, *vlan = NULL, *standby = NULL;

    (void)arg;
    xenbus_read(h, XBT_NULL, dir, "bdf", &bdf);
    xenbus_read(h, XBT_NULL, dir, "backend", &back);
    if (back) { /* the PF owner's directory: shown as printable text */
        mac = svl_read_shown(h, back, SV_XS_MAC);
        vlan = svl_read_shown(h, back, SV_XS_VLAN);
        standby = svl_read_shown(h, back, SV_XS_FAILOVER);
    }
    printf("vf%-4s %-13s %-17s vlan %-4s state %d", devid, bdf ? bdf : "?", mac && *mac ? mac : "-",
           vlan && strcmp(vlan, "0") ? vlan : "-",
           back ? (int)xenbus_read_state(h, XBT_NULL, back) : 0);
    if (bdf && svl_pci_stats(&xl_ctx, bdf, &st) == 0 && st.nqueues)
        printf(
            " rx %llu tx %llu rx-no-buf %llu spoofed %llu",
            (unsigned long long)st.queue[0].rx_packets, (unsigned long long)st.queue[0].tx_packets,
            (unsigned long long)st.queue[0].rx_no_buf, (unsigned long long)st.queue[0].tx_spoofed);
    if (standby) /* no vfN: it carries the vif's ethD */
        printf(" failover eth%s", standby);
    putchar('\n');
    free(bdf);
    free(back);
    free(mac);
    free(vlan);
    free(standby);
}

void xl_vf_list(uint32_t domid)
{
    svl_for_each_device(SVL_VF_DIRS, domid, vf_list_one, NULL);
}
