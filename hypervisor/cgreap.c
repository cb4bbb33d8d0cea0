/* The cgroups of dead domains, emptied and removed off the loop (cgreap.h). */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include "cgreap.h"
#include "hv.h"
#include "sv/cgroup.h"
#include "sv/log.h"

#define CGREAP_FIRST_MS 5    /* killed tasks usually take a few ms to exit */
#define CGREAP_MAX_MS   1000 /* then once a second, for as long as it takes */

struct cgreap {
    LIST_ENTRY(cgreap) link;
    char dir[sizeof(((struct domain *)0)->cgroups[0])];
    uint32_t domid;
    unsigned delay_ms;
    struct event *timer;
};

static LIST_HEAD(, cgreap) pending = LIST_HEAD_INITIALIZER(pending);

/* One round: true when dir is gone (or cannot be helped), false while
 * tasks remain in it. */
static bool reap(const char *dir, uint32_t domid, bool last)
{
    int n = sv_cgroup_kill(dir);

    if (n > 0 && !last)
        return false;
    if (n < 0 && n != -ENOENT)
        log_warnx("domain %u: cannot empty cgroup %s: %s", domid, dir, strerror(-n));
    if (rmdir(dir) == 0 || errno == ENOENT)
        return true;
    /* A task that left cgroup.procs may still be exiting (its threads). */
    if (errno == EBUSY && !last)
        return false;
    log_warn("domain %u: cannot remove cgroup %s", domid, dir);
    return true;
}

static void entry_free(struct cgreap *c)
{
    LIST_REMOVE(c, link);
    event_free(c->timer);
    free(c);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct cgreap *c = arg;
    struct timeval tv;

    (void)fd;
    (void)what;
    if (reap(c->dir, c->domid, false)) {
        entry_free(c);
        return;
    }
    if (c->delay_ms < CGREAP_MAX_MS && c->delay_ms * 2 >= CGREAP_MAX_MS)
        log_warnx("domain %u: tasks outlive it in cgroup %s (killed; still waiting)", c->domid,
                  c->dir);
    c->delay_ms = c->delay_ms * 2 < CGREAP_MAX_MS ? c->delay_ms * 2 : CGREAP_MAX_MS;
    tv = (struct timeval){c->delay_ms / 1000, c->delay_ms % 1000 * 1000};
    evtimer_add(c->timer, &tv);
}

void cgreap_add(const char *dir, uint32_t domid)
{
    struct timeval tv = {0, CGREAP_FIRST_MS * 1000};
    struct cgreap *c;

    if (reap(dir, domid, false))
        return;
    c = calloc(1, sizeof(*c));
    if (c)
        c->timer = evtimer_new(hv.base, on_timer, c);
    if (!c || !c->timer) {
        free(c);
        log_warnx("domain %u: no memory to wait for cgroup %s: left as it is", domid, dir);
        return;
    }
    snprintf(c->dir, sizeof(c->dir), "%s", dir);
    c->domid = domid;
    c->delay_ms = CGREAP_FIRST_MS;
    LIST_INSERT_HEAD(&pending, c, link);
    evtimer_add(c->timer, &tv);
}

void cgreap_stop(void)
{
    for (int i = 0; i < CGREAP_MAX_MS / CGREAP_FIRST_MS && !LIST_EMPTY(&pending); i++) {
        struct cgreap *c = LIST_FIRST(&pending), *next;

        for (; c; c = next) {
            next = LIST_NEXT(c, link);
            if (reap(c->dir, c->domid, false))
                entry_free(c);
        }
        if (!LIST_EMPTY(&pending))
            nanosleep(&(struct timespec){.tv_nsec = CGREAP_FIRST_MS * 1000000L}, NULL);
    }
    while (!LIST_EMPTY(&pending)) {
        struct cgreap *c = LIST_FIRST(&pending);

        reap(c->dir, c->domid, true);
        entry_free(c);
    }
}
