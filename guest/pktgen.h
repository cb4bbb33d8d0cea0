/*
 * pktgen: a poll-mode endpoint on a guest's vif, like DPDK's Xen netfront
 * PMD under testpmd txonly/rxonly.  Instead of relaying ethD it writes
 * generated Ethernet/IPv4/UDP frames straight into the netfront TX ring in
 * bursts (one flush, so at most one notification, per burst), or takes RX
 * frames off the ring, checks and counts them and reposts the buffers.  It
 * sleeps on the event channel with Xen's event suppression, or spins
 * (--busy-poll) and asks the backend for no notifications at all while it
 * finds work, sleeping as the event-driven one does once it found none for
 * a window that adapts up to --busy-poll-us (--busy-poll-us 0: it never
 * sleeps).  Once a
 * second it prints its counters on the console:
 *
 *   pktgen tx pps N sent N completed N errors N
 *   pktgen rx pps N frames N bad N lost N reordered N
 *
 * and, after --count frames, "pktgen tx done frames N errors N".
 *
 * The frame format and the option parsing are pure (pktgen_frame.c); the
 * endpoint is pktgen.c.
 */
#ifndef PKTGEN_H
#define PKTGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct xs_handle;
struct vif_front_endpoint;

#define PKTGEN_MIN_LEN 60   /* an Ethernet minimum frame (without FCS) */
#define PKTGEN_MAX_LEN 1514 /* one page, no sg needed */

enum pktgen_mode { PKTGEN_OFF, PKTGEN_TX, PKTGEN_RX };

struct pktgen_config {
    enum pktgen_mode mode;
    unsigned devid;     /* the vif it drives (--vif, default 0) */
    uint8_t src_mac[6]; /* the vif's own MAC (pktgen_new reads it) */
    uint8_t dst_mac[6]; /* --dst-mac (TX: required) */
    uint32_t src_ip;    /* --src-ip, --dst-ip: network order */
    uint32_t dst_ip;
    uint16_t sport, dport; /* --sport, --dport: host order */
    unsigned len;          /* --len: frame bytes, PKTGEN_MIN_LEN..PKTGEN_MAX_LEN (64) */
    unsigned burst;        /* --burst: frames per flush (32) */
    uint64_t count;        /* --count: TX frames to send (0: until stopped) */
    bool busy_poll;        /* --busy-poll */
    unsigned
        busy_poll_us; /* --busy-poll-us: longest idle spin before sleeping (50; 0: never sleeps) */
};

/* Parses the guest's arguments: no arguments leave mode PKTGEN_OFF (a plain
 * guest); "--pktgen tx|rx" and the options above.  0, or -EINVAL (with a
 * message on stderr).  Uses getopt (resets optind). */
int pktgen_parse_args(int argc, char **argv, struct pktgen_config *cfg);

/* Writes frame seq of cfg into buf (cfg->len bytes, at least that much
 * room): addresses and ports of cfg, valid IPv4 and UDP checksums, and
 * the payload "SVPG", seq (big endian), a fill pattern.  Returns cfg->len. */
size_t pktgen_frame(const struct pktgen_config *cfg, uint64_t seq, uint8_t *buf);

/* The same frames made fast: a template of cfg's frame whose sequence
 * number and UDP checksum pktgen_tmpl_frame() patches (byte for byte what
 * pktgen_frame() writes). */
struct pktgen_tmpl {
    uint8_t frame[PKTGEN_MAX_LEN];
    size_t len;
    uint32_t udp_sum; /* ones' complement sum with sequence and checksum 0 */
};
void pktgen_tmpl_init(struct pktgen_tmpl *t, const struct pktgen_config *cfg);
size_t pktgen_tmpl_frame(const struct pktgen_tmpl *t, uint64_t seq, uint8_t *buf);

/* Whether frame (len bytes) is a pktgen frame: IPv4/UDP with valid
 * checksums and the payload magic.  0 with *seq, or -EINVAL. */
int pktgen_frame_seq(const uint8_t *frame, size_t len, uint64_t *seq);

/* What a receiver saw, from the sequence numbers of good frames. */
struct pktgen_rx_stats {
    uint64_t frames;    /* good pktgen frames */
    uint64_t bad;       /* frames that were not, or that netfront dropped */
    uint64_t lost;      /* sequence numbers skipped (gaps before the last frame) */
    uint64_t reordered; /* frames older than one already seen (late or duplicated) */
    uint64_t next_seq;  /* the sequence number expected next */
};
void pktgen_rx_account(struct pktgen_rx_stats *s, uint64_t seq);

struct pktgen;

/* An endpoint for cfg (copied) whose frames leave from the MAC in xs's
 * device/vif/<devid>/mac; reports once a second from base's loop.  NULL
 * (logged) on failure.  Free with pktgen_free() after the vif is freed. */
struct pktgen *pktgen_new(const struct pktgen_config *cfg, struct event_base *base,
                          struct xs_handle *xs);
void pktgen_free(struct pktgen *pg);
/* For vif_front_new() (valid as long as pg). */
const struct vif_front_endpoint *pktgen_endpoint(const struct pktgen *pg);
unsigned pktgen_devid(const struct pktgen *pg);
bool pktgen_busy_poll(const struct pktgen *pg);
/* Runs base's loop busy-polling pg's rings (--busy-poll) until the loop is
 * told to exit. */
void pktgen_busy_loop(struct pktgen *pg, struct event_base *base);

#endif
