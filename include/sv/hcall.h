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

struct hcall {
    uint32_t op, cmd, count;
    const void *arg; /* count argument structs ... */
    size_t arg_len;  /* ... of arg_len bytes in all */
    void *res;       /* results (may be arg itself), up to res_cap bytes */
    size_t res_cap;
    size_t res_len; /* out */
    const int *fds_in;
    int nfds_in;
    int *fds_out; /* received descriptors (caller closes them) */
    int nfds_max;
    int nfds_out; /* out */
};

/*
 * Makes one call.  Returns the hypervisor's answer (>= 0, or -errno for the
 * call) or a transport error (-EPIPE, -ECONNRESET...).
 */
int hcall(int chan, struct hcall *hc);

/* A call that takes no argument and answers one fd (SV_PLATFORM_channel_open,
 * SV_PLATFORM_open_tun): the fd, or -errno (-EPROTO: no fd came). */
int hcall_fd(int chan, uint32_t op, uint32_t cmd);

/* The PCI functions the caller may see (all for dom0, its own for a domain)
 * into out (max entries): their number, or -errno. */
int hcall_pci_list(int chan, struct sv_pci_func *out, unsigned max);

/* Inside a domain: its start info and the SV_START_INFO_FDS descriptors that
 * come with it (the caller closes them).  0 or -errno (-EPROTO: fds missing). */
int hcall_start_info(int chan, struct sv_start_info *si, int fds[SV_START_INFO_FDS]);

/* The common case: one argument struct, updated in place, no fds. */
int hcall_simple(int chan, uint32_t op, uint32_t cmd, void *arg, size_t len);

/* The same for a call that answers descriptors: up to max of them into fds
 * (the caller closes them).  Their number, or -errno. */
int hcall_simple_fds(int chan, uint32_t op, uint32_t cmd, void *arg, size_t len, int *fds,
                     int max);

/* Descriptors SV_PCI_open answers at most: the register page, then a
 * doorbell and a vector port's doorbell per vector. */
#define SV_PCI_OPEN_FDS (1 + 2 * SV_PCI_MAX_VECTORS)

/* The owner opens its function bdf: *o filled (queues, vectors, their
 * ports) and fds[0] the register page, fds[1 .. nvec] the doorbells,
 * fds[1 + nvec ..] the vectors'.  Their number (1 + 2 * o->nvec), or
 * -errno (-EPROTO: another number came, and none is kept). */
int hcall_pci_open(int chan, const char *bdf, struct sv_pci_open *o, int fds[SV_PCI_OPEN_FDS]);

#endif
