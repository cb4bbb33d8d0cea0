/* Unit tests: the p2m of RAM and shareable frames, frame references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../p2m.h"

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
    uint64_t pfn;
    int ro;

    (void)state;
    assert_int_equal(p2m_init(&p2m, "t", 0, 1), 0);
    assert_int_equal(p2m_alloc_shared(&p2m, 1, &pfn), 0);
    assert_int_equal(fstat(p2m_frame(&p2m, pfn)->fd, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    ro = frame_open_readonly(p2m_frame(&p2m, pfn));
    assert_true(ro >= 0);
    assert_int_equal(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
    close(ro);
    assert_int_equal(p2m_free_shared(&p2m, pfn), 0);
    assert_int_equal(p2m_free_shared(&p2m, pfn), -EINVAL);
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
        cmocka_unit_test(test_memfds_are_sealed),
        cmocka_unit_test(test_frames_are_charged),
        cmocka_unit_test(test_frames_take_no_mapping),
    };
    return cmocka_run_group_tests_name("p2m", tests, NULL, NULL);
}
