/* Frames (one-page memfds) and the per-domain p2m: see p2m.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p2m.h"
#include "sv/util.h"

static uint64_t next_mfn = 1;

int frame_memfd(const char *name, size_t size)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

    if (fd < 0)
        return -errno;
    /* memfds start 0777: close the /proc/self/fd reopen path before sharing.
     * Sealed at its size: a holder that truncated it would SIGBUS every other
     * mapper (the hypervisor, the xnic device model, a peer domain); and
     * against further seals, so that no holder can add F_SEAL_FUTURE_WRITE
     * and deny the others a writable mapping. */
    if (fchmod(fd, 0600) < 0 || ftruncate(fd, (off_t)size) < 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
        int err = -errno;

        close(fd);
        return err;
    }
    return fd;
}

static int frame_new(struct quota *quota, struct frame **out)
{
    struct frame *f;
    struct stat st;
    int err = quota_take(quota, 1);

    if (err)
        return err;
    f = calloc(1, sizeof(*f));
    if (!f)
        goto out_give;
    f->fd = frame_memfd("sv-frame", SV_PAGE_SIZE);
    if (f->fd < 0)
        goto out_free;
    if (fstat(f->fd, &st) < 0)
        goto out_close;
    f->ino = st.st_ino;
    f->mfn = next_mfn++;
    f->refs = 1;
    f->quota = quota;
    *out = f;
    return 0;

out_close:
    close(f->fd);
out_free:
    free(f);
out_give:
    quota_give(quota, 1);
    return -ENOMEM;
}

struct frame *frame_get(struct frame *f)
{
    f->refs++;
    return f;
}

void frame_put(struct frame *f)
{
    if (--f->refs)
        return;
    close(f->fd);
    quota_give(f->quota, 1);
    free(f);
}

/* Each mapping's lock is a byte of its own, past the page (a lock may lie
 * beyond a file's end): the unmap of one never waits on another's. */
static uint64_t next_hold;

int frame_open_held(const struct frame *f, bool readonly, uint64_t *hold)
{
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_len = 1};
    char path[64];
    int fd, err;

    snprintf(path, sizeof(path), "/proc/self/fd/%d", f->fd);
    fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    fl.l_start = (off_t)(SV_PAGE_SIZE + next_hold);
    if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    *hold = next_hold++;
    return fd;
}

bool frame_held(const struct frame *f, uint64_t hold)
{
    struct flock fl = {.l_type = F_WRLCK,
                       .l_whence = SEEK_SET,
                       .l_start = (off_t)(SV_PAGE_SIZE + hold),
                       .l_len = 1};

    /* Asked through our own description, which holds no lock of a
     * mapping's (nor can its sharer's dup of it block this answer). */
    return fcntl(f->fd, F_OFD_GETLK, &fl) < 0 || fl.l_type != F_UNLCK;
}

int p2m_init(struct p2m *p2m, const char *name, uint64_t ram_pages, uint64_t max_shared)
{
    *p2m = (struct p2m){.ram_pages = ram_pages, .ram_fd = -1, .max_shared = max_shared};
    p2m->shared = calloc(max_shared ? max_shared : 1, sizeof(*p2m->shared));
    if (!p2m->shared)
        return -ENOMEM;
    if (!ram_pages)
        return 0;
    p2m->ram_fd = frame_memfd(name, ram_pages * SV_PAGE_SIZE);
    if (p2m->ram_fd < 0) {
        int err = p2m->ram_fd;

        free(p2m->shared);
        p2m->shared = NULL;
        return err;
    }
    return 0;
}

void p2m_destroy(struct p2m *p2m)
{
    if (!p2m->shared)
        return;
    for (uint64_t i = 0; i < p2m->max_shared; i++)
        if (p2m->shared[i])
            frame_put(p2m->shared[i]);
    free(p2m->shared);
    p2m->shared = NULL;
    if (p2m->ram_fd >= 0)
        close(p2m->ram_fd);
    p2m->ram_fd = -1;
}

int p2m_alloc_shared(struct p2m *p2m, unsigned count, uint64_t *pfns)
{
    unsigned done = 0;
    int err = 0;

    if (count > p2m->max_shared - p2m->nr_shared)
        return -ENOMEM;
    for (uint64_t i = 0; i < p2m->max_shared && done < count; i++) {
        if (p2m->shared[i])
            continue;
        err = frame_new(p2m->quota, &p2m->shared[i]);
        if (err)
            goto out_undo;
        pfns[done++] = p2m->ram_pages + i;
        p2m->nr_shared++;
    }
    return 0;

out_undo:
    while (done--)
        p2m_free_shared(p2m, pfns[done]);
    return err;
}

static struct frame **p2m_slot(const struct p2m *p2m, uint64_t pfn)
{
    if (pfn < p2m->ram_pages || pfn - p2m->ram_pages >= p2m->max_shared)
        return NULL;
    return &p2m->shared[pfn - p2m->ram_pages];
}

int p2m_free_shared(struct p2m *p2m, uint64_t pfn)
{
    struct frame **slot = p2m_slot(p2m, pfn);

    if (!slot || !*slot)
        return -EINVAL;
    if ((*slot)->refs > 1)
        return -EBUSY;
    frame_put(*slot);
    *slot = NULL;
    p2m->nr_shared--;
    return 0;
}

struct frame *p2m_frame(const struct p2m *p2m, uint64_t pfn)
{
    struct frame **slot = p2m_slot(p2m, pfn);

    return slot ? *slot : NULL;
}

int p2m_locate(const struct p2m *p2m, uint64_t pfn, int *fd, off_t *off)
{
    struct frame *f;

    if (pfn < p2m->ram_pages) {
        *fd = p2m->ram_fd;
        *off = (off_t)(pfn * SV_PAGE_SIZE);
        return 0;
    }
    f = p2m_frame(p2m, pfn);
    if (!f)
        return -EINVAL;
    *fd = f->fd;
    *off = 0;
    return 0;
}
