/*
 * Control protocol of the xnic device model: a unix SOCK_SEQPACKET socket
 * (xnic --control PATH) on which the hypervisor (root) gives functions to
 * owners, resets them and writes their IOMMU contexts.  One message is one
 * datagram: struct xnic_ctl_hdr, then the payload of its type; fds travel
 * with SCM_RIGHTS.  Every request gets a reply with the same type, seq and
 * XNIC_CTL_F_REPLY, status 0 or -errno.  The device sends XNIC_CTL_FAULT on
 * its own (seq 0) to every connected client.
 */
#ifndef SV_XNIC_CTL_H
#define SV_XNIC_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "sv/abi/xnic.h"

#define XNIC_CTL_MAX_FDS 80u /* register page + 2 x (1 + XNIC_MAX_QUEUES) */
#define XNIC_CTL_MAX_MSG 4096u
#define XNIC_CTL_F_REPLY 1u

/* Rights of an IOMMU entry (struct xnic_ctl_map.perms). */
#define IOMMU_PERM_READ  (1u << 0) /* device may read (TX buffers, descriptors) */
#define IOMMU_PERM_WRITE (1u << 1) /* device may write (RX buffers, write-back) */

/* Why the device refused a DMA (struct xnic_ctl_fault.reason). */
enum iommu_fault_reason {
    IOMMU_FAULT_NOT_MAPPED = 1, /* no entry for the IOVA page */
    IOMMU_FAULT_PERM = 2,       /* entry lacks the read or write right */
    IOMMU_FAULT_RANGE = 3,      /* IOVA beyond 48 bits or length overflow */
};

enum xnic_ctl_type {
    XNIC_CTL_INFO = 1,              /* -> struct xnic_ctl_info */
    XNIC_CTL_ATTACH = 2,            /* struct xnic_ctl_attach; fds: regs, doorbells, vectors */
    XNIC_CTL_DETACH = 3,            /* FLR, then forget the owner's fds and IOMMU context */
    XNIC_CTL_FLR = 4,               /* function-level reset */
    XNIC_CTL_IOMMU_BACKING = 5,     /* struct xnic_ctl_backing; fds: memfds for ids id, id+1, ... */
    XNIC_CTL_IOMMU_DEL_BACKING = 6, /* struct xnic_ctl_backing, no fd */
    XNIC_CTL_IOMMU_MAP = 7,         /* struct xnic_ctl_map[] (one or more) */
    XNIC_CTL_IOMMU_UNMAP = 8,       /* struct xnic_ctl_map[] (id, page, perms unused) */
    XNIC_CTL_FAULT = 9,             /* device -> clients: struct xnic_ctl_fault */
    XNIC_CTL_STATS = 10,            /* -> struct xnic_func_stats of the function */
    XNIC_CTL_PARK = 11,             /* PF: its owner died, a successor comes (docs/xnic.md) */
    XNIC_CTL_TYPE_MAX
};

struct xnic_ctl_hdr {
    uint16_t type;
    uint16_t flags;
    uint32_t seq;
    int32_t status; /* replies: 0 or -errno */
    uint32_t func;  /* function index: 0 = PF, 1 + n = VF n */
};

struct xnic_ctl_info {
    uint32_t nfuncs;
    uint32_t pools;
    uint32_t vfs;
    uint32_t link_up;
    struct {
        uint32_t bdf; /* bus << 8 | dev << 3 | fn */
        uint32_t nqueues;
        uint32_t nvec; /* doorbells and vectors ATTACH needs: 1 + nqueues */
        uint32_t attached;
    } funcs[1 + XNIC_MAX_VFS];
    uint32_t pool_queues; /* PF queue pairs per pool (pool p: p, p + pools, ...) */
};

/* ATTACH of a parked PF that keeps the switch (xnic.md, "Hand-over") */
#define XNIC_ATTACH_TAKEOVER (1u << 0)

struct xnic_ctl_attach {
    uint32_t nvec;  /* fds: 1 register page, nvec doorbells, nvec vectors */
    uint32_t flags; /* XNIC_ATTACH_* */
};

struct xnic_ctl_backing {
    uint32_t id;
};

struct xnic_ctl_map {
    uint64_t iova;
    uint64_t page;  /* first page inside the backing */
    uint64_t count; /* pages */
    uint32_t id;    /* backing */
    uint32_t perms; /* IOMMU_PERM_* */
};

struct xnic_ctl_fault {
    uint32_t bdf;
    uint32_t write;
    uint64_t iova;
    uint32_t reason; /* enum iommu_fault_reason */
    uint32_t pad;
    uint64_t suppressed; /* faults dropped by the rate limit before this one */
};

/*
 * Sends one message: hdr, then len bytes of payload, with nfds fds (<=
 * XNIC_CTL_MAX_FDS).  0 or -errno.  The fds stay the caller's.
 */
int xnic_ctl_send(int sock, const struct xnic_ctl_hdr *hdr, const void *payload, size_t len,
                  const int *fds, unsigned nfds);

/*
 * Receives one message into buf (>= sizeof(struct xnic_ctl_hdr)); received
 * fds go to fds[] (room for XNIC_CTL_MAX_FDS) and their count to *nfds, and
 * belong to the caller.  Returns the message length; 0 at end of stream;
 * -EBADMSG for a message shorter than a header or truncated (its fds are
 * closed); other -errno.
 */
long xnic_ctl_recv(int sock, void *buf, size_t len, int *fds, unsigned *nfds);

/* Connects to the control socket at path; the fd or -errno. */
int xnic_ctl_connect(const char *path);

/*
 * Request/reply: sends (type, func, payload, fds), waits for the reply of the
 * same seq and copies up to reply_len bytes of its payload to reply.  FAULT
 * messages that arrive meanwhile go to on_fault (may be NULL).  Returns the
 * reply's status, or -errno on a transport error.
 */
typedef void xnic_ctl_fault_fn(void *arg, const struct xnic_ctl_fault *f);
/* A fault's reason (enum iommu_fault_reason) in words, for logs. */
const char *xnic_ctl_fault_reason(uint32_t reason);
int xnic_ctl_call(int sock, uint16_t type, uint32_t func, const void *payload, size_t len,
                  const int *fds, unsigned nfds, void *reply, size_t reply_len,
                  xnic_ctl_fault_fn *on_fault, void *arg);

/* Sizes on the wire: a change to any of these is a change of the ABI. */
_Static_assert(sizeof(struct xnic_ctl_hdr) == 16, "struct xnic_ctl_hdr is 16 bytes");
_Static_assert(sizeof(struct xnic_ctl_info) == 292, "struct xnic_ctl_info is 292 bytes");
_Static_assert(sizeof(struct xnic_ctl_attach) == 8, "struct xnic_ctl_attach is 8 bytes");
_Static_assert(sizeof(struct xnic_ctl_backing) == 4, "struct xnic_ctl_backing is 4 bytes");
_Static_assert(sizeof(struct xnic_ctl_map) == 32, "struct xnic_ctl_map is 32 bytes");
_Static_assert(sizeof(struct xnic_ctl_fault) == 32, "struct xnic_ctl_fault is 32 bytes");

#endif
