/*
 * Frames and the p2m: a domain's pseudo-physical address space.
 *
 * pfns [0, ram_pages) are the domain's RAM, one memfd mapped whole by the
 * domain.  pfns from ram_pages up are shareable frames: each is its own
 * one-page memfd, so that the hypervisor can hand exactly that frame, and
 * nothing else, to a domain that maps a grant of it.  Frames are root-owned
 * mode 0600 before any fd leaves the hypervisor, so a read-only fd cannot be
 * reopened read-write through /proc/self/fd, and sealed (frame_memfd()), so
 * no holder can resize them under another's mapping.
 *
 * A frame is reference counted: one reference for the owner's p2m slot and
 * one for each foreign mapping, so a frame outlives its owner while mapped.
 *
 * The hypervisor maps none of them: it reaches a page through its fd
 * (p2m_locate(), then pread/pwrite), so what a domain shares costs us one fd
 * per frame and no mapping -- vm.max_map_count does not bound it.
 */
#ifndef HV_P2M_H
#define HV_P2M_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "quota.h"

struct frame {
    uint64_t mfn;        /* machine frame number, unique for the hypervisor's life */
    int fd;              /* read-write memfd, one page */
    ino_t ino;           /* names the frame in /proc/PID/maps */
    unsigned refs;       /* p2m slot + foreign mappings */
    struct quota *quota; /* charged one while it lives (its fd) */
};

struct p2m {
    uint64_t ram_pages;
    int ram_fd;
    uint64_t max_shared;
    uint64_t nr_shared;    /* frames in use */
    struct frame **shared; /* [pfn - ram_pages], NULL when free */
    struct quota *quota;   /* new frames are charged here (NULL: not charged) */
};

/* Sets up RAM (memfd of ram_pages, may be 0) and room for max_shared frames. */
int p2m_init(struct p2m *p2m, const char *name, uint64_t ram_pages, uint64_t max_shared);
/* Drops the owner's references; frames still mapped elsewhere live on. */
void p2m_destroy(struct p2m *p2m);

/* Allocates count frames at free pfns (written to pfns[]); all or none:
 * -ENOMEM past max_shared, -ENOSPC when the quota refuses. */
int p2m_alloc_shared(struct p2m *p2m, unsigned count, uint64_t *pfns);
/* Frees the frame at pfn: -EBUSY while mapped elsewhere, -EINVAL if none. */
int p2m_free_shared(struct p2m *p2m, uint64_t pfn);
/* The shareable frame at pfn, or NULL (RAM pfns are not shareable). */
struct frame *p2m_frame(const struct p2m *p2m, uint64_t pfn);
/* Where pfn's page (RAM or shareable) is: its memfd and the page's offset
 * in it.  0, or -EINVAL when no page is there. */
int p2m_locate(const struct p2m *p2m, uint64_t pfn, int *fd, off_t *off);

/*
 * A memfd of size bytes the hypervisor may map and hand out: root-only
 * (mode 0600) and sealed at its size and against further seals, so that no
 * holder can make a mapping of it fault or deny others a writable one.
 * Every memfd that leaves the hypervisor is made here.  fd or -errno.
 */
int frame_memfd(const char *name, size_t size);
struct frame *frame_get(struct frame *f);
void frame_put(struct frame *f);
/*
 * An fd of the frame for one mapping: a new open file description
 * (O_RDONLY when readonly), which holds a read lock (an OFD lock) on a byte
 * of its own, *hold.  The kernel drops that lock only when the last
 * reference to the description goes -- every fd of it in any process, any
 * mmap of it, a copy unread in a socket -- so frame_held() proves an unmap
 * in one system call, with the mapper running.  A domain cannot drop the
 * lock early: its seccomp filter refuses F_OFD_SETLK (sandbox.c); nor reach
 * the frame through another description: the memfd is root's, mode 0600.
 * fd or -errno.
 */
int frame_open_held(const struct frame *f, bool readonly, uint64_t *hold);
/* Whether the description frame_open_held() made with hold lives on
 * anywhere (true also when the kernel cannot tell: the safe side). */
bool frame_held(const struct frame *f, uint64_t hold);

#endif
