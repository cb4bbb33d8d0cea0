/* cmocka tests of the xnic IOMMU context: map/unmap, the per-page walk,
 * permissions, faults and their rate limit, backing removal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../iommu.h"
#include "sealed_memfd.h"

#define PG 4096u

struct fixture {
    struct iommu_ctx *ctx;
    int fd;
    uint8_t *mem; /* 8 pages, the test's view of backing 1 */
    unsigned reports;
    struct iommu_fault last;
};

static void on_fault(void *arg, const struct iommu_fault *f, uint64_t suppressed)
{
    struct fixture *fx = arg;

    (void)suppressed;
    fx->reports++;
    fx->last = *f;
}

static int setup(void **state)
{
    static struct fixture fx;

    memset(&fx, 0, sizeof(fx));
    fx.ctx = iommu_ctx_new(0x300);
    fx.fd = sealed_memfd(8 * PG);
    fx.mem = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fx.fd, 0);
    assert_int_equal(iommu_add_backing(fx.ctx, 1, fx.fd), 0);
    iommu_set_fault_handler(fx.ctx, on_fault, &fx, 3);
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    iommu_ctx_free(fx->ctx);
    munmap(fx->mem, 8 * PG);
    close(fx->fd);
    return 0;
}

static void test_walk_pages(void **state)
{
    struct fixture *fx = *state;
    struct iommu_piece pc[4];
    uint8_t buf[3 * PG];

    /* IOVA pages 0x100..0x102 -> backing pages 5, 6, 2 (the last not adjacent). */
    assert_int_equal(iommu_map(fx->ctx, 0x100000, 1, 5, 2, IOMMU_PERM_READ | IOMMU_PERM_WRITE), 0);
    assert_int_equal(iommu_map(fx->ctx, 0x102000, 1, 2, 1, IOMMU_PERM_READ), 0);
    assert_int_equal(iommu_walk(fx->ctx, 0x100800, 2 * PG, false, pc, 4, NULL), 2);
    /* The context has its own mapping of the backing: compare through content. */
    fx->mem[5 * PG + 0x800] = 0x11;
    fx->mem[2 * PG] = 0x22;
    assert_int_equal(*(uint8_t *)pc[0].ptr, 0x11);
    assert_int_equal(pc[0].len, 2 * PG - 0x800); /* pages 5 and 6 merged */
    assert_int_equal(*(uint8_t *)pc[1].ptr, 0x22);
    assert_int_equal(pc[1].len, 0x800);
    memset(fx->mem + 2 * PG, 0x42, PG);
    assert_int_equal(iommu_read(fx->ctx, 0x102000, buf, 16, NULL), 0);
    assert_int_equal(buf[15], 0x42);
    assert_int_equal(iommu_walk(fx->ctx, 0x100000, 0, false, pc, 4, NULL), 0);
}

static void test_write_permission(void **state)
{
    struct fixture *fx = *state;
    struct iommu_fault f;
    uint8_t b[8] = {1};

    assert_int_equal(iommu_map(fx->ctx, 0x200000, 1, 0, 1, IOMMU_PERM_READ), 0);
    assert_int_equal(iommu_write(fx->ctx, 0x200000, b, 8, &f), -EFAULT);
    assert_int_equal(f.reason, IOMMU_FAULT_PERM);
    assert_true(f.write);
    assert_int_equal(f.bdf, 0x300);
    assert_int_equal(fx->reports, 1);
}

static void test_unmapped_and_partial(void **state)
{
    struct fixture *fx = *state;
    struct iommu_fault f;
    uint8_t b[2 * PG];

    memset(fx->mem, 0, PG);
    assert_int_equal(iommu_map(fx->ctx, 0x300000, 1, 0, 1, IOMMU_PERM_READ | IOMMU_PERM_WRITE), 0);
    /* A write that runs into an unmapped page faults there and writes nothing. */
    memset(b, 0x77, sizeof(b));
    assert_int_equal(iommu_write(fx->ctx, 0x300800, b, PG, &f), -EFAULT);
    assert_int_equal(f.iova, 0x301000);
    assert_int_equal(f.reason, IOMMU_FAULT_NOT_MAPPED);
    assert_int_equal(fx->mem[0x800], 0);
    assert_int_equal(iommu_unmap(fx->ctx, 0x300000, 1), 0);
    assert_int_equal(iommu_read(fx->ctx, 0x300000, b, 1, &f), -EFAULT);
    assert_int_equal(iommu_read(fx->ctx, (1ull << 48) - 1, b, 2, &f), -EFAULT);
    assert_int_equal(f.reason, IOMMU_FAULT_RANGE);
}

static void test_rate_limit(void **state)
{
    struct fixture *fx = *state;
    uint8_t b;

    for (int i = 0; i < 10; i++)
        iommu_read(fx->ctx, 0x900000, &b, 1, NULL);
    assert_int_equal(fx->reports, 3); /* burst of 3 per second */
    assert_int_equal(iommu_fault_count(fx->ctx), 10);
}

static void test_bad_maps(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(iommu_map(fx->ctx, 0x1001, 1, 0, 1, IOMMU_PERM_READ), -EINVAL);
    assert_int_equal(iommu_map(fx->ctx, 0x1000, 1, 7, 2, IOMMU_PERM_READ), -EINVAL);
    assert_int_equal(iommu_map(fx->ctx, 0x1000, 2, 0, 1, IOMMU_PERM_READ), -ENOENT);
    assert_int_equal(iommu_map(fx->ctx, 0x1000, 1, 0, 1, 0), -EINVAL);
    assert_int_equal(iommu_add_backing(fx->ctx, 1, fx->fd), -EEXIST);
    assert_int_equal(iommu_add_backing(fx->ctx, IOMMU_MAX_BACKINGS, fx->fd), -EINVAL);
    /* Ids far apart: the backing table grows to reach them. */
    assert_int_equal(iommu_add_backing(fx->ctx, 70000, fx->fd), 0);
    assert_int_equal(iommu_map(fx->ctx, 0x1000, 70000, 7, 1, IOMMU_PERM_READ), 0);
    assert_int_equal(iommu_del_backing(fx->ctx, 70000), 0);
    assert_int_equal(iommu_del_backing(fx->ctx, 70000), -ENOENT);
    assert_int_equal(iommu_del_backing(fx->ctx, 900000), -ENOENT);
}

static void test_del_backing_unmaps(void **state)
{
    struct fixture *fx = *state;
    uint8_t b;

    assert_int_equal(iommu_map(fx->ctx, 0x400000, 1, 0, 8, IOMMU_PERM_READ), 0);
    assert_int_equal(iommu_read(fx->ctx, 0x407000, &b, 1, NULL), 0);
    assert_int_equal(iommu_del_backing(fx->ctx, 1), 0);
    assert_int_equal(iommu_read(fx->ctx, 0x407000, &b, 1, NULL), -EFAULT);
    assert_int_equal(iommu_add_backing(fx->ctx, 1, fx->fd), 0);
}

static void test_unsealed_refused(void **state)
{
    struct fixture *fx = *state;
    int fd = memfd_create("unsealed", 0);

    assert_int_equal(ftruncate(fd, PG), 0);
    assert_int_equal(iommu_add_backing(fx->ctx, 3, fd), -EPERM);
    close(fd);
    fd = sealed_memfd(PG / 2 * 3); /* not whole pages */
    assert_int_equal(iommu_add_backing(fx->ctx, 3, fd), -EINVAL);
    close(fd);
}

static void test_readonly_backing(void **state)
{
    struct fixture *fx = *state;
    char path[64];
    int ro;

    snprintf(path, sizeof(path), "/proc/self/fd/%d", fx->fd);
    ro = open(path, O_RDONLY);
    assert_true(ro >= 0);
    assert_int_equal(iommu_add_backing(fx->ctx, 9, ro), 0);
    close(ro);
    assert_int_equal(iommu_map(fx->ctx, 0x500000, 9, 0, 1, IOMMU_PERM_WRITE), -EACCES);
    assert_int_equal(iommu_map(fx->ctx, 0x500000, 9, 0, 1, IOMMU_PERM_READ), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_walk_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_permission, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmapped_and_partial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_maps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_del_backing_unmaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_backing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsealed_refused, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
