/*
 * PCI functions of the xnic device models: starting the NICs, the table of
 * functions (assignable, owner), assignment with a fresh register page,
 * doorbells and vectors routed to the owner's ports, IOMMU contexts, and
 * fault reports into the hypervisor log.  See pci.h.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hypercalls.h"
#include "pci.h"
#include "sv/log.h"
#include "sv/msg.h"
#include "sv/util.h"
#include "sv/abi/xnic_ctl.h"

extern char **environ;

#define PCI_MAX_NICS           4
#define PCI_RAM_BACKING        0
#define PCI_MAX_GRANT_BACKINGS 1024

struct pci_fn {
    struct nic *nic;
    unsigned index;
    char bdf[SV_BDF_SIZE];
    unsigned nqueues, nvec;
    bool assignable;
    struct domain *owner; /* NULL: the host has it */
    /* Assigned by SV_PCI_take_over: a driver domain, whose death parks the
     * PF for a successor instead of resetting it. */
    bool hand_over;
    /* A PF whose owner died: no DMA, no owner, the device keeps its switch
     * for a successor (SV_PCI_take_over); anything else resets it. */
    bool parked;
    int regs_fd;
    int doorbells[SV_PCI_MAX_VECTORS];
    evtchn_port_t ports[SV_PCI_MAX_VECTORS];
    /* Backing id i + 1 holds the frame of mfn grant_mfn[i] (0: free), device
     * mapped grant_refs[i] times, grant_rw[i] of them writable: the device
     * may write the frame only while a writable mapping of it exists. */
    uint64_t grant_mfn[PCI_MAX_GRANT_BACKINGS];
    unsigned grant_refs[PCI_MAX_GRANT_BACKINGS];
    unsigned grant_rw[PCI_MAX_GRANT_BACKINGS];
};

struct nic {
    pid_t pid;
    int ctl;
    struct event *ev;
    unsigned nfuncs;
    struct pci_fn funcs[1 + XNIC_MAX_VFS];
};

static struct nic nics[PCI_MAX_NICS];
static unsigned nr_nics;

static void on_fault(void *arg, const struct xnic_ctl_fault *f)
{
    (void)arg;
    log_warnx("IOMMU fault: %02x:%02x.%u %s iova %#llx: %s (%llu suppressed before)",
              (f->bdf >> 8) & 0xff, (f->bdf >> 3) & 0x1f, f->bdf & 7, f->write ? "write" : "read",
              (unsigned long long)f->iova, xnic_ctl_fault_reason(f->reason),
              (unsigned long long)f->suppressed);
}

static int ctl_call(struct pci_fn *fn, uint16_t type, const void *payload, size_t len,
                    const int *fds, unsigned nfds)
{
    return xnic_ctl_call(fn->nic->ctl, type, fn->index, payload, len, fds, nfds, NULL, 0, on_fault,
                         NULL);
}

/* Unsolicited messages (faults) between our own calls. */
static void nic_readable(evutil_socket_t fd, short what, void *arg)
{
    char buf[XNIC_CTL_MAX_MSG];
    int fds[XNIC_CTL_MAX_FDS];
    unsigned nfds = 0;
    long n = xnic_ctl_recv(fd, buf, sizeof(buf), fds, &nfds);
    const struct xnic_ctl_hdr *h = (const void *)buf;

    (void)what;
    msg_close_fds(fds, (int)nfds);
    if (n <= 0) {
        log_warnx("NIC %ld: control socket closed", (long)((struct nic *)arg - nics));
        event_del(((struct nic *)arg)->ev);
        return;
    }
    if (h->type == XNIC_CTL_FAULT && (size_t)n >= sizeof(*h) + sizeof(struct xnic_ctl_fault))
        on_fault(NULL, (const struct xnic_ctl_fault *)(h + 1));
}

static void bdf_string(uint32_t bdf, char out[SV_BDF_SIZE])
{
    snprintf(out, SV_BDF_SIZE, "0000:%02x:%02x.%u", (bdf >> 8) & 0xff, (bdf >> 3) & 0x1f, bdf & 7);
}

static int spawn_xnic(struct nic *nic, const char *spec, unsigned index, const char *sock)
{
    char exe[256], prog[300], log_path[300], rel[32], pf[32], specbuf[512];
    char *argv[40];
    int argc = 0, err;
    posix_spawn_file_actions_t fa;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (n < 0)
        return -errno;
    exe[n] = '\0';
    snprintf(prog, sizeof(prog), "%s/xnic", dirname(exe));
    snprintf(rel, sizeof(rel), "nic%u.log", index);
    sv_logdir_path(log_path, sizeof(log_path), rel);
    snprintf(pf, sizeof(pf), "0000:%02x:00.0", 3 + index);
    snprintf(specbuf, sizeof(specbuf), "%s", spec);
    argv[argc++] = prog;
    argv[argc++] = "--control";
    argv[argc++] = (char *)sock;
    if (!strstr(spec, "--pf")) {
        argv[argc++] = "--pf";
        argv[argc++] = pf;
    }
    for (char *save, *tok = strtok_r(specbuf, " ", &save); tok && argc < 38;
         tok = strtok_r(NULL, " ", &save))
        argv[argc++] = tok;
    argv[argc] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log_path, O_WRONLY | O_CREAT | O_APPEND,
                                     0600);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    err = posix_spawn(&nic->pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return -err;
}

/* The device model binds its socket under another name and renames it when listening. */
static int nic_connect(struct nic *nic, const char *sock)
{
    for (int i = 0; i < 200; i++) {
        if (access(sock, F_OK) == 0)
            return xnic_ctl_connect(sock);
        if (waitpid(nic->pid, NULL, WNOHANG) == nic->pid) {
            nic->pid = 0;
            return -ECHILD;
        }
        nanosleep(&(struct timespec){.tv_nsec = 25000000}, NULL);
    }
    return -ETIMEDOUT;
}

static int nic_probe(struct nic *nic)
{
    struct xnic_ctl_info info;
    int err = xnic_ctl_call(nic->ctl, XNIC_CTL_INFO, 0, NULL, 0, NULL, 0, &info, sizeof(info),
                            on_fault, NULL);

    if (err < 0)
        return err;
    nic->nfuncs = info.nfuncs < 1 + XNIC_MAX_VFS ? info.nfuncs : 1 + XNIC_MAX_VFS;
    for (unsigned i = 0; i < nic->nfuncs; i++) {
        struct pci_fn *fn = &nic->funcs[i];

        *fn = (struct pci_fn){.nic = nic,
                              .index = i,
                              .nqueues = info.funcs[i].nqueues,
                              .nvec = info.funcs[i].nvec,
                              .regs_fd = -1};
        if (fn->nvec > SV_PCI_MAX_VECTORS)
            return -E2BIG;
        bdf_string(info.funcs[i].bdf, fn->bdf);
    }
    return 0;
}

/* The device model's own reason for dying: the last error line of its log
 * (nicN.log in the log directory), so that `splitvisor start` can say it. */
static void nic_last_error(unsigned index, char *buf, size_t len)
{
    char rel[32], path[300], line[600];
    FILE *f;

    snprintf(rel, sizeof(rel), "nic%u.log", index);
    buf[0] = '\0';
    if (sv_logdir_path(path, sizeof(path), rel) < 0 || !(f = fopen(path, "re")))
        return;
    while (fgets(line, sizeof(line), f)) {
        const char *msg = strstr(line, "] error: ");

        if (msg)
            snprintf(buf, len, "%.*s", (int)strcspn(msg + 9, "\n"), msg + 9);
    }
    fclose(f);
}

int pci_nic_start(const char *spec, unsigned index)
{
    struct nic *nic;
    char rel[32], sock[300];
    int err;

    if (nr_nics == PCI_MAX_NICS)
        return -ENOSPC;
    nic = &nics[nr_nics];
    snprintf(rel, sizeof(rel), "nic%u.sock", index);
    if (sv_rundir_path(sock, sizeof(sock), rel) < 0)
        return -ENAMETOOLONG;
    err = spawn_xnic(nic, spec, index, sock);
    if (!err) {
        nic->ctl = nic_connect(nic, sock);
        err = nic->ctl < 0 ? nic->ctl : nic_probe(nic);
    }
    if (!err) {
        nic->ev = event_new(hv.base, nic->ctl, EV_READ | EV_PERSIST, nic_readable, nic);
        err = nic->ev && event_add(nic->ev, NULL) == 0 ? 0 : -ENOMEM;
    }
    if (err) {
        char why[400];

        if (nic->pid > 0) {
            kill(nic->pid, SIGTERM);
            waitpid(nic->pid, NULL, 0);
        }
        nic_last_error(index, why, sizeof(why));
        log_errorx("NIC %u (%s) did not start: %s (see %s/nic%u.log)", index, spec,
                   why[0] ? why : strerror(-err), sv_logdir(), index);
        return err;
    }
    nr_nics++;
    log_info("NIC %u: %u functions (PF %s), %s", index, nic->nfuncs, nic->funcs[0].bdf, spec);
    return 0;
}

static struct pci_fn *fn_find(const char *bdf)
{
    for (unsigned n = 0; n < nr_nics; n++)
        for (unsigned i = 0; i < nics[n].nfuncs; i++)
            if (!strcasecmp(nics[n].funcs[i].bdf, bdf))
                return &nics[n].funcs[i];
    return NULL;
}

static void close_fds(int *fds, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* Vector v's port in the owner's space is still the one fn routed: the owner
 * may have closed it, and the number since gone to another port. */
static bool fn_port_routed(const struct pci_fn *fn, unsigned v)
{
    const struct evtchn_space *sp = &fn->owner->ev;
    const struct evtchn *ch;

    if (!sp->ports || !fn->ports[v])
        return false;
    ch = &sp->ports[fn->ports[v]];
    return ch->state == EVTCHN_PIRQ && ch->owner == fn && ch->virq == v;
}

/* Takes fn back from its owner: the device forgets its fds and IOMMU
 * context (the owner's memory is out of its reach from then on) and resets
 * the function (FLR), or for a PF with park parks it: no DMA, the switch
 * kept for a successor. */
static void fn_release(struct pci_fn *fn, bool park)
{
    struct domain *d = fn->owner;

    if (!d)
        return;
    park = park && fn->index == 0;
    if (park && ctl_call(fn, XNIC_CTL_PARK, NULL, 0, NULL, 0) < 0) {
        log_warnx("%s: PARK failed; resetting", fn->bdf);
        park = false;
    }
    if (!park && ctl_call(fn, XNIC_CTL_DETACH, NULL, 0, NULL, 0) < 0)
        log_warnx("%s: DETACH failed; resetting", fn->bdf);
    fn->parked = park;
    close(fn->regs_fd);
    fn->regs_fd = -1;
    close_fds(fn->doorbells, fn->nvec);
    for (unsigned v = 0; v < fn->nvec; v++)
        if (fn_port_routed(fn, v))
            evtchn_close(&d->ev, fn->ports[v]);
    memset(fn->grant_mfn, 0, sizeof(fn->grant_mfn));
    memset(fn->grant_refs, 0, sizeof(fn->grant_refs));
    memset(fn->grant_rw, 0, sizeof(fn->grant_rw));
    fn->owner = NULL;
    if (park)
        log_info("%s: taken back from domain %u, parked: its DMA stopped, the switch kept", fn->bdf,
                 d->domid);
    else
        log_info("%s: reset and taken back from domain %u", fn->bdf, d->domid);
}

static void fn_detach(struct pci_fn *fn)
{
    fn_release(fn, false);
}

/* Vectors: one port per vector in the owner's space; the device gets its doorbell. */
static int route_vectors(struct pci_fn *fn, struct domain *d, int *vec_fds)
{
    for (unsigned v = 0; v < fn->nvec; v++) {
        int fds[2];
        int port = evtchn_bind_pirq(&d->ev, v, fn, fds);

        if (port < 0)
            return port;
        fn->ports[v] = (evtchn_port_t)port;
        vec_fds[v] = fds[0];
    }
    return 0;
}

static int iommu_map_ram(struct pci_fn *fn, struct domain *d)
{
    struct xnic_ctl_backing b = {.id = PCI_RAM_BACKING};
    struct xnic_ctl_map m = {.iova = 0,
                             .page = 0,
                             .count = d->p2m.ram_pages,
                             .id = PCI_RAM_BACKING,
                             .perms = IOMMU_PERM_READ | IOMMU_PERM_WRITE};
    int err = ctl_call(fn, XNIC_CTL_IOMMU_BACKING, &b, sizeof(b), &d->p2m.ram_fd, 1);

    return err ? err : ctl_call(fn, XNIC_CTL_IOMMU_MAP, &m, sizeof(m), NULL, 0);
}

static uint64_t grant_iova(const struct frame *f)
{
    return PCI_GRANT_IOVA_BASE + (f->mfn << SV_PAGE_SHIFT);
}

/* Backing slot of frame f in fn: the one holding it, or a free one (-1: full). */
static int grant_slot(struct pci_fn *fn, const struct frame *f, bool *existing)
{
    int free_slot = -1;

    for (int i = 0; i < PCI_MAX_GRANT_BACKINGS; i++) {
        if (fn->grant_mfn[i] == f->mfn) {
            *existing = true;
            return i;
        }
        if (!fn->grant_mfn[i] && free_slot < 0)
            free_slot = i;
    }
    *existing = false;
    return free_slot;
}

/* (Re)maps the IOVA of the frame in slot, writable or read-only. */
static int fn_map_slot(struct pci_fn *fn, int slot, const struct frame *f, bool writable)
{
    struct xnic_ctl_map m = {.iova = grant_iova(f),
                             .count = 1,
                             .id = (uint32_t)slot + 1,
                             .perms = IOMMU_PERM_READ | (writable ? IOMMU_PERM_WRITE : 0)};

    return ctl_call(fn, XNIC_CTL_IOMMU_MAP, &m, sizeof(m), NULL, 0);
}

static int fn_map_frame(struct pci_fn *fn, const struct frame *f, bool readonly)
{
    bool existing;
    int slot = grant_slot(fn, f, &existing), err;
    struct xnic_ctl_backing b = {.id = (uint32_t)slot + 1};

    if (slot < 0)
        return -ENOSPC;
    if (!existing) {
        err = ctl_call(fn, XNIC_CTL_IOMMU_BACKING, &b, sizeof(b), &f->fd, 1);
        if (err)
            return err;
        fn->grant_mfn[slot] = f->mfn;
    }
    /* A new frame, or its first writable mapping, changes what the device may do. */
    if (!existing || (!readonly && !fn->grant_rw[slot])) {
        err = fn_map_slot(fn, slot, f, !readonly || fn->grant_rw[slot]);
        if (err && !existing) {
            ctl_call(fn, XNIC_CTL_IOMMU_DEL_BACKING, &b, sizeof(b), NULL, 0);
            fn->grant_mfn[slot] = 0;
        }
        if (err)
            return err;
    }
    fn->grant_refs[slot]++;
    fn->grant_rw[slot] += !readonly;
    return 0;
}

static void fn_unmap_frame(struct pci_fn *fn, const struct frame *f, bool readonly)
{
    bool existing;
    int slot = grant_slot(fn, f, &existing);
    struct xnic_ctl_backing b = {.id = (uint32_t)slot + 1};
    struct xnic_ctl_map m = {.iova = grant_iova(f), .count = 1};

    if (!existing)
        return;
    if (!readonly && fn->grant_rw[slot])
        fn->grant_rw[slot]--;
    if (--fn->grant_refs[slot]) {
        /* The last writable mapping went: the device may only read the frame
         * now (or, should the remap fail, not reach it at all). */
        if (!readonly && !fn->grant_rw[slot] && fn_map_slot(fn, slot, f, false) < 0)
            ctl_call(fn, XNIC_CTL_IOMMU_UNMAP, &m, sizeof(m), NULL, 0);
        return;
    }
    /* DEL_BACKING unmaps every page of the backing first. */
    ctl_call(fn, XNIC_CTL_IOMMU_DEL_BACKING, &b, sizeof(b), NULL, 0);
    fn->grant_mfn[slot] = 0;
}

/* Frames d device-mapped before fn was assigned to it belong in its context too. */
static int iommu_map_grants(struct pci_fn *fn, struct domain *d)
{
    for (uint32_t h = 0; h < d->mt.nr; h++) {
        const struct maptrack_entry *e = maptrack_get(&d->mt, (grant_handle_t)h);
        int err = e && e->device_map ? fn_map_frame(fn, e->frame, e->readonly) : 0;

        if (err)
            return err;
    }
    return 0;
}

static int fn_attach(struct pci_fn *fn, struct domain *d, bool take_over)
{
    int fds[1 + 2 * SV_PCI_MAX_VECTORS];
    int *vec_fds = fds + 1 + fn->nvec;
    struct xnic_ctl_attach a = {.nvec = fn->nvec,
                                .flags = take_over && fn->parked ? XNIC_ATTACH_TAKEOVER : 0};
    int err;

    for (unsigned i = 0; i < 1 + 2 * fn->nvec; i++)
        fds[i] = -1;
    memset(fn->ports, 0, sizeof(fn->ports));
    fn->owner = d; /* so that fn_detach() undoes a partial attach */
    fn->regs_fd = frame_memfd("sv-xnic-regs", SV_PAGE_SIZE);
    err = fn->regs_fd < 0 ? fn->regs_fd : 0;
    for (unsigned v = 0; !err && v < fn->nvec; v++) {
        fn->doorbells[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        err = fn->doorbells[v] < 0 ? -errno : 0;
    }
    if (!err)
        err = route_vectors(fn, d, vec_fds);
    if (!err) {
        fds[0] = fn->regs_fd;
        memcpy(fds + 1, fn->doorbells, fn->nvec * sizeof(int));
        err = ctl_call(fn, XNIC_CTL_ATTACH, &a, sizeof(a), fds, 1 + 2 * fn->nvec);
    }
    if (!err && d->domid != 0) /* dom0 has no RAM of ours: its PF driver makes no DMA */
        err = iommu_map_ram(fn, d);
    if (!err)
        err = iommu_map_grants(fn, d);
    close_fds(vec_fds, fn->nvec);
    if (err) {
        if (fn->regs_fd < 0)
            fn->regs_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        fn_detach(fn);
        return err;
    }
    /* Attached, the device has reset a parked PF or handed its switch over. */
    fn->parked = false;
    fn->hand_over = take_over;
    log_info("%s: assigned to domain %u (%u queues, vectors on ports %u..%u)%s", fn->bdf, d->domid,
             fn->nqueues, fn->ports[0], fn->ports[fn->nvec - 1],
             a.flags & XNIC_ATTACH_TAKEOVER ? ", taken over with the switch kept" : "");
    return 0;
}

void pci_release_domain(struct domain *d)
{
    for (unsigned n = 0; n < nr_nics; n++)
        for (unsigned i = 0; i < nics[n].nfuncs; i++)
            if (nics[n].funcs[i].owner == d)
                fn_release(&nics[n].funcs[i], nics[n].funcs[i].hand_over);
}

void pci_nics_stop(void)
{
    for (unsigned n = 0; n < nr_nics; n++) {
        for (unsigned i = 0; i < nics[n].nfuncs; i++)
            fn_detach(&nics[n].funcs[i]);
        event_free(nics[n].ev);
        close(nics[n].ctl);
        kill(nics[n].pid, SIGTERM);
        waitpid(nics[n].pid, NULL, 0);
    }
    nr_nics = 0;
}

/* Unmaps f from the contexts of d's functions, those before stop (NULL: all). */
static void unmap_frame_before(struct domain *d, const struct frame *f, bool readonly,
                               const struct pci_fn *stop)
{
    for (unsigned n = 0; n < nr_nics; n++)
        for (unsigned i = 0; i < nics[n].nfuncs; i++) {
            struct pci_fn *fn = &nics[n].funcs[i];

            if (fn == stop)
                return;
            if (fn->owner == d)
                fn_unmap_frame(fn, f, readonly);
        }
}

void pci_iommu_unmap_frame(struct domain *d, const struct frame *f, bool readonly)
{
    unmap_frame_before(d, f, readonly, NULL);
}

int pci_iommu_map_frame(struct domain *d, const struct frame *f, bool readonly)
{
    for (unsigned n = 0; n < nr_nics; n++)
        for (unsigned i = 0; i < nics[n].nfuncs; i++) {
            struct pci_fn *fn = &nics[n].funcs[i];
            int err = fn->owner == d ? fn_map_frame(fn, f, readonly) : 0;

            if (!err)
                continue;
            unmap_frame_before(d, f, readonly, fn); /* all or nothing */
            return err;
        }
    return 0;
}

/* ---- hypercalls ---------------------------------------------------------- */

int hc_pci_list(struct hc_ctx *ctx)
{
    struct sv_pci_func *out = ctx->arg;
    size_t room = HC_RESULT_MAX / sizeof(*out), n = 0;

    for (unsigned k = 0; k < nr_nics; k++)
        for (unsigned i = 0; i < nics[k].nfuncs && n < room; i++) {
            const struct pci_fn *fn = &nics[k].funcs[i];

            if (ctx->caller->domid != 0 && fn->owner != ctx->caller)
                continue;
            out[n] = (struct sv_pci_func){.nic = k,
                                          .func = i,
                                          .nqueues = fn->nqueues,
                                          .assignable = fn->assignable,
                                          .owner = fn->owner ? fn->owner->domid : DOMID_INVALID};
            memcpy(out[n].bdf, fn->bdf, sizeof(out[n].bdf));
            n++;
        }
    ctx->res_len = n * sizeof(*out);
    return (int)n;
}

static struct pci_fn *req_fn(struct hc_ctx *ctx)
{
    struct sv_pci_req *r = ctx->arg;

    r->bdf[SV_BDF_SIZE - 1] = '\0';
    return fn_find(r->bdf);
}

int hc_pci_assignable_add(struct hc_ctx *ctx)
{
    struct pci_fn *fn = req_fn(ctx);

    if (!fn)
        return -ENODEV;
    if (fn->owner) /* the host's driver holds it: detached first */
        return -EBUSY;
    if (!fn->assignable) {
        ctl_call(fn, XNIC_CTL_FLR, NULL, 0, NULL, 0);
        fn->assignable = true;
        fn->parked = false;
    }
    return 0;
}

int hc_pci_assignable_remove(struct hc_ctx *ctx)
{
    struct pci_fn *fn = req_fn(ctx);

    if (!fn)
        return -ENODEV;
    if (fn->owner)
        return -EBUSY;
    fn->assignable = false;
    return 0;
}

static int pci_attach(struct hc_ctx *ctx, bool take_over)
{
    struct sv_pci_req *r = ctx->arg;
    struct pci_fn *fn = req_fn(ctx);
    struct domain *d = domain_find((domid_t)r->domid);

    if (!fn)
        return -ENODEV;
    if (!d || d->state != DOMAIN_RUNNING)
        return -ESRCH;
    if (fn->owner)
        return -EBUSY;
    /* A domain gets what was made assignable; dom0 (the host's own PF
     * driver, hostpf) a PF that was not: the host's until
     * pci-assignable-add, as Linux's driver holds a device until pciback
     * seizes it.  A VF is never the host's to drive. */
    if (d->domid == 0 && (fn->assignable || fn->index != 0))
        return -EBUSY;
    if (d->domid != 0 && !fn->assignable)
        return -EPERM;
    return fn_attach(fn, d, take_over);
}

int hc_pci_attach(struct hc_ctx *ctx)
{
    return pci_attach(ctx, false);
}

int hc_pci_take_over(struct hc_ctx *ctx)
{
    return pci_attach(ctx, true);
}

int hc_pci_detach(struct hc_ctx *ctx)
{
    struct sv_pci_req *r = ctx->arg;
    struct pci_fn *fn = req_fn(ctx);

    if (!fn)
        return -ENODEV;
    if (!fn->owner || fn->owner->domid != r->domid)
        return -ENOENT;
    fn_detach(fn);
    return 0;
}

/* The host resets a function where it is (as Linux's sysfs reset file): an
 * owner keeps it and finds its queues stopped, as after a surprise FLR. */
int hc_pci_reset(struct hc_ctx *ctx)
{
    struct pci_fn *fn = req_fn(ctx);

    if (!fn)
        return -ENODEV;
    log_info("%s: reset (FLR) by the host%s", fn->bdf, fn->owner ? ", its owner keeps it" : "");
    fn->parked = false; /* the device's reset ends a park too */
    return ctl_call(fn, XNIC_CTL_FLR, NULL, 0, NULL, 0);
}

/* The device's counters of a function (what its owner's register page shows). */
int hc_pci_stats(struct hc_ctx *ctx)
{
    struct pci_fn *fn = req_fn(ctx);
    struct xnic_func_stats *st = ctx->arg; /* the message buffer: room for it */
    int err;

    if (!fn)
        return -ENODEV;
    memset(st, 0, sizeof(*st)); /* the device sends only its nqueues' counters */
    err = xnic_ctl_call(fn->nic->ctl, XNIC_CTL_STATS, fn->index, NULL, 0, NULL, 0, st, sizeof(*st),
                        on_fault, NULL);
    if (st->nqueues > XNIC_MAX_QUEUES)
        st->nqueues = XNIC_MAX_QUEUES;
    ctx->res_len = err < 0 ? 0 : sizeof(*st);
    return err;
}

int hc_pci_open(struct hc_ctx *ctx)
{
    struct sv_pci_open *o = ctx->arg;
    struct pci_fn *fn;
    int err;

    o->bdf[SV_BDF_SIZE - 1] = '\0';
    fn = fn_find(o->bdf);
    if (!fn || fn->owner != ctx->caller)
        return -ENODEV;
    /* A closed port has no doorbell (0 there once was our stdin). */
    for (unsigned v = 0; v < fn->nvec; v++)
        if (!fn_port_routed(fn, v))
            return -ENOENT;
    o->nqueues = fn->nqueues;
    o->nvec = fn->nvec;
    memcpy(o->ports, fn->ports, sizeof(o->ports));
    err = hc_reply_fd(ctx, dup(fn->regs_fd));
    for (unsigned v = 0; !err && v < fn->nvec; v++)
        err = hc_reply_fd(ctx, dup(fn->doorbells[v]));
    for (unsigned v = 0; !err && v < fn->nvec; v++)
        err = hc_reply_fd(ctx, dup(ctx->caller->ev.ports[fn->ports[v]].doorbell));
    return err;
}
