/*
 * Finding the IP and transport headers of an Ethernet frame: what the netif
 * cores need to turn netif's checksum flags (which carry no offsets) into
 * virtio_net_hdr csum_start/csum_offset, what the Toeplitz flow hash reads,
 * and what the xnic device model's checksum and TSO offloads work on.  Pure
 * functions over a caller's buffer; nothing is allocated.
 */
#ifndef SV_PKTPARSE_H
#define SV_PKTPARSE_H

#include <stddef.h>
#include <stdint.h>

struct pktparse {
    uint16_t l3_off;  /* offset of the IPv4/IPv6 header in the frame */
    uint16_t l4_off;  /* offset of the transport header (0: none found) */
    uint8_t ipver;    /* 4 or 6 */
    uint8_t l4proto;  /* IPPROTO_TCP, IPPROTO_UDP, ... (0: none found) */
    uint8_t fragment; /* 1 when this is an IP fragment (no ports to read) */
    uint16_t l4_end;  /* end of the TCP or UDP header when the frame holds it
                       * whole and is not a fragment (TCP: its data offset,
                       * at least 20 bytes; UDP: 8 bytes); 0 otherwise */
};

/* Parses Ethernet (with at most one 802.1Q tag), IPv4 (options allowed) or
 * IPv6 (hop-by-hop, routing and destination options skipped).  0 with *out
 * filled, -EINVAL when the frame is not IP or a header runs past len. */
int pktparse_frame(const uint8_t *frame, size_t len, struct pktparse *out);

/* The frame's 802.1Q VLAN id; 0 when it carries no tag (or is too short). */
uint16_t pktparse_vlan(const uint8_t *frame, size_t len);
/* Puts an 802.1Q tag of VLAN vid after the MAC addresses of a frame of len
 * (>= 12) bytes, in place: the buffer must hold len + 4 bytes. */
void pktparse_vlan_insert(uint8_t *frame, size_t len, uint16_t vid);

/* Offset of the checksum field inside the transport header: 16 for TCP, 6
 * for UDP; -EPROTONOSUPPORT for anything else. */
int pktparse_csum_offset(const struct pktparse *p);

#endif
