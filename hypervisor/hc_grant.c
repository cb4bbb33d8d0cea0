/*
 * Grant table hypercalls (map, unmap, copy, query, setup) and the sharing of
 * fresh frames (xengntshr).  Status codes are Xen's GNTST_*, per op.
 *
 * An unmap is believed only when the open file description the map handed
 * out is gone everywhere (frame_held(): its lock lives as long as any fd,
 * mapping or unread reply holds it); until then the grant stays pinned and
 * its granter cannot end access, so a mapper that lies keeps nothing it
 * should not.  One system call per handle, the mapper left running.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <xen/sys/gntdev.h>

#include "hypercalls.h"
#include "pci.h"
#include "sv/msg.h"
#include "sv/util.h"

static int16_t map_one(struct hc_ctx *ctx, gnttab_map_grant_ref_t *op)
{
    bool readonly = op->flags & GNTMAP_readonly;
    struct domain *granter = hc_domain(ctx, op->dom);
    struct maptrack_entry e;
    struct frame *frame;
    uint64_t pfn;
    int16_t st;
    uint64_t hold = 0;
    int handle, fd = -1;

    if (!(op->flags & (GNTMAP_host_map | GNTMAP_device_map)))
        return GNTST_bad_gntref;
    if (!granter || granter->state != DOMAIN_RUNNING)
        return GNTST_bad_domain;
    st = grant_pin(&granter->gt, op->ref, ctx->caller->domid, readonly, &pfn);
    if (st != GNTST_okay)
        return st;
    frame = p2m_frame(&granter->p2m, pfn);
    if (!frame)
        goto out_unpin;
    if (op->flags & GNTMAP_host_map) {
        fd = frame_open_held(frame, readonly, &hold);
        if (fd < 0)
            goto out_unpin;
    }
    e = (struct maptrack_entry){.readonly = readonly,
                                .granter = granter->domid,
                                .granter_serial = granter->gt.serial,
                                .ref = op->ref,
                                .frame = frame_get(frame),
                                .owner = ctx->ch,
                                .host_map = fd >= 0,
                                .hold = hold,
                                .device_map = op->flags & GNTMAP_device_map};
    if (e.device_map && pci_iommu_map_frame(ctx->caller, frame, readonly) < 0) {
        frame_put(frame);
        st = GNTST_no_device_space;
        goto out_close;
    }
    handle = maptrack_add(&ctx->caller->mt, &e);
    if (handle < 0) {
        if (e.device_map)
            pci_iommu_unmap_frame(ctx->caller, frame, readonly);
        frame_put(frame);
        /* Xen's answer when the mapper's maptrack is full. */
        st = handle == -ENOSPC ? GNTST_no_space : GNTST_no_device_space;
        goto out_close;
    }
    if (fd >= 0)
        hc_reply_fd(ctx, fd);
    op->handle = (grant_handle_t)handle;
    op->dev_bus_addr = e.device_map ? PCI_GRANT_IOVA_BASE + (frame->mfn << SV_PAGE_SHIFT) : 0;
    return GNTST_okay;

out_close:
    if (fd >= 0)
        close(fd);
    grant_unpin(&granter->gt, op->ref, readonly);
    return st;
out_unpin:
    grant_unpin(&granter->gt, op->ref, readonly);
    return frame ? GNTST_general_error : GNTST_bad_page;
}

int hc_gnttab_map(struct hc_ctx *ctx)
{
    gnttab_map_grant_ref_t *ops = ctx->arg;

    for (uint32_t i = 0; i < ctx->req->count; i++)
        ops[i].status = map_one(ctx, &ops[i]);
    return 0;
}

/* Whether the mapper may still reach e's frame through what the map gave it. */
static bool still_held(const struct maptrack_entry *e)
{
    return e->host_map && frame_held(e->frame, e->hold);
}

int hc_gnttab_unmap(struct hc_ctx *ctx)
{
    gnttab_unmap_grant_ref_t *ops = ctx->arg;
    struct maptrack *mt = &ctx->caller->mt;

    for (uint32_t i = 0; i < ctx->req->count; i++) {
        const struct maptrack_entry *e = maptrack_get(mt, ops[i].handle);

        if (!e)
            ops[i].status = GNTST_bad_handle;
        else if (still_held(e)) {
            ops[i].status = GNTST_general_error; /* still mapped: not believed */
            hv.unmaps_refused++;
        } else {
            domain_unmap_handle(ctx->caller, ops[i].handle);
            ops[i].status = GNTST_okay;
        }
    }
    return 0;
}

/* What a channel that closes mapped and let go of is unmapped; what is
 * still held (a mapping kept, a reply left unread in a socket that
 * outlives our end) stays pinned until the mapper unmaps it or dies. */
void gnttab_release_owner(struct domain *d, const void *owner)
{
    for (uint32_t h = 0; h < d->mt.nr; h++) {
        const struct maptrack_entry *e = maptrack_get(&d->mt, (grant_handle_t)h);

        if (e && e->owner == owner && !still_held(e))
            domain_unmap_handle(d, (grant_handle_t)h);
    }
}

/* One side of a copy: a page of the caller (gmfn) or a granted page (gref),
 * reached through its memfd (the hypervisor maps no frame: p2m.h). */
struct copy_side {
    struct domain *granter; /* set when pinned through a grant */
    grant_ref_t ref;
    bool readonly;
    int fd;
    off_t off; /* of the page in fd */
};

static int16_t copy_side_get(struct hc_ctx *ctx, const struct gnttab_copy_ptr *ptr, bool gref,
                             bool readonly, struct copy_side *side)
{
    struct domain *d = hc_domain(ctx, ptr->domid);
    uint64_t pfn;
    int16_t st;

    *side = (struct copy_side){.readonly = readonly, .fd = -1};
    if (!d || d->state != DOMAIN_RUNNING)
        return GNTST_bad_domain;
    if (!gref) {
        if (d != ctx->caller)
            return GNTST_permission_denied;
        pfn = ptr->u.gmfn;
    } else {
        st = grant_pin(&d->gt, ptr->u.ref, ctx->caller->domid, readonly, &pfn);
        if (st != GNTST_okay)
            return st;
        side->granter = d;
        side->ref = ptr->u.ref;
    }
    if (p2m_locate(&d->p2m, pfn, &side->fd, &side->off) < 0)
        return GNTST_bad_page;
    side->off += ptr->offset;
    return GNTST_okay;
}

static void copy_side_put(struct copy_side *side)
{
    if (side->granter)
        grant_unpin(&side->granter->gt, side->ref, side->readonly);
}

/* Reads or writes len bytes at addr in the caller's process. */
static int16_t copy_virt(const struct hc_ctx *ctx, uint64_t addr, void *buf, size_t len, bool write)
{
    struct iovec local = {.iov_base = buf, .iov_len = len};
    struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
    ssize_t n = write ? process_vm_writev(ctx->ch->peer_pid, &local, 1, &remote, 1, 0)
                      : process_vm_readv(ctx->ch->peer_pid, &local, 1, &remote, 1, 0);

    return n == (ssize_t)len ? GNTST_okay : GNTST_bad_virt_addr;
}

/* Reads or writes len bytes of a page side.  Frames are sealed at their
 * size, so a short count is the kernel failing, not a peer. */
static int16_t copy_page(const struct copy_side *side, void *buf, size_t len, bool write)
{
    ssize_t n =
        write ? pwrite(side->fd, buf, len, side->off) : pread(side->fd, buf, len, side->off);

    if (n != (ssize_t)len) {
        log_warn("grant copy: %s of a page", write ? "pwrite" : "pread");
        return GNTST_general_error;
    }
    return GNTST_okay;
}

static bool copy_in_page(const struct gnttab_copy_ptr *ptr, bool virt, uint16_t len)
{
    return virt || (uint32_t)ptr->offset + len <= SV_PAGE_SIZE;
}

/*
 * Both sides are pinned before any byte moves; then the bytes go through a
 * bounce buffer: in by process_vm_readv or pread, out by process_vm_writev
 * or pwrite.
 */
static int16_t copy_one(struct hc_ctx *ctx, gnttab_copy_t *op)
{
    bool src_virt = op->flags & SV_GNTCOPY_source_virt;
    bool dst_virt = op->flags & SV_GNTCOPY_dest_virt;
    struct copy_side src = {0}, dst = {0};
    char bounce[SV_PAGE_SIZE];
    int16_t st = GNTST_okay;

    if (!copy_in_page(&op->source, src_virt, op->len) ||
        !copy_in_page(&op->dest, dst_virt, op->len) || op->len > SV_PAGE_SIZE)
        return GNTST_bad_copy_arg;
    if (!src_virt)
        st = copy_side_get(ctx, &op->source, op->flags & GNTCOPY_source_gref, true, &src);
    if (st == GNTST_okay && !dst_virt)
        st = copy_side_get(ctx, &op->dest, op->flags & GNTCOPY_dest_gref, false, &dst);
    if (st == GNTST_okay)
        st = src_virt ? copy_virt(ctx, op->source.u.gmfn, bounce, op->len, false)
                      : copy_page(&src, bounce, op->len, false);
    if (st == GNTST_okay)
        st = dst_virt ? copy_virt(ctx, op->dest.u.gmfn, bounce, op->len, true)
                      : copy_page(&dst, bounce, op->len, true);
    copy_side_put(&dst);
    copy_side_put(&src);
    return st;
}

int hc_gnttab_copy(struct hc_ctx *ctx)
{
    gnttab_copy_t *ops = ctx->arg;

    for (uint32_t i = 0; i < ctx->req->count; i++)
        ops[i].status = copy_one(ctx, &ops[i]);
    return 0;
}

int hc_gnttab_query_size(struct hc_ctx *ctx)
{
    gnttab_query_size_t *q = ctx->arg;
    struct domain *d = hc_domain(ctx, q->dom);

    if (!d || (d != ctx->caller && ctx->caller->domid != 0)) {
        q->status = GNTST_bad_domain;
        return 0;
    }
    q->nr_frames = q->max_nr_frames = domain_grant_frames(d);
    q->status = GNTST_okay;
    return 0;
}

/* Hands the caller its own grant table (mapped read-write, as Xen guests do). */
int hc_gnttab_setup_table(struct hc_ctx *ctx)
{
    gnttab_setup_table_t *s = ctx->arg;

    if (s->dom != DOMID_SELF && s->dom != ctx->caller->domid) {
        s->status = GNTST_permission_denied;
        return 0;
    }
    s->nr_frames = domain_grant_frames(ctx->caller);
    s->status = GNTST_okay;
    return hc_reply_fd(ctx, dup(ctx->caller->gt.fd));
}

void gnttab_notify_fire(struct domain *d, struct grant_notify *n, struct frame *frame)
{
    static const uint8_t zero;

    /* Through the fd, as we map no frame (p2m.h); the syscall is done
     * before the event below is sent, so the peer woken sees the byte clear. */
    if ((n->action & UNMAP_NOTIFY_CLEAR_BYTE) && pwrite(frame->fd, &zero, 1, n->offset) != 1)
        log_warn("domain %u: unmap notify: cannot clear byte %u", d->domid, n->offset);
    /* The port may have been closed, or closed and bound again, since it
     * was armed: the send then reaches whatever d has bound there, which
     * only d can suffer from (Linux's gntdev holds the port instead). */
    if (n->action & UNMAP_NOTIFY_SEND_EVENT)
        evtchn_send(&d->ev, n->port);
    n->action = 0;
}

/*
 * A domain's process is gone and cannot clear its flags or notify, so the
 * hypervisor does it for it, as a Linux kernel does for a process that
 * dies holding a gntdev mapping or a gntalloc page: the peer of a vchan
 * sees the other end close when it crashes.
 */
void gnttab_notify_death(struct domain *d)
{
    for (uint32_t h = 0; h < d->mt.nr; h++) {
        struct maptrack_entry *e = maptrack_get(&d->mt, (grant_handle_t)h);

        if (e)
            gnttab_notify_fire(d, &e->notify, e->frame);
    }
    if (!d->gt.active)
        return;
    for (uint32_t ref = 0; ref < d->gt.nr_entries; ref++) {
        struct grant_active *act = &d->gt.active[ref];

        if (act->shared && act->notify.action)
            gnttab_notify_fire(d, &act->notify, p2m_frame(&d->p2m, act->pfn));
    }
}

/* The grant_notify slot n->id names for the caller; NULL if none. */
static struct grant_notify *notify_slot(struct hc_ctx *ctx, const struct sv_mem_notify *n,
                                        bool *readonly)
{
    struct domain *d = ctx->caller;

    if (n->kind == SV_NOTIFY_map) {
        struct maptrack_entry *e =
            n->id <= MAPTRACK_MAX_HANDLES ? maptrack_get(&d->mt, (grant_handle_t)n->id) : NULL;

        /* Another channel's mappings are another handle's (gntdev fd's). */
        if (!e || e->owner != ctx->ch)
            return NULL;
        *readonly = e->readonly;
        return &e->notify;
    }
    if (n->kind == SV_NOTIFY_share && n->id < d->gt.nr_entries && d->gt.in_use[n->id] &&
        d->gt.active[n->id].shared) {
        *readonly = false;
        return &d->gt.active[n->id].notify;
    }
    return NULL;
}

int hc_mem_notify(struct hc_ctx *ctx)
{
    const struct sv_mem_notify *n = ctx->arg;
    const struct evtchn_space *ev = &ctx->caller->ev;
    struct grant_notify *slot;
    bool readonly;

    if (n->action & ~(uint32_t)(UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT))
        return -EINVAL;
    slot = notify_slot(ctx, n, &readonly);
    if (!slot)
        return -EINVAL;
    /* Clearing a byte is writing: not through a read-only mapping. */
    if ((n->action & UNMAP_NOTIFY_CLEAR_BYTE) && (readonly || n->offset >= SV_PAGE_SIZE))
        return -EINVAL;
    if ((n->action & UNMAP_NOTIFY_SEND_EVENT) &&
        (n->port == 0 || n->port > ev->max_port || n->port >= SV_EVTCHN_PORTS ||
         ev->ports[n->port].state == EVTCHN_FREE))
        return -EINVAL;
    *slot = (struct grant_notify){.action = n->action, .offset = n->offset, .port = n->port};
    return 0;
}

static void unshare_one(struct domain *d, grant_ref_t ref)
{
    grant_end_access(&d->gt, ref);
    p2m_free_shared(&d->p2m, d->gt.active[ref].pfn);
    d->gt.active[ref].shared = false;
    d->gt.active[ref].notify.action = 0;
    grant_free_ref(&d->gt, ref);
}

int hc_mem_share(struct hc_ctx *ctx)
{
    struct sv_mem_share *s = ctx->arg;
    struct domain *d = ctx->caller;
    int err;

    if (s->count == 0 || s->count > SV_MEM_MAX_BATCH)
        return -EINVAL;
    err = grant_alloc_refs(&d->gt, s->count, s->ref);
    if (err)
        return err;
    err = p2m_alloc_shared(&d->p2m, s->count, s->pfn);
    if (err) {
        /* The domain only sees ENOSPC: the operator needs to know which limit. */
        if (err == -ENOSPC)
            log_warn_limited(&d->warnings, false,
                             "dom%u: %u frames refused: the domains' budget of hypervisor fds "
                             "is spent (%llu of %llu; splitvisor start --max-fds)",
                             d->domid, s->count, (unsigned long long)hv.quota.used,
                             (unsigned long long)hv.quota.limit);
        for (uint32_t i = 0; i < s->count; i++)
            grant_free_ref(&d->gt, s->ref[i]);
        return err;
    }
    /* Every ref knows its frame before any fd can fail, for out_undo. */
    for (uint32_t i = 0; i < s->count; i++) {
        d->gt.active[s->ref[i]].shared = true;
        d->gt.active[s->ref[i]].pfn = s->pfn[i];
        grant_fill(&d->gt, s->ref[i], (domid_t)s->domid, s->pfn[i], s->readonly);
    }
    for (uint32_t i = 0; i < s->count; i++) {
        err = hc_reply_fd(ctx, dup(p2m_frame(&d->p2m, s->pfn[i])->fd));
        if (err)
            goto out_undo;
    }
    return 0;

out_undo:
    for (uint32_t i = 0; i < s->count; i++)
        unshare_one(d, s->ref[i]);
    msg_close_fds(ctx->out_fds, ctx->nout);
    ctx->nout = 0;
    return err;
}

int hc_mem_unshare(struct hc_ctx *ctx)
{
    struct sv_mem_unshare *u = ctx->arg;
    struct grant_table *gt = &ctx->caller->gt;

    if (u->count == 0 || u->count > SV_MEM_MAX_BATCH)
        return -EINVAL;
    bool busy = false;

    /* All or none: check every ref before ending access to any. */
    for (uint32_t i = 0; i < u->count; i++) {
        grant_ref_t ref = u->ref[i];

        if (ref >= gt->nr_entries || !gt->in_use[ref] || !gt->active[ref].shared)
            return -EINVAL;
        busy |= gt->active[ref].pin_ro || gt->active[ref].pin_rw;
    }
    /* The sharer lets go now even if the grant's end must wait: gntalloc
     * fires its notify when the sharer's side goes, whoever maps the page. */
    for (uint32_t i = 0; i < u->count; i++)
        gnttab_notify_fire(ctx->caller, &gt->active[u->ref[i]].notify,
                           p2m_frame(&ctx->caller->p2m, gt->active[u->ref[i]].pfn));
    if (busy)
        return -EBUSY;
    for (uint32_t i = 0; i < u->count; i++)
        unshare_one(ctx->caller, u->ref[i]);
    return 0;
}
