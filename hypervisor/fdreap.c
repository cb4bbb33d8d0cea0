/* The reaper thread that closes peer-supplied descriptors: see fdreap.h. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdreap.h"
#include "sv/log.h"

struct batch {
    struct batch *next;
    int n;
    int fds[];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static struct batch *queue;
static bool started;

static void *reaper(void *arg)
{
    (void)arg;
    for (;;) {
        struct batch *b;

        pthread_mutex_lock(&lock);
        while (!queue)
            pthread_cond_wait(&more, &lock);
        b = queue;
        queue = b->next;
        pthread_mutex_unlock(&lock);
        for (int i = 0; i < b->n; i++)
            if (b->fds[i] >= 0)
                close(b->fds[i]);
        free(b);
    }
    return NULL;
}

/* Started at the first use: a kernel with SO_PASSRIGHTS never needs it. */
static bool reaper_start(void)
{
    pthread_attr_t attr;
    pthread_t tid;

    if (started)
        return true;
    if (pthread_attr_init(&attr) != 0)
        return false;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    started = pthread_create(&tid, &attr, reaper, NULL) == 0;
    pthread_attr_destroy(&attr);
    return started;
}

void fdreap_close(const int *fds, int n)
{
    struct batch *b;

    if (n <= 0)
        return;
    b = malloc(sizeof(*b) + (size_t)n * sizeof(int));
    pthread_mutex_lock(&lock);
    if (!b || !reaper_start()) {
        pthread_mutex_unlock(&lock);
        /* Leaked rather than closed here: a blocked loop is worse. */
        log_warnx("cannot hand %d descriptors to the reaper: leaked", n);
        free(b);
        return;
    }
    b->n = n;
    memcpy(b->fds, fds, (size_t)n * sizeof(int));
    b->next = queue;
    queue = b;
    pthread_cond_signal(&more);
    pthread_mutex_unlock(&lock);
}
