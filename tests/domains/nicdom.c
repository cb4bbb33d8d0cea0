/*
 * nicdom: a domain image that drives a PCI function assigned to it with the
 * xnic driver library, its descriptor rings and buffers in its own RAM
 * (IOVA = guest-physical address, which the hypervisor maps in the
 * function's IOMMU context).  It sends one frame from RAM, which must go,
 * and one from an IOVA outside its RAM, which the IOMMU must block.
 *
 *   nicdom BDF     prints "OPEN queues=N", "TX ram ok", "TX outside RAM blocked (status S)"
 *   nicdom BDF GRANTER REF
 *                  also maps GRANTER's grant REF for its device, sends from it ("TX grant
 *                  ok"), unmaps it and sends from the same IOVA again ("TX unmapped grant
 *                  blocked"); then puts its TX ring in that page, device-mapped read-only
 *                  (completions must fault: "ro device map: write-back blocked"), then
 *                  also writable ("rw device map: write-back ok")
 *   nicdom late BDF GRANTER REF
 *                  maps the grant for its devices first ("MAPPED"), then waits until
 *                  BDF is assigned to it and sends from the grant ("TX early grant ok")
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "sv/gnttab_ext.h"
#include "sv/hcall.h"
#include "sv/msg.h"
#include "sv/util.h"
#include "sv/abi/xnic.h"
#include "sv/xnic_drv.h"

#define OUTSIDE_RAM_IOVA 0x3f00000000ULL

static char *ram;
static uint64_t ram_used = 1 << 20; /* leave the first MiB alone */

static void *ram_alloc(size_t len, uint64_t *iova)
{
    void *p = ram + ram_used;

    *iova = ram_used;
    ram_used += (len + 4095) & ~4095UL;
    memset(p, 0, len);
    return p;
}

static int map_ram(int chan)
{
    struct sv_start_info si;
    int fds[SV_START_INFO_FDS];
    int err = hcall_start_info(chan, &si, fds);

    if (err < 0)
        return err;
    ram = mmap(NULL, si.nr_ram_pages * 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
               fds[SV_START_FD_RAM], 0);
    msg_close_fds(fds, SV_START_INFO_FDS);
    return ram == MAP_FAILED ? -errno : 0;
}

static struct xnic_drv *open_function(int chan, const char *bdf)
{
    struct sv_pci_open o;
    int fds[SV_PCI_OPEN_FDS];
    struct xnic_drv *d;
    int err, n = hcall_pci_open_fds(chan, bdf, &o, fds);

    if (n < 0)
        return NULL;
    d = xnic_drv_open(fds[0], fds + 1, fds + 1 + o.nvec, o.nvec, false, &err);
    if (!d)
        msg_close_fds(fds, n);
    else
        printf("OPEN queues=%u vector ports %u..%u\n", o.nqueues, o.ports[0], o.ports[o.nvec - 1]);
    return d;
}

/* Sends one frame whose buffer is at iova; returns its completion status. */
static int send_frame(struct xnic_drv *d, uint64_t iova)
{
    struct xnic_drv_seg seg = {.iova = iova, .len = 64};
    struct xnic_drv_tx_done done;

    if (xnic_drv_tx(d, 0, &seg, 1, 0, 0, 0, NULL) < 0)
        return -1;
    xnic_drv_tx_kick(d, 0);
    for (int i = 0; i < 200; i++) {
        if (xnic_drv_tx_reap(d, 0, &done, 1) == 1)
            return done.status;
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    return -1;
}

static uint64_t dma_faults(struct xnic_drv *d)
{
    return *(const volatile uint64_t *)(xnic_drv_regs(d) + XNIC_REG_DMA_FAULTS);
}

enum write_back {
    WB_WRITTEN, /* the completion reached the ring */
    WB_FAULTED, /* writing it faulted (the device's fault count rose) */
    WB_BROKEN,  /* neither: the queue or the send failed */
};

/* Sends one frame from buf_iova on queue 0, whose TX ring is in the granted
 * page (cpu, at IOVA bus), and says what became of its completion. */
static enum write_back ring_write_back(struct xnic_drv *d, const struct xnic_drv_rings *r,
                                       void *cpu, uint64_t bus, uint64_t buf_iova)
{
    struct xnic_drv_rings g = *r;
    uint64_t faults = dma_faults(d);
    int st;

    xnic_drv_queue_stop(d, 0);
    memset(cpu, 0, SV_PAGE_SIZE);
    g.tx = cpu;
    g.tx_iova = bus;
    if (xnic_drv_queue_start(d, 0, &g, 1) < 0)
        return WB_BROKEN;
    st = send_frame(d, buf_iova);
    if (dma_faults(d) > faults)
        return WB_FAULTED;
    return st >= 0 && !XNIC_DS_ERR(st) ? WB_WRITTEN : WB_BROKEN;
}

/* The device may write a device-mapped grant only while the domain holds a
 * writable device mapping of it (the CPU mapping does not count). */
static void ring_in_grant(struct xnic_drv *d, xengnttab_handle *xgt, uint32_t granter, uint32_t ref,
                          const struct xnic_drv_rings *r, uint64_t buf_iova)
{
    uint64_t bus = 0, rw_bus = 0;
    void *cpu = xengnttab_map_grant_ref(xgt, granter, ref, PROT_READ | PROT_WRITE);
    void *ro =
        cpu ? xengnttab_map_grant_refs_device(xgt, 1, &granter, &ref, PROT_READ, &bus) : NULL;
    void *rw;

    if (!ro) {
        printf("FAIL mapping grant %u for the ring: %s\n", ref, strerror(errno));
        return;
    }
    printf(ring_write_back(d, r, cpu, bus, buf_iova) == WB_FAULTED
               ? "ro device map: write-back blocked\n"
               : "FAIL ro device map: the write-back did not fault\n");
    rw = xengnttab_map_grant_refs_device(xgt, 1, &granter, &ref, PROT_READ | PROT_WRITE, &rw_bus);
    printf(rw && rw_bus == bus && ring_write_back(d, r, cpu, bus, buf_iova) == WB_WRITTEN
               ? "rw device map: write-back ok\n"
               : "FAIL rw device map\n");
    /* The mappings stay: the hypervisor believes an unmap only once the
     * process maps the frame no more, and the domain is destroyed next. */
    xnic_drv_queue_stop(d, 0);
}

/* Device-mapped grant: the device reads the granted page at its bus address. */
static void send_from_grant(struct xnic_drv *d, uint32_t granter, uint32_t ref,
                            const struct xnic_drv_rings *r, uint64_t buf_iova)
{
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    uint64_t bus = 0;
    void *page =
        xgt ? xengnttab_map_grant_refs_device(xgt, 1, &granter, &ref, PROT_READ | PROT_WRITE, &bus)
            : NULL;
    int st;

    if (!page) {
        printf("FAIL device map of grant %u: %s\n", ref, strerror(errno));
        return;
    }
    memset(page, 0xff, 12);
    st = send_frame(d, bus);
    printf(st >= 0 && !XNIC_DS_ERR(st) ? "TX grant ok (bus %#llx)\n" : "FAIL TX grant %#llx\n",
           (unsigned long long)bus);
    xengnttab_unmap(xgt, page, 1);
    st = send_frame(d, bus);
    printf(st >= 0 && XNIC_DS_ERR(st) ? "TX unmapped grant blocked\n"
                                      : "FAIL TX unmapped grant status %d\n",
           st);
    ring_in_grant(d, xgt, granter, ref, r, buf_iova);
    xengnttab_close(xgt);
}

/* A grant device-mapped before the function was assigned is in its context too. */
static int mode_late(int chan, const char *bdf, uint32_t granter, uint32_t ref)
{
    struct xnic_drv_rings r = {.tx_size = 64, .rx_size = 64};
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    uint64_t bus = 0;
    uint8_t *page =
        xgt ? xengnttab_map_grant_refs_device(xgt, 1, &granter, &ref, PROT_READ | PROT_WRITE, &bus)
            : NULL;
    struct xnic_drv *d = NULL;
    int st;

    if (!page) {
        printf("FAIL device map of grant %u: %s\n", ref, strerror(errno));
        return 1;
    }
    memset(page, 0xff, 12);
    printf("MAPPED bus %#llx\n", (unsigned long long)bus);
    for (int i = 0; i < 1000 && !(d = open_function(chan, bdf)); i++)
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    r.tx = ram_alloc(64 * sizeof(struct xnic_tx_desc), &r.tx_iova);
    r.rx = ram_alloc(64 * sizeof(struct xnic_rx_desc), &r.rx_iova);
    if (!d || xnic_drv_queue_start(d, 0, &r, 1) < 0) {
        printf("FAIL open %s\n", bdf);
        return 1;
    }
    st = send_frame(d, bus);
    printf(st >= 0 && !XNIC_DS_ERR(st) ? "TX early grant ok\n" : "FAIL TX early grant %#x\n", st);
    pause();
    return 0;
}

int main(int argc, char **argv)
{
    struct xnic_drv_rings r = {.tx_size = 64, .rx_size = 64};
    struct xnic_drv *d;
    uint64_t buf_iova;
    uint8_t *buf;
    int chan = hcall_open(), st;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 5 && !strcmp(argv[1], "late") && chan >= 0 && map_ram(chan) == 0)
        return mode_late(chan, argv[2], (uint32_t)strtoul(argv[3], NULL, 0),
                         (uint32_t)strtoul(argv[4], NULL, 0));
    if ((argc != 2 && argc != 4) || chan < 0 || map_ram(chan) < 0 ||
        !(d = open_function(chan, argv[1]))) {
        printf("FAIL open %s\n", argc > 1 ? argv[1] : "?");
        return 1;
    }
    r.tx = ram_alloc(64 * sizeof(struct xnic_tx_desc), &r.tx_iova);
    r.rx = ram_alloc(64 * sizeof(struct xnic_rx_desc), &r.rx_iova);
    buf = ram_alloc(4096, &buf_iova);
    memset(buf, 0xff, 12); /* broadcast, from ff:ff.. : enough for the wire */
    if (xnic_drv_queue_start(d, 0, &r, 1) < 0) {
        printf("FAIL queue start\n");
        return 1;
    }
    st = send_frame(d, buf_iova);
    printf(st >= 0 && !XNIC_DS_ERR(st) ? "TX ram ok\n" : "FAIL TX ram status %d\n", st);
    st = send_frame(d, OUTSIDE_RAM_IOVA);
    printf(st >= 0 && XNIC_DS_ERR(st) ? "TX outside RAM blocked (status %#x)\n"
                                      : "FAIL TX outside RAM status %d\n",
           st);
    if (argc == 4)
        send_from_grant(d, (uint32_t)strtoul(argv[2], NULL, 0), (uint32_t)strtoul(argv[3], NULL, 0),
                        &r, buf_iova);
    pause();
    return 0;
}
