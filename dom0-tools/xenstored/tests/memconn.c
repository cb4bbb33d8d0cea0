/* In-memory xenstored transport for unit tests (see memconn.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../conn.h"
#include "memconn.h"

static long mc_read(void *arg, void *buf, size_t len)
{
    struct memconn *mc = arg;
    size_t n = mc->in_len - mc->in_off;

    if (n > len)
        n = len;
    memcpy(buf, mc->in + mc->in_off, n);
    mc->in_off += n;
    return (long)n;
}

static long mc_write(void *arg, const void *buf, size_t len)
{
    struct memconn *mc = arg;
    size_t n = len < mc->write_room ? len : mc->write_room;

    if (n > sizeof(mc->out) - mc->out_len)
        return -ENOSPC;
    memcpy(mc->out + mc->out_len, buf, n);
    mc->out_len += n;
    if (mc->write_room != SIZE_MAX)
        mc->write_room -= n;
    return (long)n;
}

static void mc_kick(void *arg)
{
    (void)arg;
}

static void mc_close(void *arg)
{
    struct memconn *mc = arg;

    mc->conn = NULL;
}

static const struct conn_transport mc_transport = {
    mc_read,
    mc_write,
    mc_kick,
    mc_close,
};

struct memconn *memconn_new(struct xsd *xs, uint32_t domid)
{
    struct memconn *mc = calloc(1, sizeof(*mc));

    mc->write_room = SIZE_MAX;
    mc->conn = conn_new(xs, 0, &mc_transport, mc);
    if (domid)
        conn_restrict(mc->conn, domid);
    return mc;
}

void memconn_free(struct memconn *mc)
{
    if (mc->conn)
        conn_destroy(mc->conn);
    free(mc);
}

int memconn_feed(struct memconn *mc, const void *data, size_t len)
{
    int rc;

    if (mc->in_off == mc->in_len)
        mc->in_off = mc->in_len = 0;
    if (len > sizeof(mc->in) - mc->in_len)
        return -ENOSPC;
    memcpy(mc->in + mc->in_len, data, len);
    mc->in_len += len;
    if (!mc->conn)
        return -EPIPE;
    while ((rc = conn_input(mc->conn)) == 1)
        ;
    if (!rc && mc->conn)
        rc = conn_flush(mc->conn);
    return rc;
}

int memconn_send(struct memconn *mc, uint32_t type, uint32_t tx_id, const void *body, size_t len)
{
    struct xsd_sockmsg hdr = {type, 42, tx_id, (uint32_t)len};
    char msg[sizeof(hdr) + XENSTORE_PAYLOAD_MAX + 64];

    memcpy(msg, &hdr, sizeof(hdr));
    memcpy(msg + sizeof(hdr), body, len);
    return memconn_feed(mc, msg, sizeof(hdr) + len);
}

int memconn_recv(struct memconn *mc, char *buf, size_t buflen, unsigned int *len)
{
    struct xsd_sockmsg hdr;

    /* Output queued for this connection by another one's request. */
    if (mc->conn)
        conn_flush(mc->conn);
    if (mc->out_off == mc->out_len)
        mc->out_off = mc->out_len = 0;
    if (mc->out_len - mc->out_off < sizeof(hdr))
        return -1;
    memcpy(&hdr, mc->out + mc->out_off, sizeof(hdr));
    if (hdr.len >= buflen || mc->out_len - mc->out_off < sizeof(hdr) + hdr.len)
        return -1;
    memcpy(buf, mc->out + mc->out_off + sizeof(hdr), hdr.len);
    buf[hdr.len] = '\0';
    mc->out_off += sizeof(hdr) + hdr.len;
    if (len)
        *len = hdr.len;
    return (int)hdr.type;
}

int memconn_call(struct memconn *mc, uint32_t type, uint32_t tx_id, const void *body, size_t len,
                 char *buf, size_t buflen)
{
    if (memconn_send(mc, type, tx_id, body, len))
        return -1;
    return memconn_recv(mc, buf, buflen, NULL);
}
