/*
 * The hypercall ABI: how dom0 tools and domains talk to the hypervisor.
 *
 * A hypercall is one message on a SOCK_SEQPACKET unix socket: a struct
 * hc_request followed by `count` argument structs, answered by one struct
 * hc_reply followed by the (updated) argument structs; file descriptors travel
 * with SCM_RIGHTS.  Where Xen has an argument struct (grant table, event
 * channel, sched ops) we use Xen's own, from libxen-dev's headers, and Xen's
 * hypercall and sub-op numbers; operations Xen does not have (domains are
 * processes, frames are file descriptors) use the SV_* numbers below.
 *
 * Channels: dom0 connects to <rundir>/control.sock (root only, checked with
 * SO_PEERCRED); a domain inherits one channel, fd SV_HCALL_FD_ENV names it, and
 * opens more with SV_PLATFORM_channel_open (one per library handle, so closing a
 * handle releases what it bound, as closing /dev/xen/evtchn does).
 *
 * Errors: hc_reply.ret is 0 or a negative errno for the whole call; batched
 * grant ops also report per-op GNTST_* status inside their structs.
 * docs/hypercalls.md lists every operation, who may call it and its errors.
 */
#ifndef SV_HYPERCALL_H
#define SV_HYPERCALL_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/event_channel.h>
#include <xen/sched.h>

#define SV_HCALL_FD_ENV   "SV_HYPERCALL_FD"
#define SV_CONTROL_SOCKET "control.sock"

#define SV_HC_MAX_MSG (64 * 1024)
#define SV_HC_MAX_FDS 253 /* SCM_RIGHTS limit per message */

struct hc_request {
    uint32_t op;    /* __HYPERVISOR_* or SV_HC_* */
    uint32_t cmd;   /* sub-op: GNTTABOP_*, EVTCHNOP_*, SCHEDOP_*, SV_* */
    uint32_t count; /* number of argument structs (batched ops), else 1 */
    uint32_t len;   /* bytes of arguments after this header */
};

struct hc_reply {
    int32_t ret;  /* 0 or -errno */
    uint32_t len; /* bytes of results after this header */
};

/* Our own hypercalls (above Xen's numbers). */
enum {
    SV_HC_domctl = 0x1000,   /* dom0: domain lifecycle, cmd = SV_DOMCTL_* */
    SV_HC_memory = 0x1001,   /* shareable frames, cmd = SV_MEM_* */
    SV_HC_sysctl = 0x1002,   /* host-wide, cmd = SV_SYSCTL_* */
    SV_HC_platform = 0x1003, /* channel and start info, cmd = SV_PLATFORM_* */
    SV_HC_pci = 0x1004,      /* PCI functions, cmd = SV_PCI_* */
};

/* ---- SV_HC_pci ------------------------------------------------------------ */
enum {
    SV_PCI_list = 1,           /* -> struct sv_pci_func[] (a domain sees its own) */
    SV_PCI_assignable_add = 2, /* dom0: struct sv_pci_req */
    SV_PCI_assignable_remove = 3,
    SV_PCI_attach = 4, /* dom0: struct sv_pci_req (domid, bdf) */
    SV_PCI_detach = 5, /* dom0: struct sv_pci_req */
    SV_PCI_open = 6,   /* the owner: struct sv_pci_open + fds */
    SV_PCI_stats = 7,  /* dom0: struct sv_pci_req -> struct xnic_func_stats */
    SV_PCI_reset = 8,  /* dom0: struct sv_pci_req {bdf}: FLR, the owner keeps it */
    /* dom0: as attach, but a PF parked at its owner's death keeps its switch
     * (the successor driver domain; docs/networking.md, "Hand-over") */
    SV_PCI_take_over = 9,
};

#define SV_BDF_SIZE        16 /* "0000:03:10.1" */
#define SV_PCI_MAX_VECTORS 40

struct sv_pci_req {
    uint32_t domid;
    char bdf[SV_BDF_SIZE];
};

struct sv_pci_func {
    char bdf[SV_BDF_SIZE];
    uint32_t nic;  /* index of the NIC (xnic process) */
    uint32_t func; /* 0 = PF, 1 + n = VF n */
    uint32_t nqueues;
    uint32_t assignable;
    uint32_t owner; /* DOMID_INVALID when the host (dom0) has it */
    uint32_t pad;
};

/*
 * What the owner gets to drive a function: the number of vectors (1 +
 * queues) and the event channel port each vector raises.  Reply fds, in
 * order: the register page, nvec doorbells (write to kick the device), nvec
 * vector doorbells (the ports' doorbells: readable when the device
 * interrupts).
 */
struct sv_pci_open {
    char bdf[SV_BDF_SIZE];
    uint32_t nqueues;
    uint32_t nvec;
    evtchn_port_t ports[SV_PCI_MAX_VECTORS];
};

/* ---- SV_HC_platform ------------------------------------------------------ */
enum {
    SV_PLATFORM_channel_open = 1, /* -> fd of a new channel of the caller */
    SV_PLATFORM_start_info = 2,   /* domain only -> struct sv_start_info + fds */
    SV_PLATFORM_open_tun = 3,     /* -> fd of /dev/net/tun, not attached to any device */
    SV_PLATFORM_open_pktsock = 4, /* in: struct sv_pktsock_open -> fd of a packet socket on nfD */
};

/*
 * One queue's packet socket on nfD, the far end of the veth pair whose near
 * end is the guest's ethD (both made by the toolstack in the caller's
 * namespace): bound to nfD, in nfD's fanout group (PACKET_FANOUT_QM: ethD's
 * TX queue picks the socket), vnet headers, qdisc bypass, outgoing frames
 * ignored, auxiliary data (VLAN tags), receive and send buffers of SV_PKTSOCK_BUF.  Shaped by the
 * hypervisor: the domain may not set SOL_PACKET options (architecture.md).
 */
struct sv_pktsock_open {
    uint32_t devid; /* the vif: nf<devid> */
    uint32_t pad;   /* 0 */
};

#define SV_PKTSOCK_BUF (4u << 20)

/*
 * What a domain learns at boot (Xen's start_info).  Reply fds, in order: RAM
 * memfd (nr_ram_pages pages), shared_info page, grant table (nr_grant_frames
 * pages of grant_entry_v1_t), the xenstore ring page (a shareable frame at
 * store_pfn, granted to dom0 at GNTTAB_RESERVED_XENSTORE), and the store
 * port's doorbell (wait on it) and the doorbell it rings (write to kick
 * xenstored).  The store port is unbound for dom0 until xenstored binds it.
 */
struct sv_start_info {
    uint32_t domid;
    uint32_t nr_grant_frames;
    uint64_t nr_ram_pages;
    uint64_t max_shared_frames;
    uint64_t store_pfn;
    uint32_t store_port;
    uint32_t pad;
    char name[64];
};

#define SV_START_INFO_FDS 6
/* Which reply fd is which. */
enum {
    SV_START_FD_RAM,
    SV_START_FD_SHINFO,
    SV_START_FD_GNTTAB,
    SV_START_FD_STORE,
    SV_START_FD_STORE_DOORBELL,
    SV_START_FD_STORE_KICK,
};

/* ---- SV_HC_memory: frames that can be granted ----------------------------- */
enum {
    SV_MEM_share = 1,   /* in: struct sv_mem_share; out: same + refs; fds */
    SV_MEM_unshare = 2, /* in: struct sv_mem_unshare; -EBUSY if any is mapped */
    SV_MEM_notify = 3,  /* in: struct sv_mem_notify */
};

#define SV_MEM_MAX_BATCH 253

/*
 * Allocate `count` fresh shareable frames and grant each to `domid`
 * (xengntshr_share_pages).  The reply carries one fd per frame (read-write,
 * for the caller to map) and fills pfn[] and ref[].
 */
struct sv_mem_share {
    uint32_t domid;
    uint32_t count;
    uint32_t readonly;
    uint32_t pad;
    uint64_t pfn[SV_MEM_MAX_BATCH];
    grant_ref_t ref[SV_MEM_MAX_BATCH];
};

/* End access to and free the frames behind `ref[]` (all or none). */
struct sv_mem_unshare {
    uint32_t count;
    uint32_t pad;
    grant_ref_t ref[SV_MEM_MAX_BATCH];
};

/*
 * Arms an unmap notify (Linux gntdev's and gntalloc's SET_UNMAP_NOTIFY) on
 * a mapping of ours (kind SV_NOTIFY_map, id = its grant handle, made on
 * this channel) or on a frame we share (SV_NOTIFY_share, id = its grant
 * ref).  When the mapping goes (unmap, its channel's close, our death) or
 * the share is let go (unshare, our death), the hypervisor clears the byte
 * at `offset` of the page (UNMAP_NOTIFY_CLEAR_BYTE) and sends on our port
 * `port` (UNMAP_NOTIFY_SEND_EVENT), once.  A later call replaces it.
 */
enum { SV_NOTIFY_map = 1, SV_NOTIFY_share = 2 };

struct sv_mem_notify {
    uint32_t kind;
    uint32_t id;
    uint32_t action; /* UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT (xen/gntdev.h) */
    uint32_t offset;
    uint32_t port;
    uint32_t pad;
};

/* ---- SV_HC_domctl (dom0 only) -------------------------------------------- */
enum {
    SV_DOMCTL_create = 1,       /* struct sv_domctl_create + fd of the kernel image */
    SV_DOMCTL_unpause = 2,      /* struct sv_domctl */
    SV_DOMCTL_pause = 3,        /* struct sv_domctl */
    SV_DOMCTL_destroy = 4,      /* struct sv_domctl */
    SV_DOMCTL_getinfo = 5,      /* struct sv_domctl_getinfo -> xen_domctl_getdomaininfo_t[] */
    SV_DOMCTL_lookup = 6,       /* struct sv_domctl_lookup (by name or by id) */
    SV_DOMCTL_power_button = 7, /* struct sv_domctl: ask the domain to shut down (SIGTERM) */
    SV_DOMCTL_console_in = 8,   /* struct sv_domctl -> fd: write end of the console input */
    SV_DOMCTL_rename = 9,       /* struct sv_domctl_lookup (domid, new name) */
    SV_DOMCTL_wait_up = 10,     /* struct sv_domctl_wait: until it is up, down, or the time */
};

#define SV_DOMAIN_NAME_MAX 64
#define SV_DOMAIN_ARGS_MAX 4096

struct sv_domctl {
    uint32_t domid;
    uint32_t pad;
};

/*
 * Create a paused domain.  args holds argc NUL-terminated strings (the
 * image's argv[1..]); the image itself arrives as an fd opened by the caller.
 * out: domid.
 */
/* What a domain's memory cgroup holds beyond memory_kb: the process itself
 * (heap, stacks, page tables, the image; in the ASan build shadow memory).
 * The hypervisor sets that limit at create; xl mem-max/mem-set move it. */
#define SV_DOMAIN_MEMORY_OVERHEAD (64ULL << 20)

struct sv_domctl_create {
    uint32_t domid; /* out */
    uint32_t vcpus;
    uint64_t memory_kb;
    xen_domain_handle_t handle; /* uuid */
    char name[SV_DOMAIN_NAME_MAX];
    uint32_t argc;
    uint32_t args_len;
    char args[SV_DOMAIN_ARGS_MAX];
    /* Xen's per-domain limits (xl.cfg keys of the same names); 0: Xen's
     * default.  See docs/architecture.md for what each bounds here. */
    uint32_t max_grant_frames;
    uint32_t max_maptrack_frames;
    uint32_t max_event_channels;
    uint32_t max_vcpus; /* vcpus..; 0: vcpus (xl's maxvcpus) */
};

/*
 * Answered once the domain is up (its first hypercall: its image got past
 * the dynamic loader into its own code), has shut down or gone without
 * being up, or timeout_ms (at most SV_DOMCTL_WAIT_MAX_MS) have passed.
 */
#define SV_DOMCTL_WAIT_MAX_MS 60000

struct sv_domctl_wait {
    uint32_t domid;
    uint32_t timeout_ms;
};

struct sv_domctl_getinfo {
    uint32_t first_domid;
    uint32_t max;
};

/* SV_DOMCTL_lookup takes up to this many in one call (xl list names every
 * domain at once); in a batch, one not found comes back with an empty name
 * and no pid, where a single lookup answers ESRCH. */
#define SV_DOMCTL_LOOKUP_BATCH 256

struct sv_domctl_lookup {
    uint32_t domid;                /* in (when name is empty) / out */
    uint32_t pid;                  /* out: the domain's process */
    char name[SV_DOMAIN_NAME_MAX]; /* in (when not empty) / out */
    uint64_t store_pfn;            /* out: for XS_INTRODUCE */
    uint32_t store_port;           /* out: for XS_INTRODUCE */
    uint32_t pad;
};

/* ---- SV_HC_sysctl --------------------------------------------------------- */
enum {
    SV_SYSCTL_readconsole = 1, /* struct sv_sysctl_readconsole -> text */
    SV_SYSCTL_physinfo = 2,    /* -> struct sv_sysctl_physinfo */
    SV_SYSCTL_shutdown = 3,    /* dom0: destroy every domain and exit */
};

struct sv_sysctl_readconsole {
    uint32_t clear;
    uint32_t index; /* in: first byte wanted (incremental reads); out: next */
};

struct sv_sysctl_physinfo {
    uint32_t nr_cpus;
    uint32_t nr_domains;
    uint64_t total_pages;
    uint64_t free_pages;
    uint64_t shared_frames; /* shareable frames in use, all domains */
    uint64_t evtchn_ports;  /* event channel ports in use, all domains */
    uint64_t grant_maps;    /* grant mappings held, all domains */
    uint64_t version;       /* SV_VERSION_MAJOR << 16 | SV_VERSION_MINOR */
    uint64_t unmap_refused; /* unmaps not believed: the mapper still held the frame */
    uint64_t quota_used;    /* fds and mappings domains make us hold ... */
    uint64_t quota_limit;   /* ... and what they may (the rest is dom0's) */
};

#define SV_VERSION_MAJOR 0
#define SV_VERSION_MINOR 1

/*
 * GNTTABOP_copy extension: this side is an address in the caller's own
 * process (what Linux's gntdev copy takes), carried in u.gmfn; it may cross
 * pages.  The hypervisor reaches it with process_vm_readv/writev.
 */
#define SV_GNTCOPY_source_virt (1u << 6)
#define SV_GNTCOPY_dest_virt   (1u << 7)

/* Grant tables: frames per domain (Xen's default max is 64; 32 = 16384 refs). */
#define SV_GNTTAB_FRAMES  32
#define SV_GNTTAB_ENTRIES (SV_GNTTAB_FRAMES * 4096 / sizeof(grant_entry_v1_t))

/* Event channels: 2-level ABI size for 64-bit guests. */
#define SV_EVTCHN_PORTS 4096

/*
 * Every hypercall, once: X(name, op, cmd, type, max, dom0_only).  `type` is
 * the argument struct, `max` how many of them one call may batch, dom0_only
 * refuses the call on a domain's channel (-EPERM).  The hypervisor builds its
 * dispatch table and the prototypes of its handlers, hc_<name>(), from it;
 * libsvcore its client stubs, hcall_<name>() (sv/hcall.h).  Each cmd has a
 * row in docs/hypercalls.md (a unit test checks).
 */
#define SV_HYPERCALLS(X)                                                                           \
    X(gnttab_map, __HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, gnttab_map_grant_ref_t,     \
      SV_HC_MAX_FDS, 0)                                                                            \
    X(gnttab_unmap, __HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref,                         \
      gnttab_unmap_grant_ref_t, 1024, 0)                                                           \
    X(gnttab_copy, __HYPERVISOR_grant_table_op, GNTTABOP_copy, gnttab_copy_t, 1024, 0)             \
    X(gnttab_query_size, __HYPERVISOR_grant_table_op, GNTTABOP_query_size, gnttab_query_size_t, 1, \
      0)                                                                                           \
    X(gnttab_setup_table, __HYPERVISOR_grant_table_op, GNTTABOP_setup_table, gnttab_setup_table_t, \
      1, 0)                                                                                        \
    X(evtchn_alloc_unbound, __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound,                 \
      evtchn_alloc_unbound_t, 1, 0)                                                                \
    X(evtchn_bind_interdomain, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_interdomain,           \
      evtchn_bind_interdomain_t, 1, 0)                                                             \
    X(evtchn_bind_virq, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, evtchn_bind_virq_t, 1,  \
      0)                                                                                           \
    X(evtchn_close, __HYPERVISOR_event_channel_op, EVTCHNOP_close, evtchn_close_t, 1, 0)           \
    X(evtchn_send, __HYPERVISOR_event_channel_op, EVTCHNOP_send, evtchn_send_t, 1, 0)              \
    X(evtchn_status, __HYPERVISOR_event_channel_op, EVTCHNOP_status, evtchn_status_t, 1, 0)        \
    X(evtchn_unmask, __HYPERVISOR_event_channel_op, EVTCHNOP_unmask, evtchn_unmask_t, 1, 0)        \
    X(sched_shutdown, __HYPERVISOR_sched_op, SCHEDOP_shutdown, sched_shutdown_t, 1, 0)             \
    X(sched_remote_shutdown, __HYPERVISOR_sched_op, SCHEDOP_remote_shutdown,                       \
      sched_remote_shutdown_t, 1, 1)                                                               \
    X(mem_share, SV_HC_memory, SV_MEM_share, struct sv_mem_share, 1, 0)                            \
    X(mem_unshare, SV_HC_memory, SV_MEM_unshare, struct sv_mem_unshare, 1, 0)                      \
    X(mem_notify, SV_HC_memory, SV_MEM_notify, struct sv_mem_notify, 1, 0)                         \
    X(domctl_create, SV_HC_domctl, SV_DOMCTL_create, struct sv_domctl_create, 1, 1)                \
    X(domctl_pause, SV_HC_domctl, SV_DOMCTL_pause, struct sv_domctl, 1, 1)                         \
    X(domctl_unpause, SV_HC_domctl, SV_DOMCTL_unpause, struct sv_domctl, 1, 1)                     \
    X(domctl_destroy, SV_HC_domctl, SV_DOMCTL_destroy, struct sv_domctl, 1, 1)                     \
    X(domctl_getinfo, SV_HC_domctl, SV_DOMCTL_getinfo, struct sv_domctl_getinfo, 1, 1)             \
    X(domctl_lookup, SV_HC_domctl, SV_DOMCTL_lookup, struct sv_domctl_lookup,                      \
      SV_DOMCTL_LOOKUP_BATCH, 1)                                                                   \
    X(domctl_power_button, SV_HC_domctl, SV_DOMCTL_power_button, struct sv_domctl, 1, 1)           \
    X(domctl_console_in, SV_HC_domctl, SV_DOMCTL_console_in, struct sv_domctl, 1, 1)               \
    X(domctl_rename, SV_HC_domctl, SV_DOMCTL_rename, struct sv_domctl_lookup, 1, 1)                \
    X(domctl_wait_up, SV_HC_domctl, SV_DOMCTL_wait_up, struct sv_domctl_wait, 1, 1)                \
    X(sysctl_readconsole, SV_HC_sysctl, SV_SYSCTL_readconsole, struct sv_sysctl_readconsole, 1, 1) \
    X(sysctl_physinfo, SV_HC_sysctl, SV_SYSCTL_physinfo, struct sv_sysctl_physinfo, 1, 0)          \
    X(sysctl_shutdown, SV_HC_sysctl, SV_SYSCTL_shutdown, uint32_t, 1, 1)                           \
    X(pci_list, SV_HC_pci, SV_PCI_list, uint32_t, 1, 0)                                            \
    X(pci_assignable_add, SV_HC_pci, SV_PCI_assignable_add, struct sv_pci_req, 1, 1)               \
    X(pci_assignable_remove, SV_HC_pci, SV_PCI_assignable_remove, struct sv_pci_req, 1, 1)         \
    X(pci_attach, SV_HC_pci, SV_PCI_attach, struct sv_pci_req, 1, 1)                               \
    X(pci_detach, SV_HC_pci, SV_PCI_detach, struct sv_pci_req, 1, 1)                               \
    X(pci_open, SV_HC_pci, SV_PCI_open, struct sv_pci_open, 1, 0)                                  \
    X(pci_stats, SV_HC_pci, SV_PCI_stats, struct sv_pci_req, 1, 1)                                 \
    X(pci_reset, SV_HC_pci, SV_PCI_reset, struct sv_pci_req, 1, 1)                                 \
    X(pci_take_over, SV_HC_pci, SV_PCI_take_over, struct sv_pci_req, 1, 1)                         \
    X(platform_channel_open, SV_HC_platform, SV_PLATFORM_channel_open, uint32_t, 1, 0)             \
    X(platform_start_info, SV_HC_platform, SV_PLATFORM_start_info, struct sv_start_info, 1, 0)     \
    X(platform_open_tun, SV_HC_platform, SV_PLATFORM_open_tun, uint32_t, 1, 0)                     \
    X(platform_open_pktsock, SV_HC_platform, SV_PLATFORM_open_pktsock, struct sv_pktsock_open, 1, 0)

/* Sizes on the wire: a change to any of these is a change of the ABI. */
_Static_assert(sizeof(struct hc_request) == 16, "struct hc_request is 16 bytes");
_Static_assert(sizeof(struct hc_reply) == 8, "struct hc_reply is 8 bytes");
_Static_assert(sizeof(struct sv_pci_req) == 20, "struct sv_pci_req is 20 bytes");
_Static_assert(sizeof(struct sv_pci_func) == 40, "struct sv_pci_func is 40 bytes");
_Static_assert(sizeof(struct sv_pci_open) == 184, "struct sv_pci_open is 184 bytes");
_Static_assert(sizeof(struct sv_pktsock_open) == 8, "struct sv_pktsock_open is 8 bytes");
_Static_assert(sizeof(struct sv_start_info) == 104, "struct sv_start_info is 104 bytes");
_Static_assert(sizeof(struct sv_mem_share) == 3056, "struct sv_mem_share is 3056 bytes");
_Static_assert(sizeof(struct sv_mem_unshare) == 1020, "struct sv_mem_unshare is 1020 bytes");
_Static_assert(sizeof(struct sv_domctl) == 8, "struct sv_domctl is 8 bytes");
_Static_assert(sizeof(struct sv_domctl_create) == 4216, "struct sv_domctl_create is 4216 bytes");
_Static_assert(sizeof(struct sv_domctl_wait) == 8, "struct sv_domctl_wait is 8 bytes");
_Static_assert(sizeof(struct sv_domctl_getinfo) == 8, "struct sv_domctl_getinfo is 8 bytes");
_Static_assert(sizeof(struct sv_domctl_lookup) == 88, "struct sv_domctl_lookup is 88 bytes");
_Static_assert(sizeof(struct sv_sysctl_readconsole) == 8,
               "struct sv_sysctl_readconsole is 8 bytes");
_Static_assert(sizeof(struct sv_sysctl_physinfo) == 80, "struct sv_sysctl_physinfo is 80 bytes");

#endif
