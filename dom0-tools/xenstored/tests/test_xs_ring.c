/* Unit tests of the xenstore ring transport on an in-memory page: index
 * arithmetic across wrap-around, hostile indices, and a request/reply
 * through a connection. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../conn.h"
#include "../ring.h"
#include "../xenstored.h"

/* The domain side: produce requests, consume replies. */
static size_t guest_put(struct xenstore_domain_interface *intf, const void *data, size_t len)
{
    size_t done = 0;

    while (done < len && intf->req_prod - intf->req_cons < XENSTORE_RING_SIZE) {
        intf->req[MASK_XENSTORE_IDX(intf->req_prod)] = ((const char *)data)[done++];
        intf->req_prod++;
    }
    return done;
}

static size_t guest_get(struct xenstore_domain_interface *intf, void *buf, size_t len)
{
    size_t done = 0;

    while (done < len && intf->rsp_cons != intf->rsp_prod) {
        ((char *)buf)[done++] = intf->rsp[MASK_XENSTORE_IDX(intf->rsp_cons)];
        intf->rsp_cons++;
    }
    return done;
}

static void test_read_wraps(void **state)
{
    struct xenstore_domain_interface *intf = calloc(1, sizeof(*intf));
    char in[700], out[700];

    (void)state;
    /* Start near the 32-bit wrap of the free-running indices too. */
    intf->req_cons = intf->req_prod = UINT32_MAX - 100;
    for (int round = 0; round < 5; round++) {
        for (size_t i = 0; i < sizeof(in); i++)
            in[i] = (char)(i * 7 + (size_t)round);
        assert_int_equal(guest_put(intf, in, sizeof(in)), sizeof(in));
        assert_int_equal(ring_read(intf, out, 300), 300);
        assert_int_equal(ring_read(intf, out + 300, 1000), 400);
        assert_memory_equal(in, out, sizeof(in));
        assert_int_equal(ring_read(intf, out, 10), 0);
    }
    free(intf);
}

static void test_write_respects_space(void **state)
{
    struct xenstore_domain_interface *intf = calloc(1, sizeof(*intf));
    char data[XENSTORE_RING_SIZE + 100], got[XENSTORE_RING_SIZE + 100];

    (void)state;
    memset(data, 'r', sizeof(data));
    intf->rsp_cons = intf->rsp_prod = 1000;
    assert_int_equal(ring_write(intf, data, sizeof(data)), XENSTORE_RING_SIZE);
    assert_int_equal(ring_write(intf, data, 1), 0);
    assert_int_equal(guest_get(intf, got, 10), 10);
    assert_int_equal(ring_write(intf, data, 100), 10);
    free(intf);
}

static void test_hostile_indices(void **state)
{
    struct xenstore_domain_interface *intf = calloc(1, sizeof(*intf));
    char buf[16];

    (void)state;
    /* A producer more than a ring ahead of us. */
    intf->req_prod = XENSTORE_RING_SIZE + 1;
    assert_int_equal(ring_read(intf, buf, sizeof(buf)), -EIO);
    assert_int_equal(intf->error, XENSTORE_ERROR_RINGIDX);
    /* Once broken, always broken. */
    intf->req_prod = 0;
    assert_int_equal(ring_read(intf, buf, sizeof(buf)), -EIO);
    memset(intf, 0, sizeof(*intf));
    /* A consumer claiming more than we produced. */
    intf->rsp_prod = 5;
    intf->rsp_cons = 6;
    assert_int_equal(ring_write(intf, buf, sizeof(buf)), -EIO);
    assert_int_equal(intf->error, XENSTORE_ERROR_RINGIDX);
    /* Exactly one full ring is fine. */
    memset(intf, 0, sizeof(*intf));
    intf->req_prod = XENSTORE_RING_SIZE;
    assert_int_equal(ring_read(intf, buf, sizeof(buf)), sizeof(buf));
    free(intf);
}

static int notified, released;

static void notify(void *arg)
{
    (void)arg;
    notified++;
}

static void release(void *arg)
{
    (void)arg;
    released++;
}

static void test_conn_over_ring(void **state)
{
    struct xenstore_domain_interface *intf = calloc(1, sizeof(*intf));
    struct xsd *xs = xsd_new();
    struct ring_port *port = ring_port_new(intf, notify, NULL, release, NULL);
    struct conn *conn = conn_new(xs, 3, &ring_transport, port);
    struct xsd_sockmsg hdr = {XS_GET_DOMAIN_PATH, 9, 0, 2}, rh;
    char reply[64];

    (void)state;
    assert_true(intf->server_features & XENSTORE_SERVER_FEATURE_ERROR);
    conn->privileged = false;
    guest_put(intf, &hdr, sizeof(hdr));
    guest_put(intf, "3", 2);
    assert_int_equal(conn_input(conn), 0);
    assert_int_equal(conn_flush(conn), 0);
    assert_true(notified > 0);
    assert_int_equal(guest_get(intf, &rh, sizeof(rh)), sizeof(rh));
    assert_int_equal(rh.type, XS_GET_DOMAIN_PATH);
    assert_int_equal(rh.req_id, 9);
    assert_int_equal(guest_get(intf, reply, rh.len), rh.len);
    assert_string_equal(reply, "/local/domain/3");
    /* A hostile index closes this connection only. */
    intf->req_prod = intf->req_cons + XENSTORE_RING_SIZE + 5;
    assert_int_equal(conn_input(conn), -EIO);
    conn_destroy(conn);
    assert_int_equal(released, 1);
    xsd_free(xs);
    free(intf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_wraps),
        cmocka_unit_test(test_write_respects_space),
        cmocka_unit_test(test_hostile_indices),
        cmocka_unit_test(test_conn_over_ring),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
