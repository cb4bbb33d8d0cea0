/* 802.1Q port membership shared by the NIC model and netdd's switch (see sv/vlan.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
