/* Unix-socket transport and listener of xenstored (see sock.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sv/log.h"
#include "conn.h"
#include "sock.h"

struct sock_listener {
    struct xsd *xs;
    struct event_base *base;
    struct event *ev;
    int fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

struct sock_client {
    int fd;
    struct event *rev, *wev;
    struct conn *conn;
};

static long client_read(void *arg, void *buf, size_t len)
{
    struct sock_client *c = arg;
    ssize_t n = read(c->fd, buf, len);

    if (n > 0)
        return n;
    if (n == 0)
        return -EPIPE;
    return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
}

static long client_write(void *arg, const void *buf, size_t len)
{
    struct sock_client *c = arg;
    ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

    if (n >= 0)
        return n;
    return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
}

static void client_kick(void *arg)
{
    struct sock_client *c = arg;

    event_add(c->wev, NULL);
}

static void client_close(void *arg)
{
    struct sock_client *c = arg;

    event_free(c->rev);
    event_free(c->wev);
    close(c->fd);
    free(c);
}

static const struct conn_transport sock_transport = {
    .read = client_read,
    .write = client_write,
    .kick = client_kick,
    .close = client_close,
};

/* Flushes, then watches for input and output only as far as useful. */
static void client_update(struct sock_client *c, int rc)
{
    if (!rc)
        rc = conn_flush(c->conn);
    if (rc) {
        if (rc != -EPIPE && rc != -ECONNRESET)
            log_warnx("client fd %d: %s: closing", c->fd, strerror(-rc));
        conn_destroy(c->conn);
        return;
    }
    if (conn_has_output(c->conn))
        event_add(c->wev, NULL);
    else
        event_del(c->wev);
    if (conn_wants_input(c->conn))
        event_add(c->rev, NULL);
    else
        event_del(c->rev);
}

static void client_readable(evutil_socket_t fd, short what, void *arg)
{
    struct sock_client *c = arg;

    int rc = conn_input(c->conn);

    (void)fd;
    (void)what;
    /* More input (rc 1) keeps the socket readable: libevent comes back. */
    client_update(c, rc < 0 ? rc : 0);
}

static void client_writable(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    client_update(arg, 0);
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
    struct sock_listener *l = arg;
    struct sock_client *c;
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    (void)what;
    if (fd < 0) {
        log_warn("accept");
        return;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        goto fail_close;
    c->fd = fd;
    c->rev = event_new(l->base, fd, EV_READ | EV_PERSIST, client_readable, c);
    c->wev = event_new(l->base, fd, EV_WRITE | EV_PERSIST, client_writable, c);
    if (!c->rev || !c->wev)
        goto fail_events;
    c->conn = conn_new(l->xs, 0, &sock_transport, c);
    if (!c->conn)
        goto fail_events;
    event_add(c->rev, NULL);
    return;
fail_events:
    if (c->rev)
        event_free(c->rev);
    if (c->wev)
        event_free(c->wev);
    free(c);
fail_close:
    log_warnx("out of memory accepting a client");
    close(fd);
}

struct sock_listener *sock_listen(struct xsd *xs, struct event_base *base, const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct sock_listener *l;
    int err;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->xs = xs;
    l->base = base;
    strcpy(l->path, path);
    strcpy(sa.sun_path, path);
    l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0)
        goto fail_free;
    unlink(path);
    if (bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) || listen(l->fd, 64))
        goto fail_close;
    l->ev = event_new(base, l->fd, EV_READ | EV_PERSIST, accept_cb, l);
    if (!l->ev || event_add(l->ev, NULL))
        goto fail_close;
    return l;
fail_close:
    err = errno;
    if (l->ev)
        event_free(l->ev);
    close(l->fd);
    unlink(path);
    errno = err;
fail_free:
    free(l);
    return NULL;
}

void sock_close(struct sock_listener *l)
{
    if (!l)
        return;
    event_free(l->ev);
    close(l->fd);
    unlink(l->path);
    free(l);
}
