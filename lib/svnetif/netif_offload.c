/*
 * netif checksum/GSO metadata <-> virtio_net_hdr.  virtio fields are little
 * endian (a TAP's default vnet header byte order on every host we run on).
 */
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>

#include "sv/abi/netif_abi.h"
#include "sv/netif_offload.h"
#include "sv/pktparse.h"
#include "sv/abi/xnic.h"

static int vnet_gso(const struct netif_offload *o, const struct pktparse *p,
                    struct virtio_net_hdr *vh)
{
    if (o->gso_type != XEN_NETIF_GSO_TYPE_TCPV4 && o->gso_type != XEN_NETIF_GSO_TYPE_TCPV6)
        return -EINVAL;
    if (p->l4proto != IPPROTO_TCP || !p->l4_end)
        return -EINVAL;
    vh->gso_type = o->gso_type == XEN_NETIF_GSO_TYPE_TCPV4 ? VIRTIO_NET_HDR_GSO_TCPV4
                                                           : VIRTIO_NET_HDR_GSO_TCPV6;
    vh->gso_size = htole16(o->gso_size);
    vh->hdr_len = htole16(p->l4_end);
    return 0;
}

int netif_offload_to_vnet(const struct netif_offload *o, const uint8_t *frame, size_t len,
                          struct virtio_net_hdr *vh)
{
    struct pktparse p;
    int csum_off;

    *vh = (struct virtio_net_hdr){.gso_type = VIRTIO_NET_HDR_GSO_NONE};
    if (!o->csum_blank && o->gso_type == XEN_NETIF_GSO_TYPE_NONE) {
        if (o->data_validated)
            vh->flags = VIRTIO_NET_HDR_F_DATA_VALID;
        return 0;
    }
    if (pktparse_frame(frame, len, &p) < 0)
        return -EINVAL;
    csum_off = pktparse_csum_offset(&p);
    if (csum_off < 0 || len < p.l4_off + (size_t)csum_off + 2)
        return -EINVAL;
    /* A GSO frame's segments get fresh checksums, so it is always partial. */
    vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    vh->csum_start = htole16(p.l4_off);
    vh->csum_offset = htole16((uint16_t)csum_off);
    if (o->gso_type != XEN_NETIF_GSO_TYPE_NONE)
        return vnet_gso(o, &p, vh);
    return 0;
}

static bool csum_allowed(const struct netif_features *f, const uint8_t *frame, size_t len)
{
    struct pktparse p;

    if (pktparse_frame(frame, len, &p) < 0)
        return false;
    return p.ipver == 4 ? f->csum_ipv4 : f->csum_ipv6;
}

static bool gso_allowed(const struct netif_features *f, uint8_t type)
{
    return (type == XEN_NETIF_GSO_TYPE_TCPV4 && f->gso_tcpv4) ||
           (type == XEN_NETIF_GSO_TYPE_TCPV6 && f->gso_tcpv6);
}

int netif_offload_allowed(const struct netif_features *f, const struct netif_offload *o,
                          const uint8_t *frame, size_t len)
{
    if (len < NETIF_MIN_FRAME || len > XEN_NETIF_MAX_TX_SIZE)
        return -EMSGSIZE;
    if (len > NETIF_PAGE_SIZE && !f->sg)
        return -EMSGSIZE;
    if (o->gso_type != XEN_NETIF_GSO_TYPE_NONE && (!gso_allowed(f, o->gso_type) || !o->gso_size))
        return -EOPNOTSUPP;
    if (o->csum_blank && !csum_allowed(f, frame, len))
        return -EOPNOTSUPP;
    return 0;
}

int netif_offload_from_vnet(const struct virtio_net_hdr *vh, struct netif_offload *o)
{
    *o = (struct netif_offload){0};
    if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
        o->csum_blank = o->data_validated = true;
    else if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID)
        o->data_validated = true;
    switch (vh->gso_type) {
    case VIRTIO_NET_HDR_GSO_NONE:
        return 0;
    case VIRTIO_NET_HDR_GSO_TCPV4:
        o->gso_type = XEN_NETIF_GSO_TYPE_TCPV4;
        break;
    case VIRTIO_NET_HDR_GSO_TCPV6:
        o->gso_type = XEN_NETIF_GSO_TYPE_TCPV6;
        break;
    default:
        return -EOPNOTSUPP;
    }
    o->gso_size = le16toh(vh->gso_size);
    return o->gso_size ? 0 : -EINVAL;
}

unsigned netif_offload_xnic_cmd(const struct netif_offload *o, const uint8_t *frame, size_t len,
                                uint16_t *mss, uint8_t *hdr_len)
{
    struct pktparse pp;

    *mss = 0;
    *hdr_len = 0;
    if (o->gso_type != XEN_NETIF_GSO_TYPE_NONE && pktparse_frame(frame, len, &pp) == 0 &&
        pp.l4proto == IPPROTO_TCP && pp.l4_end && pp.l4_end <= UINT8_MAX) {
        *mss = o->gso_size;
        *hdr_len = (uint8_t)pp.l4_end;
        return XNIC_TXD_TSO;
    }
    return o->csum_blank ? XNIC_TXD_CSUM : 0;
}

struct netif_offload netif_offload_from_xnic_rx(uint16_t status, const struct xnic_rx_wb *wb)
{
    static const uint8_t gso[] = {
        [XNIC_GSO_TCPV4] = XEN_NETIF_GSO_TYPE_TCPV4, [XNIC_GSO_TCPV6] = XEN_NETIF_GSO_TYPE_TCPV6};
    struct netif_offload o = {.data_validated = (status & XNIC_RXS_L4_OK) != 0};

    if (status & XNIC_RXS_RSC) {
        o.csum_blank = o.data_validated = true;
        if (wb->gso_type < sizeof(gso) && gso[wb->gso_type] && wb->gso_size) {
            o.gso_type = gso[wb->gso_type];
            o.gso_size = wb->gso_size;
        }
    }
    return o;
}
