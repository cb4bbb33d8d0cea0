/*
 * Test harness that plays the hypervisor and the owner for an xnic in one
 * process: connects to the control socket, attaches functions with register
 * pages and eventfds it makes, and gives them an IOMMU context that maps one
 * memfd it owns at XHOST_IOVA_BASE.  Used by xnic-native and the xnic bench;
 * never part of the device model.
 */
#ifndef XNIC_HOST_H
#define XNIC_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/abi/xnic_ctl.h"
#include "sv/xnic_drv.h"

#define XHOST_IOVA_BASE 0x10000000ull

struct xhost {
    int ctl;
    int memfd;
    uint8_t *mem;
    size_t size;
    size_t used;
    struct xnic_ctl_info info;
    uint64_t faults; /* XNIC_CTL_FAULT messages seen */
    struct xnic_ctl_fault last_fault;
};

/* A started queue pair with its TX and RX buffers. */
struct xq {
    struct xnic_drv *d;
    unsigned q;
    unsigned ring;
    unsigned buf_size;
    uint8_t *tx_buf, *rx_buf;
    uint64_t tx_iova, rx_iova;
    uint64_t tx_posted;
    uint8_t *tx_ring;
};

/* A memfd of size bytes sealed against resizing, as the hypervisor must hand
 * them to the device model; the fd or -errno. */
int xhost_memfd(const char *name, size_t size);
/* 0 or -errno. */
int xhost_open(struct xhost *h, const char *ctl_path, size_t mem_size);
void xhost_close(struct xhost *h);
/* Attaches function f and maps the whole memfd for it; NULL on failure. */
struct xnic_drv *xhost_attach(struct xhost *h, unsigned f, bool poll_mode);
/* Page-aligned memory from the memfd, zeroed; NULL when it is used up. */
void *xhost_alloc(struct xhost *h, size_t len, uint64_t *iova);
/* Sends a control request for function f (no payload, no fds). */
int xhost_ctl(struct xhost *h, uint16_t type, unsigned f);
int xhost_unmap(struct xhost *h, unsigned f, uint64_t iova, uint64_t pages);
/* The device's counters of function f, as the hypervisor reads them. */
int xhost_stats(struct xhost *h, unsigned f, struct xnic_func_stats *st);
/* Collects FAULT messages that have arrived (a cheap INFO round trip). */
void xhost_sync(struct xhost *h);

/* Starts queue q with rings of `ring` slots and buffers of buf_size bytes,
 * posting every RX buffer.  0 or -errno. */
int xq_start(struct xhost *h, struct xnic_drv *d, unsigned q, unsigned ring, unsigned buf_size,
             struct xq *xq);
/* Copies a frame into the next TX buffer and posts it (no kick); -ENOSPC
 * when the ring is full after reaping. */
int xq_post(struct xq *xq, const void *frame, size_t len, unsigned cmd, uint16_t mss,
            uint8_t hdr_len);
/* Reaps TX completions; the number reaped, errors counted into *errs. */
unsigned xq_reap_tx(struct xq *xq, unsigned *errs);
/* Waits up to timeout_ms for one received frame; copies it to out and
 * reposts the buffer.  Returns its length, 0 on timeout. */
long xq_recv(struct xq *xq, uint8_t *out, size_t size, uint16_t *status, int timeout_ms);

/* Builds a test frame: dst, src, ethertype 0x88b5 (local experimental), then
 * a payload of len - 14 bytes starting with seq. */
size_t xhost_frame(uint8_t *buf, size_t len, const uint8_t dst[6], const uint8_t src[6],
                   uint32_t seq);
/* 02:00:00:00:HI:LO */
void xhost_mac(uint8_t mac[6], unsigned hi, unsigned lo);

#endif
