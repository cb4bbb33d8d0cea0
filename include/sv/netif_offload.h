/*
 * Offload metadata of one frame as netif carries it (checksum flags and a GSO
 * extra) and its translation to and from struct virtio_net_hdr, the header a
 * TAP with IFF_VNET_HDR reads and writes.  netif carries no checksum offsets,
 * so the translation to virtio parses the frame (sv/pktparse.h).
 */
#ifndef SV_NETIF_OFFLOAD_H
#define SV_NETIF_OFFLOAD_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netif_offload {
    bool csum_blank;     /* NETTXF_csum_blank / NETRXF_csum_blank */
    bool data_validated; /* NETTXF_data_validated / NETRXF_data_validated */
    uint8_t gso_type;    /* XEN_NETIF_GSO_TYPE_* (NONE: no GSO extra) */
    uint16_t gso_size;   /* MSS; non-zero when gso_type is set */
};

/* What the receiving end of one direction accepts: its feature-* keys
 * (the backend's for TX, the frontend's for RX). */
struct netif_features {
    bool sg;        /* feature-sg: a frame may span slots */
    bool gso_tcpv4; /* feature-gso-tcpv4 */
    bool gso_tcpv6; /* feature-gso-tcpv6 */
    bool csum_ipv4; /* csum_blank on IPv4 (no feature-no-csum-offload) */
    bool csum_ipv6; /* feature-ipv6-csum-offload */
};

/* Whether a receiver with features f takes frame (len bytes) with offloads
 * o: 0; -EMSGSIZE when shorter than an Ethernet header, longer than 65535
 * bytes or more than a page without sg; -EOPNOTSUPP for GSO or a blank
 * checksum it did not offer (or a blank checksum on a frame that is not
 * IPv4/IPv6). */
int netif_offload_allowed(const struct netif_features *f, const struct netif_offload *o,
                          const uint8_t *frame, size_t len);

/* virtio header for frame (len bytes): NEEDS_CSUM with csum_start/offset
 * found in the frame when csum_blank, DATA_VALID when only validated, GSO
 * type/size/hdr_len from the GSO fields.  0, or -EINVAL when csum_blank or
 * GSO is set but the frame has no TCP/UDP header to point at. */
int netif_offload_to_vnet(const struct netif_offload *o, const uint8_t *frame, size_t len,
                          struct virtio_net_hdr *vh);

/* netif metadata for a virtio header: NEEDS_CSUM becomes csum_blank plus
 * data_validated (as Linux netfront sends CHECKSUM_PARTIAL), DATA_VALID
 * data_validated.  0, -EOPNOTSUPP for GSO netif cannot carry (UDP, ECN) and
 * -EINVAL for a GSO header without a segment size. */
int netif_offload_from_vnet(const struct virtio_net_hdr *vh, struct netif_offload *o);

/* The xnic TX command (docs/xnic.md, offloads) for frame (len bytes, its
 * headers in the first buffer) with offloads o: XNIC_TXD_TSO with *mss and
 * *hdr_len (where the parsed TCP header ends) for TCP GSO, XNIC_TXD_CSUM for
 * a blank checksum, else 0 (and *mss, *hdr_len 0). */
unsigned netif_offload_xnic_cmd(const struct netif_offload *o, const uint8_t *frame, size_t len,
                                uint16_t *mss, uint8_t *hdr_len);

/* The offloads of a frame the xnic received (status: its EOP descriptor's
 * XNIC_RXS_*, wb: its write-back): checksum verified (L4_OK); an RSC frame
 * (another vport's packet delivered whole) checksum partial and, for a TSO
 * packet, GSO with the sender's MSS. */
struct xnic_rx_wb;
struct netif_offload netif_offload_from_xnic_rx(uint16_t status, const struct xnic_rx_wb *wb);

#endif
