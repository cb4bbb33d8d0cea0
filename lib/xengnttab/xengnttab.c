/*
 * libxengnttab (mapping others' grants, grant copy) and xengntshr (sharing
 * our own pages) with the prototypes of Debian's xengnttab.h.
 *
 * A map hands us one fd per frame (read-only fds for read-only grants); the
 * pages are mapped side by side into one reserved range and the fds closed at
 * once, so the mapping is the only thing that holds the frame.  Unmap first
 * unmaps, then tells the hypervisor, which checks our maps before believing
 * it; a handle it does not believe yet (the frame still mapped by another
 * of our mappings) is kept, and told again by xengnttab_unmap_retry().
 * Sharing allocates fresh frames from the hypervisor, which fills the grant
 * entries.  Unmap notifies (the _notify calls) are armed in the hypervisor,
 * which fires them when the mapping or the share goes, also when this
 * process dies.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xengnttab.h>
#include <xen/sys/gntdev.h>

#include "sv/gnttab_ext.h"
#include "sv/hcall.h"
#include "sv/msg.h"
#include "sv/util.h"

/* One map or share: a range of pages and what the hypervisor knows them by. */
struct gnt_range {
    char *addr;
    uint32_t count;
    uint32_t *ids;  /* grant handles (map) or grant refs (share) */
    uint64_t *inos; /* each page's frame, as /proc/self/maps names it */
    struct gnt_range *next;
};

struct xengntdev_handle {
    int chan;
    pthread_mutex_t lock;
    struct gnt_range *ranges;
    grant_entry_v1_t *table; /* our grant table, mapped at the first move */
    uint32_t table_entries;
    /* Handles whose pages we unmapped but whose unmap the hypervisor did
     * not believe yet (the frame was still mapped elsewhere in this
     * process): xengnttab_unmap_retry() tells it again. */
    uint32_t *refused;
    uint32_t nrefused, refused_cap;
};

static void *fail_ptr(int err)
{
    errno = -err;
    return NULL;
}

static struct xengntdev_handle *handle_open(void)
{
    struct xengntdev_handle *h = calloc(1, sizeof(*h));

    if (!h)
        return NULL;
    h->chan = hcall_open();
    if (h->chan < 0) {
        int err = h->chan;

        free(h);
        return fail_ptr(err);
    }
    pthread_mutex_init(&h->lock, NULL);
    return h;
}

static void range_free(struct gnt_range *r)
{
    free(r->ids);
    free(r->inos);
    free(r);
}

/* A mapping of this process, from /proc/self/maps. */
struct maps_line {
    uintptr_t start, end;
    uint64_t ino;
};

/* This process's mappings, or NULL (*n = 0) when they cannot be read. */
static struct maps_line *maps_read(size_t *n)
{
    FILE *f = fopen("/proc/self/maps", "re");
    struct maps_line *lines = NULL, *bigger;
    size_t cap = 0;
    char buf[512];

    *n = 0;
    while (f && fgets(buf, sizeof(buf), f)) {
        struct maps_line l;
        unsigned long start, end, ino;

        if (sscanf(buf, "%lx-%lx %*s %*s %*s %lu", &start, &end, &ino) != 3)
            continue;
        l = (struct maps_line){start, end, ino};
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            bigger = realloc(lines, cap * sizeof(*lines));
            if (!bigger)
                break;
            lines = bigger;
        }
        lines[(*n)++] = l;
    }
    if (f)
        fclose(f);
    return lines;
}

static bool maps_has(const struct maps_line *l, size_t n, const char *addr, uint64_t ino)
{
    for (size_t i = 0; i < n; i++)
        if ((uintptr_t)addr >= l[i].start && (uintptr_t)addr < l[i].end)
            return l[i].ino == ino;
    return false;
}

static void handle_close(struct xengntdev_handle *h)
{
    struct gnt_range *r, *next;
    size_t nmaps = 0;
    struct maps_line *maps = h->ranges ? maps_read(&nmaps) : NULL;

    /*
     * Unmapping first lets the hypervisor believe the channel's close.  A
     * page the caller unmapped itself (libxenvchan munmaps its rings before
     * closing, as gntdev and gntalloc allow) may hold another mapping by
     * now: only a page still mapping its own frame is unmapped.  Unreadable
     * maps leave every page mapped, pinned until we exit: the safe side.
     */
    for (r = h->ranges; r; r = next) {
        next = r->next;
        for (uint32_t i = 0; i < r->count; i++) {
            char *page = r->addr + (size_t)i * SV_PAGE_SIZE;

            if (maps_has(maps, nmaps, page, r->inos[i]))
                munmap(page, SV_PAGE_SIZE);
        }
        range_free(r);
    }
    free(maps);
    if (h->table)
        munmap(h->table, (size_t)h->table_entries * sizeof(*h->table));
    close(h->chan);
    pthread_mutex_destroy(&h->lock);
    free(h->refused);
    free(h);
}

static void range_add(struct xengntdev_handle *h, struct gnt_range *r)
{
    pthread_mutex_lock(&h->lock);
    r->next = h->ranges;
    h->ranges = r;
    pthread_mutex_unlock(&h->lock);
}

static struct gnt_range *range_take(struct xengntdev_handle *h, void *addr, uint32_t count)
{
    struct gnt_range *r = NULL;

    pthread_mutex_lock(&h->lock);
    for (struct gnt_range **pp = &h->ranges; *pp; pp = &(*pp)->next)
        if ((*pp)->addr == addr && (*pp)->count == count) {
            r = *pp;
            *pp = r->next;
            break;
        }
    pthread_mutex_unlock(&h->lock);
    return r;
}

/* Maps fds[i] at page i of a fresh range, closing every fd; inos[i] is
 * the frame's inode. */
static char *map_fds(const int *fds, uint32_t count, int prot, uint64_t *inos)
{
    size_t len = (size_t)count * SV_PAGE_SIZE;
    char *base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    bool ok = base != MAP_FAILED;

    for (uint32_t i = 0; i < count; i++) {
        struct stat st;

        if (ok && fstat(fds[i], &st) < 0)
            ok = false;
        inos[i] = ok ? st.st_ino : 0;
        if (ok && mmap(base + (size_t)i * SV_PAGE_SIZE, SV_PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED,
                       fds[i], 0) == MAP_FAILED)
            ok = false;
        close(fds[i]);
    }
    if (ok)
        return base;
    if (base != MAP_FAILED)
        munmap(base, len);
    return NULL;
}

/* Keeps handle for xengnttab_unmap_retry(); false when out of memory. */
static bool refused_add(struct xengntdev_handle *h, uint32_t handle)
{
    bool ok = true;

    pthread_mutex_lock(&h->lock);
    if (h->nrefused == h->refused_cap) {
        uint32_t cap = h->refused_cap ? 2 * h->refused_cap : 64;
        uint32_t *n = realloc(h->refused, cap * sizeof(*n));

        if (n) {
            h->refused = n;
            h->refused_cap = cap;
        }
    }
    if (h->nrefused < h->refused_cap)
        h->refused[h->nrefused++] = handle;
    else
        ok = false;
    pthread_mutex_unlock(&h->lock);
    return ok;
}

/* Unmaps a hypercall takes (hypervisor/channel.c): the hypervisor scans
 * our maps once per hypercall, which for a few hundred handles costs more
 * than the rest of the unmap. */
#define UNMAP_BATCH 1024

/* One hypercall for up to UNMAP_BATCH handles whose pages are unmapped
 * already.  A handle the hypervisor does not believe yet (the frame is
 * still mapped here, by another mapping of ours) is kept for a retry:
 * the page is gone, and only the handle can end its pin.  0, -EBUSY (some
 * kept), or another -errno. */
static int unmap_chunk(struct xengntdev_handle *h, const uint32_t *handles, uint32_t count)
{
    gnttab_unmap_grant_ref_t ops[UNMAP_BATCH];
    int err;

    for (uint32_t i = 0; i < count; i++)
        ops[i] = (gnttab_unmap_grant_ref_t){.handle = handles[i]};
    err = hcall_gnttab_unmap_v(h->chan, ops, count, NULL);
    for (uint32_t i = 0; i < count; i++) {
        int16_t st = err < 0 ? GNTST_general_error : ops[i].status;

        if (st == GNTST_general_error && !refused_add(h, handles[i]))
            err = -ENOMEM;
        else if (st != GNTST_okay && !err)
            err = st == GNTST_general_error ? -EBUSY : -EINVAL;
    }
    return err;
}

/* unmap_chunk() over any number of handles. */
static int unmap_handles(struct xengntdev_handle *h, const uint32_t *handles, uint32_t count)
{
    int err = 0;

    for (uint32_t i = 0; i < count; i += UNMAP_BATCH) {
        int e = unmap_chunk(h, handles + i, count - i < UNMAP_BATCH ? count - i : UNMAP_BATCH);

        err = err ? err : e;
    }
    return err;
}

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void)logger;
    (void)open_flags;
    return handle_open();
}

int xengnttab_close(xengnttab_handle *xgt)
{
    if (xgt)
        handle_close(xgt);
    return 0;
}

int xengnttab_fd(xengnttab_handle *xgt)
{
    return xgt->chan;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
    (void)xgt;
    (void)nr_grants;
    return 0; /* no per-handle limit beyond the hypervisor's */
}

static struct gnt_range *range_new(char *addr, uint32_t count, const uint32_t *ids,
                                   const uint64_t *inos)
{
    struct gnt_range *r = calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    r->ids = malloc(count * sizeof(*r->ids));
    r->inos = malloc(count * sizeof(*r->inos));
    if (!r->ids || !r->inos) {
        range_free(r);
        return NULL;
    }
    memcpy(r->ids, ids, count * sizeof(*r->ids));
    memcpy(r->inos, inos, count * sizeof(*r->inos));
    r->addr = addr;
    r->count = count;
    return r;
}

/* Maps the frames the hypervisor handed over and records the range. */
static void *range_map(struct xengntdev_handle *h, const int *fds, uint32_t count, int prot,
                       const uint32_t *ids)
{
    uint64_t inos[SV_HC_MAX_FDS]; /* count is within it: one reply's fds */
    char *addr = map_fds(fds, count, prot, inos);
    struct gnt_range *r = addr ? range_new(addr, count, ids, inos) : NULL;

    if (r) {
        range_add(h, r);
        return addr;
    }
    if (addr)
        munmap(addr, (size_t)count * SV_PAGE_SIZE);
    return NULL;
}

static gnttab_map_grant_ref_t map_op(uint32_t domid, uint32_t ref, int prot, bool device)
{
    return (gnttab_map_grant_ref_t){.flags = GNTMAP_host_map |
                                             ((prot & PROT_WRITE) ? 0 : GNTMAP_readonly) |
                                             (device ? GNTMAP_device_map : 0),
                                    .ref = ref,
                                    .dom = (domid_t)domid};
}

/* Xen's gntdev maps all or nothing: a failed op unmaps the ones that worked. */
static void *map_batch(xengnttab_handle *xgt, uint32_t count, const uint32_t *domids,
                       uint32_t domid_stride, const uint32_t *refs, int prot,
                       uint64_t *dev_bus_addr)
{
    gnttab_map_grant_ref_t ops[SV_HC_MAX_FDS];
    uint32_t handles[SV_HC_MAX_FDS];
    int fds[SV_HC_MAX_FDS];
    struct hcall_io io = {.fds_out = fds, .nfds_max = SV_HC_MAX_FDS};
    uint32_t ok = 0;
    void *addr = NULL;
    int err;

    if (count == 0 || count > SV_HC_MAX_FDS)
        return fail_ptr(-EINVAL);
    for (uint32_t i = 0; i < count; i++)
        ops[i] = map_op(domids[i * domid_stride], refs[i], prot, dev_bus_addr != NULL);
    err = hcall_gnttab_map_v(xgt->chan, ops, count, &io);
    if (err < 0)
        return fail_ptr(err);
    for (uint32_t i = 0; i < count; i++) {
        if (ops[i].status == GNTST_okay)
            handles[ok++] = ops[i].handle;
        if (dev_bus_addr)
            dev_bus_addr[i] = ops[i].dev_bus_addr;
    }
    if (ok == count && io.nfds_out == (int)count)
        addr = range_map(xgt, fds, count, prot, handles); /* closes the fds */
    else
        msg_close_fds(fds, io.nfds_out);
    if (addr)
        return addr;
    if (ok)
        unmap_handles(xgt, handles, ok);
    return fail_ptr(ok == count ? -ENOMEM : -EINVAL);
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
    return map_batch(xgt, 1, &domid, 0, &ref, prot, NULL);
}

void *xengnttab_map_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t *domids,
                               uint32_t *refs, int prot)
{
    return map_batch(xgt, count, domids, 1, refs, prot, NULL);
}

void *xengnttab_map_grant_refs_device(xengnttab_handle *xgt, uint32_t count, uint32_t *domids,
                                      uint32_t *refs, int prot, uint64_t *dev_bus_addr)
{
    return map_batch(xgt, count, domids, 1, refs, prot, dev_bus_addr);
}

/* Up to SV_HC_MAX_FDS refs of map_grant_refs_each(): the hypervisor sends
 * one fd per op that worked, in the order of the ops. */
static uint32_t map_each_chunk(xengnttab_handle *xgt, uint32_t count, uint32_t domid,
                               const uint32_t *refs, int prot, void **pages, uint64_t *dev_bus_addr)
{
    gnttab_map_grant_ref_t ops[SV_HC_MAX_FDS];
    int fds[SV_HC_MAX_FDS];
    struct hcall_io io = {.fds_out = fds, .nfds_max = SV_HC_MAX_FDS};
    uint32_t mapped = 0;
    int k = 0;

    for (uint32_t i = 0; i < count; i++) {
        ops[i] = map_op(domid, refs[i], prot, dev_bus_addr != NULL);
        pages[i] = NULL;
    }
    if (hcall_gnttab_map_v(xgt->chan, ops, count, &io) < 0)
        return 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t handle = ops[i].handle;

        if (ops[i].status != GNTST_okay)
            continue;
        if (k == io.nfds_out) { /* an fd short: not a reply we can use */
            unmap_handles(xgt, &handle, 1);
            continue;
        }
        pages[i] = range_map(xgt, &fds[k++], 1, prot, &handle); /* closes the fd */
        if (!pages[i]) {
            unmap_handles(xgt, &handle, 1);
            continue;
        }
        if (dev_bus_addr)
            dev_bus_addr[i] = ops[i].dev_bus_addr;
        mapped++;
    }
    msg_close_fds(fds + k, io.nfds_out - k);
    return mapped;
}

uint32_t xengnttab_map_grant_refs_each(xengnttab_handle *xgt, uint32_t count, uint32_t domid,
                                       const uint32_t *refs, int prot, void **pages,
                                       uint64_t *dev_bus_addr)
{
    uint32_t mapped = 0;

    for (uint32_t i = 0; i < count; i += SV_HC_MAX_FDS) {
        uint32_t n = count - i < SV_HC_MAX_FDS ? count - i : SV_HC_MAX_FDS;

        mapped += map_each_chunk(xgt, n, domid, refs + i, prot, pages + i,
                                 dev_bus_addr ? dev_bus_addr + i : NULL);
    }
    return mapped;
}

/*
 * Arms the unmap notify of the one-page mapping or share at addr, as Xen's
 * Linux back end does with SET_UNMAP_NOTIFY: a byte to clear when the
 * offset is within the page, an event when the port is not -1.  0 or -errno.
 */
static int arm_notify(struct xengntdev_handle *h, uint32_t kind, void *addr, uint32_t offset,
                      evtchn_port_t port)
{
    struct sv_mem_notify n = {.kind = kind, .offset = offset, .port = port};
    struct gnt_range *r;

    if (offset < SV_PAGE_SIZE)
        n.action |= UNMAP_NOTIFY_CLEAR_BYTE;
    if (port != (evtchn_port_t)-1)
        n.action |= UNMAP_NOTIFY_SEND_EVENT;
    if (!n.action)
        return 0;
    pthread_mutex_lock(&h->lock);
    for (r = h->ranges; r && r->addr != addr; r = r->next)
        ;
    n.id = r ? r->ids[0] : UINT32_MAX;
    pthread_mutex_unlock(&h->lock);
    return hcall_mem_notify(h->chan, &n);
}

void *xengnttab_map_grant_ref_notify(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot,
                                     uint32_t notify_offset, evtchn_port_t notify_port)
{
    void *addr = map_batch(xgt, 1, &domid, 0, &ref, prot, NULL);
    int err;

    if (!addr)
        return NULL;
    err = arm_notify(xgt, SV_NOTIFY_map, addr, notify_offset, notify_port);
    if (!err)
        return addr;
    xengnttab_unmap(xgt, addr, 1);
    return fail_ptr(err);
}

void *xengnttab_map_domain_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t domid,
                                      uint32_t *refs, int prot)
{
    return map_batch(xgt, count, &domid, 0, refs, prot, NULL);
}

int xengnttab_unmap_pages(xengnttab_handle *xgt, void *const *pages, uint32_t count)
{
    uint32_t *handles = malloc((count ? count : 1) * sizeof(*handles)), n = 0;
    int err = 0;

    if (!handles) {
        errno = ENOMEM;
        return -1;
    }
    for (uint32_t i = 0; i < count; i++) {
        struct gnt_range *r = range_take(xgt, pages[i], 1);

        if (!r) {
            err = -EINVAL;
            continue;
        }
        munmap(r->addr, SV_PAGE_SIZE);
        handles[n++] = r->ids[0];
        range_free(r);
    }
    if (n) {
        int e = unmap_handles(xgt, handles, n);

        err = e ? e : err;
    }
    free(handles);
    if (err) {
        errno = -err;
        return -1;
    }
    return 0;
}

int xengnttab_unmap_retry(xengnttab_handle *xgt)
{
    uint32_t *handles, n;
    int err;

    pthread_mutex_lock(&xgt->lock);
    handles = xgt->refused;
    n = xgt->nrefused;
    xgt->refused = NULL;
    xgt->nrefused = xgt->refused_cap = 0;
    pthread_mutex_unlock(&xgt->lock);
    err = n ? unmap_handles(xgt, handles, n) : 0;
    free(handles);
    if (err && err != -EBUSY) {
        errno = -err;
        return -1;
    }
    pthread_mutex_lock(&xgt->lock);
    n = xgt->nrefused;
    pthread_mutex_unlock(&xgt->lock);
    return (int)n;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
    struct gnt_range *r = range_take(xgt, start_address, count);
    int err;

    if (!r) {
        errno = EINVAL;
        return -1;
    }
    munmap(r->addr, (size_t)count * SV_PAGE_SIZE);
    err = unmap_handles(xgt, r->ids, count);
    range_free(r);
    if (err) {
        errno = -err;
        return -1;
    }
    return 0;
}

static void copy_ptr(const union xengnttab_copy_ptr *from, bool gref, struct gnttab_copy_ptr *to)
{
    if (gref) {
        to->u.ref = from->foreign.ref;
        to->domid = from->foreign.domid;
        to->offset = from->foreign.offset;
    } else {
        to->u.gmfn = (xen_pfn_t)(uintptr_t)from->virt;
        to->domid = DOMID_SELF;
        to->offset = 0;
    }
}

int xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count,
                         xengnttab_grant_copy_segment_t *segs)
{
    gnttab_copy_t ops[256];

    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done < 256 ? count - done : 256;
        int err;

        for (uint32_t i = 0; i < n; i++) {
            const xengnttab_grant_copy_segment_t *s = &segs[done + i];
            bool src_gref = s->flags & GNTCOPY_source_gref;
            bool dst_gref = s->flags & GNTCOPY_dest_gref;

            memset(&ops[i], 0, sizeof(ops[i]));
            copy_ptr(&s->source, src_gref, &ops[i].source);
            copy_ptr(&s->dest, dst_gref, &ops[i].dest);
            ops[i].len = s->len;
            ops[i].flags = (src_gref ? GNTCOPY_source_gref : SV_GNTCOPY_source_virt) |
                           (dst_gref ? GNTCOPY_dest_gref : SV_GNTCOPY_dest_virt);
        }
        err = hcall_gnttab_copy_v(xgt->chan, ops, n, NULL);
        if (err < 0) {
            errno = -err;
            return -1;
        }
        for (uint32_t i = 0; i < n; i++)
            segs[done + i].status = ops[i].status;
        done += n;
    }
    return 0;
}

/* ---- xengntshr --------------------------------------------------------- */

xengntshr_handle *xengntshr_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void)logger;
    (void)open_flags;
    return handle_open();
}

/*
 * As Linux's gntalloc on release, the handle's shares end with it: a
 * grant left behind would stay valid (a peer could map the page, and the
 * granter's quota stays spent) until the domain dies.  A page a peer still
 * maps stays granted: the hypervisor ends no mapped grant (gntalloc defers
 * the end to the unmap; here it waits for the domain's death).
 */
int xengntshr_close(xengntshr_handle *xgs)
{
    if (!xgs)
        return 0;
    for (struct gnt_range *r = xgs->ranges; r; r = r->next)
        for (uint32_t i = 0; i < r->count; i++) {
            struct sv_mem_unshare u = {.count = 1, .ref = {r->ids[i]}};

            hcall_mem_unshare(xgs->chan, &u);
        }
    handle_close(xgs);
    return 0;
}

int xengntshr_fd(xengntshr_handle *xgs)
{
    return xgs->chan;
}

void *xengntshr_share_pages(xengntshr_handle *xgs, uint32_t domid, int count, uint32_t *refs,
                            int writable)
{
    struct sv_mem_share s = {.domid = domid, .count = (uint32_t)count, .readonly = !writable};
    struct sv_mem_unshare u = {.count = (uint32_t)count};
    int fds[SV_MEM_MAX_BATCH];
    struct hcall_io io = {.fds_out = fds, .nfds_max = SV_MEM_MAX_BATCH};
    void *addr = NULL;
    int err;

    if (count <= 0 || count > SV_MEM_MAX_BATCH)
        return fail_ptr(-EINVAL);
    err = hcall_mem_share_v(xgs->chan, &s, 1, &io);
    if (err < 0)
        return fail_ptr(err);
    if (io.nfds_out == count)
        addr = range_map(xgs, fds, (uint32_t)count, PROT_READ | PROT_WRITE, s.ref);
    else
        msg_close_fds(fds, io.nfds_out);
    if (addr) {
        memcpy(refs, s.ref, (size_t)count * sizeof(*refs));
        return addr;
    }
    memcpy(u.ref, s.ref, sizeof(u.ref));
    hcall_mem_unshare(xgs->chan, &u);
    return fail_ptr(-ENOMEM);
}

/* Maps the caller's grant table into h once (a domain's: dom0 has none).
 * Called with h->lock held; 0 or -errno. */
static int table_map(struct xengntdev_handle *h)
{
    struct sv_start_info si;
    int fds[SV_START_INFO_FDS], err;
    void *t;

    if (h->table)
        return 0;
    err = hcall_start_info(h->chan, &si, fds);
    if (err < 0)
        return err;
    t = mmap(NULL, (size_t)si.nr_grant_frames * SV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
             fds[SV_START_FD_GNTTAB], 0);
    msg_close_fds(fds, SV_START_INFO_FDS);
    if (t == MAP_FAILED)
        return -errno;
    h->table = t;
    h->table_entries = si.nr_grant_frames * SV_PAGE_SIZE / sizeof(grant_entry_v1_t);
    return 0;
}

/* Entry ref's flags and domid, as one word (grant_set_status's in the
 * hypervisor): swapped together, so no pin slips between check and swap. */
static uint32_t *entry_word(struct xengntdev_handle *h, uint32_t ref)
{
    return (uint32_t *)(void *)&h->table[ref];
}

/* Word w with its grantee changed to domid; false when the entry is no
 * grant or is pinned (GTF_reading/GTF_writing: a peer maps the page). */
static bool entry_moved(uint32_t w, uint32_t domid, uint32_t *moved)
{
    uint16_t flags = (uint16_t)w;

    if ((flags & GTF_type_mask) != GTF_permit_access || (flags & (GTF_reading | GTF_writing)))
        return false;
    *moved = (domid << 16) | flags;
    return true;
}

int xengntshr_share_move(xengntshr_handle *xgs, void *start_address, uint32_t count, uint32_t domid)
{
    struct gnt_range *r = NULL;
    uint32_t old[SV_MEM_MAX_BATCH], i = 0;
    int err;

    pthread_mutex_lock(&xgs->lock);
    err = table_map(xgs);
    for (r = xgs->ranges; !err && r; r = r->next)
        if (r->addr == start_address && r->count == count)
            break;
    if (!err && (!r || count > SV_MEM_MAX_BATCH || domid >= DOMID_FIRST_RESERVED))
        err = -EINVAL;
    for (uint32_t k = 0; !err && k < count; k++)
        if (r->ids[k] >= xgs->table_entries)
            err = -EINVAL;
    /* All or none: a page pinned meanwhile puts back what moved. */
    for (; !err && i < count; i++) {
        uint32_t *word = entry_word(xgs, r->ids[i]), moved;

        old[i] = __atomic_load_n(word, __ATOMIC_ACQUIRE);
        if (!entry_moved(old[i], domid, &moved) ||
            !__atomic_compare_exchange_n(word, &old[i], moved, false, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE))
            err = -EBUSY;
    }
    if (err == -EBUSY)
        for (uint32_t k = 0; k + 1 < i; k++) {
            uint32_t back = old[k], now = (domid << 16) | (uint16_t)old[k];

            /* The new grantee may have pinned it already: then it stays
             * moved, which the caller's unshare (EBUSY, retried) handles. */
            __atomic_compare_exchange_n(entry_word(xgs, r->ids[k]), &now, back, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
        }
    pthread_mutex_unlock(&xgs->lock);
    if (err) {
        errno = -err;
        return -1;
    }
    return 0;
}

void *xengntshr_share_page_notify(xengntshr_handle *xgs, uint32_t domid, uint32_t *ref,
                                  int writable, uint32_t notify_offset, evtchn_port_t notify_port)
{
    void *addr = xengntshr_share_pages(xgs, domid, 1, ref, writable);
    int err;

    if (!addr)
        return NULL;
    err = arm_notify(xgs, SV_NOTIFY_share, addr, notify_offset, notify_port);
    if (!err)
        return addr;
    xengntshr_unshare(xgs, addr, 1);
    return fail_ptr(err);
}

/*
 * Fails with EBUSY, sharing kept, while the peer still maps a page: the
 * grant cannot end while mapped (Linux's gntalloc would defer the free).
 */
int xengntshr_unshare(xengntshr_handle *xgs, void *start_address, uint32_t count)
{
    struct sv_mem_unshare u = {.count = count};
    struct gnt_range *r = range_take(xgs, start_address, count);
    int err;

    if (!r || count > SV_MEM_MAX_BATCH) {
        errno = EINVAL;
        return -1;
    }
    memcpy(u.ref, r->ids, count * sizeof(u.ref[0]));
    err = hcall_mem_unshare(xgs->chan, &u);
    if (err < 0) {
        range_add(xgs, r);
        errno = -err;
        return -1;
    }
    munmap(r->addr, (size_t)count * SV_PAGE_SIZE);
    range_free(r);
    return 0;
}
