/*
 * libFuzzer target: the PF owner's answers to a hostile VF's mailbox
 * messages (sv/vf_mbx.h), which netdd and the host's PF driver (hostpf,
 * root in dom0) both run.  Input: one byte of VF settings (bit 0 trusted,
 * bits 1-3 how many filters the shared switch table has room for), then
 * messages, each a length byte and that many bytes (cut at the input's
 * end).  Each message lies in an allocation of its exact size, so a read
 * past it is an ASan finding.  Checks after every message: the switch
 * holds exactly the filters the owner believes it added for the VF, all
 * multicast and none twice; an untrusted VF's MAC and VLANs never change;
 * the primary MAC stays unicast; every request gets a status of 0 or
 * -errno; and a released VF leaves no filter behind.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sv/vf_mbx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SWITCH_SLOTS 8

struct fake_switch {
    uint8_t mac[SWITCH_SLOTS][6];
    unsigned n, room;
    unsigned vlan_changes;
};

static int fake_mcast(void *ctx, unsigned vf, const uint8_t mac[6], bool add)
{
    struct fake_switch *sw = ctx;

    (void)vf;
    for (unsigned i = 0; i < sw->n; i++) {
        if (memcmp(sw->mac[i], mac, 6))
            continue;
        if (add)
            abort(); /* added twice */
        memmove(sw->mac[i], sw->mac[--sw->n], 6);
        return 0;
    }
    if (!add)
        abort(); /* removed what was never added */
    if (sw->n >= sw->room)
        return -ENOSPC;
    memcpy(sw->mac[sw->n++], mac, 6);
    return 0;
}

static int fake_set_mac(void *ctx, const struct vf_mbx_vf *s)
{
    (void)ctx;
    return s->mac[5] == 0xee ? -EBUSY : 0; /* the switch may refuse */
}

static int fake_set_vlan(void *ctx, const struct vf_mbx_vf *s, uint16_t vid, bool add)
{
    struct fake_switch *sw = ctx;

    (void)s;
    (void)add;
    if (vid < 1 || vid > 4094)
        abort();
    sw->vlan_changes++;
    return 0;
}

static uint32_t fake_link(void *ctx, const struct vf_mbx_vf *s)
{
    (void)ctx;
    (void)s;
    return 10000;
}

static const struct vf_mbx_ops ops = {fake_mcast, fake_set_mac, fake_set_vlan, fake_link};

static void check(const struct vf_mbx_vf *s, const struct fake_switch *sw, const uint8_t mac0[6])
{
    if (s->nmcast > XNIC_MBX_MCAST_MAX || s->nmcast != sw->n)
        abort();
    for (unsigned i = 0; i < s->nmcast; i++) {
        bool found = false;

        if (!(s->mcast[i][0] & 1))
            abort();
        for (unsigned j = 0; j < sw->n; j++)
            found |= !memcmp(sw->mac[j], s->mcast[i], 6);
        if (!found)
            abort();
    }
    if (s->mac[0] & 1)
        abort();
    if (!s->trusted && (memcmp(s->mac, mac0, 6) || sw->vlan_changes))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t mac0[6] = {0x02, 0x16, 0x3e, 0x00, 0x00, 0x07};
    struct fake_switch sw = {0};
    struct vf_mbx_vf s = {.vf = 3, .pvid = 42};
    size_t at = 1;

    if (size < 1)
        return 0;
    s.trusted = data[0] & 1;
    sw.room = (data[0] >> 1) & 7;
    memcpy(s.mac, mac0, 6);
    while (at < size) {
        size_t len = data[at++];
        struct xnic_mbx_msg reply;
        uint8_t *msg;

        if (len > size - at)
            len = size - at;
        msg = malloc(len ? len : 1);
        if (!msg)
            return 0;
        memcpy(msg, data + at, len);
        at += len;
        if (vf_mbx_handle(&s, msg, len, &ops, &sw, &reply) && reply.status > 0)
            abort();
        free(msg);
        check(&s, &sw, mac0);
    }
    vf_mbx_forget(&s, &ops, &sw);
    if (sw.n || s.nmcast)
        abort();
    return 0;
}
