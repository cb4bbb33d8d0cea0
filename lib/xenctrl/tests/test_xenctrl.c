/*
 * Unit tests of libxenctrl against a fake hypervisor: the library opens its
 * channel through a boot channel (SV_HCALL_FD_ENV) whose answer is queued
 * before the call, then talks to the other end of a socket pair.  What the
 * library makes of replies the hypervisor gets wrong.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xenctrl.h>

#include <cmocka.h>

#include "sv/hcall.h"
#include "sv/msg.h"

struct fake {
    int boot[2]; /* [0] the library's boot channel, [1] the fake's */
    int chan[2]; /* [0] handed to the library, [1] the fake's */
    xc_interface *xch;
};

static void reply(int fd, int32_t ret, const void *res, uint32_t len, const int *fds, int nfds)
{
    struct hc_reply rep = {ret, len};

    assert_int_equal(msg_send(fd, &rep, sizeof(rep), res, len, fds, nfds, 0), 0);
}

static int setup(void **state)
{
    struct fake *f = test_malloc(sizeof(*f));
    char env[16];
    uint32_t none = 0;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f->boot) < 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f->chan) < 0)
        return -1;
    snprintf(env, sizeof(env), "%d", f->boot[0]);
    setenv(SV_HCALL_FD_ENV, env, 1);
    reply(f->boot[1], 0, &none, sizeof(none), &f->chan[0], 1);
    f->xch = xc_interface_open(NULL, NULL, 0);
    unsetenv(SV_HCALL_FD_ENV);
    close(f->chan[0]); /* the library holds its own copy */
    if (!f->xch)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fake *f = *state;

    xc_interface_close(f->xch);
    close(f->boot[0]);
    close(f->boot[1]);
    close(f->chan[1]);
    test_free(f);
    return 0;
}

static void the_console_ring_is_read(void **state)
{
    struct fake *f = *state;
    struct sv_sysctl_readconsole head = {.index = 77};
    char res[sizeof(head) + 5], buf[16];
    unsigned int n = sizeof(buf);
    uint32_t index = 0;

    memcpy(res, &head, sizeof(head));
    memcpy(res + sizeof(head), "hello", 5);
    reply(f->chan[1], 0, res, sizeof(res), NULL, 0);
    assert_int_equal(xc_readconsolering(f->xch, buf, &n, 0, 1, &index), 0);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(index, 77);
}

/* A reply shorter than its header once made a length near 2^64, cut to the
 * caller's buffer: garbage returned as console text. */
static void a_console_reply_without_its_header_is_refused(void **state)
{
    struct fake *f = *state;
    char buf[16];
    unsigned int n = sizeof(buf);

    reply(f->chan[1], 0, "abcd", 4, NULL, 0);
    assert_int_equal(xc_readconsolering(f->xch, buf, &n, 0, 0, NULL), -1);
    assert_int_equal(errno, EPROTO);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(the_console_ring_is_read),
        T(a_console_reply_without_its_header_is_refused),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
