/* Unit tests of the message layer (sv/msg.h) over a real SOCK_SEQPACKET
 * socket pair: whole messages, descriptors that arrive usable and
 * close-on-exec, and no descriptor leaked whatever the peer sends. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "sv/msg.h"

struct pair {
    int a, b;
};

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    assert_non_null(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static int setup(void **state)
{
    struct pair *p = test_malloc(sizeof(*p));
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    p->a = sv[0];
    p->b = sv[1];
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    struct pair *p = *state;

    if (p->a >= 0)
        close(p->a);
    if (p->b >= 0)
        close(p->b);
    test_free(p);
    return 0;
}

static void header_and_body_arrive_as_one_message(void **state)
{
    struct pair *p = *state;
    char buf[64];
    int nfds = 4, fds[4];

    assert_int_equal(msg_send(p->a, "head", 4, "body", 4, NULL, 0, 0), 0);
    assert_int_equal(msg_recv(p->b, buf, sizeof(buf), fds, &nfds), 8);
    assert_memory_equal(buf, "headbody", 8);
    assert_int_equal(nfds, 0);
}

static void descriptors_arrive_usable_and_cloexec(void **state)
{
    struct pair *p = *state;
    int pipefd[2], fds[2], nfds = 2;
    char c = 0, buf[8];

    assert_int_equal(pipe(pipefd), 0);
    assert_int_equal(msg_send(p->a, "x", 1, NULL, 0, pipefd, 2, 0), 0);
    msg_close_fds(pipefd, 2);
    assert_int_equal(msg_recv(p->b, buf, sizeof(buf), fds, &nfds), 1);
    assert_int_equal(nfds, 2);
    assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
    assert_int_equal(write(fds[1], "!", 1), 1);
    assert_int_equal(read(fds[0], &c, 1), 1);
    assert_int_equal(c, '!');
    msg_close_fds(fds, 2);
}

/* A peer sending more descriptors than we take, or any to a receiver that
 * takes none, must not leave them open in the receiver. */
static void descriptors_beyond_what_we_take_are_closed(void **state)
{
    struct pair *p = *state;
    int send[8], fds[1], nfds = 1, before;
    char buf[8];

    for (int i = 0; i < 8; i++)
        send[i] = p->a;
    before = open_fds();
    assert_int_equal(msg_send(p->a, "x", 1, NULL, 0, send, 8, 0), 0);
    assert_int_equal(msg_recv(p->b, buf, sizeof(buf), fds, &nfds), 1);
    assert_int_equal(nfds, 1);
    close(fds[0]);
    assert_int_equal(msg_send(p->a, "y", 1, NULL, 0, send, 8, 0), 0);
    assert_int_equal(msg_recv(p->b, buf, sizeof(buf), NULL, NULL), 1);
    assert_int_equal(open_fds(), before);
}

static void a_truncated_message_is_refused_and_its_fds_closed(void **state)
{
    struct pair *p = *state;
    int send[3] = {p->a, p->a, p->a}, fds[3], nfds = 3, before;
    char big[256] = {0}, buf[16];

    before = open_fds();
    assert_int_equal(msg_send(p->a, big, sizeof(big), NULL, 0, send, 3, 0), 0);
    assert_int_equal(msg_recv(p->b, buf, sizeof(buf), fds, &nfds), -EMSGSIZE);
    assert_int_equal(nfds, 0);
    assert_int_equal(open_fds(), before);
}

static void descriptor_counts_out_of_range_are_refused(void **state)
{
    struct pair *p = *state;
    int fds[SV_MSG_MAX_FDS + 1];

    for (int i = 0; i <= SV_MSG_MAX_FDS; i++)
        fds[i] = p->a;
    assert_int_equal(msg_send(p->a, "x", 1, NULL, 0, fds, -1, 0), -EINVAL);
    assert_int_equal(msg_send(p->a, "x", 1, NULL, 0, fds, SV_MSG_MAX_FDS + 1, 0), -EINVAL);
}

static void peer_gone(void **state)
{
    struct pair *p = *state;

    close(p->b);
    p->b = -1;
    assert_int_equal(msg_send(p->a, "x", 1, NULL, 0, NULL, 0, 0), -EPIPE); /* no SIGPIPE */
}

/* A peer killed with our message unread: the read fails, and says it got no
 * descriptors (the hypervisor once closed its stack's garbage as fds here). */
static void a_failed_read_reports_no_descriptors(void **state)
{
    struct pair *p = *state;
    int fds[4] = {-1, -1, -1, -1}, nfds = 4;
    char buf[8];

    assert_int_equal(msg_send(p->b, "x", 1, NULL, 0, NULL, 0, 0), 0);
    close(p->a);
    p->a = -1;
    assert_int_equal(msg_recv(p->b, buf, sizeof(buf), fds, &nfds), -ECONNRESET);
    assert_int_equal(nfds, 0);
}

static void orderly_shutdown_reads_as_zero(void **state)
{
    struct pair *p = *state;
    char buf[8];

    shutdown(p->a, SHUT_WR);
    assert_int_equal(msg_recv(p->b, buf, sizeof(buf), NULL, NULL), 0);
}

static void closing_skips_negative_descriptors(void **state)
{
    int fds[3] = {-1, dup(0), -1};

    (void)state;
    msg_close_fds(fds, 3);
    assert_int_equal(fcntl(fds[1], F_GETFD), -1);
    assert_int_equal(errno, EBADF);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(header_and_body_arrive_as_one_message),
        T(descriptors_arrive_usable_and_cloexec),
        T(descriptors_beyond_what_we_take_are_closed),
        T(a_truncated_message_is_refused_and_its_fds_closed),
        T(descriptor_counts_out_of_range_are_refused),
        T(peer_gone),
        T(a_failed_read_reports_no_descriptors),
        T(orderly_shutdown_reads_as_zero),
        cmocka_unit_test(closing_skips_negative_descriptors),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
