/*
 * netback control ring: XEN_NETIF_CTRL_TYPE_* requests dispatched through a
 * table, each handler returning the XEN_NETIF_CTRL_STATUS_* netif.h names;
 * and RX queue selection from the configured Toeplitz hash.  Limits follow
 * Linux xen-netback (40-byte key, 128-entry mapping table).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sv/netback_ctrl.h"
#include "sv/toeplitz.h"

#define HASH_TYPES_ALL                                                                             \
    (XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP |                           \
     XEN_NETIF_CTRL_HASH_TYPE_IPV6 | XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)

struct netback_ctrl {
    xen_netif_ctrl_back_ring_t ring;
    struct netback_ctrl_ops ops;
    void *ctx;
    unsigned int num_queues;
    const char *error;
    uint32_t algorithm; /* XEN_NETIF_CTRL_HASH_ALGORITHM_* */
    uint32_t types;     /* XEN_NETIF_CTRL_HASH_TYPE_* enabled */
    uint8_t key[TOEPLITZ_MAX_KEY];
    uint32_t mapping_size; /* 0: hash modulo num_queues */
    uint32_t mapping[NETBACK_CTRL_MAX_MAPPING];
};

struct netback_ctrl *netback_ctrl_new(xen_netif_ctrl_sring_t *sring, unsigned int num_queues,
                                      const struct netback_ctrl_ops *ops, void *ctx)
{
    struct netback_ctrl *c;

    if (num_queues == 0) {
        errno = EINVAL;
        return NULL;
    }
    if (!(c = calloc(1, sizeof(*c))))
        return NULL;
    BACK_RING_INIT(&c->ring, sring, NETIF_PAGE_SIZE);
    c->ops = *ops;
    c->ctx = ctx;
    c->num_queues = num_queues;
    return c;
}

void netback_ctrl_free(struct netback_ctrl *c)
{
    free(c);
}

/* ---- request handlers: data[] in, *out the response data ---- */

typedef uint32_t ctrl_handler_fn(struct netback_ctrl *c, const uint32_t data[3], uint32_t *out);

static uint32_t do_set_algorithm(struct netback_ctrl *c, const uint32_t data[3], uint32_t *out)
{
    (void)out;
    if (data[0] != XEN_NETIF_CTRL_HASH_ALGORITHM_NONE &&
        data[0] != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ)
        return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
    c->algorithm = data[0];
    return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

static uint32_t do_get_flags(struct netback_ctrl *c, const uint32_t data[3], uint32_t *out)
{
    (void)c, (void)data;
    *out = HASH_TYPES_ALL;
    return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

static uint32_t do_set_flags(struct netback_ctrl *c, const uint32_t data[3], uint32_t *out)
{
    (void)out;
    if ((data[0] & ~(uint32_t)HASH_TYPES_ALL) || c->algorithm == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE)
        return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
    c->types = data[0];
    return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

/* A new key replaces the old one whole; bytes not given are zero. */
static uint32_t do_set_key(struct netback_ctrl *c, const uint32_t data[3], uint32_t *out)
{
    uint8_t key[TOEPLITZ_MAX_KEY] = {0};

    (void)out;
    if (data[1] > TOEPLITZ_MAX_KEY)
        return XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW;
    if (data[1] && c->ops.copy_from_grant(c->ctx, data[0], 0, key, (uint16_t)data[1]) < 0)
        return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
    memcpy(c->key, key, sizeof(key));
    return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

static uint32_t do_get_mapping_size(struct netback_ctrl *c, const uint32_t data[3], uint32_t *out)
{
    (void)c, (void)data;
    *out = NETBACK_CTRL_MAX_MAPPING;
    return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

static uint32_t do_set_mapping_size(struct netback_ctrl *c, const uint32_t data[3], uint32_t *out)
{
    (void)out;
    if (data[0] > NETBACK_CTRL_MAX_MAPPING)
        return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
    c->mapping_size = data[0];
    memset(c->mapping, 0, sizeof(c->mapping));
    return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

/* data: ref, entries, offset in entries.  The whole sub-table is read and
 * checked (every entry a queue we have) before any of it is used. */
static uint32_t do_set_mapping(struct netback_ctrl *c, const uint32_t data[3], uint32_t *out)
{
    uint32_t sub[NETBACK_CTRL_MAX_MAPPING];
    uint32_t len = data[1], off = data[2];

    (void)out;
    if (len > NETBACK_CTRL_MAX_MAPPING || off > c->mapping_size || len > c->mapping_size - off)
        return XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW;
    if (len &&
        c->ops.copy_from_grant(c->ctx, data[0], 0, sub, (uint16_t)(len * sizeof(sub[0]))) < 0)
        return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
    for (uint32_t i = 0; i < len; i++)
        if (sub[i] >= c->num_queues)
            return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
    memcpy(c->mapping + off, sub, len * sizeof(sub[0]));
    return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

static ctrl_handler_fn *const handlers[] = {
    [XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS] = do_get_flags,
    [XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS] = do_set_flags,
    [XEN_NETIF_CTRL_TYPE_SET_HASH_KEY] = do_set_key,
    [XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE] = do_get_mapping_size,
    [XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE] = do_set_mapping_size,
    [XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING] = do_set_mapping,
    [XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM] = do_set_algorithm,
};

/* ---- the ring ---- */

static void answer(struct netback_ctrl *c, const struct xen_netif_ctrl_request *req)
{
    struct xen_netif_ctrl_response *rsp = RING_GET_RESPONSE(&c->ring, c->ring.rsp_prod_pvt++);
    ctrl_handler_fn *fn =
        req->type < sizeof(handlers) / sizeof(handlers[0]) ? handlers[req->type] : NULL;
    uint32_t data = 0;
    uint32_t status = fn ? fn(c, req->data, &data) : XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;

    *rsp = (struct xen_netif_ctrl_response){
        .id = req->id, .type = req->type, .status = status, .data = data};
}

static int ctrl_prod(struct netback_ctrl *c, RING_IDX *prod)
{
    *prod = __atomic_load_n(&c->ring.sring->req_prod, __ATOMIC_ACQUIRE);
    if (netif_req_prod_ok(*prod, c->ring.rsp_prod_pvt, RING_SIZE(&c->ring)))
        return 0;
    if (!c->error) {
        c->error = "ctrl producer index more than a ring ahead";
        if (c->ops.disconnect)
            c->ops.disconnect(c->ctx, c->error);
    }
    return -ENOTCONN;
}

int netback_ctrl_process(struct netback_ctrl *c, unsigned int budget)
{
    RING_IDX prod;
    int done = 0, notify;

    if (c->error)
        return -ENOTCONN;
    while ((unsigned int)done < budget) {
        if (ctrl_prod(c, &prod) < 0)
            return -ENOTCONN;
        while (c->ring.req_cons != prod && (unsigned int)done < budget) {
            struct xen_netif_ctrl_request req =
                *(volatile struct xen_netif_ctrl_request *)RING_GET_REQUEST(&c->ring,
                                                                            c->ring.req_cons);

            c->ring.req_cons++;
            answer(c, &req);
            done++;
        }
        c->ring.sring->req_event = c->ring.req_cons + 1;
        xen_mb();
        if (__atomic_load_n(&c->ring.sring->req_prod, __ATOMIC_ACQUIRE) == prod)
            break;
    }
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&c->ring, notify);
    if (notify)
        c->ops.notify(c->ctx);
    return done;
}

static bool hashing_on(const struct netback_ctrl *c)
{
    return c->algorithm == XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ && c->types;
}

unsigned int netback_ctrl_select_queue(const struct netback_ctrl *c, const uint8_t *frame,
                                       size_t len, netif_extra_info_t *hash)
{
    uint32_t h;
    uint8_t htype;

    *hash = (netif_extra_info_t){0};
    if (!hashing_on(c)) {
        if (toeplitz_flow_hash(toeplitz_default_key, TOEPLITZ_MAX_KEY, HASH_TYPES_ALL, frame, len,
                               &h, &htype) < 0)
            return 0;
        return h % c->num_queues;
    }
    if (toeplitz_flow_hash(c->key, sizeof(c->key), c->types, frame, len, &h, &htype) < 0)
        return 0;
    netback_ctrl_hash_extra(h, htype, hash);
    return c->mapping_size ? c->mapping[h % c->mapping_size] : h % c->num_queues;
}

void netback_ctrl_hash_extra(uint32_t hash, uint8_t htype, netif_extra_info_t *out)
{
    *out = (netif_extra_info_t){.type = XEN_NETIF_EXTRA_TYPE_HASH};
    out->u.hash.type = htype;
    out->u.hash.algorithm = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ;
    for (int i = 0; i < 4; i++)
        out->u.hash.value[i] = (uint8_t)(hash >> (8 * i)); /* LSB first */
}

void netback_ctrl_hash(const struct netback_ctrl *c, struct netback_ctrl_hash *out)
{
    out->types = hashing_on(c) ? c->types : 0;
    memcpy(out->key, c->key, sizeof(out->key));
    out->mapping_size = c->mapping_size;
    out->mapping = c->mapping;
}
