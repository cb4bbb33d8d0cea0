/*
 * libFuzzer target: the xnic data path under arbitrary descriptors, as a
 * malicious function owner could write them.  The input fills the TX ring of
 * pool 0, the RX ring of pool 1, the buffer memory and two config bytes; the
 * device then transmits (switching to pool 1 and the wire) and receives the
 * same bytes from the wire.  ASan/UBSan catch any access outside what the
 * IOMMU maps; the harness checks the device never writes outside the pages.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sv/abi/xnic.h"
#include "../../hw/xnic_dev.h"
#include "../../hw/tests/sealed_memfd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PG    4096u
#define PAGES 16u
#define IOVA  0x10000ull
#define RING  16u

static struct xnic_dev *dev;
static uint8_t *mem, *regs;

static int wire_tx(void *arg, const uint8_t *frame, size_t len)
{
    (void)arg;
    if (len < 14 || len > XNIC_MAX_FRAME)
        abort();
    return frame[0] == 0xee ? -1 : 0;
}

static const struct xnic_dev_ops ops = {.wire_tx = wire_tx};

static void setup(void)
{
    struct xnic_dev_config cfg = {.pools = 2, .pool_queues = 1, .vfs = 1, .ops = &ops};
    int memfd = sealed_memfd(PAGES * PG), reg = sealed_memfd(PG), db[3], vec[3];

    mem = mmap(NULL, PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    regs = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, reg, 0);
    dev = xnic_dev_new(&cfg);
    for (int i = 0; i < 3; i++) {
        db[i] = eventfd(0, EFD_NONBLOCK);
        vec[i] = eventfd(0, EFD_NONBLOCK);
    }
    if (!dev || xnic_dev_attach(dev, 0, reg, db, vec, 3) ||
        iommu_add_backing(xnic_dev_iommu(dev, 0), 0, memfd) ||
        iommu_map(xnic_dev_iommu(dev, 0), IOVA, 0, 0, PAGES - 1, 3) ||
        iommu_map(xnic_dev_iommu(dev, 0), IOVA + (PAGES - 1) * PG, 0, PAGES - 1, 1, 1))
        abort();
    close(memfd);
}

static void admin(uint32_t op, const void *params, size_t len)
{
    struct xnic_admin *a = (struct xnic_admin *)(regs + XNIC_REG_ADMIN);

    a->opcode = op;
    memcpy(&a->u, params, len);
    a->seq++;
    xnic_dev_kick(dev, 0, XNIC_DB_ADMIN);
}

static void configure(uint8_t pvid, uint8_t flags)
{
    struct xnic_cmd_queue q = {0, XNIC_QF_TX | XNIC_QF_RX | (flags & 8u ? XNIC_QF_RSC : 0), 1};
    struct xnic_cmd_vport vp = {
        .vport = 1, .flags = flags & 7u, .mac = {2, 0, 0, 0, 0, 1}, .pvid = pvid};
    struct xnic_queue_regs *qr;

    for (unsigned i = 0; i < 2; i++) {
        qr = (struct xnic_queue_regs *)(regs + XNIC_REG_QUEUE(i));
        qr->tx_base = IOVA + 2 * i * PG;
        qr->rx_base = IOVA + (2 * i + 1) * PG;
        *(uint32_t *)(regs + XNIC_REG_QSIZE(i)) = RING | RING << 16;
        q.queue = i;
        admin(XNIC_CMD_QUEUE_ENABLE, &q, sizeof(q));
    }
    admin(XNIC_CMD_VPORT_CONFIG, &vp, sizeof(vp));
    /* Trunks of VLANs 1..15 (around the pvid) on pool 0 and pool 1. */
    for (uint32_t v = 0; v < 2; v++) {
        struct xnic_cmd_vlan t = {.vport = v, .bits = {flags & (0x10u << v) ? 0xfe : 0, 0xff}};

        admin(XNIC_CMD_VLAN_SET, &t, sizeof(t));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const size_t rings = 2 * RING * 16;
    struct xnic_queue_regs *q0, *q1;

    if (!dev)
        setup();
    if (size < 4 + rings)
        return 0;
    xnic_dev_flr(dev, 0);
    memset(mem, 0, PAGES * PG);
    configure(data[2] & 0xf, data[3]);
    memcpy(mem, data + 4, RING * 16);                      /* pool 0 TX ring */
    memcpy(mem + 3 * PG, data + 4 + RING * 16, RING * 16); /* pool 1 RX ring */
    size -= 4 + rings;
    memcpy(mem + 4 * PG, data + 4 + rings, size < 11 * PG ? size : 11 * PG);
    q0 = (struct xnic_queue_regs *)(regs + XNIC_REG_QUEUE(0));
    q1 = (struct xnic_queue_regs *)(regs + XNIC_REG_QUEUE(1));
    q0->tx_tail = data[0] % (RING + 2);
    q1->rx_tail = data[1] % (RING + 2);
    xnic_dev_kick(dev, 0, XNIC_DB_QUEUE(0));
    while (xnic_dev_tx_run(dev, 64))
        ;
    xnic_dev_wire_rx(dev, data + 4 + rings, size);
    xnic_dev_flush_irqs(dev);
    return 0;
}
