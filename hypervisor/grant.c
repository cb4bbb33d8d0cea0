/* Grant table entries, pinning and maptrack: see grant.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "grant.h"
#include "sv/abi/hypercall.h"
#include "sv/util.h"

int grant_table_init(struct grant_table *gt)
{
    static uint64_t next_serial = 1;
    size_t size = SV_GNTTAB_FRAMES * SV_PAGE_SIZE;

    *gt = (struct grant_table){.serial = next_serial++,
                               .fd = -1,
                               .nr_entries = SV_GNTTAB_ENTRIES,
                               .next_free = GRANT_FIRST_FREE_REF};
    /* The domain maps it read-write (Xen ABI) and we map it: sealed. */
    gt->fd = frame_memfd("sv-grant-table", size);
    if (gt->fd < 0)
        return gt->fd;
    gt->entries = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, gt->fd, 0);
    if (gt->entries == MAP_FAILED)
        goto out_close;
    gt->active = calloc(gt->nr_entries, sizeof(*gt->active));
    gt->in_use = calloc(gt->nr_entries, 1);
    if (!gt->active || !gt->in_use)
        goto out_unmap;
    return 0;

out_unmap:
    free(gt->active);
    free(gt->in_use);
    munmap(gt->entries, size);
out_close:
    close(gt->fd);
    gt->fd = -1;
    return -ENOMEM;
}

void grant_table_destroy(struct grant_table *gt)
{
    if (gt->fd < 0)
        return;
    munmap(gt->entries, SV_GNTTAB_FRAMES * SV_PAGE_SIZE);
    close(gt->fd);
    free(gt->active);
    free(gt->in_use);
    gt->fd = -1;
}

int grant_alloc_refs(struct grant_table *gt, uint32_t count, grant_ref_t *refs)
{
    uint32_t found = 0;

    for (uint32_t n = 0; n < gt->nr_entries && found < count; n++) {
        grant_ref_t ref = gt->next_free;

        gt->next_free = ref + 1 < gt->nr_entries ? ref + 1 : GRANT_FIRST_FREE_REF;
        if (gt->in_use[ref])
            continue;
        gt->in_use[ref] = 1;
        refs[found++] = ref;
    }
    if (found == count)
        return 0;
    while (found--)
        gt->in_use[refs[found]] = 0;
    return -ENOSPC;
}

void grant_free_ref(struct grant_table *gt, grant_ref_t ref)
{
    if (ref < gt->nr_entries)
        gt->in_use[ref] = 0;
}

void grant_fill(struct grant_table *gt, grant_ref_t ref, domid_t domid, uint64_t pfn, bool readonly)
{
    grant_entry_v1_t *e = &gt->entries[ref];

    e->domid = domid;
    e->frame = (uint32_t)pfn;
    __atomic_store_n(&e->flags, GTF_permit_access | (readonly ? GTF_readonly : 0),
                     __ATOMIC_RELEASE);
}

int grant_end_access(struct grant_table *gt, grant_ref_t ref)
{
    uint16_t flags;

    if (ref >= gt->nr_entries)
        return -EINVAL;
    flags = __atomic_load_n(&gt->entries[ref].flags, __ATOMIC_ACQUIRE);
    do {
        if (flags & (GTF_reading | GTF_writing))
            return -EBUSY;
    } while (!__atomic_compare_exchange_n(&gt->entries[ref].flags, &flags, 0, false,
                                          __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    return 0;
}

/*
 * Xen's _set_status_v1: flags and domid are one 32-bit word, swapped
 * together, so the granter cannot change the grantee between our check and
 * the pin.
 */
static int16_t grant_set_status(grant_entry_v1_t *e, domid_t mapper, bool readonly)
{
    uint32_t *word = (uint32_t *)e; /* flags (low half), domid (high half) */
    uint32_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE);

    for (;;) {
        uint16_t flags = (uint16_t)old;
        domid_t domid = (domid_t)(old >> 16);
        uint32_t new_flags = flags | GTF_reading | (readonly ? 0 : GTF_writing);

        if ((flags & GTF_type_mask) != GTF_permit_access || domid != mapper)
            return GNTST_general_error;
        if (!readonly && (flags & GTF_readonly))
            return GNTST_general_error;
        if (__atomic_compare_exchange_n(word, &old, (old & 0xffff0000u) | new_flags, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return GNTST_okay;
    }
}

int16_t grant_pin(struct grant_table *gt, grant_ref_t ref, domid_t mapper, bool readonly,
                  uint64_t *pfn)
{
    struct grant_active *act;
    int16_t st;

    if (ref >= gt->nr_entries)
        return GNTST_bad_gntref;
    act = &gt->active[ref];
    st = grant_set_status(&gt->entries[ref], mapper, readonly);
    if (st != GNTST_okay)
        return st;
    if (readonly)
        act->pin_ro++;
    else
        act->pin_rw++;
    *pfn = __atomic_load_n(&gt->entries[ref].frame, __ATOMIC_ACQUIRE);
    return GNTST_okay;
}

void grant_unpin(struct grant_table *gt, grant_ref_t ref, bool readonly)
{
    struct grant_active *act = &gt->active[ref];
    uint16_t clear = 0;

    if (readonly && act->pin_ro)
        act->pin_ro--;
    else if (!readonly && act->pin_rw)
        act->pin_rw--;
    if (!act->pin_rw)
        clear |= GTF_writing;
    if (!act->pin_rw && !act->pin_ro)
        clear |= GTF_reading;
    if (clear)
        __atomic_fetch_and(&gt->entries[ref].flags, (uint16_t)~clear, __ATOMIC_ACQ_REL);
}

void maptrack_unpin(struct grant_table *gt, const struct maptrack_entry *e)
{
    if (gt->serial == e->granter_serial)
        grant_unpin(gt, e->ref, e->readonly);
}

int maptrack_add(struct maptrack *mt, const struct maptrack_entry *e)
{
    uint32_t max = mt->max && mt->max < MAPTRACK_MAX_HANDLES ? mt->max : MAPTRACK_MAX_HANDLES;
    uint32_t i;

    for (i = 0; i < mt->nr && mt->entries[i].used; i++)
        ;
    if (i == max)
        return -ENOSPC;
    if (i == mt->nr) {
        uint32_t nr = mt->nr ? mt->nr * 2 : 64;
        struct maptrack_entry *bigger;

        if (nr > max)
            nr = max;
        bigger = realloc(mt->entries, nr * sizeof(*bigger));
        if (!bigger)
            return -ENOMEM;
        memset(bigger + mt->nr, 0, (nr - mt->nr) * sizeof(*bigger));
        mt->entries = bigger;
        mt->nr = nr;
    }
    mt->entries[i] = *e;
    mt->entries[i].used = true;
    return (int)i;
}

struct maptrack_entry *maptrack_get(struct maptrack *mt, grant_handle_t handle)
{
    if (handle >= mt->nr || !mt->entries[handle].used)
        return NULL;
    return &mt->entries[handle];
}

void maptrack_remove(struct maptrack *mt, grant_handle_t handle)
{
    if (handle < mt->nr)
        mt->entries[handle].used = false;
}

void maptrack_destroy(struct maptrack *mt)
{
    free(mt->entries);
    mt->entries = NULL;
    mt->nr = 0;
}
