/* Unit tests: the /proc scan that proves an unmap (procfs.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../procfs.h"

static ino_t memfd_ino(int fd)
{
    struct stat st;

    assert_int_equal(fstat(fd, &st), 0);
    return st.st_ino;
}

static int new_memfd(void)
{
    int fd = memfd_create("t", MFD_CLOEXEC);

    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 4096), 0);
    return fd;
}

/* Ours: one mapped, one held as an fd, one neither; one scan for all. */
static void test_finds_maps_and_fds_in_one_scan(void **state)
{
    int mapped = new_memfd(), held = new_memfd(), gone = new_memfd();
    ino_t inos[3] = {memfd_ino(mapped), memfd_ino(held), memfd_ino(gone)};
    void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, mapped, 0);
    uint64_t before = proc_scan_count();
    bool found[3];

    (void)state;
    assert_true(p != MAP_FAILED);
    close(mapped);
    close(gone);
    assert_int_equal(proc_find_frames(getpid(), inos, 3, found), 0);
    assert_true(found[0]);
    assert_true(found[1]);
    assert_false(found[2]);
    assert_int_equal(proc_scan_count() - before, 1);
    munmap(p, 4096);
    close(held);
}

static void *child_thread(void *arg)
{
    int *ready = arg;

    (void)!write(*ready, "R", 1);
    for (;;)
        pause();
    return NULL;
}

/* A child maps a frame and holds another, then its main thread exits while
 * a second thread lives on: /proc/PID/maps and /fd read empty, the frames
 * must still be found. */
static void test_leader_exit_hides_nothing(void **state)
{
    int mapped = new_memfd(), held = new_memfd(), ready[2];
    ino_t inos[2] = {memfd_ino(mapped), memfd_ino(held)};
    bool found[2];
    pid_t pid;
    char c;

    (void)state;
    assert_int_equal(pipe(ready), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pthread_t tid;

        if (mmap(NULL, 4096, PROT_READ, MAP_SHARED, mapped, 0) == MAP_FAILED)
            _exit(1);
        close(mapped);
        pthread_create(&tid, NULL, child_thread, &ready[1]);
        pthread_exit(NULL);
    }
    close(mapped);
    close(held);
    assert_int_equal(read(ready[0], &c, 1), 1);
    usleep(200000); /* the leader is a zombie by now */
    assert_int_equal(proc_find_frames(pid, inos, 2, found), 0);
    assert_true(found[0]);
    assert_true(found[1]);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* Gone: it holds nothing. */
    assert_int_equal(proc_find_frames(pid, inos, 2, found), 0);
    assert_false(found[0] || found[1]);
    close(ready[0]);
    close(ready[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finds_maps_and_fds_in_one_scan),
        cmocka_unit_test(test_leader_exit_hides_nothing),
    };
    return cmocka_run_group_tests_name("procfs", tests, NULL, NULL);
}
