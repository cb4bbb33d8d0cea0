/* Hypervisor + owner harness for xnic tests and benchmarks (xnic_host.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "sv/util.h"
#include "xnic_host.h"

static void on_fault(void *arg, const struct xnic_ctl_fault *f)
{
    struct xhost *h = arg;

    h->faults++;
    h->last_fault = *f;
}

static int call(struct xhost *h, uint16_t type, unsigned f, const void *payload, size_t len,
                const int *fds, unsigned nfds, void *reply, size_t rlen)
{
    return xnic_ctl_call(h->ctl, type, f, payload, len, fds, nfds, reply, rlen, on_fault, h);
}

int xhost_memfd(const char *name, size_t size)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)size) < 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
        int err = -errno;

        close(fd);
        return err;
    }
    return fd;
}

int xhost_open(struct xhost *h, const char *ctl_path, size_t mem_size)
{
    int rc;

    memset(h, 0, sizeof(*h));
    h->memfd = -1;
    h->ctl = xnic_ctl_connect(ctl_path);
    if (h->ctl < 0)
        return h->ctl;
    rc = call(h, XNIC_CTL_INFO, 0, NULL, 0, NULL, 0, &h->info, sizeof(h->info));
    if (rc < 0)
        goto close_ctl;
    h->size = (mem_size + SV_PAGE_SIZE - 1) & ~(SV_PAGE_SIZE - 1);
    h->memfd = xhost_memfd("xhost-ram", h->size);
    if (h->memfd < 0) {
        rc = h->memfd;
        goto close_ctl;
    }
    h->mem = mmap(NULL, h->size, PROT_READ | PROT_WRITE, MAP_SHARED, h->memfd, 0);
    if (h->mem == MAP_FAILED) {
        rc = -errno;
        goto close_ctl;
    }
    return 0;
close_ctl:
    if (h->memfd >= 0)
        close(h->memfd);
    close(h->ctl);
    return rc;
}

void xhost_close(struct xhost *h)
{
    munmap(h->mem, h->size);
    close(h->memfd);
    close(h->ctl);
}

static int map_all(struct xhost *h, unsigned f)
{
    struct xnic_ctl_backing b = {.id = 0};
    struct xnic_ctl_map m = {.iova = XHOST_IOVA_BASE,
                             .page = 0,
                             .count = h->size / SV_PAGE_SIZE,
                             .id = 0,
                             .perms = IOMMU_PERM_READ | IOMMU_PERM_WRITE};
    int rc = call(h, XNIC_CTL_IOMMU_BACKING, f, &b, sizeof(b), &h->memfd, 1, NULL, 0);

    if (rc < 0 && rc != -EEXIST)
        return rc;
    return call(h, XNIC_CTL_IOMMU_MAP, f, &m, sizeof(m), NULL, 0, NULL, 0);
}

static void close_all(int *fds, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
}

struct xnic_drv *xhost_attach(struct xhost *h, unsigned f, bool poll_mode)
{
    int fds[XNIC_CTL_MAX_FDS];
    struct xnic_ctl_attach a = {0};
    struct xnic_drv *d;
    unsigned n;
    int err;

    if (f >= h->info.nfuncs || map_all(h, f) < 0)
        return NULL;
    a.nvec = h->info.funcs[f].nvec;
    n = 1 + 2 * a.nvec;
    fds[0] = xhost_memfd("xnic-regs", XNIC_REG_PAGE_SIZE);
    if (fds[0] < 0)
        return NULL;
    for (unsigned i = 1; i < n; i++)
        fds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    /* The device gets its own copies of the fds; ours go to the driver. */
    if (call(h, XNIC_CTL_ATTACH, f, &a, sizeof(a), fds, n, NULL, 0) < 0) {
        close_all(fds, n);
        return NULL;
    }
    d = xnic_drv_open(fds[0], fds + 1, fds + 1 + a.nvec, a.nvec, poll_mode, &err);
    if (!d)
        close_all(fds, n);
    return d;
}

void *xhost_alloc(struct xhost *h, size_t len, uint64_t *iova)
{
    size_t need = (len + SV_PAGE_SIZE - 1) & ~(SV_PAGE_SIZE - 1);
    void *p;

    if (need > h->size - h->used)
        return NULL;
    p = h->mem + h->used;
    *iova = XHOST_IOVA_BASE + h->used;
    h->used += need;
    memset(p, 0, need);
    return p;
}

int xhost_ctl(struct xhost *h, uint16_t type, unsigned f)
{
    return call(h, type, f, NULL, 0, NULL, 0, NULL, 0);
}

int xhost_unmap(struct xhost *h, unsigned f, uint64_t iova, uint64_t pages)
{
    struct xnic_ctl_map m = {.iova = iova, .count = pages};

    return call(h, XNIC_CTL_IOMMU_UNMAP, f, &m, sizeof(m), NULL, 0, NULL, 0);
}

int xhost_stats(struct xhost *h, unsigned f, struct xnic_func_stats *st)
{
    memset(st, 0, sizeof(*st));
    return call(h, XNIC_CTL_STATS, f, NULL, 0, NULL, 0, st, sizeof(*st));
}

void xhost_sync(struct xhost *h)
{
    call(h, XNIC_CTL_INFO, 0, NULL, 0, NULL, 0, &h->info, sizeof(h->info));
}

int xq_start(struct xhost *h, struct xnic_drv *d, unsigned q, unsigned ring, unsigned buf_size,
             struct xq *xq)
{
    struct xnic_drv_rings r = {.tx_size = ring, .rx_size = ring};
    int rc;

    memset(xq, 0, sizeof(*xq));
    xq->d = d;
    xq->q = q;
    xq->ring = ring;
    xq->buf_size = buf_size;
    r.tx = xhost_alloc(h, ring * sizeof(struct xnic_tx_desc), &r.tx_iova);
    r.rx = xhost_alloc(h, ring * sizeof(struct xnic_rx_desc), &r.rx_iova);
    xq->tx_buf = xhost_alloc(h, (size_t)ring * buf_size, &xq->tx_iova);
    xq->rx_buf = xhost_alloc(h, (size_t)ring * buf_size, &xq->rx_iova);
    if (!r.tx || !r.rx || !xq->tx_buf || !xq->rx_buf)
        return -ENOMEM;
    xq->tx_ring = r.tx;
    rc = xnic_drv_queue_start(d, q, &r, 1);
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < ring - 1; i++)
        xnic_drv_rx_post(d, q, xq->rx_iova + (uint64_t)i * buf_size, (uint16_t)buf_size,
                         (void *)(uintptr_t)(i + 1));
    xnic_drv_rx_kick(d, q);
    return 0;
}

unsigned xq_reap_tx(struct xq *xq, unsigned *errs)
{
    struct xnic_drv_tx_done done[64];
    unsigned total = 0, n;

    while ((n = xnic_drv_tx_reap(xq->d, xq->q, done, 64)) > 0) {
        for (unsigned i = 0; i < n; i++) {
            if (errs && XNIC_DS_ERR(done[i].status))
                (*errs)++;
        }
        total += n;
    }
    return total;
}

int xq_post(struct xq *xq, const void *frame, size_t len, unsigned cmd, uint16_t mss,
            uint8_t hdr_len)
{
    unsigned slot = (unsigned)(xq->tx_posted % xq->ring);
    struct xnic_drv_seg seg = {xq->tx_iova + (uint64_t)slot * xq->buf_size, (uint16_t)len};
    int rc;

    if (len > xq->buf_size)
        return -EMSGSIZE;
    if (!xnic_drv_tx_room(xq->d, xq->q))
        xq_reap_tx(xq, NULL);
    if (!xnic_drv_tx_room(xq->d, xq->q))
        return -ENOSPC;
    memcpy(xq->tx_buf + (size_t)slot * xq->buf_size, frame, len);
    rc = xnic_drv_tx(xq->d, xq->q, &seg, 1, cmd, mss, hdr_len, NULL);
    if (rc == 0)
        xq->tx_posted++;
    return rc;
}

static long ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long xq_recv(struct xq *xq, uint8_t *out, size_t size, uint16_t *status, int timeout_ms)
{
    long deadline = ms_now() + timeout_ms;
    struct xnic_drv_rx_done done;

    while (xnic_drv_rx_reap(xq->d, xq->q, &done, 1) == 0) {
        struct pollfd pfd = {xnic_drv_vector_fd(xq->d, XNIC_VEC_QUEUE(xq->q)), POLLIN, 0};
        uint64_t cnt;

        if (ms_now() >= deadline)
            return 0;
        if (poll(&pfd, 1, 5) > 0 && read(pfd.fd, &cnt, sizeof(cnt)) < 0)
            return -errno;
    }
    {
        unsigned slot = (unsigned)((uintptr_t)done.cookie - 1);
        size_t n = done.len < size ? done.len : size;

        memcpy(out, xq->rx_buf + (size_t)slot * xq->buf_size, n);
        if (status)
            *status = done.status;
        xnic_drv_rx_post(xq->d, xq->q, xq->rx_iova + (uint64_t)slot * xq->buf_size,
                         (uint16_t)xq->buf_size, done.cookie);
        xnic_drv_rx_kick(xq->d, xq->q);
        return done.len;
    }
}

size_t xhost_frame(uint8_t *buf, size_t len, const uint8_t dst[6], const uint8_t src[6],
                   uint32_t seq)
{
    if (len < 18)
        len = 18;
    memcpy(buf, dst, 6);
    memcpy(buf + 6, src, 6);
    buf[12] = 0x88;
    buf[13] = 0xb5;
    memcpy(buf + 14, &seq, 4);
    memset(buf + 18, 0x5a, len - 18);
    return len;
}

void xhost_mac(uint8_t mac[6], unsigned hi, unsigned lo)
{
    const uint8_t m[6] = {0x02, 0, 0, 0, (uint8_t)hi, (uint8_t)lo};

    memcpy(mac, m, 6);
}
