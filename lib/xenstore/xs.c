/*
 * libxenstore: the functions of <xenstore.h> over xenstored's unix socket
 * (XENSTORED_PATH, else $SPLITVISOR_RUNDIR/xenstored/socket).
 *
 * One request is in flight per handle (request_lock).  Until the first
 * xs_watch() the caller reads its reply itself; from then on a reader
 * thread owns the socket, hands replies to the waiting caller and queues
 * watch events, so none is lost while a request is in flight.  xs_fileno()
 * is a pipe that holds one byte while events are queued.  The queue is
 * bounded for a caller that falls behind: an event identical to one still
 * queued is coalesced into it, and past XS_EVENT_QUEUE_MAX events are
 * dropped and counted (xs_watch_overflow(), sv/xs_ext.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "sv/hcall.h"
#include "sv/log.h"
#include "sv/util.h"
#include "sv/xs_ext.h"
#include "xs_ring.h"
#include "sv/xs_proto.h"

struct xs_msg {
    struct xs_msg *next;
    struct xs_msg *hnext; /* queued events: same bucket of h->buckets */
    size_t hash;
    struct xsd_sockmsg hdr;
    char body[]; /* hdr.len bytes and a NUL */
};

struct xs_handle {
    int fd;                       /* replies and events come from it */
    int wfd;                      /* requests go to it: fd, or the pipe to the ring multiplexer */
    pthread_mutex_t request_lock; /* one request in flight */

    pthread_mutex_t lock; /* everything below */
    pthread_cond_t reply_cond;
    pthread_cond_t watch_cond;
    struct xs_msg *reply, **reply_tail; /* delivered by the reader thread, in order */
    struct xs_msg *events, **events_tail;
    unsigned int nevents;
    struct xs_msg *buckets[XS_EVENT_QUEUE_MAX / 4]; /* queued events by hash */
    unsigned long overflow;                         /* events dropped, for xs_watch_overflow() */
    bool dropping;                                  /* dropped since the queue last drained */
    int pipe[2];                                    /* xs_fileno(): readable while events */
    bool reader_running;
    pthread_t reader;
    int broken; /* errno once the socket failed */
};

static char socket_path[PATH_MAX];

const char *xs_daemon_socket(void)
{
    const char *env = getenv("XENSTORED_PATH");

    if (env && *env)
        return env;
    if (sv_rundir_path(socket_path, sizeof(socket_path), "xenstored/socket"))
        return NULL;
    return socket_path;
}

const char *xs_daemon_socket_ro(void)
{
    return xs_daemon_socket();
}

const char *xs_daemon_rundir(void)
{
    return sv_rundir();
}

bool xs_write_all(int fd, const void *data, unsigned int len)
{
    return sv_write_full(fd, data, len) == 0;
}

/* Connects to the socket (inside a domain: to the ring), setting h->fd and
 * h->wfd; -1 with errno. */
static int connect_socket(struct xs_handle *h)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *path = xs_daemon_socket();
    int fd, fds[2];

    if (hcall_in_domain() && !getenv("XENSTORED_PATH")) {
        if (xs_ring_connect(fds) < 0)
            return -1;
        h->fd = fds[0];
        h->wfd = fds[1];
        return 0;
    }
    if (!path || strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
        int err = errno;

        close(fd);
        errno = err;
        return -1;
    }
    h->fd = h->wfd = fd;
    return 0;
}

struct xs_handle *xs_open(unsigned long flags)
{
    struct xs_handle *h = calloc(1, sizeof(*h));

    (void)flags; /* read-only and socket-only are deprecated no-ops */
    if (!h)
        return NULL;
    if (connect_socket(h) < 0) {
        free(h);
        return NULL;
    }
    h->pipe[0] = h->pipe[1] = -1;
    h->events_tail = &h->events;
    h->reply_tail = &h->reply;
    pthread_mutex_init(&h->request_lock, NULL);
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->reply_cond, NULL);
    pthread_cond_init(&h->watch_cond, NULL);
    return h;
}

struct xs_handle *xs_daemon_open(void)
{
    return xs_open(0);
}

struct xs_handle *xs_daemon_open_readonly(void)
{
    return xs_open(XS_OPEN_READONLY);
}

struct xs_handle *xs_domain_open(void)
{
    return xs_open(0);
}

static void free_msgs(struct xs_msg *m)
{
    while (m) {
        struct xs_msg *next = m->next;

        free(m);
        m = next;
    }
}

static void handle_free(struct xs_handle *h)
{
    free_msgs(h->events);
    free_msgs(h->reply);
    if (h->pipe[0] >= 0) {
        close(h->pipe[0]);
        close(h->pipe[1]);
    }
    pthread_mutex_destroy(&h->request_lock);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->reply_cond);
    pthread_cond_destroy(&h->watch_cond);
    free(h);
}

void xs_close(struct xs_handle *h)
{
    if (!h)
        return;
    /* Wakes the reader thread out of read(): a socket is shut down; the ring
     * multiplexer closes our stream when we close the pipe we write to. */
    if (h->wfd != h->fd)
        close(h->wfd);
    else
        shutdown(h->fd, SHUT_RDWR);
    if (h->reader_running)
        pthread_join(h->reader, NULL);
    close(h->fd);
    handle_free(h);
}

void xs_daemon_close(struct xs_handle *h)
{
    xs_close(h);
}

void xs_daemon_destroy_postfork(struct xs_handle *h)
{
    /* The reader thread did not survive fork(): just drop everything. */
    if (h->wfd != h->fd)
        close(h->wfd);
    close(h->fd);
    handle_free(h);
}

/* Reads one whole message; NULL with errno (EIO on a bad length or EOF). */
static struct xs_msg *read_msg(int fd)
{
    struct xsd_sockmsg hdr;
    struct xs_msg *m;
    long n = sv_read_full(fd, &hdr, sizeof(hdr));

    if (n != (long)sizeof(hdr) || hdr.len > XENSTORE_PAYLOAD_MAX) {
        errno = n < 0 ? (int)-n : EIO;
        return NULL;
    }
    m = malloc(sizeof(*m) + hdr.len + 1);
    if (!m)
        return NULL;
    m->next = NULL;
    m->hdr = hdr;
    n = sv_read_full(fd, m->body, hdr.len);
    if (n != (long)hdr.len) {
        free(m);
        errno = n < 0 ? (int)-n : EIO;
        return NULL;
    }
    m->body[hdr.len] = '\0';
    return m;
}

static size_t event_hash(const struct xs_msg *m)
{
    uint64_t hash = 1469598103934665603ULL; /* FNV-1a */

    for (uint32_t i = 0; i < m->hdr.len; i++)
        hash = (hash ^ (unsigned char)m->body[i]) * 1099511628211ULL;
    return (size_t)hash;
}

/* Called with h->lock held. */
static void queue_event(struct xs_handle *h, struct xs_msg *m)
{
    struct xs_msg **bucket, *e;
    char byte = 0;

    m->hash = event_hash(m);
    bucket = &h->buckets[m->hash % ARRAY_SIZE(h->buckets)];
    for (e = *bucket; e; e = e->hnext) {
        /* Still queued: the caller will look at that path anyway. */
        if (e->hdr.len == m->hdr.len && !memcmp(e->body, m->body, m->hdr.len)) {
            free(m);
            return;
        }
    }
    if (h->nevents >= XS_EVENT_QUEUE_MAX) {
        if (!h->dropping)
            log_warnx("libxenstore: %u watch events queued and not read: "
                      "dropping",
                      h->nevents);
        h->dropping = true;
        h->overflow++;
        free(m);
        return;
    }
    m->hnext = *bucket;
    *bucket = m;
    h->nevents++;
    if (!h->events && h->pipe[1] >= 0)
        (void)!write(h->pipe[1], &byte, 1);
    *h->events_tail = m;
    h->events_tail = &m->next;
    pthread_cond_broadcast(&h->watch_cond);
}

static void *reader_main(void *arg)
{
    struct xs_handle *h = arg;
    struct xs_msg *m;

    while ((m = read_msg(h->fd))) {
        pthread_mutex_lock(&h->lock);
        if (m->hdr.type == XS_WATCH_EVENT) {
            queue_event(h, m);
        } else {
            /* Replies to requests sent back to back (xs_read_many()) queue
             * up in the order xenstored answers them, the order sent. */
            m->next = NULL;
            *h->reply_tail = m;
            h->reply_tail = &m->next;
            pthread_cond_broadcast(&h->reply_cond);
        }
        pthread_mutex_unlock(&h->lock);
    }
    pthread_mutex_lock(&h->lock);
    h->broken = errno ? errno : EIO;
    pthread_cond_broadcast(&h->reply_cond);
    pthread_cond_broadcast(&h->watch_cond);
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* The reply to our request.  Events met on the way are queued. */
static struct xs_msg *wait_reply(struct xs_handle *h)
{
    struct xs_msg *m;

    pthread_mutex_lock(&h->lock);
    if (!h->reader_running) {
        pthread_mutex_unlock(&h->lock);
        while ((m = read_msg(h->fd)) && m->hdr.type == XS_WATCH_EVENT) {
            pthread_mutex_lock(&h->lock);
            queue_event(h, m);
            pthread_mutex_unlock(&h->lock);
        }
        return m;
    }
    while (!h->reply && !h->broken)
        pthread_cond_wait(&h->reply_cond, &h->lock);
    m = h->reply;
    if (m && !(h->reply = m->next))
        h->reply_tail = &h->reply;
    if (!m)
        errno = h->broken;
    pthread_mutex_unlock(&h->lock);
    return m;
}

/*
 * Writes the request; a closed peer (socket, or the multiplexer's pipe) is
 * EPIPE, never SIGPIPE: blocked in this thread meanwhile, and one our write
 * raised is taken back before the mask is restored.  0 or -errno.
 */
static int send_request(int fd, const struct xsd_sockmsg *hdr, const struct iovec *iov,
                        unsigned int num)
{
    sigset_t sigpipe, old, pending;
    bool was_pending;
    int err;

    sigemptyset(&sigpipe);
    sigaddset(&sigpipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe, &old);
    was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
    err = sv_write_full(fd, hdr, sizeof(*hdr));
    for (unsigned int i = 0; !err && i < num; i++)
        err = sv_write_full(fd, iov[i].iov_base, iov[i].iov_len);
    if (err == -EPIPE && !was_pending)
        sigtimedwait(&sigpipe, NULL, &(struct timespec){0});
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return err;
}

/* The payload of reply m to a request of type (NUL added, caller frees)
 * with its length in *len; NULL with errno, the daemon's XS_ERROR
 * translated.  Takes m. */
static void *reply_body(struct xs_msg *m, enum xsd_sockmsg_type type, unsigned int *len)
{
    void *body;
    int err;

    if (m->hdr.type == XS_ERROR) {
        err = xs_proto_errno(m->body);
        free(m);
        errno = err;
        return NULL;
    }
    if (m->hdr.type != type) {
        free(m);
        errno = EBADMSG;
        return NULL;
    }
    if (len)
        *len = m->hdr.len;
    /* Hand out the payload alone: move it to the front of the block. */
    body = m;
    memmove(body, m->body, m->hdr.len + 1);
    return body;
}

/* Sends a request made of iov and returns the reply payload (NUL added,
 * caller frees) with its length in *len; NULL with errno, the daemon's
 * XS_ERROR translated. */
static void *xs_talkv(struct xs_handle *h, xs_transaction_t t, enum xsd_sockmsg_type type,
                      const struct iovec *iov, unsigned int num, unsigned int *len)
{
    struct xsd_sockmsg hdr = {.type = type, .tx_id = t};
    struct xs_msg *m = NULL;
    int err = 0;

    for (unsigned int i = 0; i < num; i++)
        hdr.len += (uint32_t)iov[i].iov_len;
    if (hdr.len > XENSTORE_PAYLOAD_MAX) {
        errno = E2BIG;
        return NULL;
    }
    pthread_mutex_lock(&h->request_lock);
    err = -send_request(h->wfd, &hdr, iov, num);
    if (!err && !(m = wait_reply(h)))
        err = errno;
    pthread_mutex_unlock(&h->request_lock);
    if (err) {
        errno = err;
        return NULL;
    }
    return reply_body(m, type, len);
}

static void *xs_single(struct xs_handle *h, xs_transaction_t t, enum xsd_sockmsg_type type,
                       const char *arg, unsigned int *len)
{
    struct iovec iov = {(void *)arg, strlen(arg) + 1};

    return xs_talkv(h, t, type, &iov, 1, len);
}

static bool xs_bool(void *reply)
{
    free(reply);
    return reply != NULL;
}

/* Splits n NUL-terminated strings of buf into a NULL-terminated array
 * allocated with them (one free()). */
static char **split_strings(const char *buf, unsigned int len, unsigned int *num)
{
    unsigned int n = 0;
    char **v, *copy;

    for (unsigned int i = 0; i < len; i++)
        n += buf[i] == '\0';
    v = malloc((n + 1) * sizeof(*v) + len);
    if (!v)
        return NULL;
    copy = (char *)(v + n + 1);
    memcpy(copy, buf, len);
    for (unsigned int i = 0; i < n; i++) {
        v[i] = copy;
        copy += strlen(copy) + 1;
    }
    v[n] = NULL;
    *num = n;
    return v;
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
    return xs_single(h, t, XS_READ, path, len);
}

int xs_read_many(struct xs_handle *h, xs_transaction_t t, const char *const *paths, unsigned int n,
                 char **values)
{
    unsigned int sent = 0;
    int err = 0;

    for (unsigned int i = 0; i < n; i++) {
        values[i] = NULL;
        if (strlen(paths[i]) + 1 > XENSTORE_PAYLOAD_MAX)
            return -E2BIG;
    }
    /* All the requests, then all the replies: one wait for xenstored
     * instead of n.  The replies come in the order of the requests. */
    pthread_mutex_lock(&h->request_lock);
    for (; !err && sent < n; sent++) {
        struct xsd_sockmsg hdr = {
            .type = XS_READ, .tx_id = t, .len = (uint32_t)strlen(paths[sent]) + 1};
        struct iovec iov = {(void *)paths[sent], hdr.len};

        err = send_request(h->wfd, &hdr, &iov, 1);
    }
    if (err)
        sent--; /* the one that failed */
    for (unsigned int i = 0; i < sent; i++) {
        struct xs_msg *m = wait_reply(h);

        if (!m) {
            err = -errno;
            break;
        }
        values[i] = reply_body(m, XS_READ, NULL);
    }
    pthread_mutex_unlock(&h->request_lock);
    if (err)
        for (unsigned int i = 0; i < n; i++) {
            free(values[i]);
            values[i] = NULL;
        }
    return err;
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
              unsigned int len)
{
    struct iovec iov[2] = {{(void *)path, strlen(path) + 1}, {(void *)data, len}};

    return xs_bool(xs_talkv(h, t, XS_WRITE, iov, 2, NULL));
}

bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    return xs_bool(xs_single(h, t, XS_MKDIR, path, NULL));
}

bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    return xs_bool(xs_single(h, t, XS_RM, path, NULL));
}

/* XS_DIRECTORY_PART for directories too big for one reply: collects the
 * name list chunk by chunk, restarting if the node changes meanwhile. */
static char *directory_part(struct xs_handle *h, xs_transaction_t t, const char *path,
                            unsigned int *len)
{
    char off[16], *all = NULL, *gen0 = NULL, *chunk, *more;
    unsigned int clen, glen, total = 0;

    for (;;) {
        struct iovec iov[2] = {{(void *)path, strlen(path) + 1}, {off, 0}};

        iov[1].iov_len = (size_t)snprintf(off, sizeof(off), "%u", total) + 1;
        chunk = xs_talkv(h, t, XS_DIRECTORY_PART, iov, 2, &clen);
        if (!chunk)
            goto fail;
        glen = (unsigned int)strlen(chunk) + 1;
        if (gen0 && strcmp(gen0, chunk)) { /* changed: start over */
            free(chunk);
            total = 0;
            free(gen0);
            gen0 = NULL;
            continue;
        }
        if (!gen0 && !(gen0 = strdup(chunk)))
            goto fail_chunk;
        more = realloc(all, total + clen - glen);
        if (!more)
            goto fail_chunk;
        all = more;
        memcpy(all + total, chunk + glen, clen - glen);
        total += clen - glen;
        free(chunk);
        /* The list ends with an empty name. */
        if (total && all[total - 1] == '\0' && (total == 1 || all[total - 2] == '\0')) {
            free(gen0);
            *len = total - 1;
            return all;
        }
    }
fail_chunk:
    free(chunk);
fail:
    free(gen0);
    free(all);
    return NULL;
}

char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num)
{
    unsigned int len;
    char *list = xs_single(h, t, XS_DIRECTORY, path, &len), **v;

    if (!list && errno == E2BIG)
        list = directory_part(h, t, path, &len);
    if (!list)
        return NULL;
    v = split_strings(list, len, num);
    free(list);
    return v;
}

bool xs_strings_to_perms(struct xs_permissions *perms, unsigned int num, const char *strings)
{
    for (unsigned int i = 0; i < num; i++) {
        if (xs_proto_perm_parse(strings, &perms[i])) {
            errno = EINVAL;
            return false;
        }
        strings += strlen(strings) + 1;
    }
    return true;
}

struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                                          unsigned int *num)
{
    unsigned int len, n = 0;
    char *s = xs_single(h, t, XS_GET_PERMS, path, &len);
    struct xs_permissions *perms = NULL;

    if (!s)
        return NULL;
    for (unsigned int i = 0; i < len; i++)
        n += s[i] == '\0';
    if (n && (perms = calloc(n, sizeof(*perms))) && !xs_strings_to_perms(perms, n, s)) {
        free(perms);
        perms = NULL;
    }
    if (!n)
        errno = EINVAL;
    free(s);
    *num = n;
    return perms;
}

bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                        struct xs_permissions *perms, unsigned int num_perms)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t len = strlen(path) + 1;
    struct iovec iov = {buf, 0};
    int n;

    if (len > sizeof(buf))
        goto too_big;
    memcpy(buf, path, len);
    for (unsigned int i = 0; i < num_perms; i++) {
        n = xs_proto_perm_format(&perms[i], buf + len, sizeof(buf) - len);
        if (n == -EINVAL) {
            errno = EINVAL;
            return false;
        }
        if (n < 0)
            goto too_big;
        len += (size_t)n + 1;
    }
    iov.iov_len = len;
    return xs_bool(xs_talkv(h, t, XS_SET_PERMS, &iov, 1, NULL));
too_big:
    errno = E2BIG;
    return false;
}

/* From the first watch on, replies and events arrive asynchronously. */
static int start_reader(struct xs_handle *h)
{
    int err = 0;

    pthread_mutex_lock(&h->lock);
    if (!h->reader_running) {
        err = pthread_create(&h->reader, NULL, reader_main, h);
        h->reader_running = !err;
    }
    pthread_mutex_unlock(&h->lock);
    return err;
}

bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
    struct iovec iov[2] = {{(void *)path, strlen(path) + 1}, {(void *)token, strlen(token) + 1}};
    int err;

    /* No request in flight while the socket changes hands. */
    pthread_mutex_lock(&h->request_lock);
    err = start_reader(h);
    pthread_mutex_unlock(&h->request_lock);
    if (err) {
        errno = err;
        return false;
    }
    return xs_bool(xs_talkv(h, XBT_NULL, XS_WATCH, iov, 2, NULL));
}

bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
    struct iovec iov[2] = {{(void *)path, strlen(path) + 1}, {(void *)token, strlen(token) + 1}};

    return xs_bool(xs_talkv(h, XBT_NULL, XS_UNWATCH, iov, 2, NULL));
}

int xs_fileno(struct xs_handle *h)
{
    char byte = 0;

    pthread_mutex_lock(&h->lock);
    if (h->pipe[0] < 0 && pipe2(h->pipe, O_CLOEXEC) == 0 && h->events)
        (void)!write(h->pipe[1], &byte, 1);
    pthread_mutex_unlock(&h->lock);
    return h->pipe[0];
}

/* Takes the first queued event (h->lock held) as {path, token}. */
static char **take_event(struct xs_handle *h, unsigned int *num)
{
    struct xs_msg *m = h->events, **pp;
    unsigned int n;
    char **v;
    char byte;

    for (pp = &h->buckets[m->hash % ARRAY_SIZE(h->buckets)]; *pp != m; pp = &(*pp)->hnext)
        ;
    *pp = m->hnext;
    h->nevents--;
    h->events = m->next;
    if (!h->events) {
        h->dropping = false;
        h->events_tail = &h->events;
        if (h->pipe[0] >= 0)
            (void)!read(h->pipe[0], &byte, 1);
    }
    v = split_strings(m->body, m->hdr.len, &n);
    free(m);
    if (v && n < 2) {
        free(v);
        v = NULL;
        errno = EIO;
    }
    if (v && num)
        *num = n;
    return v;
}

char **xs_read_watch(struct xs_handle *h, unsigned int *num)
{
    char **v = NULL;

    pthread_mutex_lock(&h->lock);
    while (!h->events && !h->broken && h->reader_running)
        pthread_cond_wait(&h->watch_cond, &h->lock);
    if (h->events)
        v = take_event(h, num);
    else
        errno = h->broken ? h->broken : EINVAL;
    pthread_mutex_unlock(&h->lock);
    return v;
}

unsigned long xs_watch_overflow(struct xs_handle *h)
{
    unsigned long n;

    pthread_mutex_lock(&h->lock);
    n = h->overflow;
    h->overflow = 0;
    pthread_mutex_unlock(&h->lock);
    return n;
}

char **xs_check_watch(struct xs_handle *h)
{
    char **v = NULL;
    unsigned int n;

    pthread_mutex_lock(&h->lock);
    if (h->events)
        v = take_event(h, &n);
    else
        errno = h->broken ? h->broken : EAGAIN;
    pthread_mutex_unlock(&h->lock);
    return v;
}

xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
    char *id = xs_single(h, XBT_NULL, XS_TRANSACTION_START, "", NULL);
    unsigned long t;

    if (!id)
        return XBT_NULL;
    t = strtoul(id, NULL, 10);
    free(id);
    if (t == XBT_NULL || t > UINT32_MAX) {
        errno = EIO;
        return XBT_NULL;
    }
    return (xs_transaction_t)t;
}

bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
    return xs_bool(xs_single(h, t, XS_TRANSACTION_END, abort ? "F" : "T", NULL));
}

/* A request whose arguments are n decimal numbers. */
static void *numbers_request(struct xs_handle *h, enum xsd_sockmsg_type type,
                             const unsigned long *v, unsigned int n)
{
    char a[3][24];
    struct iovec iov[3];

    for (unsigned int i = 0; i < n && i < 3; i++) {
        iov[i].iov_base = a[i];
        iov[i].iov_len = (size_t)snprintf(a[i], sizeof(a[i]), "%lu", v[i]) + 1;
    }
    return xs_talkv(h, XBT_NULL, type, iov, n < 3 ? n : 3, NULL);
}

bool xs_introduce_domain(struct xs_handle *h, unsigned int domid, unsigned long mfn,
                         unsigned int eventchn)
{
    const unsigned long v[] = {domid, mfn, eventchn};

    return xs_bool(numbers_request(h, XS_INTRODUCE, v, 3));
}

static void *domid_request(struct xs_handle *h, enum xsd_sockmsg_type type, unsigned int domid)
{
    const unsigned long v[] = {domid};

    return numbers_request(h, type, v, 1);
}

bool xs_release_domain(struct xs_handle *h, unsigned int domid)
{
    return xs_bool(domid_request(h, XS_RELEASE, domid));
}

bool xs_resume_domain(struct xs_handle *h, unsigned int domid)
{
    return xs_bool(domid_request(h, XS_RESUME, domid));
}

char *xs_get_domain_path(struct xs_handle *h, unsigned int domid)
{
    return domid_request(h, XS_GET_DOMAIN_PATH, domid);
}

bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid)
{
    char *r = domid_request(h, XS_IS_DOMAIN_INTRODUCED, domid);
    bool yes = r && strcmp(r, "F") != 0;

    free(r);
    return yes;
}

bool xs_set_target(struct xs_handle *h, unsigned int domid, unsigned int target)
{
    const unsigned long v[] = {domid, target};

    return xs_bool(numbers_request(h, XS_SET_TARGET, v, 2));
}

char *xs_control_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len)
{
    struct iovec iov[2] = {{(void *)cmd, strlen(cmd) + 1}, {data, len}};

    return xs_talkv(h, XBT_NULL, XS_CONTROL, iov, 2, NULL);
}

char *xs_debug_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len)
{
    return xs_control_command(h, cmd, data, len);
}

bool xs_restrict(struct xs_handle *h, unsigned int domid)
{
    (void)h;
    (void)domid;
    errno = ENOSYS; /* XS_RESTRICT is gone from the protocol, as in Xen */
    return false;
}

bool xs_path_is_subpath(const char *parent, const char *child)
{
    size_t len = strlen(parent);

    if (len && parent[len - 1] == '/')
        len--;
    return strncmp(child, parent, len) == 0 && (child[len] == '\0' || child[len] == '/');
}
