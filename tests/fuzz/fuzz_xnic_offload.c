/*
 * libFuzzer target: the xnic offloads (on pktparse's headers) on arbitrary frames,
 * as a malicious owner could post them.  The first two bytes pick the TSO
 * mss; the rest is the frame.  Checks: no out-of-bounds access (ASan), every
 * TSO segment fits the scratch buffer and verifies with good checksums, and
 * the whole-packet (RSC) forms accept exactly what TSO and CSUM accept (a
 * sender's completion must not depend on where its packet goes), and
 * cutting one segment at a time agrees with the whole cut.
 */
#include <errno.h>
#include <net/ethernet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sv/pktparse.h"
#include "sv/abi/xnic.h"
#include "sv/swoffload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_segment(void *arg, const uint8_t *seg, size_t len)
{
    size_t *max = arg;
    uint16_t flags = swoffload_rx_csum_flags(seg, len);

    if (len > *max || (flags & XNIC_RXS_CSUM_ERR) || !(flags & XNIC_RXS_L4_OK))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t frame[XNIC_MAX_TSO], whole[XNIC_MAX_TSO], seg[XNIC_MAX_FRAME];
    struct xnic_rx_wb wb;
    struct pktparse p;
    uint16_t mss, flags, hdr_len;
    size_t len, max = sizeof(seg);
    int filled, segs;

    if (size < 2 || size - 2 > sizeof(frame))
        return 0;
    mss = (uint16_t)(data[0] << 8 | data[1]);
    len = size - 2;
    memcpy(frame, data + 2, len);
    swoffload_rx_csum_flags(frame, len);
    if (len < ETHER_HDR_LEN)
        return 0;
    hdr_len = pktparse_frame(frame, len, &p) == 0 ? p.l4_end : 0;
    memcpy(whole, frame, len);
    filled = swoffload_csum_fill(frame, len);
    if (filled == 0 && (swoffload_rx_csum_flags(frame, len) & XNIC_RXS_CSUM_ERR))
        abort();
    if ((swoffload_csum_partial(whole, len, &flags) == 0) != (filled == 0))
        abort();
    if (hdr_len > UINT8_MAX)
        return 0;
    memcpy(whole, data + 2, len);
    segs = swoffload_tso(frame, len, mss, (uint8_t)hdr_len, seg, sizeof(seg), check_segment, &max);
    if ((swoffload_tso_whole(whole, len, mss, (uint8_t)hdr_len, sizeof(seg), &flags, &wb) == 0) !=
        (segs > 0))
        abort();
    /* One at a time (netdd's cut): the same count, and the last segment
     * as good as the whole cut's. */
    if (swoffload_tso_count(frame, len, mss, (uint8_t)hdr_len, sizeof(seg)) != segs)
        abort();
    if (segs > 0) {
        int last = swoffload_tso_seg(frame, len, mss, (uint8_t)hdr_len, (unsigned)segs - 1, seg,
                                     sizeof(seg));

        if (last < 0 || swoffload_tso_seg(frame, len, mss, (uint8_t)hdr_len, (unsigned)segs, seg,
                                          sizeof(seg)) != -EINVAL)
            abort();
        check_segment(&max, seg, (size_t)last);
    }
    return 0;
}
