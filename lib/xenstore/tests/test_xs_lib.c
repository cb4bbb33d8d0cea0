/* Unit tests of libxenstore against a scripted daemon on a unix socket:
 * the watch-event queue of a caller that falls behind stays bounded
 * (identical events coalesced, the rest dropped and counted). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "sv/util.h"
#include "sv/xs_ext.h"

struct daemon {
    int lfd;
    char path[108];
    pthread_t thread;
    unsigned int distinct; /* distinct events to send after the WATCH */
    unsigned int repeats;  /* copies of each */
};

static void send_msg(int fd, uint32_t type, uint32_t req_id, const char *body, uint32_t len)
{
    struct xsd_sockmsg hdr = {type, req_id, 0, len};

    assert_int_equal(sv_write_full(fd, &hdr, sizeof(hdr)), 0);
    assert_int_equal(sv_write_full(fd, body, len), 0);
}

/* Answers the WATCH, sends the events, then answers one READ: the client
 * has queued every event once its reply arrives (one stream, in order). */
static void *daemon_main(void *arg)
{
    struct daemon *d = arg;
    struct xsd_sockmsg hdr;
    char body[XENSTORE_PAYLOAD_MAX], ev[64];
    int fd = accept(d->lfd, NULL, NULL);
    int len;

    assert_true(fd >= 0);
    assert_int_equal(sv_read_full(fd, &hdr, sizeof(hdr)), sizeof(hdr));
    assert_int_equal(hdr.type, XS_WATCH);
    assert_int_equal(sv_read_full(fd, body, hdr.len), hdr.len);
    send_msg(fd, XS_WATCH, hdr.req_id, "OK", 3);
    for (unsigned int r = 0; r < d->repeats; r++) {
        for (unsigned int i = 0; i < d->distinct; i++) {
            len = snprintf(ev, sizeof(ev), "/a/n%u%ctok", i, '\0');
            send_msg(fd, XS_WATCH_EVENT, 0, ev, (uint32_t)len + 1);
        }
    }
    assert_int_equal(sv_read_full(fd, &hdr, sizeof(hdr)), sizeof(hdr));
    assert_int_equal(hdr.type, XS_READ);
    assert_int_equal(sv_read_full(fd, body, hdr.len), hdr.len);
    send_msg(fd, XS_READ, hdr.req_id, "x", 1);
    /* Until the client closes. */
    while (read(fd, body, sizeof(body)) > 0)
        ;
    close(fd);
    return NULL;
}

static struct daemon *daemon_start(unsigned int distinct, unsigned int repeats)
{
    struct daemon *d = calloc(1, sizeof(*d));
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    snprintf(d->path, sizeof(d->path), "/tmp/sv-test-xslib.%d", getpid());
    unlink(d->path);
    strcpy(sa.sun_path, d->path);
    d->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(d->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(d->lfd, 1), 0);
    d->distinct = distinct;
    d->repeats = repeats;
    setenv("XENSTORED_PATH", d->path, 1);
    assert_int_equal(pthread_create(&d->thread, NULL, daemon_main, d), 0);
    return d;
}

static void daemon_stop(struct daemon *d)
{
    pthread_join(d->thread, NULL);
    close(d->lfd);
    unlink(d->path);
    free(d);
}

/* Once every event is queued: how many the caller can read. */
static unsigned int drain(struct xs_handle *h)
{
    unsigned int n = 0, len;
    char **ev;

    free(xs_read(h, XBT_NULL, "/x", &len));
    while ((ev = xs_check_watch(h))) {
        n++;
        free(ev);
    }
    assert_int_equal(errno, EAGAIN);
    return n;
}

static void test_coalesced(void **state)
{
    struct daemon *d = daemon_start(100, 50);
    struct xs_handle *h = xs_open(0);

    (void)state;
    assert_non_null(h);
    assert_true(xs_watch(h, "/a", "tok"));
    /* 5000 events, 100 distinct, none read yet: 100 queued. */
    assert_int_equal(drain(h), 100);
    assert_int_equal(xs_watch_overflow(h), 0);
    xs_close(h);
    daemon_stop(d);
}

static void test_bounded(void **state)
{
    struct daemon *d = daemon_start(XS_EVENT_QUEUE_MAX + 1000, 2);
    struct xs_handle *h = xs_open(0);

    (void)state;
    assert_non_null(h);
    assert_true(xs_watch(h, "/a", "tok"));
    /* Twice 1000 events past the bound are dropped and counted (the first
     * 4096 come back identical and are coalesced). */
    assert_int_equal(drain(h), XS_EVENT_QUEUE_MAX);
    assert_int_equal(xs_watch_overflow(h), 2 * 1000);
    assert_int_equal(xs_watch_overflow(h), 0);
    xs_close(h);
    daemon_stop(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coalesced),
        cmocka_unit_test(test_bounded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
