/* cmocka tests of the persistent grant mapping cache against an injected
 * map/unmap pair that records what is mapped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sv/gntcache.h"

#define NREFS 16
#define PAGE  4096

/* A fake grant table: ref r of domain d is page pages[d][r]; mappings are
 * heap copies so the test sees exactly what is mapped and when. */
struct fake {
    uint8_t pages[2][NREFS][PAGE];
    int maps, unmaps, live;
    int batches; /* unmap_many calls */
    int last_prot;
    uint32_t last_ref;
};

struct mapping {
    uint8_t data[PAGE];
    struct fake *fake;
    uint32_t domid, ref;
};

static void *fake_map(void *ctx, uint32_t domid, uint32_t ref, int prot)
{
    struct fake *f = ctx;
    struct mapping *m;

    if (domid > 1 || ref >= NREFS) {
        errno = EINVAL;
        return NULL;
    }
    m = malloc(sizeof(*m));
    assert_non_null(m);
    memcpy(m->data, f->pages[domid][ref], PAGE);
    m->fake = f;
    m->domid = domid;
    m->ref = ref;
    f->maps++;
    f->live++;
    f->last_prot = prot;
    f->last_ref = ref;
    return m;
}

static int fake_unmap(void *ctx, void *addr)
{
    struct fake *f = ctx;
    struct mapping *m = addr;

    /* A writable mapping writes back, as shared memory would have. */
    memcpy(f->pages[m->domid][m->ref], m->data, PAGE);
    free(m);
    f->unmaps++;
    f->live--;
    return 0;
}

static const struct gntcache_ops fake_ops = {.map = fake_map, .unmap = fake_unmap};

static int fake_unmap_many(void *ctx, void *const *addrs, size_t n)
{
    struct fake *f = ctx;

    f->batches++;
    for (size_t i = 0; i < n; i++)
        fake_unmap(ctx, addrs[i]);
    return 0;
}

static const struct gntcache_ops batch_ops = {
    .map = fake_map, .unmap = fake_unmap, .unmap_many = fake_unmap_many};

/* One call maps many refs: each a page of its own, as fake_map makes it. */
static size_t fake_map_each(void *ctx, uint32_t domid, const uint32_t *refs, size_t n, int prot,
                            void **pages)
{
    struct fake *f = ctx;
    size_t mapped = 0;
    int maps = f->maps;

    f->batches++;
    for (size_t i = 0; i < n; i++)
        mapped += (pages[i] = fake_map(ctx, domid, refs[i], prot)) != NULL;
    f->maps = maps; /* counted as batches, not maps */
    return mapped;
}

static const struct gntcache_ops prefetch_ops = {
    .map = fake_map, .unmap = fake_unmap, .map_each = fake_map_each};

static struct fake *fake_new(void)
{
    struct fake *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    for (int d = 0; d < 2; d++)
        for (int r = 0; r < NREFS; r++)
            memset(f->pages[d][r], d * 100 + r, PAGE);
    return f;
}

static void test_hit_after_miss(void **state)
{
    struct fake *f = fake_new();
    struct gntcache *c = gntcache_new(4, &fake_ops, f);
    struct gntcache_stats s;
    uint8_t buf[8];

    (void)state;
    assert_int_equal(gntcache_copy_from(c, 0, 3, 100, buf, 8), 0);
    assert_int_equal(buf[0], 3);
    assert_int_equal(gntcache_copy_from(c, 0, 3, 0, buf, 8), 0);
    assert_int_equal(gntcache_copy_from(c, 1, 3, 0, buf, 8), 0);
    assert_int_equal(buf[0], 103);
    gntcache_get_stats(c, &s);
    assert_int_equal(s.misses, 2);
    assert_int_equal(s.hits, 1);
    assert_int_equal(f->maps, 2);
    assert_int_equal(f->last_prot, PROT_READ);
    gntcache_free(c);
    assert_int_equal(f->live, 0);
    free(f);
}

/* Capacity 3: touching 0,1,2 then 0 again and mapping 3 evicts 1, the first
 * the clock finds unused since 0, 1, 2 were mapped (0 got a second chance). */
static void test_eviction_spares_used(void **state)
{
    struct fake *f = fake_new();
    struct gntcache *c = gntcache_new(3, &fake_ops, f);
    struct gntcache_stats s;

    (void)state;
    for (uint32_t r = 0; r < 3; r++)
        assert_non_null(gntcache_get(c, 0, r, false));
    assert_non_null(gntcache_get(c, 0, 0, false));
    assert_non_null(gntcache_get(c, 0, 3, false));
    assert_int_equal(f->live, 3);
    f->maps = 0;
    assert_non_null(gntcache_get(c, 0, 0, false));
    assert_non_null(gntcache_get(c, 0, 2, false));
    assert_non_null(gntcache_get(c, 0, 3, false));
    assert_int_equal(f->maps, 0);
    assert_non_null(gntcache_get(c, 0, 1, false));
    assert_int_equal(f->maps, 1);
    gntcache_get_stats(c, &s);
    assert_int_equal(s.evictions, 2);
    gntcache_free(c);
    assert_int_equal(f->live, 0);
    free(f);
}

/* A full cache says so for new refs only: netback grant-copies those. */
static void test_would_evict(void **state)
{
    struct fake *f = fake_new();
    struct gntcache *c = gntcache_new(2, &fake_ops, f);

    (void)state;
    assert_false(gntcache_would_evict(c, 0, 7));
    assert_non_null(gntcache_get(c, 0, 7, false));
    assert_false(gntcache_would_evict(c, 0, 8));
    assert_non_null(gntcache_get(c, 0, 8, false));
    assert_true(gntcache_would_evict(c, 0, 9));
    assert_false(gntcache_would_evict(c, 0, 7));
    assert_true(gntcache_would_evict(c, 1, 7));
    gntcache_free(c);
    free(f);
}

static void test_write_upgrades_mapping(void **state)
{
    struct fake *f = fake_new();
    struct gntcache *c = gntcache_new(2, &fake_ops, f);
    const uint8_t msg[4] = {9, 8, 7, 6};

    (void)state;
    assert_non_null(gntcache_get(c, 1, 5, false));
    assert_int_equal(gntcache_copy_to(c, 1, 5, 10, msg, 4), 0);
    assert_int_equal(f->last_prot, PROT_READ | PROT_WRITE);
    assert_int_equal(f->live, 1);
    /* A writable mapping serves reads too. */
    f->maps = 0;
    assert_non_null(gntcache_get(c, 1, 5, false));
    assert_int_equal(f->maps, 0);
    gntcache_free(c);
    assert_memory_equal(f->pages[1][5] + 10, msg, 4);
    free(f);
}

static void test_forget_domain(void **state)
{
    struct fake *f = fake_new();
    struct gntcache *c = gntcache_new(8, &fake_ops, f);

    (void)state;
    for (uint32_t r = 0; r < 3; r++) {
        assert_non_null(gntcache_get(c, 0, r, false));
        assert_non_null(gntcache_get(c, 1, r, false));
    }
    gntcache_forget_domain(c, 1);
    assert_int_equal(f->live, 3);
    f->maps = 0;
    assert_non_null(gntcache_get(c, 0, 2, false));
    assert_int_equal(f->maps, 0);
    gntcache_free(c);
    free(f);
}

/* Tearing down unmaps in one batch (one hypercall a page froze netdd for
 * seconds); an eviction or a single forget unmaps its page alone. */
static void test_batched_teardown(void **state)
{
    struct fake *f = fake_new();
    struct gntcache *c = gntcache_new(NREFS, &batch_ops, f);

    (void)state;
    for (uint32_t r = 0; r < 6; r++) {
        assert_non_null(gntcache_get(c, 0, r, false));
        assert_non_null(gntcache_get(c, 1, r, false));
    }
    gntcache_forget(c, 0, 5);
    assert_false(gntcache_has(c, 0, 5));
    assert_true(gntcache_has(c, 0, 4));
    assert_int_equal(f->batches, 0);
    assert_int_equal(f->live, 11);
    gntcache_forget_domain(c, 1);
    assert_int_equal(f->batches, 1);
    assert_int_equal(f->live, 5);
    assert_true(gntcache_has(c, 0, 0));
    gntcache_free(c);
    assert_int_equal(f->batches, 2);
    assert_int_equal(f->live, 0);
    assert_int_equal(f->unmaps, 12);
    free(f);
}

static void test_map_failure(void **state)
{
    struct fake *f = fake_new();
    struct gntcache *c = gntcache_new(2, &fake_ops, f);
    uint8_t buf[4];

    (void)state;
    assert_null(gntcache_get(c, 0, NREFS, false));
    assert_int_equal(errno, EINVAL);
    assert_int_equal(gntcache_copy_from(c, 7, 0, 0, buf, 4), -EINVAL);
    assert_int_equal(f->live, 0);
    assert_null(gntcache_new(0, &fake_ops, f));
    gntcache_free(c);
    free(f);
}

/* Many refs through a small cache: every lookup still sees the right page. */
static void test_churn(void **state)
{
    struct fake *f = fake_new();
    struct gntcache *c = gntcache_new(5, &fake_ops, f);
    uint8_t b;

    (void)state;
    for (int i = 0; i < 1000; i++) {
        uint32_t d = (uint32_t)(i & 1), r = (uint32_t)((i * 7) % NREFS);

        assert_int_equal(gntcache_copy_from(c, d, r, 4095, &b, 1), 0);
        assert_int_equal(b, d * 100 + r);
        assert_true(f->live <= 5);
    }
    gntcache_free(c);
    assert_int_equal(f->live, 0);
    assert_int_equal(f->maps, f->unmaps);
    free(f);
}

/* A prefetch maps in one call what is not cached yet (each ref once),
 * within the free entries, and the gets after it find those pages. */
static void test_prefetch(void **state)
{
    struct fake *f = fake_new();
    struct gntcache *c = gntcache_new(4, &prefetch_ops, f);
    const uint32_t refs[] = {1, 2, 2, 3, 4, 5}, bad[] = {6, 99, 7};
    struct gntcache_stats s;
    uint8_t b;

    (void)state;
    assert_int_equal(gntcache_copy_to(c, 0, 1, 0, &b, 1), 0); /* cached: not again */
    assert_int_equal(f->maps, 1);
    /* 2, 3 and 4 fill the cache; 5 finds no free entry and evicts nothing. */
    assert_int_equal(gntcache_prefetch(c, 0, refs, 6, true), 3);
    assert_int_equal(f->batches, 1);
    assert_int_equal(f->last_prot, PROT_READ | PROT_WRITE);
    assert_int_equal(f->live, 4);
    assert_int_equal(f->unmaps, 0);
    assert_false(gntcache_has(c, 0, 5));
    for (uint32_t r = 1; r <= 4; r++)
        assert_int_equal(gntcache_copy_to(c, 0, r, 0, &b, 1), 0);
    assert_int_equal(f->maps, 1); /* every get found its page */
    gntcache_get_stats(c, &s);
    assert_int_equal(s.prefetched, 3);
    assert_int_equal(s.hits, 4);
    /* Nothing left to map: no call at all. */
    assert_int_equal(gntcache_prefetch(c, 0, refs, 5, true), 0);
    assert_int_equal(f->batches, 1);
    gntcache_free(c);
    assert_int_equal(f->live, 0);
    /* A ref that cannot be mapped is left out; the others are entered. */
    c = gntcache_new(8, &prefetch_ops, f);
    assert_int_equal(gntcache_prefetch(c, 1, bad, 3, false), 2);
    assert_true(gntcache_has(c, 1, 6) && gntcache_has(c, 1, 7));
    assert_false(gntcache_has(c, 1, 99));
    assert_int_equal(gntcache_copy_from(c, 1, 7, 0, &b, 1), 0);
    assert_int_equal(b, 107);
    gntcache_free(c);
    /* A mapper without map_each: nothing is mapped ahead. */
    c = gntcache_new(4, &fake_ops, f);
    assert_int_equal(gntcache_prefetch(c, 0, refs, 6, false), 0);
    assert_int_equal(f->live, 0);
    gntcache_free(c);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_after_miss), cmocka_unit_test(test_eviction_spares_used),
        cmocka_unit_test(test_would_evict),    cmocka_unit_test(test_write_upgrades_mapping),
        cmocka_unit_test(test_forget_domain),  cmocka_unit_test(test_batched_teardown),
        cmocka_unit_test(test_map_failure),    cmocka_unit_test(test_churn),
        cmocka_unit_test(test_prefetch),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
