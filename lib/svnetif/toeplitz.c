/*
 * Toeplitz hash of netif's control ring, and the flow inputs netif.h names
 * for each hash type (addresses, then ports, in packet order).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "sv/abi/netif_abi.h"
#include "sv/pktparse.h"
#include "sv/toeplitz.h"

const uint8_t toeplitz_default_key[TOEPLITZ_MAX_KEY] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static uint8_t key_byte(const uint8_t *key, size_t keylen, size_t i)
{
    return i < keylen ? key[i] : 0;
}

/* A 64-bit window over the key slides left one bit per input bit; its top 32
 * bits are the "left-most 32 bits of Key[]" of netif.h's definition. */
uint32_t toeplitz_hash(const uint8_t *key, size_t keylen, const uint8_t *buf, size_t buflen)
{
    uint64_t window = 0;
    uint32_t hash = 0;
    size_t next = 8;

    for (size_t i = 0; i < 8; i++)
        window = window << 8 | key_byte(key, keylen, i);
    for (size_t i = 0; i < buflen; i++) {
        for (int bit = 7; bit >= 0; bit--) {
            if (buf[i] >> bit & 1)
                hash ^= (uint32_t)(window >> 32);
            window <<= 1;
        }
        window |= key_byte(key, keylen, next++);
    }
    return hash;
}

struct flow_input {
    uint8_t buf[36]; /* IPv6 addresses and ports, the largest input */
    size_t len;
};

/* Addresses (and ports when with_ports) of a parsed frame, as netif.h lays
 * out Buffer[] for the type. */
static void flow_input(const uint8_t *frame, const struct pktparse *p, int with_ports,
                       struct flow_input *in)
{
    size_t alen = p->ipver == 4 ? 8 : 32;
    size_t aoff = p->l3_off + (p->ipver == 4 ? 12u : 8u);

    memcpy(in->buf, frame + aoff, alen);
    in->len = alen;
    if (with_ports) {
        memcpy(in->buf + alen, frame + p->l4_off, 4);
        in->len += 4;
    }
}

int toeplitz_flow_hash(const uint8_t *key, size_t keylen, uint32_t type_mask, const uint8_t *frame,
                       size_t len, uint32_t *hash, uint8_t *htype)
{
    struct pktparse p;
    struct flow_input in;
    int v4, tcp;
    uint8_t t;

    if (pktparse_frame(frame, len, &p) < 0)
        return -ENOENT;
    v4 = p.ipver == 4;
    tcp = p.l4proto == IPPROTO_TCP && !p.fragment && len >= p.l4_off + 4u;
    t = v4 ? _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP : _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;
    if (!(tcp && (type_mask & (1u << t)))) {
        t = v4 ? _XEN_NETIF_CTRL_HASH_TYPE_IPV4 : _XEN_NETIF_CTRL_HASH_TYPE_IPV6;
        if (!(type_mask & (1u << t)))
            return -ENOENT;
        tcp = 0;
    }
    flow_input(frame, &p, tcp, &in);
    *hash = toeplitz_hash(key, keylen, in.buf, in.len);
    *htype = t;
    return 0;
}
