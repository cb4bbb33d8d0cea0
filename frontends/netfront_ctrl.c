/*
 * netfront control ring client (see sv/netfront_ctrl.h): five requests in
 * one batch configure Toeplitz hashing; responses are matched by id.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sv/netfront_ctrl.h"
#include "sv/toeplitz.h"

#define HASH_REQUESTS 5

struct netfront_ctrl {
    xen_netif_ctrl_front_ring_t ring;
    struct netfront_ctrl_config cfg;
    uint16_t next_id;
    unsigned pending; /* requests of the batch not answered yet */
    bool asked;       /* a batch was sent */
    int failed;       /* 0, -EREMOTEIO or -EPROTO */
    uint16_t failed_type;
};

struct netfront_ctrl *netfront_ctrl_new(const struct netfront_ctrl_config *cfg)
{
    struct netfront_ctrl *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->cfg = *cfg;
    SHARED_RING_INIT(cfg->sring);
    FRONT_RING_INIT(&c->ring, cfg->sring, NETIF_PAGE_SIZE);
    return c;
}

void netfront_ctrl_free(struct netfront_ctrl *c)
{
    free(c);
}

static void request(struct netfront_ctrl *c, uint16_t type, uint32_t d0, uint32_t d1, uint32_t d2)
{
    *RING_GET_REQUEST(&c->ring, c->ring.req_prod_pvt++) =
        (struct xen_netif_ctrl_request){.id = c->next_id++, .type = type, .data = {d0, d1, d2}};
}

int netfront_ctrl_set_hash(struct netfront_ctrl *c, uint32_t types, const uint8_t *key,
                           unsigned keylen, const uint32_t *mapping, unsigned size)
{
    int notify;

    if (c->failed == -EPROTO)
        return -EPROTO;
    if (c->pending)
        return -EBUSY;
    if (keylen > TOEPLITZ_MAX_KEY || size == 0 || size > NETFRONT_CTRL_MAX_MAPPING)
        return -EINVAL;
    memcpy(c->cfg.key_page, key, keylen);
    memcpy(c->cfg.map_page, mapping, size * sizeof(*mapping));
    c->pending = HASH_REQUESTS;
    c->asked = true;
    c->failed = 0;
    request(c, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM, XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0,
            0);
    request(c, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS, types, 0, 0);
    request(c, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, c->cfg.key_ref, keylen, 0);
    request(c, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, size, 0, 0);
    request(c, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, c->cfg.map_ref, size, 0);
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&c->ring, notify);
    if (notify)
        c->cfg.notify(c->cfg.ctx);
    return 0;
}

/* One response, read once: it must answer the next request of the batch. */
static void answer(struct netfront_ctrl *c)
{
    struct xen_netif_ctrl_response rsp =
        *(volatile struct xen_netif_ctrl_response *)RING_GET_RESPONSE(&c->ring, c->ring.rsp_cons);
    const struct xen_netif_ctrl_request *req = RING_GET_REQUEST(&c->ring, c->ring.rsp_cons);

    c->ring.rsp_cons++;
    c->pending--;
    if (rsp.id != req->id || rsp.type != req->type) {
        c->failed = -EPROTO;
    } else if (rsp.status != XEN_NETIF_CTRL_STATUS_SUCCESS && !c->failed) {
        c->failed = -EREMOTEIO;
        c->failed_type = rsp.type;
    }
}

int netfront_ctrl_poll(struct netfront_ctrl *c, uint16_t *type)
{
    RING_IDX prod;

    if (c->failed == -EPROTO)
        return -EPROTO;
    prod = __atomic_load_n(&c->ring.sring->rsp_prod, __ATOMIC_ACQUIRE);
    if (prod - c->ring.rsp_cons > c->pending) {
        c->failed = -EPROTO;
        return -EPROTO;
    }
    while (c->ring.rsp_cons != prod && c->failed != -EPROTO)
        answer(c);
    if (!c->pending) /* ask to be told about the next batch's answers */
        c->ring.sring->rsp_event = c->ring.rsp_cons + 1;
    if (c->failed) {
        if (type)
            *type = c->failed_type;
        return c->failed;
    }
    return c->asked && !c->pending ? 1 : 0;
}
