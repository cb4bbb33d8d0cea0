/*
 * xenbus_check: the xenbus helpers against a live xenstored (run by
 * tests/integration/xenstore_semantics.sh): values, printf/scanf, the
 * state handshake between two handles, and a transaction retried after a
 * forced conflict.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sv/xenbus.h"

static int failures;

#define CHECK(cond, what)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "FAIL line %d: %s (%s)\n", __LINE__, what, strerror(errno));           \
        }                                                                                          \
    } while (0)

static const char fe[] = "/local/domain/1/device/vif/0";
static const char be[] = "/local/domain/0/backend/vif/1/0";

struct conflict {
    struct xs_handle *other;
    int runs;
};

/* Reads a node, then lets another handle change it before the commit the
 * first time round: the commit must fail with EAGAIN and be retried. */
static int write_ring_refs(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    struct conflict *c = arg;
    unsigned int ref;
    int err;

    if (xenbus_scanf(h, t, fe, "tx-ring-ref", "%u", &ref) != 1)
        return -EINVAL;
    if (c->runs++ == 0 &&
        (err = xenbus_printf(c->other, XBT_NULL, fe, "tx-ring-ref", "%u", ref + 100)))
        return err;
    return xenbus_printf(h, t, fe, "tx-ring-ref", "%u", ref + 1)
               ?: xenbus_printf(h, t, fe, "rx-ring-ref", "%u", 9);
}

static void *backend_main(void *arg)
{
    struct xs_handle *h = xs_open(0);
    XenbusState got;

    (void)arg;
    xenbus_watch_state(h, fe, "fe");
    if (!xenbus_wait_state(h, fe, XenbusStateInitialised, false, 5000, &got))
        xenbus_switch_state(h, be, XenbusStateConnected);
    xs_close(h);
    return NULL;
}

int main(void)
{
    struct xs_handle *h = xs_open(0), *other = xs_open(0);
    struct conflict c = {other, 0};
    XenbusState got;
    pthread_t backend;
    unsigned int a, b;
    char *v;

    if (!h || !other) {
        perror("xs_open");
        return 1;
    }
    CHECK(!xenbus_write(h, XBT_NULL, fe, "backend", be), "write");
    CHECK(!xenbus_read(h, XBT_NULL, fe, "backend", &v) && !strcmp(v, be), "read");
    free(v);
    CHECK(xenbus_read(h, XBT_NULL, fe, "none", &v) == -ENOENT, "absent");
    CHECK(!xenbus_printf(h, XBT_NULL, fe, "tx-ring-ref", "%u", 8), "printf");
    CHECK(xenbus_scanf(h, XBT_NULL, fe, "backend", "%u", &a) == -EINVAL, "scanf mismatch");
    CHECK(!xenbus_transaction(h, write_ring_refs, &c), "transaction");
    CHECK(c.runs == 2, "retried once after EAGAIN");
    CHECK(xenbus_scanf(h, XBT_NULL, fe, "tx-ring-ref", "%u", &a) == 1 && a == 109,
          "retry saw the other write");
    CHECK(xenbus_scanf(h, XBT_NULL, fe, "rx-ring-ref", "%u", &b) == 1 && b == 9, "second value");
    CHECK(xenbus_read_state(h, XBT_NULL, fe) == XenbusStateUnknown, "no state yet");
    CHECK(xenbus_switch_state(h, fe, XenbusStateInitialised) == -ENOENT &&
              xenbus_read_state(h, XBT_NULL, fe) == XenbusStateUnknown,
          "a removed device's state is not made again");
    /* The handshake, on the state nodes a toolstack made: frontend
     * Initialised -> backend Connected. */
    CHECK(!xenbus_printf(h, XBT_NULL, fe, "state", "%d", XenbusStateInitialising) &&
              !xenbus_printf(h, XBT_NULL, be, "state", "%d", XenbusStateInitialising),
          "toolstack");
    CHECK(!xenbus_switch_state(h, be, XenbusStateInitWait), "backend state");
    pthread_create(&backend, NULL, backend_main, NULL);
    CHECK(!xenbus_watch_state(h, be, "be"), "watch backend");
    CHECK(!xenbus_switch_state(h, fe, XenbusStateInitialised), "switch");
    CHECK(!xenbus_switch_state(h, fe, XenbusStateInitialised), "again");
    CHECK(!xenbus_wait_state(h, be, XenbusStateConnected, true, 5000, &got) &&
              got == XenbusStateConnected,
          "backend connected");
    pthread_join(backend, NULL);
    CHECK(xenbus_wait_state(h, be, XenbusStateClosed, false, 200, &got) == -ETIMEDOUT, "timeout");
    xs_close(other);
    xs_close(h);
    printf("%s xenbus\n", failures ? "FAIL" : "ok  ");
    return failures ? 1 : 0;
}
