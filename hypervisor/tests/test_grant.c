/* Unit tests: grant entry pinning (Xen's status protocol), ref allocation, maptrack. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "../grant.h"
#include "sv/abi/hypercall.h"

static int setup(void **state)
{
    static struct grant_table gt;

    if (grant_table_init(&gt))
        return -1;
    *state = &gt;
    return 0;
}

static int teardown(void **state)
{
    grant_table_destroy(*state);
    return 0;
}

static void test_pin_sets_status_bits(void **state)
{
    struct grant_table *gt = *state;
    uint64_t pfn = 0;

    grant_fill(gt, 10, 7, 1234, false);
    assert_int_equal(grant_pin(gt, 10, 7, false, &pfn), GNTST_okay);
    assert_int_equal(pfn, 1234);
    assert_true(gt->entries[10].flags & GTF_reading);
    assert_true(gt->entries[10].flags & GTF_writing);
    assert_int_equal(grant_end_access(gt, 10), -EBUSY);
    grant_unpin(gt, 10, false);
    assert_false(gt->entries[10].flags & (GTF_reading | GTF_writing));
    assert_int_equal(grant_end_access(gt, 10), 0);
    assert_int_equal(gt->entries[10].flags, 0);
}

static void test_pin_only_for_named_domain(void **state)
{
    struct grant_table *gt = *state;
    uint64_t pfn;

    grant_fill(gt, 11, 7, 1, false);
    assert_int_equal(grant_pin(gt, 11, 8, false, &pfn), GNTST_general_error);
    assert_int_equal(grant_pin(gt, 11, 8, true, &pfn), GNTST_general_error);
    assert_int_equal(gt->entries[11].flags, GTF_permit_access);
}

static void test_readonly_grant_refuses_write_pin(void **state)
{
    struct grant_table *gt = *state;
    uint64_t pfn;

    grant_fill(gt, 12, 7, 1, true);
    assert_int_equal(grant_pin(gt, 12, 7, false, &pfn), GNTST_general_error);
    assert_int_equal(grant_pin(gt, 12, 7, true, &pfn), GNTST_okay);
    assert_false(gt->entries[12].flags & GTF_writing);
    grant_unpin(gt, 12, true);
}

static void test_bad_ref_and_ended_grant(void **state)
{
    struct grant_table *gt = *state;
    uint64_t pfn;

    assert_int_equal(grant_pin(gt, gt->nr_entries, 7, true, &pfn), GNTST_bad_gntref);
    grant_fill(gt, 13, 7, 1, false);
    assert_int_equal(grant_end_access(gt, 13), 0);
    assert_int_equal(grant_pin(gt, 13, 7, true, &pfn), GNTST_general_error);
}

static void test_pins_counted_per_kind(void **state)
{
    struct grant_table *gt = *state;
    uint64_t pfn;

    grant_fill(gt, 14, 7, 1, false);
    assert_int_equal(grant_pin(gt, 14, 7, false, &pfn), GNTST_okay);
    assert_int_equal(grant_pin(gt, 14, 7, true, &pfn), GNTST_okay);
    grant_unpin(gt, 14, false);
    /* the read-only pin remains: reading stays, writing goes */
    assert_true(gt->entries[14].flags & GTF_reading);
    assert_false(gt->entries[14].flags & GTF_writing);
    assert_int_equal(grant_end_access(gt, 14), -EBUSY);
    grant_unpin(gt, 14, true);
    assert_int_equal(grant_end_access(gt, 14), 0);
}

static void test_alloc_refs_all_or_none(void **state)
{
    struct grant_table *gt = *state;
    static grant_ref_t refs[SV_GNTTAB_ENTRIES];
    uint32_t usable = gt->nr_entries - GRANT_FIRST_FREE_REF;

    assert_int_equal(grant_alloc_refs(gt, usable, refs), 0);
    for (uint32_t i = 0; i < usable; i++)
        assert_true(refs[i] >= GRANT_FIRST_FREE_REF && refs[i] < gt->nr_entries);
    assert_int_equal(grant_alloc_refs(gt, 1, refs), -ENOSPC);
    grant_free_ref(gt, refs[5]);
    assert_int_equal(grant_alloc_refs(gt, 2, refs), -ENOSPC);
    assert_int_equal(grant_alloc_refs(gt, 1, refs + 1), 0);
}

static void test_maptrack(void **state)
{
    struct maptrack mt = {0};
    struct maptrack_entry e = {.granter = 3, .ref = 9};
    int h[100];

    (void)state;
    for (int i = 0; i < 100; i++) {
        h[i] = maptrack_add(&mt, &e);
        assert_true(h[i] >= 0);
    }
    assert_non_null(maptrack_get(&mt, (grant_handle_t)h[42]));
    maptrack_remove(&mt, (grant_handle_t)h[42]);
    assert_null(maptrack_get(&mt, (grant_handle_t)h[42]));
    assert_null(maptrack_get(&mt, 60000));
    assert_int_equal(maptrack_add(&mt, &e), h[42]); /* slots are reused */
    maptrack_destroy(&mt);
}

/* max_maptrack_frames: a mapper holds at most mt.max mappings. */
static void test_maptrack_limit(void **state)
{
    struct maptrack mt = {.max = 70};
    struct maptrack_entry e = {.granter = 3, .ref = 9};

    (void)state;
    for (int i = 0; i < 70; i++)
        assert_int_equal(maptrack_add(&mt, &e), i);
    assert_int_equal(maptrack_add(&mt, &e), -ENOSPC);
    maptrack_remove(&mt, 5);
    assert_int_equal(maptrack_add(&mt, &e), 5);
    assert_int_equal(mt.nr, 70); /* never grown past the limit */
    maptrack_destroy(&mt);
}

/* A mapping of a dead granter's grant must not unpin the same ref of the
 * next domain that gets its domid (the old and new tables have the same
 * domid; only their serials tell them apart). */
static void test_stale_mapping_leaves_new_granter_alone(void **state)
{
    struct grant_table old, new;
    struct maptrack_entry e;
    uint64_t pfn;

    (void)state;
    assert_int_equal(grant_table_init(&old), 0);
    grant_fill(&old, 20, 7, 1, false);
    assert_int_equal(grant_pin(&old, 20, 7, false, &pfn), GNTST_okay);
    e = (struct maptrack_entry){.granter = 5, .granter_serial = old.serial, .ref = 20};
    grant_table_destroy(&old); /* the granter died; domain 7 still maps */
    assert_int_equal(grant_table_init(&new), 0);
    assert_int_not_equal(new.serial, e.granter_serial);
    grant_fill(&new, 20, 8, 1, false);
    assert_int_equal(grant_pin(&new, 20, 8, false, &pfn), GNTST_okay);
    maptrack_unpin(&new, &e); /* domain 7 unmaps its old mapping */
    assert_true(new.entries[20].flags &(GTF_reading | GTF_writing));
    assert_int_equal(grant_end_access(&new, 20), -EBUSY);
    e.granter_serial = new.serial; /* the mapping that did pin it */
    maptrack_unpin(&new, &e);
    assert_int_equal(grant_end_access(&new, 20), 0);
    grant_table_destroy(&new);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pin_sets_status_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pin_only_for_named_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_grant_refuses_write_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_ref_and_ended_grant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pins_counted_per_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_refs_all_or_none, setup, teardown),
        cmocka_unit_test(test_maptrack),
        cmocka_unit_test(test_stale_mapping_leaves_new_granter_alone),
        cmocka_unit_test(test_maptrack_limit),
    };
    return cmocka_run_group_tests_name("grant", tests, NULL, NULL);
}
