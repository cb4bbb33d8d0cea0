/* Unit tests: the pid that counts is the lock holder's, never a stale file's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "sv/pidfile.h"

static char dir[] = "/tmp/sv-pidfile.XXXXXX";
static char path[64];

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/test.pid", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return rmdir(dir);
}

/* A child that claims the file, says so through the pipe, then waits. */
static pid_t holder(void)
{
    int p[2];
    pid_t pid;
    char c = 0;

    assert_int_equal(pipe(p), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = sv_pidfile_claim(path);

        (void)!write(p[1], fd >= 0 ? "R" : "E", 1);
        pause();
        _exit(0);
    }
    close(p[1]);
    assert_int_equal(read(p[0], &c, 1), 1);
    close(p[0]);
    assert_int_equal(c, 'R');
    return pid;
}

static void test_no_file_is_no_owner(void **state)
{
    (void)state;
    unlink(path);
    assert_int_equal(sv_pidfile_owner(path), 0);
    assert_int_equal(sv_pidfile_pidfd(path), -ESRCH);
}

/* A file naming a live process that holds no lock (a stale pid file whose
 * pid went to another program) names nobody. */
static void test_stale_file_names_nobody(void **state)
{
    FILE *f = fopen(path, "w");

    (void)state;
    assert_non_null(f);
    fprintf(f, "%d\n", (int)getppid());
    fclose(f);
    assert_int_equal(sv_pidfile_owner(path), 0);
    assert_int_equal(sv_pidfile_pidfd(path), -ESRCH);
}

static void test_holder_is_owner_and_is_stopped(void **state)
{
    pid_t pid;
    int pidfd;

    (void)state;
    pid = holder();
    assert_int_equal(sv_pidfile_owner(path), pid);
    assert_int_equal(sv_pidfile_claim(path), -EEXIST);
    if (RUNNING_ON_VALGRIND) { /* valgrind does not know pidfd_open */
        kill(pid, SIGTERM);
    } else {
        /* A daemon's parent reaps it: here the kernel, at once. */
        signal(SIGCHLD, SIG_IGN);
        pidfd = sv_pidfile_pidfd(path);
        assert_true(pidfd >= 0);
        assert_int_equal(sv_pidfd_stop(pidfd, 0, 50), -ETIMEDOUT); /* signal 0: only waits */
        assert_int_equal(sv_pidfd_stop(pidfd, SIGTERM, 5000), 0);
        close(pidfd);
        signal(SIGCHLD, SIG_DFL);
    }
    waitpid(pid, NULL, 0);
    /* Dead, its file left behind: nobody owns it, and it can be claimed. */
    assert_int_equal(sv_pidfile_owner(path), 0);
    pid = holder();
    assert_int_equal(sv_pidfile_owner(path), pid);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_file_is_no_owner),
        cmocka_unit_test(test_stale_file_names_nobody),
        cmocka_unit_test(test_holder_is_owner_and_is_stopped),
    };
    return cmocka_run_group_tests_name("pidfile", tests, setup, teardown);
}
