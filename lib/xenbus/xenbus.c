/* xenbus helpers for split drivers: device values, XenbusState handshake,
 * transactions retried on EAGAIN (see include/sv/xenbus.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sv/xenbus.h"
#include "sv/xs_ext.h"

int xenbus_path(char *buf, size_t len, const char *dir, const char *node)
{
    int n = snprintf(buf, len, "%s/%s", dir, node);

    return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

int xenbus_read(struct xs_handle *h, xs_transaction_t t, const char *dir, const char *node,
                char **value)
{
    char path[XENSTORE_ABS_PATH_MAX + 1];
    unsigned int len;
    int err = xenbus_path(path, sizeof(path), dir, node);

    if (err)
        return err;
    /* libxenstore NUL-terminates what it returns. */
    *value = xs_read(h, t, path, &len);
    return *value ? 0 : -errno;
}

int xenbus_write(struct xs_handle *h, xs_transaction_t t, const char *dir, const char *node,
                 const char *value)
{
    char path[XENSTORE_ABS_PATH_MAX + 1];
    int err = xenbus_path(path, sizeof(path), dir, node);

    if (err)
        return err;
    return xs_write(h, t, path, value, (unsigned int)strlen(value)) ? 0 : -errno;
}

int xenbus_printf(struct xs_handle *h, xs_transaction_t t, const char *dir, const char *node,
                  const char *fmt, ...)
{
    char value[XENSTORE_PAYLOAD_MAX];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(value))
        return -E2BIG;
    return xenbus_write(h, t, dir, node, value);
}

int xenbus_scanf(struct xs_handle *h, xs_transaction_t t, const char *dir, const char *node,
                 const char *fmt, ...)
{
    va_list ap;
    char *value;
    int err = xenbus_read(h, t, dir, node, &value), n;

    if (err)
        return err;
    va_start(ap, fmt);
    n = vsscanf(value, fmt, ap);
    va_end(ap);
    free(value);
    return n > 0 ? n : -EINVAL;
}

int xenbus_transaction(struct xs_handle *h,
                       int (*fn)(struct xs_handle *h, xs_transaction_t t, void *arg), void *arg)
{
    for (int attempt = 0; attempt < XENBUS_MAX_RETRIES; attempt++) {
        xs_transaction_t t = xs_transaction_start(h);
        int err;

        if (t == XBT_NULL)
            return -errno;
        err = fn(h, t, arg);
        if (err) {
            xs_transaction_end(h, t, true);
            return err;
        }
        if (xs_transaction_end(h, t, false))
            return 0;
        if (errno != EAGAIN)
            return -errno;
    }
    return -EAGAIN;
}

XenbusState xenbus_parse_state(const char *value)
{
    int state;

    if (!value || sscanf(value, "%d", &state) != 1 || state < XenbusStateUnknown ||
        state > XenbusStateReconfigured)
        return XenbusStateUnknown;
    return (XenbusState)state;
}

XenbusState xenbus_read_state(struct xs_handle *h, xs_transaction_t t, const char *dir)
{
    char *value = NULL;
    XenbusState state;

    xenbus_read(h, t, dir, "state", &value);
    state = xenbus_parse_state(value);
    free(value);
    return state;
}

int xenbus_read_many(struct xs_handle *h, xs_transaction_t t, const struct xenbus_key *keys,
                     unsigned int n, char **values)
{
    char(*paths)[XENSTORE_ABS_PATH_MAX + 1] = calloc(n ? n : 1, sizeof(*paths));
    const char **p = calloc(n ? n : 1, sizeof(*p));
    int err = paths && p ? 0 : -ENOMEM;

    for (unsigned int i = 0; i < n; i++)
        values[i] = NULL;
    for (unsigned int i = 0; !err && i < n; i++) {
        err = xenbus_path(paths[i], sizeof(paths[i]), keys[i].dir, keys[i].node);
        p[i] = paths[i];
    }
    if (!err)
        err = xs_read_many(h, t, p, n, values);
    free(p);
    free(paths);
    return err;
}

struct switch_arg {
    const char *dir;
    XenbusState state;
};

static int switch_in(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    const struct switch_arg *a = arg;
    int now, n;

    /* Reading first puts the state in the transaction's conflict set.  A
     * device whose state node is gone is not made again (as Linux's
     * xenbus_switch_state): its toolstack removed the directory, and a
     * write would leave an orphan behind it.  One read for both: a switch
     * is four round trips to xenstored, and a frontend flapping its state
     * makes hundreds a second. */
    n = xenbus_scanf(h, t, a->dir, "state", "%d", &now);
    if (n < 0)
        return n;
    if (n == 1 && now == (int)a->state)
        return 0;
    return xenbus_printf(h, t, a->dir, "state", "%d", (int)a->state);
}

int xenbus_switch_state(struct xs_handle *h, const char *dir, XenbusState state)
{
    struct switch_arg a = {dir, state};

    return xenbus_transaction(h, switch_in, &a);
}

int xenbus_watch_state(struct xs_handle *h, const char *peer_dir, const char *token)
{
    char path[XENSTORE_ABS_PATH_MAX + 1];
    int err = xenbus_path(path, sizeof(path), peer_dir, "state");

    if (err)
        return err;
    return xs_watch(h, path, token) ? 0 : -errno;
}

int xenbus_unwatch_state(struct xs_handle *h, const char *peer_dir, const char *token)
{
    char path[XENSTORE_ABS_PATH_MAX + 1];
    int err = xenbus_path(path, sizeof(path), peer_dir, "state");

    if (err)
        return err;
    return xs_unwatch(h, path, token) ? 0 : -errno;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Consumes every queued event; waits up to ms for one when none is. */
static int drain_events(struct xs_handle *h, int ms)
{
    struct pollfd p = {xs_fileno(h), POLLIN, 0};
    char **ev;
    int n = 0;

    if (p.fd < 0)
        return -errno;
    while ((ev = xs_check_watch(h))) {
        free(ev);
        n++;
    }
    if (n || ms <= 0)
        return 0;
    if (poll(&p, 1, ms) < 0)
        return -errno;
    while ((ev = xs_check_watch(h)))
        free(ev);
    return 0;
}

int xenbus_wait_state(struct xs_handle *h, const char *peer_dir, XenbusState want, bool at_least,
                      int timeout_ms, XenbusState *got)
{
    long long deadline = now_ms() + timeout_ms;
    long long left;
    int err;

    for (;;) {
        *got = xenbus_read_state(h, XBT_NULL, peer_dir);
        if (*got == want || (at_least && *got > want))
            return 0;
        left = deadline - now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        err = drain_events(h, (int)left);
        if (err)
            return err;
    }
}
