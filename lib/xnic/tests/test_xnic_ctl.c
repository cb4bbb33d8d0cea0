/* cmocka tests of the xnic control message layer over a socketpair: fds
 * travel with a message, short or truncated messages are refused and their
 * fds closed, request/reply matching skips unsolicited FAULT messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sv/abi/xnic_ctl.h"

static int sp[2];

static int setup(void **state)
{
    (void)state;
    return socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp);
}

static int teardown(void **state)
{
    (void)state;
    close(sp[0]);
    close(sp[1]);
    return 0;
}

static void test_fds_travel(void **state)
{
    struct xnic_ctl_hdr h = {.type = XNIC_CTL_IOMMU_BACKING, .seq = 7, .func = 2};
    struct xnic_ctl_backing b = {.id = 5};
    uint8_t buf[XNIC_CTL_MAX_MSG];
    int fds[XNIC_CTL_MAX_FDS], p[2];
    unsigned n;

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(xnic_ctl_send(sp[0], &h, &b, sizeof(b), p, 2), 0);
    assert_int_equal(xnic_ctl_recv(sp[1], buf, sizeof(buf), fds, &n), sizeof(h) + sizeof(b));
    assert_int_equal(n, 2);
    assert_int_equal(((struct xnic_ctl_hdr *)buf)->func, 2);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(read(fds[0], buf, 1), 1); /* the received fd is the pipe */
    for (unsigned i = 0; i < 2; i++) {
        close(fds[i]);
        close(p[i]);
    }
}

static void test_short_and_truncated(void **state)
{
    struct xnic_ctl_hdr h = {.type = XNIC_CTL_INFO};
    uint8_t buf[XNIC_CTL_MAX_MSG] = {0};
    int fds[XNIC_CTL_MAX_FDS], p[2];
    unsigned n;

    (void)state;
    assert_int_equal(write(sp[0], "abc", 3), 3);
    assert_int_equal(xnic_ctl_recv(sp[1], buf, sizeof(buf), fds, &n), -EBADMSG);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(xnic_ctl_send(sp[0], &h, buf, 100, p, 1), 0);
    assert_int_equal(xnic_ctl_recv(sp[1], buf, sizeof(h) + 10, fds, &n), -EBADMSG);
    assert_int_equal(n, 0);
    close(p[0]);
    close(p[1]);
    assert_int_equal(xnic_ctl_send(sp[0], &h, buf, XNIC_CTL_MAX_MSG, NULL, 0), -EINVAL);
}

static unsigned faults_seen;

static void on_fault(void *arg, const struct xnic_ctl_fault *f)
{
    (void)arg;
    assert_int_equal(f->iova, 0xdead000);
    faults_seen++;
}

static void test_call_skips_faults(void **state)
{
    struct xnic_ctl_hdr fault = {.type = XNIC_CTL_FAULT};
    struct xnic_ctl_fault fr = {.iova = 0xdead000};
    struct xnic_ctl_hdr reply = {
        .type = XNIC_CTL_FLR, .flags = XNIC_CTL_F_REPLY, .status = -ENOENT};
    uint8_t buf[XNIC_CTL_MAX_MSG];
    int fds[XNIC_CTL_MAX_FDS];
    unsigned n;

    (void)state;
    /* The "device" answers after an unsolicited fault and a stale reply. */
    assert_int_equal(xnic_ctl_send(sp[1], &fault, &fr, sizeof(fr), NULL, 0), 0);
    reply.seq = 0xffffff;
    assert_int_equal(xnic_ctl_send(sp[1], &reply, NULL, 0, NULL, 0), 0);
    /* xnic_ctl_call's first seq is 1. */
    reply.seq = 1;
    assert_int_equal(xnic_ctl_send(sp[1], &reply, NULL, 0, NULL, 0), 0);
    assert_int_equal(
        xnic_ctl_call(sp[0], XNIC_CTL_FLR, 0, NULL, 0, NULL, 0, NULL, 0, on_fault, NULL), -ENOENT);
    assert_int_equal(faults_seen, 1);
    assert_true(xnic_ctl_recv(sp[1], buf, sizeof(buf), fds, &n) > 0); /* the request */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fds_travel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_and_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_skips_faults, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
