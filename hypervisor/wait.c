/*
 * dom0's calls that wait on a domain: destroy answers once the domain is
 * gone (its process exited and was reaped), wait_up once its image is up
 * (its first hypercall), has shut down or is gone, or its time is out.  The
 * loop keeps serving every other domain meanwhile: the call's reply is
 * deferred (its channel is not read until it is sent) and sent when the
 * domain's state answers it.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "hv.h"

struct hc_wait {
    struct channel *ch;
    struct domain *d;
    enum wait_for what;
    struct event *timer;
    char arg[sizeof(struct sv_domctl_wait)]; /* the call's results: its arguments, as sent */
    size_t arg_len;
    LIST_ENTRY(hc_wait) link;
};

_Static_assert(sizeof(struct sv_domctl) <= sizeof(struct sv_domctl_wait),
               "a waiting call's arguments do not fit");

/* Whether d's state answers a wait for `what` (gone: d is about to go), and
 * with what. */
static bool answered(const struct domain *d, enum wait_for what, bool gone, int *ret)
{
    *ret = 0;
    if (what == WAIT_GONE)
        return gone;
    if (d->up)
        return true;
    if (gone || d->state == DOMAIN_SHUTDOWN) {
        *ret = gone ? -ESRCH : -ECHILD;
        return true;
    }
    return false;
}

static void wait_free(struct hc_wait *w)
{
    LIST_REMOVE(w, link);
    w->ch->wait = NULL;
    if (w->timer)
        event_free(w->timer);
    free(w);
}

static void answer(struct hc_wait *w, int ret)
{
    struct channel *ch = w->ch;
    char arg[sizeof(w->arg)];
    size_t len = w->arg_len;

    memcpy(arg, w->arg, len);
    wait_free(w); /* first: a failed answer drops the channel */
    channel_answer(ch, ret, arg, len);
}

static void timed_out(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    answer(arg, -ETIMEDOUT);
}

int wait_add(struct hc_ctx *ctx, struct domain *d, enum wait_for what, unsigned timeout_ms)
{
    const struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000};
    struct hc_wait *w;
    int ret;

    if (answered(d, what, false, &ret))
        return ret;
    if (what == WAIT_UP && !timeout_ms)
        return -ETIMEDOUT;
    if (ctx->arg_len > sizeof(w->arg) || !(w = calloc(1, sizeof(*w))))
        return -ENOMEM;
    w->ch = ctx->ch;
    w->d = d;
    w->what = what;
    memcpy(w->arg, ctx->arg, ctx->arg_len);
    w->arg_len = ctx->arg_len;
    if (timeout_ms &&
        (!(w->timer = evtimer_new(hv.base, timed_out, w)) || evtimer_add(w->timer, &tv) < 0)) {
        if (w->timer)
            event_free(w->timer);
        free(w);
        return -ENOMEM;
    }
    LIST_INSERT_HEAD(&d->waiters, w, link);
    ctx->ch->wait = w;
    channel_defer(ctx);
    return 0;
}

void wait_wake(struct domain *d, bool gone)
{
    struct hc_wait *w, *next;
    int ret;

    for (w = LIST_FIRST(&d->waiters); w; w = next) {
        next = LIST_NEXT(w, link);
        if (answered(d, w->what, gone, &ret))
            answer(w, ret);
    }
}

void wait_cancel(struct channel *ch)
{
    if (ch->wait)
        wait_free(ch->wait);
}
