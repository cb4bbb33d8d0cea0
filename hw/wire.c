/* Wire backend selection by spec prefix, and the "none" backend. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sv/util.h"
#include "wire.h"

struct wire {
    const struct wire_ops *ops;
    int fd;
    void *priv;
};

static int none_open(const char *arg, int *fd, void **priv)
{
    (void)priv;
    *fd = -1;
    return *arg ? -EINVAL : 0;
}

static int none_send(int fd, void *priv, const uint8_t *frame, size_t len)
{
    (void)fd, (void)priv, (void)frame, (void)len;
    return 0;
}

static long none_recv(int fd, void *priv, uint8_t *buf, size_t len)
{
    (void)fd, (void)priv, (void)buf, (void)len;
    return 0;
}

static void none_close(int fd, void *priv)
{
    (void)fd, (void)priv;
}

static const struct wire_ops wire_none_ops = {
    .prefix = "none", .open = none_open, .send = none_send, .recv = none_recv, .close = none_close};

static const struct wire_ops *const backends[] = {&wire_none_ops, &wire_tap_ops, &wire_packet_ops,
                                                  &wire_vxlan_ops};

struct wire *wire_open(const char *spec, int *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
        const struct wire_ops *ops = backends[i];
        size_t n = strlen(ops->prefix);
        struct wire *w;

        if (strncmp(spec, ops->prefix, n))
            continue;
        w = calloc(1, sizeof(*w));
        if (!w) {
            *err = -ENOMEM;
            return NULL;
        }
        w->ops = ops;
        *err = ops->open(spec + n, &w->fd, &w->priv);
        if (*err < 0) {
            free(w);
            return NULL;
        }
        return w;
    }
    *err = -EINVAL;
    return NULL;
}

void wire_close(struct wire *w)
{
    if (!w)
        return;
    w->ops->close(w->fd, w->priv);
    free(w);
}

int wire_fd(const struct wire *w)
{
    return w->fd;
}

int wire_send(struct wire *w, const uint8_t *frame, size_t len)
{
    return w->ops->send(w->fd, w->priv, frame, len);
}

bool wire_takes_offloads(const struct wire *w)
{
    return w->ops->send_offload != NULL;
}

int wire_send_offload(struct wire *w, const uint8_t *frame, size_t len,
                      const struct xnic_wire_offload *o)
{
    return w->ops->send_offload ? w->ops->send_offload(w->fd, w->priv, frame, len, o) : -EOPNOTSUPP;
}

long wire_recv(struct wire *w, uint8_t *buf, size_t len)
{
    return w->ops->recv(w->fd, w->priv, buf, len);
}
