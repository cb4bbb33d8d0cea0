/*
 * netback control ring (feature-ctrl-ring): the backend side of netif.h's
 * XEN_NETIF_CTRL_TYPE_* requests for Toeplitz hashing, and RX queue
 * selection with what the frontend configured (key, hash types, mapping
 * table).  Pure logic like the queue core (sv/netback.h): the key and the
 * mapping table are read through the caller's copy callback, notifications
 * go out through its notify callback.  Static grant mapping requests
 * (GET/ADD/DEL_GREF_MAPPING) are answered NOT_SUPPORTED.
 *
 * Requests are untrusted: a bad parameter gets the status netif.h names
 * (INVALID_PARAMETER, BUFFER_OVERFLOW, NOT_SUPPORTED); a producer index more
 * than a ring ahead disconnects (the disconnect callback runs once, verbs
 * then return -ENOTCONN).  One thread at a time.
 */
#ifndef SV_NETBACK_CTRL_H
#define SV_NETBACK_CTRL_H

#include <stddef.h>
#include <stdint.h>

#include "sv/abi/netif_abi.h"
#include "sv/toeplitz.h"

struct netback_ctrl;

/* Largest hash mapping table we take, in entries (Linux netback's). */
#define NETBACK_CTRL_MAX_MAPPING 128

struct netback_ctrl_ops {
    /* As netback_ops.copy_from_grant: len bytes at offset of ref into dst,
     * 0 or a negative errno (answered INVALID_PARAMETER). */
    int (*copy_from_grant)(void *ctx, grant_ref_t ref, uint16_t offset, void *dst, uint16_t len);
    void (*notify)(void *ctx);
    /* Optional: the ring was abused; reason is a static string. */
    void (*disconnect)(void *ctx, const char *reason);
};

/* A control ring over sring (initialised by the frontend, mapped by the
 * caller until netback_ctrl_free()) for a vif of num_queues (>= 1) queues.
 * ops is copied.  NULL with errno (EINVAL, ENOMEM). */
struct netback_ctrl *netback_ctrl_new(xen_netif_ctrl_sring_t *sring, unsigned int num_queues,
                                      const struct netback_ctrl_ops *ops, void *ctx);
void netback_ctrl_free(struct netback_ctrl *c);

/* Answer pending requests, at most budget (a frontend feeding the ring as
 * fast as we answer must not keep its backend here), publish the
 * responses, notify if the frontend asked, and re-arm req_event.  The
 * number answered (budget: there may be more; call again later), or
 * -ENOTCONN. */
int netback_ctrl_process(struct netback_ctrl *c, unsigned int budget);

/* The queue (< num_queues) for an RX frame.  With hashing configured, the
 * Toeplitz hash picks it (through the mapping table if one is set) and *hash
 * is the XEN_NETIF_EXTRA_TYPE_HASH extra to deliver with the frame; else a
 * flow hash under a built-in key spreads flows and hash->type is 0. */
unsigned int netback_ctrl_select_queue(const struct netback_ctrl *c, const uint8_t *frame,
                                       size_t len, netif_extra_info_t *hash);

/* What the frontend configured, for a backend that hashes elsewhere (a
 * NIC's RSS).  types is 0 while hashing is off (no Toeplitz algorithm or no
 * type chosen); mapping points into c (valid until the next
 * netback_ctrl_process() or netback_ctrl_free()), mapping_size 0 meaning
 * "hash modulo num_queues". */
struct netback_ctrl_hash {
    uint32_t types; /* XEN_NETIF_CTRL_HASH_TYPE_* */
    uint8_t key[TOEPLITZ_MAX_KEY];
    uint32_t mapping_size;
    const uint32_t *mapping;
};
void netback_ctrl_hash(const struct netback_ctrl *c, struct netback_ctrl_hash *out);

/* The XEN_NETIF_EXTRA_TYPE_HASH extra for a Toeplitz hash of type htype
 * (an _XEN_NETIF_CTRL_HASH_TYPE_* number) computed elsewhere. */
void netback_ctrl_hash_extra(uint32_t hash, uint8_t htype, netif_extra_info_t *out);

#endif
