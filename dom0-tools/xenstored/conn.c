/* Request assembly, validation and output queueing per connection (see
 * conn.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#include "sv/log.h"
#include "conn.h"
#include "ops.h"
#include "trans.h"
#include "watch.h"

struct conn *conn_new(struct xsd *xs, uint32_t domid,
                      const struct conn_transport *tp, void *arg)
{
    struct conn *conn = calloc(1, sizeof(*conn));

    if (!conn)
        return NULL;
    conn->xs = xs;
    conn->domid = domid;
    conn->privileged = domid == 0;
    conn->tp = tp;
    conn->tp_arg = arg;
    TAILQ_INIT(&conn->out);
    LIST_INIT(&conn->watches);
    LIST_INIT(&conn->trans);
    TAILQ_INSERT_TAIL(&xs->conns, conn, link);
    return conn;
}

void conn_destroy(struct conn *conn)
{
    struct outmsg *m;

    if (!conn)
        return;
    TAILQ_REMOVE(&conn->xs->conns, conn, link);
    watch_del_all(conn);
    trans_free_all(conn);
    while ((m = TAILQ_FIRST(&conn->out))) {
        TAILQ_REMOVE(&conn->out, m, link);
        free(m);
    }
    free(conn->in.body);
    conn->tp->close(conn->tp_arg);
    free(conn);
}

bool conn_wants_input(const struct conn *conn)
{
    return conn->privileged || conn->nout < QUOTA_OUTSTANDING;
}

bool conn_has_output(const struct conn *conn)
{
    return !TAILQ_EMPTY(&conn->out);
}

int conn_send(struct conn *conn, uint32_t type, uint32_t req_id,
              uint32_t tx_id, const void *data, size_t len)
{
    struct xsd_sockmsg hdr = { type, req_id, tx_id, (uint32_t)len };
    struct outmsg *m = malloc(sizeof(*m) + sizeof(hdr) + len);

    if (!m)
        return -ENOMEM;
    m->len = sizeof(hdr) + len;
    m->off = 0;
    memcpy(m->buf, &hdr, sizeof(hdr));
    if (len)
        memcpy(m->buf + sizeof(hdr), data, len);
    TAILQ_INSERT_TAIL(&conn->out, m, link);
    conn->nout++;
    conn->tp->kick(conn->tp_arg);
    return 0;
}

int conn_flush(struct conn *conn)
{
    struct outmsg *m;
    long n;

    while ((m = TAILQ_FIRST(&conn->out))) {
        n = conn->tp->write(conn->tp_arg, m->buf + m->off, m->len - m->off);
        if (n < 0)
            return (int)n;
        if (n == 0)
            return 0;
        m->off += (size_t)n;
        if (m->off < m->len)
            continue;
        TAILQ_REMOVE(&conn->out, m, link);
        conn->nout--;
        free(m);
    }
    return 0;
}

/* Reads toward the current header or body; 1 when it is complete, 0 when
 * the transport has no more now, -errno on failure. */
static int fill(struct conn *conn, void *buf, unsigned int want,
                unsigned int *got)
{
    long n;

    while (*got < want) {
        n = conn->tp->read(conn->tp_arg, (char *)buf + *got, want - *got);
        if (n <= 0)
            return (int)n;
        *got += (unsigned int)n;
    }
    return 1;
}

static int read_header(struct conn *conn, struct xsd_sockmsg *hdr)
{
    struct conn_input *in = &conn->in;
    int rc = fill(conn, in->hdr, sizeof(in->hdr), &in->hdr_got);

    if (rc <= 0)
        return rc;
    memcpy(hdr, in->hdr, sizeof(*hdr));
    if (hdr->len > XENSTORE_PAYLOAD_MAX) {
        log_warnx("conn dom%u: message length %u over %u: closing",
                  conn->domid, hdr->len, XENSTORE_PAYLOAD_MAX);
        return -EPROTO;
    }
    if (!in->body && !(in->body = malloc(XENSTORE_PAYLOAD_MAX + 1)))
        return -ENOMEM;
    return 1;
}

/* One request: 1 handled, 0 incomplete, -errno to close. */
static int input_one(struct conn *conn)
{
    struct conn_input *in = &conn->in;
    struct xsd_sockmsg hdr;
    int rc = read_header(conn, &hdr);

    if (rc <= 0)
        return rc;
    rc = fill(conn, in->body, hdr.len, &in->body_got);
    if (rc <= 0)
        return rc;
    in->body[hdr.len] = '\0';
    in->hdr_got = 0;
    in->body_got = 0;
    ops_dispatch(conn, &hdr, in->body);
    return 1;
}

int conn_input(struct conn *conn)
{
    int rc;

    for (int budget = CONN_INPUT_BUDGET; budget > 0; budget--) {
        if (!conn_wants_input(conn))
            return 0;
        rc = input_one(conn);
        if (rc <= 0)
            return rc;
    }
    return 1;
}

int conn_restrict(struct conn *conn, uint32_t domid)
{
    if (domid == 0)
        return -EINVAL;
    if (!LIST_EMPTY(&conn->watches) || !LIST_EMPTY(&conn->trans))
        return -EBUSY;
    conn->domid = domid;
    conn->privileged = false;
    return 0;
}
