/*
 * Offloads in software: TX checksum fill, TCP segmentation (TSO) and RX
 * checksum verification, on the headers pktparse_frame() finds.  Pure
 * functions over byte buffers, shared by the NIC model (hw/, its offloads)
 * and netdd (vif_back: a guest's GSO packets below the NIC's MSS floor).
 */
#ifndef SV_SWOFFLOAD_H
#define SV_SWOFFLOAD_H

#include <stddef.h>
#include <stdint.h>

/* The smallest segment payload cut at all: Linux's smallest MSS (48,
 * tcp_min_snd_mss) less the most TCP options (40), what a Linux sender's
 * GSO packets may carry (MSS 48 with timestamps is 36).  Below it a sender
 * could make 65,000 frames of one 64 KiB packet; a device may have a
 * higher floor of its own (XNIC_MIN_MSS). */
#define SWOFFLOAD_MIN_MSS 8u

/* Internet checksum helpers: sum of 16-bit words in network order. */
uint32_t swoffload_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t swoffload_csum_fold(uint32_t sum);

/* Fills the IPv4 header checksum and the TCP/UDP checksum of frame in place.
 * -EINVAL when it is not TCP/UDP over IPv4 (not a fragment) or IPv6 (without
 * extension headers), or the TCP/UDP header is cut short. */
int swoffload_csum_fill(uint8_t *frame, size_t len);

/*
 * Checksum partial, for a frame delivered to a local receiver that takes it
 * so (RSC): fills the IPv4 header checksum and puts the pseudo-header sum
 * (folded, not inverted, as Linux's CHECKSUM_PARTIAL) in the TCP/UDP
 * checksum field; *rx_flags gets the RX status bits (RSC, IP_OK).  -EINVAL
 * when swoffload_csum_fill() would refuse the frame.
 */
int swoffload_csum_partial(uint8_t *frame, size_t len, uint16_t *rx_flags);

/* Receives each TSO segment, a complete frame with checksums filled. */
typedef void swoffload_seg_fn(void *arg, const uint8_t *seg, size_t len);

/*
 * Cuts TCP frame (headers of hdr_len bytes, then payload) into segments of at
 * most mss payload bytes, fixing IP length/id, TCP sequence and flags and all
 * checksums.  seg_buf (>= hdr_len + mss bytes) is scratch.  Returns the number
 * of segments, or -EINVAL when the frame is not TCP, hdr_len disagrees with
 * the headers, or mss is below SWOFFLOAD_MIN_MSS.
 */
int swoffload_tso(const uint8_t *frame, size_t len, uint16_t mss, uint8_t hdr_len, uint8_t *seg_buf,
                  size_t seg_buf_len, swoffload_seg_fn *fn, void *arg);

/*
 * The same one segment at a time, for a caller that stops and resumes (a
 * budget, a full ring): the number of segments swoffload_tso() would make,
 * or -EINVAL when it would refuse the frame (seg_max: the largest segment).
 */
int swoffload_tso_count(const uint8_t *frame, size_t len, uint16_t mss, uint8_t hdr_len,
                        size_t seg_max);

/* Writes segment i (0 <= i < swoffload_tso_count()) into seg_buf (>= hdr_len
 * + mss bytes); its length, or -EINVAL when the frame or i is refused. */
int swoffload_tso_seg(const uint8_t *frame, size_t len, uint16_t mss, uint8_t hdr_len, unsigned i,
                      uint8_t *seg_buf, size_t seg_buf_len);

/*
 * A TSO packet delivered whole instead of segmented: checks it as swoffload_tso()
 * does (seg_max: the largest segment allowed), sets its IP length from len,
 * then makes its checksums partial as swoffload_csum_partial().  *rx_flags and
 * wb->gso_size/gso_type (TCPV4/V6; NONE with size 0 when it is one segment)
 * describe it to the receiver; the rest of wb is untouched.  -EINVAL when
 * swoffload_tso() would refuse it.  Reads and writes frame's first hdr_len bytes
 * only: the payload need not be there.
 */
struct xnic_rx_wb;
int swoffload_tso_whole(uint8_t *frame, size_t len, uint16_t mss, uint8_t hdr_len, size_t seg_max,
                        uint16_t *rx_flags, struct xnic_rx_wb *wb);

/* XNIC_RXS_IP_OK / L4_OK / CSUM_ERR bits for a received frame. */
uint16_t swoffload_rx_csum_flags(const uint8_t *frame, size_t len);

#endif
