/* 802.1Q port membership shared by the NIC model and netdd's switch, and
 * the tags packet sockets hand over apart (see sv/vlan.h). */
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "sv/vlan.h"

void sv_vlan_set_union(struct sv_vlan_set *a, const struct sv_vlan_set *b)
{
    for (unsigned i = 0; i < 64; i++)
        a->bits[i] |= b->bits[i];
}

bool sv_vlan_set_empty(const struct sv_vlan_set *s)
{
    for (unsigned i = 0; i < 64; i++)
        if (s->bits[i])
            return false;
    return true;
}

int sv_vlan_set_parse(const char *text, struct sv_vlan_set *s)
{
    const char *p = text;

    memset(s, 0, sizeof(*s));
    while (*p) {
        unsigned vid = 0, digits = 0;

        for (; *p >= '0' && *p <= '9' && digits < 5; p++, digits++)
            vid = vid * 10 + (unsigned)(*p - '0');
        if (!digits || vid < 1 || vid > SV_VLAN_MAX || (*p && *p != ','))
            return -EINVAL;
        sv_vlan_set_add(s, vid);
        if (*p == ',' && !*++p)
            return -EINVAL;
    }
    return 0;
}

int sv_vlan_set_format(const struct sv_vlan_set *s, char *buf, size_t size)
{
    size_t used = 0;

    if (!size)
        return -ENOSPC;
    buf[0] = '\0';
    for (unsigned vid = 1; vid <= SV_VLAN_MAX; vid++) {
        int n;

        if (!sv_vlan_set_has(s, vid))
            continue;
        n = snprintf(buf + used, size - used, "%s%u", used ? "," : "", vid);
        if (n < 0 || (size_t)n >= size - used)
            return -ENOSPC;
        used += (size_t)n;
    }
    return 0;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

uint16_t sv_vlan_of_frame(const uint8_t *frame, size_t len)
{
    uint16_t type, vid;

    if (len < 14)
        return 0;
    type = be16(frame + 12);
    if (type == 0x88a8 || type == 0x9100)
        return SV_VLAN_BAD;
    if (type != 0x8100)
        return 0;
    if (len < 18)
        return SV_VLAN_BAD;
    vid = be16(frame + 14) & 0xfff;
    return vid >= 1 && vid <= SV_VLAN_MAX ? vid : SV_VLAN_BAD;
}

bool sv_vlan_of_msg(struct msghdr *mh, uint16_t *tpid, uint16_t *tci)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
        if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct tpacket_auxdata))) {
            struct tpacket_auxdata aux;

            memcpy(&aux, CMSG_DATA(c), sizeof(aux));
            if (!(aux.tp_status & TP_STATUS_VLAN_VALID))
                return false;
            *tpid = aux.tp_status & TP_STATUS_VLAN_TPID_VALID ? aux.tp_vlan_tpid : 0x8100;
            *tci = aux.tp_vlan_tci;
            return true;
        }
    return false;
}

/* Byte off of the pieces, and how many bytes of its piece come before it. */
static uint8_t *byte_at(const struct iovec *iov, unsigned n, size_t off, size_t *before)
{
    for (unsigned i = 0; i < n; off -= iov[i++].iov_len)
        if (off < iov[i].iov_len) {
            *before = off;
            return (uint8_t *)iov[i].iov_base + off;
        }
    return NULL;
}

int sv_vlan_put_back(const struct iovec *iov, unsigned n, size_t *len, struct virtio_net_hdr *vh,
                     uint16_t tpid, uint16_t tci)
{
    const uint8_t tag[4] = {(uint8_t)(tpid >> 8), (uint8_t)tpid, (uint8_t)(tci >> 8), (uint8_t)tci};
    size_t room = 0, end = *len, sb = 0, db = 0;

    for (unsigned i = 0; i < n; i++)
        room += iov[i].iov_len;
    if (end < 12)
        return -EINVAL;
    if (end + 4 > room)
        return -ENOSPC;
    /* Bytes 12 .. end move 4 on, the last first, a run within one piece
     * of each end at a time. */
    while (end > 12) {
        uint8_t *src = byte_at(iov, n, end - 1, &sb), *dst = byte_at(iov, n, end + 3, &db);
        size_t run = end - 12;

        run = sb + 1 < run ? sb + 1 : run;
        run = db + 1 < run ? db + 1 : run;
        memmove(dst + 1 - run, src + 1 - run, run);
        end -= run;
    }
    for (size_t i = 0; i < 4; i++)
        *byte_at(iov, n, 12 + i, &sb) = tag[i];
    *len += 4;
    if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
        vh->csum_start = (uint16_t)(vh->csum_start + 4);
    if (vh->hdr_len)
        vh->hdr_len = (uint16_t)(vh->hdr_len + 4);
    return 0;
}
