/* Unit tests of xenstored's request layer over in-memory connections:
 * wire parsing, permissions, quotas, transactions, watches, release. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../conn.h"
#include "../domain.h"
#include "../trans.h"
#include "../xenstored.h"
#include "memconn.h"

static char buf[XENSTORE_PAYLOAD_MAX + 1];

/* Sends "a\0b\0..." built from a string with '|' for NUL. */
static int call(struct memconn *mc, uint32_t type, uint32_t tx, const char *args)
{
    char body[XENSTORE_PAYLOAD_MAX];
    size_t len = strlen(args) + 1;

    memcpy(body, args, len);
    for (size_t i = 0; i < len; i++)
        if (body[i] == '|')
            body[i] = '\0';
    return memconn_call(mc, type, tx, body, len, buf, sizeof(buf));
}

/* A WRITE, whose value is not NUL-terminated. */
static int write_node(struct memconn *mc, uint32_t tx, const char *path, const char *val)
{
    char body[XENSTORE_PAYLOAD_MAX];
    size_t plen = strlen(path) + 1;

    assert_true(plen + strlen(val) <= sizeof(body));
    memcpy(body, path, plen);
    memcpy(body + plen, val, strlen(val));
    return memconn_call(mc, XS_WRITE, tx, body, plen + strlen(val), buf, sizeof(buf));
}

#define assert_error(call_, name)                                                                  \
    do {                                                                                           \
        assert_int_equal((call_), XS_ERROR);                                                       \
        assert_string_equal(buf, (name));                                                          \
    } while (0)

/* The tests of other quotas send a domain's requests faster than its
 * request rate: lifted for them (test_request_rate has its own). */
static int setup(void **state)
{
    struct xsd *xs = xsd_new();

    *state = xs;
    if (!xs)
        return -1;
    xs->quota[Q_REQUEST_RATE] = xs->quota[Q_REQUEST_BURST] = UINT32_MAX;
    return 0;
}

static int teardown(void **state)
{
    xsd_free(*state);
    return 0;
}

static void home(struct memconn *dom0, unsigned int domid)
{
    char args[64];

    snprintf(args, sizeof(args), "%u|%u|1", domid, domid);
    assert_int_equal(call(dom0, XS_INTRODUCE, 0, args), XS_INTRODUCE);
    snprintf(args, sizeof(args), "/local/domain/%u", domid);
    assert_int_equal(call(dom0, XS_MKDIR, 0, args), XS_MKDIR);
    snprintf(args, sizeof(args), "/local/domain/%u|n%u", domid, domid);
    assert_int_equal(call(dom0, XS_SET_PERMS, 0, args), XS_SET_PERMS);
}

static void test_perm_rule(void **state)
{
    struct xsd *xs = *state;
    struct memconn *d0 = memconn_new(xs, 0), *d5 = memconn_new(xs, 5);
    const struct xs_permissions owner5[] = {{5, XS_PERM_NONE}},
                                shared[] = {{1, XS_PERM_READ}, {5, XS_PERM_WRITE}},
                                other[] = {{1, XS_PERM_READ}, {6, XS_PERM_WRITE}};
    const unsigned int all = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;

    assert_int_equal(domain_perms_for(d0->conn, owner5, 1), all);
    assert_int_equal(domain_perms_for(d5->conn, owner5, 1), all);
    assert_int_equal(domain_perms_for(d5->conn, shared, 2), XS_PERM_WRITE);
    assert_int_equal(domain_perms_for(d5->conn, other, 2), XS_PERM_READ);
    /* SET_TARGET: dom5 manages dom1's nodes. */
    home(d0, 5);
    assert_int_equal(call(d0, XS_SET_TARGET, 0, "5|1"), XS_SET_TARGET);
    assert_int_equal(domain_perms_for(d5->conn, shared, 2), all);
    memconn_free(d5);
    memconn_free(d0);
}

static void test_read_write_directory(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0);

    assert_int_equal(write_node(d0, 0, "/a/b", "val"), XS_WRITE);
    assert_string_equal(buf, "OK");
    assert_int_equal(call(d0, XS_READ, 0, "/a/b"), XS_READ);
    assert_string_equal(buf, "val");
    assert_int_equal(write_node(d0, 0, "/a/c", ""), XS_WRITE);
    assert_int_equal(call(d0, XS_DIRECTORY, 0, "/a"), XS_DIRECTORY);
    assert_memory_equal(buf, "b\0c\0", 4);
    assert_int_equal(call(d0, XS_DIRECTORY_PART, 0, "/a|0"), XS_DIRECTORY_PART);
    /* "<generation>\0b\0c\0\0" */
    assert_memory_equal(buf + strlen(buf) + 1, "b\0c\0\0", 5);
    assert_int_equal(call(d0, XS_DIRECTORY_PART, 0, "/a|2"), XS_DIRECTORY_PART);
    assert_memory_equal(buf + strlen(buf) + 1, "c\0\0", 3);
    assert_int_equal(call(d0, XS_GET_PERMS, 0, "/a/b"), XS_GET_PERMS);
    assert_string_equal(buf, "n0");
    assert_int_equal(call(d0, XS_GET_DOMAIN_PATH, 0, "3"), XS_GET_DOMAIN_PATH);
    assert_string_equal(buf, "/local/domain/3");
    assert_int_equal(call(d0, XS_IS_DOMAIN_INTRODUCED, 0, "3"), XS_IS_DOMAIN_INTRODUCED);
    assert_string_equal(buf, "F");
    assert_int_equal(call(d0, XS_CONTROL, 0, "print|hello"), XS_CONTROL);
    assert_error(call(d0, XS_CONTROL, 0, "nosuch"), "EINVAL");
    memconn_free(d0);
}

static void test_wire_parsing(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0);
    struct xsd_sockmsg hdr = {XS_WRITE, 1, 0, 6};
    char msg[64];

    /* Missing NUL, unknown type, client-sent event, bad arguments. */
    assert_error(memconn_call(d0, XS_READ, 0, "/a", 2, buf, sizeof(buf)), "EINVAL");
    assert_error(memconn_call(d0, XS_TYPE_COUNT, 0, "", 0, buf, sizeof(buf)), "ENOSYS");
    assert_error(call(d0, XS_WATCH_EVENT, 0, "/a|t"), "ENOSYS");
    assert_error(call(d0, XS_READ, 0, "/a|extra"), "EINVAL");
    assert_error(call(d0, XS_INTRODUCE, 0, "x|1|1"), "EINVAL");
    assert_error(call(d0, XS_INTRODUCE, 0, "0|1|1"), "EINVAL");
    assert_error(call(d0, XS_SET_PERMS, 0, "/|q1"), "EINVAL");
    assert_error(call(d0, XS_READ, 7, "/"), "ENOENT"); /* unknown tx */
    /* A request split across reads, then two in one read. */
    memcpy(msg, &hdr, sizeof(hdr));
    memcpy(msg + sizeof(hdr), "/f\0val", 6);
    for (size_t i = 0; i < sizeof(hdr) + 6; i++)
        assert_int_equal(memconn_feed(d0, msg + i, 1), 0);
    assert_int_equal(memconn_recv(d0, buf, sizeof(buf), NULL), XS_WRITE);
    memcpy(msg + sizeof(hdr) + 6, msg, sizeof(hdr) + 6);
    assert_int_equal(memconn_feed(d0, msg, 2 * (sizeof(hdr) + 6)), 0);
    assert_int_equal(memconn_recv(d0, buf, sizeof(buf), NULL), XS_WRITE);
    assert_int_equal(memconn_recv(d0, buf, sizeof(buf), NULL), XS_WRITE);
    /* Over XENSTORE_PAYLOAD_MAX: the connection must be closed. */
    hdr.len = XENSTORE_PAYLOAD_MAX + 1;
    assert_int_equal(memconn_feed(d0, &hdr, sizeof(hdr)), -EPROTO);
    memconn_free(d0);
}

static void test_privileged_only(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0), *d5 = memconn_new(*state, 5);

    assert_error(call(d5, XS_INTRODUCE, 0, "6|1|1"), "EACCES");
    assert_error(call(d5, XS_RELEASE, 0, "6"), "EACCES");
    assert_error(call(d5, XS_CONTROL, 0, "restrict|0"), "EACCES");
    assert_error(call(d5, XS_SET_TARGET, 0, "5|1"), "EACCES");
    assert_error(call(d5, XS_WRITE, 0, "/x|v"), "EACCES");
    memconn_free(d5);
    memconn_free(d0);
}

static void test_quotas(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0), *d5;
    char path[32], big[QUOTA_NODE_SIZE + 64];
    int i;

    home(d0, 5);
    d5 = memconn_new(*state, 5);
    for (i = 0; i < QUOTA_NODES + 5; i++) {
        snprintf(path, sizeof(path), "n%d", i);
        if (write_node(d5, 0, path, "v") != XS_WRITE)
            break;
    }
    assert_int_equal(i, QUOTA_NODES - 1); /* the home counts too */
    assert_string_equal(buf, "ENOSPC");
    /* dom0 is exempt, but what it makes below dom5's home is dom5's. */
    assert_int_equal(write_node(d0, 0, "/local/domain/5/x/y", "v"), XS_WRITE);
    assert_int_equal(domain_find(*state, 5)->nodes, QUOTA_NODES + 2);
    assert_int_equal(call(d5, XS_RM, 0, "x"), XS_RM);
    assert_int_equal(call(d5, XS_RM, 0, "n0"), XS_RM);
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[QUOTA_NODE_SIZE] = '\0';
    assert_error(write_node(d5, 0, "n0", big), "ENOSPC");
    assert_int_equal(write_node(d5, 0, "n0", "small"), XS_WRITE);
    for (i = 0; i < QUOTA_WATCHES + 5; i++) {
        snprintf(path, sizeof(path), "n%d|tok", i);
        if (call(d5, XS_WATCH, 0, path) != XS_WATCH)
            break;
        memconn_recv(d5, buf, sizeof(buf), NULL); /* initial event */
    }
    assert_int_equal(i, QUOTA_WATCHES);
    assert_string_equal(buf, "E2BIG");
    for (i = 0; i < QUOTA_TRANSACTIONS + 5; i++)
        if (call(d5, XS_TRANSACTION_START, 0, "") != XS_TRANSACTION_START)
            break;
    assert_int_equal(i, QUOTA_TRANSACTIONS);
    assert_string_equal(buf, "ENOSPC");
    assert_error(call(d5, XS_SET_PERMS, 0, "n0|n5|r1|r2|r3|r4|r6"), "ENOSPC");
    memconn_free(d5);
    memconn_free(d0);
}

static void test_transaction_nodes_quota(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0), *d5;
    char path[32];
    uint32_t tx;

    home(d0, 5);
    d5 = memconn_new(*state, 5);
    assert_int_equal(call(d5, XS_TRANSACTION_START, 0, ""), XS_TRANSACTION_START);
    tx = (uint32_t)strtoul(buf, NULL, 10);
    assert_error(call(d5, XS_TRANSACTION_START, tx, ""), "EBUSY");
    for (int i = 0; i < 10; i++) {
        snprintf(path, sizeof(path), "t%d", i);
        assert_int_equal(write_node(d5, tx, path, "v"), XS_WRITE);
    }
    assert_int_equal(call(d5, XS_TRANSACTION_END, tx, "T"), XS_TRANSACTION_END);
    assert_int_equal(domain_find(*state, 5)->nodes, 11);
    assert_error(call(d5, XS_TRANSACTION_END, tx, "T"), "ENOENT");
    memconn_free(d5);
    memconn_free(d0);
}

static void test_watch_on_commit(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0), *w = memconn_new(*state, 0);
    uint32_t tx;

    assert_int_equal(call(w, XS_WATCH, 0, "/wt|tok"), XS_WATCH);
    /* The acknowledgement comes before the initial event. */
    assert_int_equal(memconn_recv(w, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_memory_equal(buf, "/wt\0tok", 8);
    assert_int_equal(call(d0, XS_TRANSACTION_START, 0, ""), XS_TRANSACTION_START);
    tx = (uint32_t)strtoul(buf, NULL, 10);
    assert_int_equal(write_node(d0, tx, "/wt/a", "1"), XS_WRITE);
    assert_int_equal(memconn_recv(w, buf, sizeof(buf), NULL), -1);
    assert_int_equal(call(d0, XS_TRANSACTION_END, tx, "T"), XS_TRANSACTION_END);
    assert_int_equal(memconn_recv(w, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_string_equal(buf, "/wt/a");
    /* Aborted: nothing fires. */
    assert_int_equal(call(d0, XS_TRANSACTION_START, 0, ""), XS_TRANSACTION_START);
    tx = (uint32_t)strtoul(buf, NULL, 10);
    assert_int_equal(write_node(d0, tx, "/wt/b", "1"), XS_WRITE);
    assert_int_equal(call(d0, XS_TRANSACTION_END, tx, "F"), XS_TRANSACTION_END);
    assert_int_equal(memconn_recv(w, buf, sizeof(buf), NULL), -1);
    assert_int_equal(call(w, XS_RESET_WATCHES, 0, ""), XS_RESET_WATCHES);
    assert_int_equal(write_node(d0, 0, "/wt/c", "1"), XS_WRITE);
    assert_int_equal(memconn_recv(w, buf, sizeof(buf), NULL), -1);
    memconn_free(w);
    memconn_free(d0);
}

static void test_watch_needs_read(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0), *d5;

    home(d0, 5);
    d5 = memconn_new(*state, 5);
    assert_int_equal(call(d5, XS_WATCH, 0, "/secret|t"), XS_WATCH);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_int_equal(write_node(d0, 0, "/secret", "x"), XS_WRITE);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), -1);
    /* Announced under the old and the new permissions: dom5 gains access
     * and learns of the node... */
    assert_int_equal(call(d0, XS_SET_PERMS, 0, "/secret|n0|r5"), XS_SET_PERMS);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    /* ...and from now on it sees changes, including losing access. */
    assert_int_equal(write_node(d0, 0, "/secret", "y"), XS_WRITE);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_int_equal(call(d0, XS_SET_PERMS, 0, "/secret|n0"), XS_SET_PERMS);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    memconn_free(d5);
    memconn_free(d0);
}

static void test_release(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0), *d5;

    assert_int_equal(call(d0, XS_WATCH, 0, "@releaseDomain|r"), XS_WATCH);
    assert_int_equal(memconn_recv(d0, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    home(d0, 5);
    d5 = memconn_new(*state, 5);
    assert_int_equal(write_node(d5, 0, "data", "v"), XS_WRITE);
    assert_int_equal(call(d5, XS_WATCH, 0, "data|t"), XS_WATCH);
    /* The event is queued while the request runs, before its reply. */
    assert_int_equal(call(d0, XS_RELEASE, 0, "5"), XS_WATCH_EVENT);
    assert_string_equal(buf, "@releaseDomain");
    assert_int_equal(memconn_recv(d0, buf, sizeof(buf), NULL), XS_RELEASE);
    assert_null(d5->conn);
    assert_error(call(d0, XS_READ, 0, "/local/domain/5"), "ENOENT");
    assert_error(call(d0, XS_RELEASE, 0, "5"), "ENOENT");
    memconn_free(d5);
    memconn_free(d0);
}

static void test_special_perms(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0), *d5;

    home(d0, 5);
    d5 = memconn_new(*state, 5);
    assert_int_equal(call(d0, XS_GET_PERMS, 0, "@releaseDomain"), XS_GET_PERMS);
    assert_string_equal(buf, "n0");
    assert_error(call(d0, XS_GET_PERMS, 0, "@nosuch"), "ENOENT");
    assert_error(call(d5, XS_GET_PERMS, 0, "@releaseDomain"), "EACCES");
    assert_error(call(d5, XS_SET_PERMS, 0, "@releaseDomain|n0|r5"), "EACCES");
    /* Until dom0 grants it, a domain's watch on a special name is silent. */
    assert_int_equal(call(d5, XS_WATCH, 0, "@introduceDomain|i"), XS_WATCH);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_int_equal(call(d0, XS_INTRODUCE, 0, "6|6|1"), XS_INTRODUCE);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), -1);
    assert_int_equal(call(d0, XS_SET_PERMS, 0, "@introduceDomain|n0|r5"), XS_SET_PERMS);
    assert_int_equal(call(d0, XS_INTRODUCE, 0, "7|7|1"), XS_INTRODUCE);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_string_equal(buf, "@introduceDomain");
    memconn_free(d5);
    memconn_free(d0);
}

static uint32_t start_tx(struct memconn *mc)
{
    assert_int_equal(call(mc, XS_TRANSACTION_START, 0, ""), XS_TRANSACTION_START);
    return (uint32_t)strtoul(buf, NULL, 10);
}

/* A transaction touches at most quota-max-transaction nodes, and writing
 * one node over and over does not grow what it holds (it grew by a change
 * record per write, 700-880 MB in a minute from one guest). */
static void test_transaction_limits(void **state)
{
    struct xsd *xs = *state;
    struct memconn *d0 = memconn_new(xs, 0), *d5;
    char path[32];
    uint32_t tx;
    size_t mem;
    int i;

    home(d0, 5);
    d5 = memconn_new(xs, 5);
    tx = start_tx(d5);
    for (i = 0; i < 3000; i++)
        assert_int_equal(write_node(d5, tx, "same", "value"), XS_WRITE);
    assert_int_equal(trans_find(d5->conn, tx)->nchanges, 1);
    mem = domain_find(xs, 5)->memory;
    assert_true(mem < 4096);
    assert_int_equal(call(d5, XS_TRANSACTION_END, tx, "T"), XS_TRANSACTION_END);
    /* Reads of distinct (absent) nodes: each is one more node touched. */
    tx = start_tx(d5);
    for (i = 0; i < QUOTA_TRANS_NODES + 10; i++) {
        snprintf(path, sizeof(path), "r%d", i);
        if (call(d5, XS_READ, tx, path) != XS_ERROR || strcmp(buf, "ENOENT"))
            break;
    }
    /* The home itself was the first node touched. */
    assert_int_equal(i, QUOTA_TRANS_NODES - 1);
    assert_string_equal(buf, "ENOSPC");
    assert_error(call(d5, XS_READ, tx, "same"), "ENOSPC");
    assert_error(call(d5, XS_TRANSACTION_END, tx, "T"), "ENOSPC");
    assert_null(trans_find(d5->conn, tx));
    /* dom0 is exempt. */
    tx = start_tx(d0);
    for (i = 0; i < QUOTA_TRANS_NODES + 10; i++) {
        snprintf(path, sizeof(path), "/r%d", i);
        assert_error(call(d0, XS_READ, tx, path), "ENOENT");
    }
    assert_int_equal(call(d0, XS_TRANSACTION_END, tx, "T"), XS_TRANSACTION_END);
    memconn_free(d5);
    memconn_free(d0);
}

/* What a domain makes xenstored hold (nodes it owns, its transactions, its
 * queued output) is counted and bounded by quota-memory. */
static void test_memory_quota(void **state)
{
    struct xsd *xs = *state;
    struct memconn *d0 = memconn_new(xs, 0), *d5;
    char path[32], val[1500];
    struct domain *d;
    size_t base;
    uint32_t tx;
    int i;

    home(d0, 5);
    d5 = memconn_new(xs, 5);
    d = domain_find(xs, 5);
    base = d->memory;
    assert_true(base > 0 && base < 1024);
    xs->quota[Q_MEMORY] = 64 * 1024;
    memset(val, 'v', sizeof(val) - 1);
    val[sizeof(val) - 1] = '\0';
    for (i = 0; i < 100; i++) {
        snprintf(path, sizeof(path), "n%d", i);
        if (write_node(d5, 0, path, val) != XS_WRITE)
            break;
    }
    assert_string_equal(buf, "ENOSPC");
    assert_true(i > 30 && i < 44);
    assert_true(d->memory <= xs->quota[Q_MEMORY]);
    /* Removing gives it back, to the byte. */
    for (int j = 0; j < i; j++) {
        snprintf(path, sizeof(path), "n%d", j);
        assert_int_equal(call(d5, XS_RM, 0, path), XS_RM);
    }
    assert_int_equal(d->memory, base);
    /* A transaction's copies count while it lives and fail it past the
     * quota; ending it gives them back. */
    tx = start_tx(d5);
    for (i = 0; i < 100; i++) {
        snprintf(path, sizeof(path), "n%d", i);
        if (write_node(d5, tx, path, val) != XS_WRITE)
            break;
    }
    assert_string_equal(buf, "ENOSPC");
    assert_true(i > 10 && d->memory > base + 16 * 1024);
    assert_true(d->memory <= xs->quota[Q_MEMORY]);
    assert_int_equal(call(d5, XS_TRANSACTION_END, tx, "F"), XS_TRANSACTION_END);
    assert_int_equal(d->memory, base);
    /* What it reads counts too: past the quota the transaction fails. */
    tx = start_tx(d5);
    memset(val, 'r', 200);
    for (i = 0; i < 1000; i++) {
        snprintf(val + 200, sizeof(val) - 200, "%d", i);
        if (call(d5, XS_READ, tx, val) != XS_ERROR || strcmp(buf, "ENOENT"))
            break;
    }
    assert_string_equal(buf, "ENOSPC");
    assert_true(i > 100 && i < 400);
    assert_error(call(d5, XS_TRANSACTION_END, tx, "T"), "ENOSPC");
    assert_int_equal(d->memory, base);
    /* dom0 giving a node to dom5 moves its cost to dom5. */
    assert_int_equal(write_node(d0, 0, "/given", "abc"), XS_WRITE);
    assert_int_equal(call(d0, XS_SET_PERMS, 0, "/given|n5"), XS_SET_PERMS);
    assert_true(d->memory > base);
    assert_int_equal(call(d0, XS_RM, 0, "/given"), XS_RM);
    assert_int_equal(d->memory, base);
    memconn_free(d5);
    memconn_free(d0);
}

/* Watch events queued for a connection that does not read are bounded
 * (the domain's memory quota; dropped and counted past it), identical
 * queued events are coalesced, and no event is over XENSTORE_PAYLOAD_MAX. */
static void test_event_limits(void **state)
{
    struct xsd *xs = *state;
    struct memconn *d0 = memconn_new(xs, 0), *d5;
    char path[XENSTORE_ABS_PATH_MAX + 1], tok[1200];
    struct domain *d;
    unsigned int nout;
    int i;

    home(d0, 5);
    d5 = memconn_new(xs, 5);
    d = domain_find(xs, 5);
    /* dom0's nodes that dom5 may read: only the events count to dom5. */
    assert_int_equal(call(d0, XS_MKDIR, 0, "/shared"), XS_MKDIR);
    assert_int_equal(call(d0, XS_SET_PERMS, 0, "/shared|n0|r5"), XS_SET_PERMS);
    assert_int_equal(call(d5, XS_WATCH, 0, "/shared|w"), XS_WATCH);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    d5->write_room = 0; /* a watcher that reads nothing */
    xs->quota[Q_MEMORY] = 64 * 1024;
    for (i = 0; i < 100; i++)
        assert_int_equal(write_node(d0, 0, "/shared/same", "v"), XS_WRITE);
    assert_int_equal(d5->conn->nout, 1);
    for (i = 0; i < 5000; i++) {
        snprintf(path, sizeof(path), "/shared/n%d", i % 2000);
        assert_int_equal(write_node(d0, 0, path, "v"), XS_WRITE);
    }
    assert_true(d->memory <= xs->quota[Q_MEMORY]);
    assert_true(d5->conn->dropped > 1000);
    nout = d5->conn->nout;
    assert_true(nout > 100 && nout < 2000);
    /* The watcher reads again: what was queued arrives, then new events. */
    d5->write_room = SIZE_MAX;
    for (i = 0; memconn_recv(d5, buf, sizeof(buf), NULL) == XS_WATCH_EVENT;)
        i++;
    assert_int_equal(i, nout);
    assert_true(d->memory < 1024);
    assert_int_equal(write_node(d0, 0, "/shared/after", "v"), XS_WRITE);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_string_equal(buf, "/shared/after");
    /* path + token over XENSTORE_PAYLOAD_MAX: never sent. */
    memset(tok, 't', sizeof(tok) - 1);
    tok[sizeof(tok) - 1] = '\0';
    snprintf(path, sizeof(path), "/|%s", tok);
    assert_int_equal(call(d0, XS_WATCH, 0, path), XS_WATCH);
    assert_int_equal(memconn_recv(d0, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    memset(path, 'p', sizeof(path) - 1);
    memcpy(path, "/long/", 6);
    path[XENSTORE_ABS_PATH_MAX - 8] = '\0';
    /* (The event, when there is one, comes before the reply.) */
    assert_int_equal(write_node(d0, 0, path, "v"), XS_WRITE);
    assert_int_equal(memconn_recv(d0, buf, sizeof(buf), NULL), -1);
    assert_int_equal(write_node(d0, 0, "/short", "v"), XS_WATCH_EVENT);
    assert_string_equal(buf, "/short");
    assert_int_equal(memconn_recv(d0, buf, sizeof(buf), NULL), XS_WRITE);
    memconn_free(d5);
    memconn_free(d0);
}

/* XS_CONTROL: quotas shown and set (and enforced as set), check corrects
 * a count that drifted, unknown commands are EINVAL. */
static void test_control(void **state)
{
    struct xsd *xs = *state;
    struct memconn *d0 = memconn_new(xs, 0), *d5;
    struct domain *d;

    home(d0, 5);
    d5 = memconn_new(xs, 5);
    assert_int_equal(call(d0, XS_CONTROL, 0, "quota"), XS_CONTROL);
    assert_non_null(strstr(buf, "\ntransaction-nodes:     1024 "));
    assert_int_equal(call(d0, XS_CONTROL, 0, "quota|set|nodes|3"), XS_CONTROL);
    assert_string_equal(buf, "OK");
    assert_int_equal(write_node(d5, 0, "a", ""), XS_WRITE);
    assert_int_equal(write_node(d5, 0, "b", ""), XS_WRITE);
    assert_error(write_node(d5, 0, "c", ""), "ENOSPC");
    assert_error(call(d0, XS_CONTROL, 0, "quota|set|nodes|0"), "EINVAL");
    assert_error(call(d0, XS_CONTROL, 0, "quota|set|bogus|3"), "EINVAL");
    assert_int_equal(call(d0, XS_CONTROL, 0, "quota|5"), XS_CONTROL);
    assert_non_null(strstr(buf, "Domain 5:\nnodes            :        3\n"));
    assert_int_equal(call(d0, XS_CONTROL, 0, "quota-soft|set|memory|4096"), XS_CONTROL);
    assert_int_equal(xs->memory_soft, 4096);
    d = domain_find(xs, 5);
    d->nodes = 77;
    d->memory += 5;
    assert_int_equal(call(d0, XS_CONTROL, 0, "check"), XS_CONTROL);
    assert_int_equal(d->nodes, 3);
    assert_int_equal(call(d0, XS_CONTROL, 0, "quota|5"), XS_CONTROL);
    assert_int_equal(call(d0, XS_CONTROL, 0, "check"), XS_CONTROL);
    assert_int_equal(call(d0, XS_CONTROL, 0, "help"), XS_CONTROL);
    assert_non_null(strstr(buf, "memreport       [<file>]\n"));
    assert_error(call(d0, XS_CONTROL, 0, "bogus"), "EINVAL");
    assert_error(call(d5, XS_CONTROL, 0, "quota"), "EACCES");
    /* Files only where the daemon allows them (not here). */
    assert_error(call(d0, XS_CONTROL, 0, "logfile|/tmp/sv-no"), "EPERM");
    assert_error(call(d0, XS_CONTROL, 0, "memreport|/tmp/sv-no"), "EPERM");
    memconn_free(d5);
    memconn_free(d0);
}

/* XS_CONTROL's per-domain override: one domain's nodes and watches
 * quotas, for an introduced domain only; others keep the global ones. */
static void test_control_domain_quota(void **state)
{
    struct xsd *xs = *state;
    struct memconn *d0 = memconn_new(xs, 0), *d5, *d6;

    home(d0, 5);
    home(d0, 6);
    d5 = memconn_new(xs, 5);
    d6 = memconn_new(xs, 6);
    assert_int_equal(call(d0, XS_CONTROL, 0, "quota|set|nodes|3"), XS_CONTROL);
    assert_int_equal(call(d0, XS_CONTROL, 0, "quota|set|watches|1"), XS_CONTROL);
    assert_error(call(d0, XS_CONTROL, 0, "quota|set|nodes|5|7"), "ENOENT"); /* not introduced */
    assert_error(call(d0, XS_CONTROL, 0, "quota|set|node-size|5|5"), "EINVAL");
    assert_error(call(d0, XS_CONTROL, 0, "quota|set|nodes|5|x"), "ENOENT");
    assert_error(call(d5, XS_CONTROL, 0, "quota|set|nodes|5|5"), "EACCES");
    assert_int_equal(call(d0, XS_CONTROL, 0, "quota|set|nodes|5|5"), XS_CONTROL);
    assert_string_equal(buf, "OK");
    assert_int_equal(call(d0, XS_CONTROL, 0, "quota|set|watches|2|5"), XS_CONTROL);
    assert_int_equal(write_node(d5, 0, "a", ""), XS_WRITE);
    assert_int_equal(write_node(d5, 0, "b", ""), XS_WRITE);
    assert_int_equal(write_node(d5, 0, "c", ""), XS_WRITE);
    assert_int_equal(write_node(d5, 0, "d", ""), XS_WRITE);
    assert_error(write_node(d5, 0, "e", ""), "ENOSPC");
    /* Each watch's first event follows its acknowledgement. */
    assert_int_equal(call(d5, XS_WATCH, 0, "a|t1"), XS_WATCH);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_int_equal(call(d5, XS_WATCH, 0, "b|t2"), XS_WATCH);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_error(call(d5, XS_WATCH, 0, "c|t3"), "E2BIG");
    /* The global quotas for everyone else. */
    assert_int_equal(write_node(d6, 0, "a", ""), XS_WRITE);
    assert_int_equal(write_node(d6, 0, "b", ""), XS_WRITE);
    assert_error(write_node(d6, 0, "c", ""), "ENOSPC");
    assert_int_equal(call(d6, XS_WATCH, 0, "a|t1"), XS_WATCH);
    assert_int_equal(memconn_recv(d6, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_error(call(d6, XS_WATCH, 0, "b|t2"), "E2BIG");
    memconn_free(d6);
    memconn_free(d5);
    memconn_free(d0);
}

/* A domain's requests past its request rate wait unread until its bucket
 * has a token again; dom0's never wait, nor a socket restricted to the
 * domain; dom0 may give a domain its own rate and burst, which it has at
 * once. */
static void test_request_rate(void **state)
{
    struct xsd *xs = *state;
    struct memconn *d0 = memconn_new(xs, 0), *d5;
    uint64_t wait;

    assert_int_equal(call(d0, XS_CONTROL, 0, "quota|set|request-rate|2"), XS_CONTROL);
    assert_int_equal(call(d0, XS_CONTROL, 0, "quota|set|request-burst|3"), XS_CONTROL);
    assert_int_equal(call(d0, XS_CONTROL, 0, "quota"), XS_CONTROL);
    assert_non_null(strstr(buf, "\nrequest-rate     :        2 "));
    assert_non_null(strstr(buf, "\nrequest-burst    :        3 "));
    home(d0, 5);
    d5 = memconn_new(xs, 5);
    d5->conn->rated = true; /* as a domain's ring is */
    for (int i = 0; i < 3; i++)
        assert_int_equal(call(d5, XS_READ, 0, "/local/domain/5"), XS_READ);
    /* The fourth is not read (no answer, still queued), for up to half a
     * second; dom0 is served meanwhile. */
    assert_int_equal(call(d5, XS_READ, 0, "/local/domain/5"), -1);
    assert_int_equal(conn_input(d5->conn), 0);
    wait = conn_input_wait(d5->conn);
    assert_true(wait > 0 && wait <= 500000000ull);
    for (int i = 0; i < 10; i++)
        assert_int_equal(call(d0, XS_READ, 0, "/local/domain/5"), XS_READ);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), -1);
    usleep((useconds_t)(wait / 1000 + 1000));
    assert_int_equal(conn_input_wait(d5->conn), 0);
    assert_int_equal(conn_input(d5->conn), 0);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_READ);
    assert_int_not_equal(conn_input_wait(d5->conn), 0);
    /* Its own burst: a full bucket of it at once. */
    assert_int_equal(call(d0, XS_CONTROL, 0, "quota|set|request-burst|9|5"), XS_CONTROL);
    for (int i = 0; i < 9; i++)
        assert_int_equal(call(d5, XS_READ, 0, "/local/domain/5"), XS_READ);
    assert_int_equal(call(d5, XS_READ, 0, "/local/domain/5"), -1);
    memconn_free(d5);
    d5 = memconn_new(xs, 5); /* a restricted socket: a tool of dom0 */
    for (int i = 0; i < 20; i++)
        assert_int_equal(call(d5, XS_READ, 0, "/local/domain/5"), XS_READ);
    memconn_free(d5);
    memconn_free(d0);
}

/* A domain that gains read access through SET_PERMS, also on a node
 * created and granted in one transaction, gets the event (Xen). */
static void test_watch_gained_access(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0), *d5;
    uint32_t tx;

    home(d0, 5);
    d5 = memconn_new(*state, 5);
    assert_int_equal(write_node(d0, 0, "/g", "v"), XS_WRITE);
    assert_int_equal(call(d5, XS_WATCH, 0, "/g|tg"), XS_WATCH);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_int_equal(call(d5, XS_WATCH, 0, "/h|th"), XS_WATCH);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_int_equal(call(d0, XS_SET_PERMS, 0, "/g|n0|r5"), XS_SET_PERMS);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_string_equal(buf, "/g");
    tx = start_tx(d0);
    assert_int_equal(write_node(d0, tx, "/h", "v"), XS_WRITE);
    assert_int_equal(call(d0, XS_SET_PERMS, tx, "/h|n0|r5"), XS_SET_PERMS);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), -1);
    assert_int_equal(call(d0, XS_TRANSACTION_END, tx, "T"), XS_TRANSACTION_END);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_string_equal(buf, "/h");
    memconn_free(d5);
    memconn_free(d0);
}

/* Reads in a transaction see a snapshot taken at the first look (Xen's
 * test-xenstore "ta err"): a change outside does not show through, and the
 * commit then fails with EAGAIN. */
static void test_transaction_snapshot(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0), *w = memconn_new(*state, 0);
    uint32_t tx;

    assert_int_equal(write_node(d0, 0, "/s/a", "old"), XS_WRITE);
    tx = start_tx(d0);
    assert_int_equal(call(d0, XS_READ, tx, "/s/a"), XS_READ);
    assert_string_equal(buf, "old");
    assert_error(call(d0, XS_READ, tx, "/s/b"), "ENOENT");
    assert_int_equal(call(d0, XS_DIRECTORY, tx, "/s"), XS_DIRECTORY);
    assert_int_equal(write_node(w, 0, "/s/a", "new"), XS_WRITE);
    assert_int_equal(write_node(w, 0, "/s/b", "new"), XS_WRITE);
    assert_int_equal(call(d0, XS_READ, tx, "/s/a"), XS_READ);
    assert_string_equal(buf, "old");
    assert_error(call(d0, XS_READ, tx, "/s/b"), "ENOENT");
    assert_int_equal(call(d0, XS_DIRECTORY, tx, "/s"), XS_DIRECTORY);
    assert_memory_equal(buf, "a\0", 2);
    assert_error(call(d0, XS_TRANSACTION_END, tx, "T"), "EAGAIN");
    memconn_free(w);
    memconn_free(d0);
}

/* Rights granted to a released domain are dropped: a later domain with
 * the same id does not inherit them. */
static void test_release_drops_grants(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0), *d5, *d6;

    home(d0, 5);
    home(d0, 6);
    d6 = memconn_new(*state, 6);
    assert_int_equal(write_node(d0, 0, "/x", "v"), XS_WRITE);
    assert_int_equal(call(d0, XS_SET_PERMS, 0, "/x|n0|r5|r6"), XS_SET_PERMS);
    assert_int_equal(call(d6, XS_WATCH, 0, "/x|t"), XS_WATCH);
    assert_int_equal(memconn_recv(d6, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_int_equal(call(d0, XS_SET_PERMS, 0, "@releaseDomain|n0|r5"), XS_SET_PERMS);
    assert_int_equal(call(d0, XS_SET_TARGET, 0, "6|5"), XS_SET_TARGET);
    assert_int_equal(call(d0, XS_RELEASE, 0, "5"), XS_RELEASE);
    assert_int_equal(call(d0, XS_GET_PERMS, 0, "/x"), XS_GET_PERMS);
    assert_memory_equal(buf, "n0\0r6\0", 6);
    assert_int_equal(call(d0, XS_GET_PERMS, 0, "@releaseDomain"), XS_GET_PERMS);
    assert_memory_equal(buf, "n0\0", 3);
    assert_int_equal(domain_find(*state, 6)->target, DOMID_NONE);
    /* Nobody else's access changed: nothing to announce. */
    assert_int_equal(memconn_recv(d6, buf, sizeof(buf), NULL), -1);
    /* The id comes back for another domain. */
    assert_int_equal(call(d0, XS_INTRODUCE, 0, "5|5|1"), XS_INTRODUCE);
    d5 = memconn_new(*state, 5);
    assert_error(call(d5, XS_READ, 0, "/x"), "EACCES");
    memconn_free(d5);
    memconn_free(d6);
    memconn_free(d0);
}

/* Removing a node the watcher may not read fires the watch of a readable
 * child removed with it (Xen); once, when the parent is readable too. */
static void test_watch_child_removed(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0), *d5;

    home(d0, 5);
    d5 = memconn_new(*state, 5);
    assert_int_equal(write_node(d0, 0, "/p/c", "v"), XS_WRITE);
    assert_int_equal(call(d0, XS_SET_PERMS, 0, "/p/c|n0|r5"), XS_SET_PERMS);
    assert_int_equal(call(d5, XS_WATCH, 0, "/p/c|t"), XS_WATCH);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_int_equal(call(d0, XS_RM, 0, "/p"), XS_RM);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_string_equal(buf, "/p/c");
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), -1);
    /* Both readable: the two announcements coalesce into one event. */
    assert_int_equal(write_node(d0, 0, "/q/c", "v"), XS_WRITE);
    assert_int_equal(call(d0, XS_SET_PERMS, 0, "/q|n0|r5"), XS_SET_PERMS);
    assert_int_equal(call(d0, XS_SET_PERMS, 0, "/q/c|n0|r5"), XS_SET_PERMS);
    assert_int_equal(call(d5, XS_WATCH, 0, "/q/c|t"), XS_WATCH);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_int_equal(call(d0, XS_RM, 0, "/q"), XS_RM);
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), XS_WATCH_EVENT);
    assert_string_equal(buf, "/q/c");
    assert_int_equal(memconn_recv(d5, buf, sizeof(buf), NULL), -1);
    memconn_free(d5);
    memconn_free(d0);
}

static void test_outstanding_quota(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0), *d5;
    struct xsd_sockmsg hdr = {XS_GET_DOMAIN_PATH, 1, 0, 2};
    char msg[sizeof(hdr) + 2];
    int n = 0;

    home(d0, 5);
    d5 = memconn_new(*state, 5);
    d5->write_room = 0; /* a peer that reads no replies */
    memcpy(msg, &hdr, sizeof(hdr));
    memcpy(msg + sizeof(hdr), "5", 2);
    for (int i = 0; i < QUOTA_OUTSTANDING + 10; i++)
        assert_int_equal(memconn_feed(d5, msg, sizeof(msg)), 0);
    assert_false(conn_wants_input(d5->conn));
    d5->write_room = SIZE_MAX;
    assert_int_equal(conn_flush(d5->conn), 0);
    while (memconn_recv(d5, buf, sizeof(buf), NULL) == XS_GET_DOMAIN_PATH)
        n++;
    assert_int_equal(n, QUOTA_OUTSTANDING);
    assert_int_equal(conn_input(d5->conn), 0);
    assert_int_equal(conn_flush(d5->conn), 0);
    while (memconn_recv(d5, buf, sizeof(buf), NULL) == XS_GET_DOMAIN_PATH)
        n++;
    assert_int_equal(n, QUOTA_OUTSTANDING + 10);
    memconn_free(d5);
    memconn_free(d0);
}

static void test_input_budget(void **state)
{
    struct memconn *d0 = memconn_new(*state, 0);
    struct xsd_sockmsg hdr = {XS_GET_DOMAIN_PATH, 1, 0, 2};
    int n = 0;

    for (int i = 0; i < CONN_INPUT_BUDGET + 6; i++) {
        memcpy(d0->in + d0->in_len, &hdr, sizeof(hdr));
        memcpy(d0->in + d0->in_len + sizeof(hdr), "1", 2);
        d0->in_len += sizeof(hdr) + 2;
    }
    assert_int_equal(conn_input(d0->conn), 1);
    assert_int_equal(conn_input(d0->conn), 0);
    while (memconn_recv(d0, buf, sizeof(buf), NULL) == XS_GET_DOMAIN_PATH)
        n++;
    assert_int_equal(n, CONN_INPUT_BUDGET + 6);
    memconn_free(d0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_perm_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_write_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wire_parsing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_privileged_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quotas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_domain_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_rate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transaction_nodes_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_on_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_needs_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outstanding_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transaction_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_gained_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transaction_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_drops_grants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_child_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_special_perms, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
