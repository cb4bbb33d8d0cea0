/*
 * The client side of the hypercall ABI (sv/abi/hypercall.h), shared by our
 * libxenctrl, libxenevtchn and libxengnttab and by dom0's tools.
 *
 * Inside a domain (SV_HYPERCALL_FD set) a new channel is asked for on the
 * inherited one; in dom0 it is a new connection to the control socket.
 * Calls are synchronous; a channel may be used by one thread at a time.
 */
#ifndef SV_HCALL_H
#define SV_HCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/abi/hypercall.h"

/* True inside a domain. */
bool hcall_in_domain(void);

/* Opens a new channel: an fd, or -errno (-ECONNREFUSED: no hypervisor). */
int hcall_open(void);

/* What a call carries besides its argument structs. */
struct hcall_io {
    const int *fds_in; /* descriptors sent with the call */
    int nfds_in;
    int *fds_out; /* room for those the reply carries (the caller closes them) */
    int nfds_max;
    int nfds_out; /* out */
    void *res;    /* results, up to res_cap bytes; NULL: into the arguments */
    size_t res_cap;
    size_t res_len; /* out */
};

/*
 * The client stubs, one pair per call of SV_HYPERCALLS (sv/abi/hypercall.h):
 * hcall_<name>(chan, arg) makes the call with one argument struct, updated
 * in place, and no descriptors; hcall_<name>_v(chan, args, count, io) with
 * `count` of them and what io carries (io may be NULL).  Both return the
 * hypervisor's answer (>= 0, or -errno for the call) or a transport error
 * (-EPIPE, -ECONNRESET, -EPROTO: a malformed reply, -E2BIG: too many
 * arguments for one message).
 */
#define HCALL_PROTO(name, op, cmd, type, max, dom0)                                                \
    int hcall_##name(int chan, type *arg);                                                         \
    int hcall_##name##_v(int chan, type *args, uint32_t count, struct hcall_io *io);
SV_HYPERCALLS(HCALL_PROTO)
#undef HCALL_PROTO

/* SV_PLATFORM_open_tun: the fd, or -errno (-EPROTO: no fd came). */
int hcall_open_tun(int chan);

/* SV_PLATFORM_open_pktsock: one queue's packet socket on nf<devid>, or
 * -errno (-ENODEV: no nf<devid>; -EPROTO: no fd came). */
int hcall_open_pktsock(int chan, unsigned devid);

/* The PCI functions the caller may see (all for dom0, its own for a domain)
 * into out (max entries): their number, or -errno. */
int hcall_pci_funcs(int chan, struct sv_pci_func *out, unsigned max);

/* Inside a domain: its start info and the SV_START_INFO_FDS descriptors that
 * come with it (the caller closes them).  0 or -errno (-EPROTO: fds missing). */
int hcall_start_info(int chan, struct sv_start_info *si, int fds[SV_START_INFO_FDS]);

/* Descriptors SV_PCI_open answers at most: the register page, then a
 * doorbell and a vector port's doorbell per vector. */
#define SV_PCI_OPEN_FDS (1 + 2 * SV_PCI_MAX_VECTORS)

/* The owner opens its function bdf: *o filled (queues, vectors, their
 * ports) and fds[0] the register page, fds[1 .. nvec] the doorbells,
 * fds[1 + nvec ..] the vectors'.  Their number (1 + 2 * o->nvec), or
 * -errno (-EPROTO: another number came, and none is kept). */
int hcall_pci_open_fds(int chan, const char *bdf, struct sv_pci_open *o, int fds[SV_PCI_OPEN_FDS]);

#endif
