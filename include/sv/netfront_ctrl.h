/*
 * netfront control ring client: the frontend side of feature-ctrl-ring
 * (xen/io/netif.h), asking the backend for Toeplitz hashing of received
 * frames (algorithm, hash types, key, mapping table), as Windows PV drivers
 * do.  Pure logic like the queue core (sv/netfront.h): the caller grants the
 * ring page and two more pages (key, mapping table), hands their refs in and
 * notifies the backend from a callback.
 *
 * The backend is not trusted: a response to no outstanding request, or a
 * producer index past what was asked, breaks the client (-EPROTO from then
 * on).  One thread at a time.
 */
#ifndef SV_NETFRONT_CTRL_H
#define SV_NETFRONT_CTRL_H

#include <stdint.h>

#include "sv/abi/netif_abi.h"

struct netfront_ctrl;

struct netfront_ctrl_config {
    xen_netif_ctrl_sring_t *sring; /* granted ring page; netfront_ctrl_new initialises it */
    void *key_page;                /* granted page the backend reads the key from */
    grant_ref_t key_ref;
    void *map_page; /* granted page it reads the mapping table from */
    grant_ref_t map_ref;
    void (*notify)(void *ctx);
    void *ctx;
};

/* Largest mapping table we send (Linux netback's limit). */
#define NETFRONT_CTRL_MAX_MAPPING 128

/* cfg is copied; its pages must outlive the client.  NULL with errno
 * (ENOMEM).  Free with netfront_ctrl_free(). */
struct netfront_ctrl *netfront_ctrl_new(const struct netfront_ctrl_config *cfg);
void netfront_ctrl_free(struct netfront_ctrl *c);

/* Queues the requests that turn on Toeplitz hashing of the types
 * (XEN_NETIF_CTRL_HASH_TYPE_*) under key (keylen <= 40 bytes) with
 * mapping[size] (queue indices, 1 <= size <= NETFRONT_CTRL_MAX_MAPPING),
 * and notifies.  0, -EINVAL (sizes), -EBUSY (a previous call is still
 * unanswered), -EPROTO (broken). */
int netfront_ctrl_set_hash(struct netfront_ctrl *c, uint32_t types, const uint8_t *key,
                           unsigned keylen, const uint32_t *mapping, unsigned size);

/* Reads the backend's answers: 1 once every request was answered SUCCESS,
 * 0 while some are outstanding (or none was made), -EREMOTEIO when the
 * backend refused one (*type, if not NULL, is its XEN_NETIF_CTRL_TYPE_*),
 * -EPROTO when it broke the ring. */
int netfront_ctrl_poll(struct netfront_ctrl *c, uint16_t *type);

#endif
