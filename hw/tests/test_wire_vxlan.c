/*
 * cmocka tests of the vxlan: wire over real loopback sockets: the spec's
 * errors, the RFC 7348 header, head-end replication, MAC learning, and what
 * a peer may send that must be dropped (short, no I flag, another VNI, no
 * Ethernet header, another source, a flood that must not hold the loop).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../wire.h"

#define VNI 0x123456u

static uint16_t port;
static int peer[3]; /* 127.0.0.2, .3: listed peers; .4: a stranger */

static int udp_on(const char *addr)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

    inet_pton(AF_INET, addr, &sin.sin_addr);
    assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
    return s;
}

static struct wire *open_wire(void)
{
    char spec[128];
    int err;
    struct wire *w;

    snprintf(spec, sizeof(spec),
             "vxlan:%u,local=127.0.0.1,remote=127.0.0.2,remote=127.0.0.3,port=%u", VNI, port);
    w = wire_open(spec, &err);
    assert_non_null(w);
    return w;
}

static int setup(void **state)
{
    (void)state;
    port = (uint16_t)(30000 + getpid() % 20000);
    peer[0] = udp_on("127.0.0.2");
    peer[1] = udp_on("127.0.0.3");
    peer[2] = udp_on("127.0.0.4");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++)
        close(peer[i]);
    return 0;
}

static void header(uint8_t *h, uint8_t flags, uint32_t vni)
{
    memset(h, 0, 8);
    h[0] = flags;
    h[4] = (uint8_t)(vni >> 16);
    h[5] = (uint8_t)(vni >> 8);
    h[6] = (uint8_t)vni;
}

/* A frame to dst from src, 60 bytes. */
static void frame(uint8_t *f, uint8_t dst0, uint8_t src_last)
{
    memset(f, 0xab, 60);
    memcpy(f, (uint8_t[]){dst0, 2, 3, 4, 5, 6}, 6);
    memcpy(f + 6, (uint8_t[]){0x02, 0, 0, 0, 0, src_last}, 6);
}

static void peer_send(int from, const void *buf, size_t len)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};

    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    assert_int_equal(sendto(peer[from], buf, len, 0, (struct sockaddr *)&to, sizeof(to)),
                     (ssize_t)len);
}

/* What peer i got: its length, or -1 when nothing waits. */
static ssize_t peer_recv(int i, uint8_t *buf, size_t len)
{
    return recv(peer[i], buf, len, MSG_DONTWAIT);
}

static void test_bad_specs(void **state)
{
    static const char *const bad[] = {"vxlan:",
                                      "vxlan:5",
                                      "vxlan:16777216,remote=127.0.0.1",
                                      "vxlan:-1,remote=127.0.0.1",
                                      "vxlan:5,remote=",
                                      "vxlan:5,remote=host.example",
                                      "vxlan:5,remote=127.0.0.1,port=0",
                                      "vxlan:5,remote=127.0.0.1,port=65536",
                                      "vxlan:5,remote=127.0.0.1,bogus=1",
                                      "vxlan:5,remote=127.0.0.1,remote=::1",
                                      "vxlan:5,remote=127.0.0.1,local=::1",
                                      "vxlan:5,remote=127.0.0.1,local=nowhere"};
    int err;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(wire_open(bad[i], &err));
        assert_int_equal(err, -EINVAL);
    }
}

static void test_header_and_replication(void **state)
{
    struct wire *w = open_wire();
    uint8_t f[60], got[128], want[8];

    (void)state;
    header(want, 0x08, VNI);
    frame(f, 0xff, 1); /* broadcast */
    assert_int_equal(wire_send(w, f, sizeof(f)), 0);
    frame(f, 0x02, 1); /* unicast to a MAC never seen */
    assert_int_equal(wire_send(w, f, sizeof(f)), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(peer_recv(i, got, sizeof(got)), 68);
        assert_memory_equal(got, want, 8);
        assert_int_equal(got[8], 0xff);
        assert_int_equal(peer_recv(i, got, sizeof(got)), 68);
        assert_memory_equal(got + 8, f, sizeof(f));
        assert_int_equal(peer_recv(i, got, sizeof(got)), -1);
    }
    assert_int_equal(peer_recv(2, got, sizeof(got)), -1);
    wire_close(w);
}

static void test_learning(void **state)
{
    struct wire *w = open_wire();
    uint8_t dgram[68], f[60], got[128];

    (void)state;
    /* The second peer speaks from MAC 02:00:00:00:00:07, reserved bits set
     * (ignored on receipt, RFC 7348). */
    header(dgram, 0x08 | 0x80, VNI);
    dgram[1] = dgram[7] = 0xee;
    frame(dgram + 8, 0xff, 7);
    peer_send(1, dgram, sizeof(dgram));
    assert_int_equal(wire_recv(w, got, sizeof(got)), 60);
    assert_memory_equal(got, dgram + 8, 60);
    /* Unicast to that MAC goes to it alone. */
    frame(f, 0x02, 9);
    memcpy(f, (uint8_t[]){0x02, 0, 0, 0, 0, 7}, 6);
    assert_int_equal(wire_send(w, f, sizeof(f)), 0);
    assert_int_equal(peer_recv(1, got, sizeof(got)), 68);
    assert_int_equal(peer_recv(0, got, sizeof(got)), -1);
    wire_close(w);
}

static void test_drops(void **state)
{
    struct wire *w = open_wire();
    uint8_t d[80] = {0}, got[128];

    (void)state;
    peer_send(0, d, 0);
    header(d, 0x08, VNI);
    peer_send(0, d, 7);      /* shorter than the header */
    peer_send(0, d, 8 + 13); /* no whole Ethernet header */
    frame(d + 8, 0xff, 1);
    header(d, 0x00, VNI);
    peer_send(0, d, 68); /* no I flag */
    header(d, 0x08, VNI ^ 1);
    peer_send(0, d, 68); /* another VNI */
    header(d, 0x08, VNI);
    peer_send(2, d, 68); /* not a listed peer */
    assert_int_equal(wire_recv(w, got, sizeof(got)), 0);
    assert_int_equal(wire_recv(w, got, 30), 0 /* truncated: dropped */);
    peer_send(0, d, 68);
    assert_int_equal(wire_recv(w, got, 30), 0);
    peer_send(0, d, 68);
    assert_int_equal(wire_recv(w, got, sizeof(got)), 60);
    wire_close(w);
}

static void test_flood_yields(void **state)
{
    struct wire *w = open_wire();
    uint8_t d[68], got[128];
    long n = 0;
    int calls = 0;

    (void)state;
    header(d, 0x08, VNI ^ 1);
    frame(d + 8, 0xff, 1);
    for (int i = 0; i < 200; i++)
        peer_send(0, d, sizeof(d));
    header(d, 0x08, VNI);
    peer_send(0, d, sizeof(d));
    /* Each receive gives the loop back after at most 64 drops. */
    while (n == 0 && calls < 10) {
        n = wire_recv(w, got, sizeof(got));
        calls++;
    }
    assert_int_equal(n, 60);
    assert_int_equal(calls, 4);
    wire_close(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_specs),    cmocka_unit_test(test_header_and_replication),
        cmocka_unit_test(test_learning),     cmocka_unit_test(test_drops),
        cmocka_unit_test(test_flood_yields),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
