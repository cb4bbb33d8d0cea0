/*
 * The Toeplitz hash of netif's control ring (xen/io/netif.h,
 * XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ): the hash a backend computes to
 * pick a queue for a received packet and to report it to the frontend in a
 * XEN_NETIF_EXTRA_TYPE_HASH extra.  Same bits as Microsoft's RSS hash.
 */
#ifndef SV_TOEPLITZ_H
#define SV_TOEPLITZ_H

#include <stddef.h>
#include <stdint.h>

/* netif.h's largest key (XEN_NETIF_CTRL_HASH_KEY_SIZE is not in every
 * version of the header). */
#define TOEPLITZ_MAX_KEY 40

/* Microsoft's RSS key: spreads flows when nobody configured one. */
extern const uint8_t toeplitz_default_key[TOEPLITZ_MAX_KEY];

/* Hash of buf under key, as netif.h defines it: key bytes past keylen read
 * as zero.  Any lengths are fine (keylen 0 gives 0). */
uint32_t toeplitz_hash(const uint8_t *key, size_t keylen, const uint8_t *buf, size_t buflen);

/* Flow hash of an Ethernet frame for the hash types enabled in type_mask
 * (XEN_NETIF_CTRL_HASH_TYPE_*): the TCP variant when enabled and the frame is
 * an unfragmented TCP segment, else the address-only one when enabled.
 * 0 with *hash and *htype (an _XEN_NETIF_CTRL_HASH_TYPE_* number, what the
 * hash extra carries) set; -ENOENT when no enabled type applies. */
int toeplitz_flow_hash(const uint8_t *key, size_t keylen, uint32_t type_mask, const uint8_t *frame,
                       size_t len, uint32_t *hash, uint8_t *htype);

#endif
