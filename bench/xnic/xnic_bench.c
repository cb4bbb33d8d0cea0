/*
 * xnic-bench: frames per second and Gbit/s through a running xnic, driven
 * natively (no domains) by one process: pool->pool (switched inside the NIC)
 * and pool->wire, for 64-byte and 1500-byte frames, each beside a memcpy of
 * the same frames measured in the same run (the cost floor of one payload
 * copy), with the ratio.
 *
 *   xnic-bench --control PATH [--seconds S] [--poll]
 *
 * --poll: the xnic runs with --poll, so the driver writes no doorbells.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sv/log.h"
#include "../../hw/harness/xnic_host.h"
#include "sv/clock.h"

#define RING 512u
#define BUF  2048u

struct result {
    double pps;
    double gbps;
};

/* Fills every free TX slot of xq with copies of frame. */
static void fill(struct xq *xq, const uint8_t *frame, size_t len)
{
    xq_reap_tx(xq, NULL);
    while (xnic_drv_tx_room(xq->d, xq->q))
        xq_post(xq, frame, len, 0, 0, 0);
    xnic_drv_tx_kick(xq->d, xq->q);
}

/* Reaps and reposts every received buffer of xq; frames received. */
static unsigned drain(struct xq *xq)
{
    struct xnic_drv_rx_done done[64];
    unsigned total = 0, n;

    while ((n = xnic_drv_rx_reap(xq->d, xq->q, done, 64)) > 0) {
        for (unsigned i = 0; i < n; i++) {
            unsigned slot = (unsigned)((uintptr_t)done[i].cookie - 1);

            xnic_drv_rx_post(xq->d, xq->q, xq->rx_iova + (uint64_t)slot * xq->buf_size,
                             (uint16_t)xq->buf_size, done[i].cookie);
        }
        total += n;
    }
    xnic_drv_rx_kick(xq->d, xq->q);
    return total;
}

static struct result measure(struct xq *tx, struct xq *rx, size_t len, const uint8_t dst[6],
                             const uint8_t src[6], double seconds)
{
    uint8_t frame[BUF];
    uint64_t frames = 0;
    double t0, t;
    struct xnic_queue_stats s0, s1;

    xhost_frame(frame, len, dst, src, 0);
    xnic_drv_stats(tx->d, tx->q, &s0);
    t0 = sv_now_s();
    do {
        fill(tx, frame, len);
        if (rx)
            frames += drain(rx);
        t = sv_now_s();
    } while (t - t0 < seconds);
    if (!rx) {
        xnic_drv_stats(tx->d, tx->q, &s1);
        frames = s1.tx_packets - s0.tx_packets;
    }
    return (struct result){frames / (t - t0), frames * len * 8 / (t - t0) / 1e9};
}

/* The baseline: one memcpy per frame between ring-sized buffer sets. */
static struct result memcpy_rate(size_t len, double seconds)
{
    static uint8_t src[RING][BUF], dst[RING][BUF];
    uint64_t frames = 0;
    double t0 = sv_now_s(), t;

    memset(src, 1, sizeof(src));
    do {
        for (unsigned i = 0; i < RING; i++)
            memcpy(dst[i], src[i], len);
        __asm__ volatile("" : : "r"(dst) : "memory");
        frames += RING;
        t = sv_now_s();
    } while (t - t0 < seconds);
    return (struct result){frames / (t - t0), frames * len * 8 / (t - t0) / 1e9};
}

static void report(const char *what, size_t len, struct result r, struct result base)
{
    printf("%-12s %5zu B  %10.0f pps  %7.2f Gbit/s   memcpy %11.0f pps  %7.2f Gbit/s   "
           "ratio %.4f\n",
           what, len, r.pps, r.gbps, base.pps, base.gbps, r.pps / base.pps);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"control", required_argument, NULL, 'c'},
                                         {"seconds", required_argument, NULL, 's'},
                                         {"poll", no_argument, NULL, 'p'},
                                         {NULL, 0, NULL, 0}};
    const size_t sizes[] = {64, 1500};
    const char *ctl = NULL;
    double seconds = 1;
    bool poll_mode = false;
    struct xhost h;
    struct xnic_drv *d;
    struct xq q1, q2;
    uint8_t m1[6], m2[6], far[6];
    int c;

    log_init(argv[0]);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'c')
            ctl = optarg;
        else if (c == 's')
            seconds = atof(optarg);
        else if (c == 'p')
            poll_mode = true;
        else
            return 2;
    }
    if (!ctl)
        fatalx("usage: xnic-bench --control PATH [--seconds S] [--poll]");
    if (xhost_open(&h, ctl, 16u << 20) < 0 || !(d = xhost_attach(&h, 0, poll_mode)))
        fatalx("cannot attach the PF of %s", ctl);
    xhost_mac(m1, 0, 1);
    xhost_mac(m2, 0, 2);
    xhost_mac(far, 0x77, 0x77);
    if (xq_start(&h, d, 1, RING, BUF, &q1) < 0 || xq_start(&h, d, 2, RING, BUF, &q2) < 0 ||
        xnic_drv_vport_config(d, 2, m2, 0, 0) < 0)
        fatalx("queue setup failed");
    printf("xnic %s mode, %.1f s per figure\n", poll_mode ? "poll" : "doorbell", seconds);
    for (size_t i = 0; i < 2; i++) {
        struct result base = memcpy_rate(sizes[i], seconds);

        report("pool->pool", sizes[i], measure(&q1, &q2, sizes[i], m2, m1, seconds), base);
        report("pool->wire", sizes[i], measure(&q1, NULL, sizes[i], far, m1, seconds), base);
    }
    xhost_ctl(&h, XNIC_CTL_DETACH, 0);
    xnic_drv_close(d);
    xhost_close(&h);
    return 0;
}
