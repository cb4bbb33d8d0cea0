/* Unit tests: descriptors a peer supplied are closed off the caller's thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "../fdreap.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits (up to 5 s) until fd is no longer open. */
static void wait_closed(int fd)
{
    for (int i = 0; i < 500 && fcntl(fd, F_GETFD) >= 0; i++)
        usleep(10000);
    assert_int_equal(fcntl(fd, F_GETFD), -1);
}

static void test_closes_them(void **state)
{
    int p[2], q[2], fds[3];
    char c;

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(pipe(q), 0);
    fds[0] = p[1];
    fds[1] = -1; /* skipped */
    fds[2] = q[1];
    fdreap_close(fds, 3);
    assert_int_equal(read(p[0], &c, 1), 0); /* EOF: the write end is gone */
    assert_int_equal(read(q[0], &c, 1), 0);
    close(p[0]);
    close(q[0]);
}

/* A TCP socket whose close lingers (unsent data, a peer that never reads). */
static int lingering_socket(int *listener)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct linger lg = {.l_onoff = 1, .l_linger = 4};
    socklen_t len = sizeof(sa);
    static char junk[65536];
    int c;

    *listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(*listener >= 0);
    assert_int_equal(bind(*listener, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(*listener, 1), 0);
    assert_int_equal(getsockname(*listener, (struct sockaddr *)&sa, &len), 0);
    c = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(c, (struct sockaddr *)&sa, len), 0);
    while (send(c, junk, sizeof(junk), MSG_DONTWAIT) > 0)
        ;
    assert_int_equal(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    return c;
}

static void test_a_blocking_close_does_not_block_the_caller(void **state)
{
    int listener, sock = lingering_socket(&listener);
    double start = now();

    (void)state;
    fdreap_close(&sock, 1);
    /* close() itself takes the 4 s linger.  valgrind runs one thread at a
     * time and does not let go while a thread is in close(). */
    if (!RUNNING_ON_VALGRIND)
        assert_true(now() - start < 1);
    wait_closed(sock);
    close(listener);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closes_them),
        cmocka_unit_test(test_a_blocking_close_does_not_block_the_caller),
    };
    return cmocka_run_group_tests_name("fdreap", tests, NULL, NULL);
}
