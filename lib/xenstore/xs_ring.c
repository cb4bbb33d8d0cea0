/*
 * The domain's xenstore multiplexer (see xs_ring.h).  A pump thread owns the
 * ring; each handle talks to it over a pair of pipes.  Requests get a fresh
 * req_id on the ring (the handle's own comes back in the reply), and watch
 * tokens are prefixed with the handle's number ("<n>/token") so events go
 * to the handle that asked; the watches of a handle that closes are
 * removed from xenstored.  Everything xenstored writes is checked: a reply
 * longer than XENSTORE_PAYLOAD_MAX or a response producer running ahead of
 * the ring breaks the connection (every handle sees EOF).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "sv/log.h"
#include "sv/store_ring.h"
#include "sv/util.h"
#include "xs_ring.h"

#define MUX_MAX_CLIENTS 32
#define MUX_MAX_PENDING 256
#define MSG_MAX         (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)

struct mux_client {
    int fd;  /* its requests (a pipe's read end); -1: free slot */
    int out; /* our replies and its events (a pipe's write end) */
    unsigned id;
    char in[MSG_MAX];
    size_t in_len;
    char (*watches)[2][XENSTORE_ABS_PATH_MAX + 1]; /* path, token: unwatched on close */
    unsigned nwatches;
};

struct mux_pending {
    uint32_t ring_id;
    uint32_t orig_id;
    struct mux_client *client; /* NULL: nobody waits (close-time UNWATCH) */
};

static struct {
    pthread_mutex_t lock;
    struct sv_store_ring ring;
    int wake[2]; /* new client: wake the pump */
    struct mux_client clients[MUX_MAX_CLIENTS];
    unsigned next_client_id;
    struct mux_pending pending[MUX_MAX_PENDING];
    uint32_t next_req_id;
    char out[4 * MSG_MAX]; /* requests waiting for room on the ring */
    size_t out_len;
    char rsp[MSG_MAX];
    size_t rsp_len;
    bool broken;
} mux = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void kick(void)
{
    (void)eventfd_write(mux.ring.kick, 1);
}

/* Moves queued requests onto the ring, as far as it has room. */
static void ring_push(void)
{
    struct xenstore_domain_interface *intf = mux.ring.intf;
    XENSTORE_RING_IDX cons = __atomic_load_n(&intf->req_cons, __ATOMIC_ACQUIRE);
    XENSTORE_RING_IDX prod = intf->req_prod;
    size_t done = 0;

    while (done < mux.out_len && prod - cons < XENSTORE_RING_SIZE)
        intf->req[MASK_XENSTORE_IDX(prod++)] = mux.out[done++];
    if (!done)
        return;
    __atomic_store_n(&intf->req_prod, prod, __ATOMIC_RELEASE);
    memmove(mux.out, mux.out + done, mux.out_len - done);
    mux.out_len -= done;
    kick();
}

static int queue_request(const struct xsd_sockmsg *hdr, const void *body)
{
    size_t len = sizeof(*hdr) + hdr->len;

    if (mux.out_len + len > sizeof(mux.out))
        return -ENOBUFS;
    memcpy(mux.out + mux.out_len, hdr, sizeof(*hdr));
    memcpy(mux.out + mux.out_len + sizeof(*hdr), body, hdr->len);
    mux.out_len += len;
    return 0;
}

static struct mux_pending *pending_slot(uint32_t ring_id)
{
    for (unsigned i = 0; i < MUX_MAX_PENDING; i++)
        if (mux.pending[i].ring_id == ring_id)
            return &mux.pending[i];
    return NULL;
}

/* "path\0token\0" with the token prefixed by the client's number. */
static size_t prefix_token(const struct mux_client *c, const char *body, size_t len, char *out)
{
    size_t plen = strnlen(body, len);
    const char *token = body + plen + 1;
    int n;

    if (plen + 1 >= len)
        return 0;
    n = snprintf(out, XENSTORE_PAYLOAD_MAX, "%s%c%u/%.*s", body, '\0', c->id, (int)(len - plen - 1),
                 token);
    return n > 0 && n < XENSTORE_PAYLOAD_MAX ? (size_t)n + 1 : 0;
}

static void remember_watch(struct mux_client *c, uint32_t type, const char *body, size_t len)
{
    size_t plen = strnlen(body, len);
    char(*w)[2][XENSTORE_ABS_PATH_MAX + 1];

    if (plen + 1 >= len || plen > XENSTORE_ABS_PATH_MAX)
        return;
    for (unsigned i = 0; i < c->nwatches; i++)
        if (!strcmp(c->watches[i][0], body) && !strcmp(c->watches[i][1], body + plen + 1)) {
            if (type == XS_UNWATCH)
                memcpy(c->watches[i], c->watches[--c->nwatches], sizeof(c->watches[i]));
            return;
        }
    if (type != XS_WATCH || !(w = realloc(c->watches, (c->nwatches + 1) * sizeof(*w))))
        return;
    c->watches = w;
    memcpy(w[c->nwatches][0], body, plen + 1);
    snprintf(w[c->nwatches][1], sizeof(w[0][1]), "%.*s", (int)(len - plen - 1), body + plen + 1);
    c->nwatches++;
}

/* One whole request from client c: renumber it, rewrite tokens, queue it. */
static int forward_request(struct mux_client *c, struct xsd_sockmsg *hdr, const char *body)
{
    static char rewritten[XENSTORE_PAYLOAD_MAX];
    struct mux_pending *p = pending_slot(0);

    if (!p)
        return -EBUSY;
    if (hdr->type == XS_WATCH || hdr->type == XS_UNWATCH) {
        size_t len = prefix_token(c, body, hdr->len, rewritten);

        if (!len)
            return -EINVAL;
        remember_watch(c, hdr->type, rewritten, len);
        body = rewritten;
        hdr->len = (uint32_t)len;
    }
    *p = (struct mux_pending){.ring_id = ++mux.next_req_id ? mux.next_req_id : ++mux.next_req_id,
                              .orig_id = hdr->req_id,
                              .client = c};
    hdr->req_id = p->ring_id;
    return queue_request(hdr, body);
}

static void client_close(struct mux_client *c)
{
    for (unsigned i = 0; i < c->nwatches; i++) {
        char body[2 * (XENSTORE_ABS_PATH_MAX + 1)];
        int n = snprintf(body, sizeof(body), "%s%c%s", c->watches[i][0], '\0', c->watches[i][1]);
        struct xsd_sockmsg hdr = {.type = XS_UNWATCH, .len = (uint32_t)n + 1};
        struct mux_pending *p = pending_slot(0);

        if (!p)
            break;
        *p = (struct mux_pending){.ring_id = ++mux.next_req_id};
        hdr.req_id = p->ring_id;
        queue_request(&hdr, body);
    }
    for (unsigned i = 0; i < MUX_MAX_PENDING; i++)
        if (mux.pending[i].client == c)
            mux.pending[i].client = NULL;
    close(c->fd);
    close(c->out);
    free(c->watches);
    *c = (struct mux_client){.fd = -1, .out = -1};
}

static void client_input(struct mux_client *c)
{
    ssize_t n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);

    if (n <= 0) {
        client_close(c);
        return;
    }
    c->in_len += (size_t)n;
    while (c->in_len >= sizeof(struct xsd_sockmsg)) {
        struct xsd_sockmsg hdr;
        size_t len;

        memcpy(&hdr, c->in, sizeof(hdr));
        if (hdr.len > XENSTORE_PAYLOAD_MAX) {
            client_close(c);
            return;
        }
        len = sizeof(hdr) + hdr.len;
        if (c->in_len < len)
            break;
        if (forward_request(c, &hdr, c->in + sizeof(hdr)) < 0) {
            client_close(c);
            return;
        }
        memmove(c->in, c->in + len, c->in_len - len);
        c->in_len -= len;
    }
}

static struct mux_client *client_by_token(char *body, uint32_t len, size_t *strip)
{
    size_t plen = strnlen(body, len);
    char *token = body + plen + 1, *slash;
    unsigned long id;

    if (plen + 1 >= len)
        return NULL;
    id = strtoul(token, &slash, 10);
    if (*slash != '/')
        return NULL;
    *strip = (size_t)(slash + 1 - token);
    for (unsigned i = 0; i < MUX_MAX_CLIENTS; i++)
        if (mux.clients[i].fd >= 0 && mux.clients[i].id == id)
            return &mux.clients[i];
    return NULL;
}

/* Delivers one whole message from xenstored to whoever it is for. */
static void deliver(struct xsd_sockmsg *hdr, char *body)
{
    struct mux_client *c = NULL;
    struct mux_pending *p;
    size_t strip = 0;

    if (hdr->type == XS_WATCH_EVENT) {
        c = client_by_token(body, hdr->len, &strip);
        if (!c)
            return;
        /* drop the "<n>/" prefix of the token */
        size_t plen = strnlen(body, hdr->len);
        memmove(body + plen + 1, body + plen + 1 + strip, hdr->len - plen - 1 - strip);
        hdr->len -= (uint32_t)strip;
    } else if ((p = pending_slot(hdr->req_id)) != NULL) {
        c = p->client;
        hdr->req_id = p->orig_id;
        *p = (struct mux_pending){0};
    }
    if (c &&
        (sv_write_full(c->out, hdr, sizeof(*hdr)) < 0 || sv_write_full(c->out, body, hdr->len) < 0))
        client_close(c);
}

/* Takes what xenstored wrote on the response ring. */
static int ring_pull(void)
{
    struct xenstore_domain_interface *intf = mux.ring.intf;
    XENSTORE_RING_IDX prod = __atomic_load_n(&intf->rsp_prod, __ATOMIC_ACQUIRE);
    XENSTORE_RING_IDX cons = intf->rsp_cons;

    if (prod - cons > XENSTORE_RING_SIZE)
        return -EIO;
    if (prod == cons)
        return 0;
    while (cons != prod && mux.rsp_len < sizeof(mux.rsp))
        mux.rsp[mux.rsp_len++] = intf->rsp[MASK_XENSTORE_IDX(cons++)];
    __atomic_store_n(&intf->rsp_cons, cons, __ATOMIC_RELEASE);
    kick();
    while (mux.rsp_len >= sizeof(struct xsd_sockmsg)) {
        struct xsd_sockmsg hdr;
        size_t len;

        memcpy(&hdr, mux.rsp, sizeof(hdr));
        if (hdr.len > XENSTORE_PAYLOAD_MAX)
            return -EIO;
        len = sizeof(hdr) + hdr.len;
        if (mux.rsp_len < len)
            break;
        deliver(&hdr, mux.rsp + sizeof(struct xsd_sockmsg));
        memmove(mux.rsp, mux.rsp + len, mux.rsp_len - len);
        mux.rsp_len -= len;
    }
    return 0;
}

static void *pump(void *arg)
{
    (void)arg;
    for (;;) {
        struct pollfd fds[2 + MUX_MAX_CLIENTS];
        unsigned n = 2;
        eventfd_t v;

        pthread_mutex_lock(&mux.lock);
        fds[0] = (struct pollfd){.fd = mux.ring.doorbell, .events = POLLIN};
        fds[1] = (struct pollfd){.fd = mux.wake[0], .events = POLLIN};
        for (unsigned i = 0; i < MUX_MAX_CLIENTS; i++)
            if (mux.clients[i].fd >= 0)
                fds[n++] = (struct pollfd){.fd = mux.clients[i].fd, .events = POLLIN};
        pthread_mutex_unlock(&mux.lock);
        /* A full ring drains without a kick: poll it now and then. */
        if (poll(fds, n, mux.out_len ? 10 : -1) < 0 && errno != EINTR)
            break;
        pthread_mutex_lock(&mux.lock);
        if (fds[0].revents)
            (void)eventfd_read(mux.ring.doorbell, &v);
        if (fds[1].revents) {
            char byte;

            (void)!read(mux.wake[0], &byte, 1);
        }
        for (unsigned i = 2; i < n; i++)
            for (unsigned k = 0; fds[i].revents && k < MUX_MAX_CLIENTS; k++)
                if (mux.clients[k].fd == fds[i].fd)
                    client_input(&mux.clients[k]);
        ring_push();
        if (ring_pull() < 0) {
            log_warnx("xenstore ring broken by the daemon");
            mux.broken = true;
            for (unsigned k = 0; k < MUX_MAX_CLIENTS; k++)
                if (mux.clients[k].fd >= 0)
                    client_close(&mux.clients[k]);
            pthread_mutex_unlock(&mux.lock);
            break;
        }
        ring_push();
        pthread_mutex_unlock(&mux.lock);
    }
    return NULL;
}

static int start_err;

static void start_pump(void)
{
    pthread_t t;

    for (unsigned i = 0; i < MUX_MAX_CLIENTS; i++)
        mux.clients[i].fd = mux.clients[i].out = -1;
    start_err = sv_store_ring_open(&mux.ring);
    if (!start_err && pipe2(mux.wake, O_CLOEXEC) < 0)
        start_err = -errno;
    if (!start_err)
        start_err = -pthread_create(&t, NULL, pump, NULL);
    if (!start_err)
        pthread_detach(t);
}

int xs_ring_connect(int fds[2])
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    int requests[2], replies[2];

    pthread_once(&once, start_pump);
    if (start_err || mux.broken) {
        errno = start_err ? -start_err : EIO;
        return -1;
    }
    if (pipe2(requests, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(replies, O_CLOEXEC) < 0) {
        close(requests[0]);
        close(requests[1]);
        return -1;
    }
    pthread_mutex_lock(&mux.lock);
    for (unsigned i = 0; i < MUX_MAX_CLIENTS; i++)
        if (mux.clients[i].fd < 0) {
            mux.clients[i] = (struct mux_client){
                .fd = requests[0], .out = replies[1], .id = ++mux.next_client_id};
            pthread_mutex_unlock(&mux.lock);
            (void)!write(mux.wake[1], "", 1);
            fds[0] = replies[0];
            fds[1] = requests[1];
            return 0;
        }
    pthread_mutex_unlock(&mux.lock);
    close(requests[0]);
    close(requests[1]);
    close(replies[0]);
    close(replies[1]);
    errno = EMFILE;
    return -1;
}
