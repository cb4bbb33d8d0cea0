/* Unit tests: the p2m of RAM and shareable frames, frame references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../p2m.h"
#include "sv/msg.h"

/* Writes len bytes at pfn's page through p2m_locate(), as grant copy does. */
static void page_write(const struct p2m *p2m, uint64_t pfn, const char *buf, size_t len)
{
    int fd;
    off_t off;

    assert_int_equal(p2m_locate(p2m, pfn, &fd, &off), 0);
    assert_int_equal(pwrite(fd, buf, len, off), (ssize_t)len);
}

/* The mappings (VMAs) of this process. */
static int count_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    int n = 0, c;

    assert_non_null(f);
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static void test_ram_and_shared_pfns(void **state)
{
    struct p2m p2m;
    uint64_t pfns[4];
    char buf[6];
    off_t off;
    int fd;

    (void)state;
    assert_int_equal(p2m_init(&p2m, "t", 16, 4), 0);
    assert_int_equal(p2m_locate(&p2m, 0, &fd, &off), 0);
    assert_int_equal(fd, p2m.ram_fd);
    assert_int_equal(off, 0);
    assert_int_equal(p2m_locate(&p2m, 15, &fd, &off), 0);
    assert_int_equal(off, 15 * 4096);
    assert_null(p2m_frame(&p2m, 3)); /* RAM is not shareable */
    assert_int_equal(p2m_locate(&p2m, 16, &fd, &off), -EINVAL);
    assert_int_equal(p2m_alloc_shared(&p2m, 4, pfns), 0);
    for (int i = 0; i < 4; i++) {
        assert_true(pfns[i] >= 16 && pfns[i] < 20);
        assert_non_null(p2m_frame(&p2m, pfns[i]));
    }
    assert_int_equal(p2m_alloc_shared(&p2m, 1, pfns), -ENOMEM);
    page_write(&p2m, 17, "frame", 6);
    assert_int_equal(pread(p2m_frame(&p2m, 17)->fd, buf, 6, 0), 6);
    assert_string_equal(buf, "frame");
    assert_int_equal(p2m_locate(&p2m, 20, &fd, &off), -EINVAL);
    p2m_destroy(&p2m);
}

static void test_mapped_frame_outlives_owner(void **state)
{
    struct p2m p2m;
    struct frame *f;
    uint64_t pfn;
    char buf[6];

    (void)state;
    assert_int_equal(p2m_init(&p2m, "t", 0, 2), 0);
    assert_int_equal(p2m_alloc_shared(&p2m, 1, &pfn), 0);
    page_write(&p2m, pfn, "alive", 6);
    f = frame_get(p2m_frame(&p2m, pfn)); /* a foreign mapping */
    assert_int_equal(p2m_free_shared(&p2m, pfn), -EBUSY);
    p2m_destroy(&p2m);
    assert_int_equal(f->refs, 1);
    assert_int_equal(pread(f->fd, buf, 6, 0), 6);
    assert_string_equal(buf, "alive");
    frame_put(f);
}

static void test_frames_are_private_and_readonly_fds_are(void **state)
{
    struct p2m p2m;
    struct stat st;
    uint64_t pfn, hold;
    int ro;

    (void)state;
    assert_int_equal(p2m_init(&p2m, "t", 0, 1), 0);
    assert_int_equal(p2m_alloc_shared(&p2m, 1, &pfn), 0);
    assert_int_equal(fstat(p2m_frame(&p2m, pfn)->fd, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    ro = frame_open_held(p2m_frame(&p2m, pfn), true, &hold);
    assert_true(ro >= 0);
    assert_int_equal(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
    close(ro);
    assert_int_equal(p2m_free_shared(&p2m, pfn), 0);
    assert_int_equal(p2m_free_shared(&p2m, pfn), -EINVAL);
    p2m_destroy(&p2m);
}

static void *hold_forever(void *arg)
{
    int *ready = arg;

    (void)!write(*ready, "R", 1);
    for (;;)
        pause();
    return NULL;
}

/* A child maps fd and lets its main thread exit while a second thread lives
 * on (its /proc/PID/maps and fd read empty then): its pid. */
static pid_t child_maps_after_leader_exit(int fd)
{
    int ready[2];
    pid_t pid;
    char c;

    assert_int_equal(pipe(ready), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pthread_t tid;

        if (mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
            _exit(1);
        close(fd);
        pthread_create(&tid, NULL, hold_forever, &ready[1]);
        pthread_exit(NULL);
    }
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    close(ready[1]);
    return pid;
}

/* What proves an unmap: a mapping's description is held while anything
 * refers to it -- an fd, a dup of it, an mmap, a copy unread in a socket,
 * another process -- and only then; each mapping of a frame apart. */
static void test_held_until_the_last_reference(void **state)
{
    struct p2m p2m;
    struct frame *f;
    uint64_t pfn, h1, h2;
    int fd1, fd2, dupd, sv[2];
    void *p;
    pid_t pid;

    (void)state;
    assert_int_equal(p2m_init(&p2m, "t", 0, 1), 0);
    assert_int_equal(p2m_alloc_shared(&p2m, 1, &pfn), 0);
    f = p2m_frame(&p2m, pfn);
    fd1 = frame_open_held(f, false, &h1);
    fd2 = frame_open_held(f, true, &h2);
    assert_true(fd1 >= 0 && fd2 >= 0);
    assert_int_equal(fcntl(fd1, F_GETFL) & O_ACCMODE, O_RDWR);
    assert_true(frame_held(f, h1) && frame_held(f, h2));

    /* fd -> dup -> mmap: held until the munmap. */
    dupd = dup(fd1);
    close(fd1);
    assert_true(frame_held(f, h1));
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, dupd, 0);
    assert_true(p != MAP_FAILED);
    close(dupd);
    assert_true(frame_held(f, h1));
    munmap(p, 4096);
    assert_false(frame_held(f, h1));
    assert_true(frame_held(f, h2)); /* the other mapping's is its own */

    /* An fd sent and never read, as a map reply a domain leaves unread. */
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(msg_send(sv[0], "x", 1, NULL, 0, &fd2, 1, 0), 0);
    close(fd2);
    assert_true(frame_held(f, h2));
    close(sv[0]);
    close(sv[1]);
    assert_false(frame_held(f, h2));

    /* Another process whose main thread exited, a thread still mapping. */
    fd1 = frame_open_held(f, true, &h1);
    assert_true(fd1 >= 0);
    pid = child_maps_after_leader_exit(fd1);
    close(fd1);
    usleep(100000); /* its leader is a zombie by now */
    assert_true(frame_held(f, h1));
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    assert_false(frame_held(f, h1));

    /* The holder cannot drop the lock unless it may F_OFD_SETLK, which a
     * domain's seccomp filter refuses (hv_hostile tries). */
    assert_int_equal(p2m_free_shared(&p2m, pfn), 0);
    p2m_destroy(&p2m);
}

/* Whoever else holds a frame, RAM or a table cannot resize it or seal it
 * further (a truncated memfd faults every process that maps it). */
static void test_memfds_are_sealed(void **state)
{
    const int all = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
    struct p2m p2m;
    uint64_t pfn;
    int fd;

    (void)state;
    assert_int_equal(p2m_init(&p2m, "t", 4, 1), 0);
    assert_int_equal(p2m_alloc_shared(&p2m, 1, &pfn), 0);
    assert_int_equal(fcntl(p2m.ram_fd, F_GET_SEALS), all);
    assert_int_equal(fcntl(p2m_frame(&p2m, pfn)->fd, F_GET_SEALS), all);
    fd = frame_memfd("t", 3 * 4096);
    assert_true(fd >= 0);
    assert_int_equal(fcntl(fd, F_GET_SEALS), all);
    assert_int_equal(ftruncate(fd, 0), -1);
    assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), -1);
    assert_int_equal(errno, EPERM);
    close(fd);
    p2m_destroy(&p2m);
}

/* Each frame is charged to the quota while it lives, also after its owner
 * let it go while a mapper still holds it. */
static void test_frames_are_charged(void **state)
{
    struct quota q = {.limit = 3};
    struct frame *mapped;
    struct p2m p2m;
    uint64_t pfns[4];

    (void)state;
    assert_int_equal(p2m_init(&p2m, "t", 0, 8), 0);
    p2m.quota = &q;
    assert_int_equal(p2m_alloc_shared(&p2m, 2, pfns), 0);
    assert_int_equal(q.used, 2);
    assert_int_equal(p2m_alloc_shared(&p2m, 2, pfns + 2), -ENOSPC);
    assert_int_equal(q.used, 2); /* all or none */
    assert_int_equal(p2m.nr_shared, 2);
    mapped = frame_get(p2m_frame(&p2m, pfns[0]));
    p2m_destroy(&p2m);
    assert_int_equal(q.used, 1);
    frame_put(mapped);
    assert_int_equal(q.used, 0);
}

/* A frame costs us an fd and no mapping: however many a domain shares,
 * vm.max_map_count is not what stops it (issue 13). */
static void test_frames_take_no_mapping(void **state)
{
    struct p2m p2m;
    uint64_t pfns[256];
    int before;

    (void)state;
    assert_int_equal(p2m_init(&p2m, "t", 64, 256), 0);
    before = count_maps();
    assert_int_equal(p2m_alloc_shared(&p2m, 256, pfns), 0);
    assert_true(count_maps() - before < 8); /* malloc may add an arena or two */
    p2m_destroy(&p2m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ram_and_shared_pfns),
        cmocka_unit_test(test_mapped_frame_outlives_owner),
        cmocka_unit_test(test_frames_are_private_and_readonly_fds_are),
        cmocka_unit_test(test_held_until_the_last_reference),
        cmocka_unit_test(test_memfds_are_sealed),
        cmocka_unit_test(test_frames_are_charged),
        cmocka_unit_test(test_frames_take_no_mapping),
    };
    return cmocka_run_group_tests_name("p2m", tests, NULL, NULL);
}
