/*
 * 802.1Q port membership: the one rule the NIC model's VMDq pools and VFs
 * (hw/) and netdd's software switch (driver-domain/swswitch.c) both apply,
 * so that a vif is on the same VLANs whichever path it takes
 * (docs/networking.md, VLANs).
 *
 * A port has a port VLAN (pvid: the VLAN its untagged frames belong to,
 * tagged outside it; 0: the untagged LAN) and a trunk set (the VLANs it
 * carries tagged, as they are).  Nothing else passes: by default (pvid 0,
 * empty set) a port is an access port of the untagged LAN, and a tag it
 * writes itself is dropped, not obeyed.
 */
#ifndef SV_VLAN_H
#define SV_VLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SV_VLAN_MAX 4094u   /* VIDs 1..4094; 0 and 4095 are reserved */
#define SV_VLAN_BAD 0xffffu /* a tag no port may carry (sv_vlan_of_frame) */

struct sv_vlan_set {
    uint64_t bits[64]; /* bit vid; bits 0 and 4095 stay clear */
};

static inline bool sv_vlan_set_has(const struct sv_vlan_set *s, unsigned vid)
{
    return vid >= 1 && vid <= SV_VLAN_MAX && (s->bits[vid / 64] >> (vid % 64) & 1);
}

static inline void sv_vlan_set_add(struct sv_vlan_set *s, unsigned vid)
{
    if (vid >= 1 && vid <= SV_VLAN_MAX)
        s->bits[vid / 64] |= 1ull << (vid % 64);
}

/* Adds every VLAN of b to a. */
void sv_vlan_set_union(struct sv_vlan_set *a, const struct sv_vlan_set *b);
bool sv_vlan_set_empty(const struct sv_vlan_set *s);

/*
 * Parses a list of VIDs ("42,43": the backend key "trunk") into *s (cleared
 * first).  -EINVAL for anything but decimal VIDs 1..4094 separated by
 * single commas; "" is the empty set.
 */
int sv_vlan_set_parse(const char *text, struct sv_vlan_set *s);
/* Writes the set as such a list; -ENOSPC when size is too small. */
int sv_vlan_set_format(const struct sv_vlan_set *s, char *buf, size_t size);

/*
 * The VLAN of a frame as the rules below see it: its 802.1Q VID, 0 when it
 * carries no tag, SV_VLAN_BAD for a tag no port may send or receive: an
 * 802.1Q tag with VID 0 (a priority tag: the frame would pass as untagged
 * with a second tag behind it, the double-tagging hop) or 4095, an 802.1ad
 * or old QinQ outer tag (0x88a8, 0x9100), or a tag cut short.
 */
uint16_t sv_vlan_of_frame(const uint8_t *frame, size_t len);

/*
 * A frame read from a packet socket (the far end of a guest's ethD) whose
 * 802.1Q tag the kernel's receive path moved into the packet's metadata,
 * as it does whether or not a VLAN device exists: sv_vlan_of_msg() finds
 * it in the message's PACKET_AUXDATA (false: none); sv_vlan_put_back()
 * writes it back after the MACs, in place over the n pieces of iov (their
 * lengths are the room), *len growing by 4 and the virtio header's offsets
 * following.  -ENOSPC without room, -EINVAL for a frame shorter than two
 * MACs.  Sent on without it, a tagged frame would go out on the sender's
 * untagged VLAN.
 */
struct iovec;
struct msghdr;
struct virtio_net_hdr;
bool sv_vlan_of_msg(struct msghdr *mh, uint16_t *tpid, uint16_t *tci);
int sv_vlan_put_back(const struct iovec *iov, unsigned n, size_t *len, struct virtio_net_hdr *vh,
                     uint16_t tpid, uint16_t tci);

enum sv_vlan_verdict {
    SV_VLAN_DROP,  /* not the port's: dropped (on ingress counted as spoofed) */
    SV_VLAN_PASS,  /* as it is */
    SV_VLAN_TAG,   /* ingress: the pvid tag is inserted */
    SV_VLAN_UNTAG, /* egress: the pvid tag is stripped */
};

/* A frame the port sends, on VLAN vid (sv_vlan_of_frame()). */
static inline enum sv_vlan_verdict sv_vlan_ingress(uint16_t pvid, const struct sv_vlan_set *trunk,
                                                   uint16_t vid)
{
    if (vid == 0)
        return pvid ? SV_VLAN_TAG : SV_VLAN_PASS;
    /* The port VLAN has one form at the port: untagged. */
    return vid != pvid && sv_vlan_set_has(trunk, vid) ? SV_VLAN_PASS : SV_VLAN_DROP;
}

/* A frame on VLAN vid (0: the untagged LAN) that would reach the port. */
static inline enum sv_vlan_verdict sv_vlan_egress(uint16_t pvid, const struct sv_vlan_set *trunk,
                                                  uint16_t vid)
{
    if (vid == 0)
        return pvid ? SV_VLAN_DROP : SV_VLAN_PASS;
    if (vid == pvid)
        return SV_VLAN_UNTAG;
    return sv_vlan_set_has(trunk, vid) ? SV_VLAN_PASS : SV_VLAN_DROP;
}

#endif
