/* Request assembly, validation and output queueing per connection (see
 * conn.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#include "sv/log.h"
#include "conn.h"
#include "domain.h"
#include "htab.h"
#include "ops.h"
#include "ring.h"
#include "trans.h"
#include "watch.h"

struct conn *conn_new(struct xsd *xs, uint32_t domid, const struct conn_transport *tp, void *arg)
{
    struct conn *conn = calloc(1, sizeof(*conn));

    if (!conn)
        return NULL;
    conn->xs = xs;
    conn->domid = domid;
    conn->privileged = domid == 0;
    conn->rated = tp == &ring_transport && domid != 0;
    conn->tp = tp;
    conn->tp_arg = arg;
    TAILQ_INIT(&conn->out);
    LIST_INIT(&conn->watches);
    LIST_INIT(&conn->trans);
    TAILQ_INSERT_TAIL(&xs->conns, conn, link);
    return conn;
}

/* The key of a queued event in conn->events: "<path> <token>" (a path has
 * no space, so the pair is unambiguous).  NULL on ENOMEM. */
static char *event_key(const char *path, const char *token)
{
    size_t plen = strlen(path), tlen = strlen(token);
    char *key = malloc(plen + tlen + 2);

    if (key) {
        memcpy(key, path, plen);
        key[plen] = ' ';
        memcpy(key + plen + 1, token, tlen + 1);
    }
    return key;
}

static void out_unlink(struct conn *conn, struct outmsg *m)
{
    const char *body;
    char *key;

    TAILQ_REMOVE(&conn->out, m, link);
    conn->nout--;
    if (m->event) {
        conn->queued -= m->cost;
        body = m->buf + sizeof(struct xsd_sockmsg);
        key = event_key(body, body + strlen(body) + 1);
        /* Without memory for the key the entry stays: the same event is
         * then coalesced into one already sent, a lost wakeup we accept
         * only when malloc fails. */
        if (key)
            htab_del(conn->events, key);
        free(key);
    }
    if (!conn->privileged)
        domain_memory_add(conn->xs, conn->domid, -(long)m->cost);
    free(m);
}

void conn_destroy(struct conn *conn)
{
    if (!conn)
        return;
    TAILQ_REMOVE(&conn->xs->conns, conn, link);
    watch_del_all(conn);
    trans_free_all(conn);
    while (!TAILQ_EMPTY(&conn->out))
        out_unlink(conn, TAILQ_FIRST(&conn->out));
    htab_free(conn->events);
    free(conn->in.body);
    conn->tp->close(conn->tp_arg);
    free(conn);
}

bool conn_wants_input(const struct conn *conn)
{
    return conn->privileged || conn->nout < conn->xs->quota[Q_OUTSTANDING];
}

/* conn's bucket, made anew when dom0 changed its domain's rate or burst. */
static struct ratelimit *conn_rate(struct conn *conn)
{
    unsigned int rate = domain_quota(conn->xs, conn->domid, Q_REQUEST_RATE);
    unsigned int burst = domain_quota(conn->xs, conn->domid, Q_REQUEST_BURST);

    if (conn->rate_made[0] != rate || conn->rate_made[1] != burst) {
        ratelimit_init(&conn->rate, rate, burst);
        conn->rate_made[0] = rate;
        conn->rate_made[1] = burst;
    }
    return &conn->rate;
}

uint64_t conn_input_wait(struct conn *conn)
{
    uint64_t now, wait;

    if (conn->privileged || !conn->rated)
        return 0;
    now = ratelimit_now_ns();
    /* Takes nothing when there is no token: only says how long till one. */
    if (ratelimit_available(conn_rate(conn), now) || !(wait = ratelimit_take(&conn->rate, now)))
        return 0;
    if (!conn->rate_logged)
        log_warnx("conn dom%u: over its request rate (%u a second): served later", conn->domid,
                  conn->rate_made[0]);
    conn->rate_logged = true;
    return wait;
}

bool conn_has_output(const struct conn *conn)
{
    return !TAILQ_EMPTY(&conn->out);
}

/* A message with len bytes of payload, copied from data unless NULL. */
static struct outmsg *out_new(uint32_t type, uint32_t req_id, uint32_t tx_id, const void *data,
                              size_t len)
{
    struct xsd_sockmsg hdr = {type, req_id, tx_id, (uint32_t)len};
    struct outmsg *m = malloc(sizeof(*m) + sizeof(hdr) + len);

    if (!m)
        return NULL;
    m->len = sizeof(hdr) + len;
    m->off = 0;
    m->cost = sizeof(*m) + m->len;
    m->event = false;
    memcpy(m->buf, &hdr, sizeof(hdr));
    if (data && len)
        memcpy(m->buf + sizeof(hdr), data, len);
    return m;
}

static void out_queue(struct conn *conn, struct outmsg *m)
{
    TAILQ_INSERT_TAIL(&conn->out, m, link);
    conn->nout++;
    if (!conn->privileged)
        domain_memory_add(conn->xs, conn->domid, (long)m->cost);
    conn->tp->kick(conn->tp_arg);
}

int conn_send(struct conn *conn, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *data,
              size_t len)
{
    struct outmsg *m = out_new(type, req_id, tx_id, data, len);

    if (!m)
        return -ENOMEM;
    out_queue(conn, m);
    return 0;
}

/* Room for cost more bytes of events: a dom0 connection has its own cap, a
 * domain's shares its domain's memory quota. */
static bool event_room(const struct conn *conn, size_t cost)
{
    if (conn->privileged)
        return conn->queued + cost <= QUOTA_DOM0_EVENT_BYTES;
    return !domain_memory_over(conn->xs, conn->domid, cost);
}

static int event_drop(struct conn *conn, int err)
{
    conn->dropped++;
    if (!conn->dropping)
        log_warnx("conn dom%u: not reading its watch events: dropping them "
                  "(%lu so far)",
                  conn->domid, conn->dropped);
    conn->dropping = true;
    return err;
}

int conn_send_event(struct conn *conn, const char *path, const char *token)
{
    size_t plen = strlen(path) + 1, len = plen + strlen(token) + 1;
    /* The message, its index key and entry. */
    size_t cost = sizeof(struct outmsg) + sizeof(struct xsd_sockmsg) + 2 * len + 48;
    struct outmsg *m = NULL;
    char *key;
    int err;

    if (len > XENSTORE_PAYLOAD_MAX)
        return -E2BIG;
    key = event_key(path, token);
    err = !key                                          ? -ENOMEM
          : conn->events && htab_get(conn->events, key) ? -EEXIST
          : !event_room(conn, cost)                     ? -ENOSPC
                                                        : 0;
    if (!err && !conn->events && !(conn->events = htab_new()))
        err = -ENOMEM;
    if (!err && !(m = out_new(XS_WATCH_EVENT, 0, 0, NULL, len)))
        err = -ENOMEM;
    if (!err && (err = htab_put(conn->events, key, m, NULL)))
        free(m);
    free(key);
    if (err) {
        /* The same event still queued says it all: coalesced, not lost. */
        return err == -EEXIST ? 0 : event_drop(conn, err);
    }
    memcpy(m->buf + sizeof(struct xsd_sockmsg), path, plen);
    memcpy(m->buf + sizeof(struct xsd_sockmsg) + plen, token, len - plen);
    m->event = true;
    m->cost = cost;
    conn->queued += cost;
    out_queue(conn, m);
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
        out_unlink(conn, m);
    }
    conn->dropping = false;
    return 0;
}

/* Reads toward the current header or body; 1 when it is complete, 0 when
 * the transport has no more now, -errno on failure. */
static int fill(struct conn *conn, void *buf, unsigned int want, unsigned int *got)
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
        log_warnx("conn dom%u: message length %u over %u: closing", conn->domid, hdr->len,
                  XENSTORE_PAYLOAD_MAX);
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
        if (!conn_wants_input(conn) || conn_input_wait(conn))
            return 0;
        rc = input_one(conn);
        if (rc <= 0)
            return rc;
        /* Paid once served: a request read in pieces costs one token. */
        if (conn->rated)
            ratelimit_take_n(&conn->rate, ratelimit_now_ns(), 1);
    }
    return 1;
}

int conn_restrict(struct conn *conn, uint32_t domid)
{
    if (domid == 0)
        return -EINVAL;
    if (!LIST_EMPTY(&conn->watches) || !LIST_EMPTY(&conn->trans) || conn_has_output(conn))
        return -EBUSY;
    conn->domid = domid;
    conn->privileged = false;
    return 0;
}
