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

#endif
