/* pktgen's frames, sequence accounting and options: pure (see pktgen.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktgen.h"

#define ETH_HLEN  14
#define IP_HLEN   20
#define UDP_HLEN  8
#define HDRS      (ETH_HLEN + IP_HLEN + UDP_HLEN)
#define MAGIC     "SVPG"
#define MAGIC_LEN 4
#define SEQ_LEN   8

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ones' complement sum of len bytes (big-endian words) added to sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The UDP checksum over the pseudo header and the datagram (field zeroed
 * or not: a correct datagram sums to 0 either way once folded). */
static uint32_t udp_sum(const uint8_t *ip, const uint8_t *udp, size_t udp_len)
{
    uint32_t sum = csum_add(0, ip + 12, 8); /* source and destination */

    sum += 17 + (uint32_t)udp_len;
    return csum_add(sum, udp, udp_len);
}

size_t pktgen_frame(const struct pktgen_config *cfg, uint64_t seq, uint8_t *buf)
{
    uint8_t *ip = buf + ETH_HLEN, *udp = ip + IP_HLEN, *pay = udp + UDP_HLEN;
    size_t udp_len = cfg->len - ETH_HLEN - IP_HLEN;
    uint16_t c;

    memcpy(buf, cfg->dst_mac, 6);
    memcpy(buf + 6, cfg->src_mac, 6);
    put16(buf + 12, 0x0800);
    memset(ip, 0, IP_HLEN);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(cfg->len - ETH_HLEN));
    put16(ip + 6, 0x4000); /* DF: an atomic datagram, its ID may stay 0 (RFC 6864) */
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, &cfg->src_ip, 4);
    memcpy(ip + 16, &cfg->dst_ip, 4);
    put16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN)));
    put16(udp, cfg->sport);
    put16(udp + 2, cfg->dport);
    put16(udp + 4, (uint16_t)udp_len);
    put16(udp + 6, 0);
    memcpy(pay, MAGIC, MAGIC_LEN);
    for (int i = 0; i < SEQ_LEN; i++)
        pay[MAGIC_LEN + i] = (uint8_t)(seq >> (56 - 8 * i));
    memset(pay + MAGIC_LEN + SEQ_LEN, 0x5a, cfg->len - HDRS - MAGIC_LEN - SEQ_LEN);
    c = csum_fold(udp_sum(ip, udp, udp_len));
    put16(udp + 6, c ? c : 0xffff); /* 0 means "no checksum" in UDP/IPv4 */
    return cfg->len;
}

void pktgen_tmpl_init(struct pktgen_tmpl *t, const struct pktgen_config *cfg)
{
    uint8_t *ip = t->frame + ETH_HLEN, *udp = ip + IP_HLEN;

    t->len = pktgen_frame(cfg, 0, t->frame);
    put16(udp + 6, 0);
    t->udp_sum = udp_sum(ip, udp, t->len - ETH_HLEN - IP_HLEN);
}

size_t pktgen_tmpl_frame(const struct pktgen_tmpl *t, uint64_t seq, uint8_t *buf)
{
    uint8_t *seqp = buf + HDRS + MAGIC_LEN;
    uint32_t sum = t->udp_sum;
    uint16_t c;

    memcpy(buf, t->frame, t->len);
    for (int i = 0; i < SEQ_LEN; i++)
        seqp[i] = (uint8_t)(seq >> (56 - 8 * i));
    sum = csum_add(sum, seqp, SEQ_LEN); /* HDRS + MAGIC_LEN is even: word-aligned */
    c = csum_fold(sum);
    put16(buf + ETH_HLEN + IP_HLEN + 6, c ? c : 0xffff);
    return t->len;
}

int pktgen_frame_seq(const uint8_t *frame, size_t len, uint64_t *seq)
{
    const uint8_t *ip = frame + ETH_HLEN, *udp = ip + IP_HLEN, *pay = udp + UDP_HLEN;
    size_t udp_len;

    if (len < HDRS + MAGIC_LEN + SEQ_LEN || get16(frame + 12) != 0x0800 || ip[0] != 0x45 ||
        ip[9] != 17 || get16(ip + 2) != len - ETH_HLEN || csum_fold(csum_add(0, ip, IP_HLEN)))
        return -EINVAL;
    udp_len = get16(udp + 4);
    if (udp_len != len - ETH_HLEN - IP_HLEN || get16(udp + 6) == 0 ||
        csum_fold(udp_sum(ip, udp, udp_len)) || memcmp(pay, MAGIC, MAGIC_LEN))
        return -EINVAL;
    *seq = 0;
    for (int i = 0; i < SEQ_LEN; i++)
        *seq = *seq << 8 | pay[MAGIC_LEN + i];
    return 0;
}

void pktgen_rx_account(struct pktgen_rx_stats *s, uint64_t seq)
{
    s->frames++;
    if (seq < s->next_seq) {
        s->reordered++;
        return;
    }
    s->lost += seq - s->next_seq;
    s->next_seq = seq + 1;
}

/* ---- options ---- */

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned b[6];
    char end;

    if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6)
        return -EINVAL;
    for (int i = 0; i < 6; i++) {
        if (b[i] > 0xff)
            return -EINVAL;
        mac[i] = (uint8_t)b[i];
    }
    return 0;
}

static int parse_uint(const char *s, unsigned long long min, unsigned long long max,
                      unsigned long long *out)
{
    char *end;

    errno = 0;
    *out = strtoull(s, &end, 0);
    return errno || end == s || *end || *out < min || *out > max || *s == '-' ? -EINVAL : 0;
}

static int parse_mode(const char *s, enum pktgen_mode *mode)
{
    if (!strcmp(s, "tx"))
        *mode = PKTGEN_TX;
    else if (!strcmp(s, "rx"))
        *mode = PKTGEN_RX;
    else
        return -EINVAL;
    return 0;
}

/* One option's value into cfg: 0 or -EINVAL. */
static int parse_opt(int c, const char *arg, struct pktgen_config *cfg)
{
    unsigned long long v = 0;
    int err = 0;

    switch (c) {
    case 'p':
        return parse_mode(arg, &cfg->mode);
    case 'm':
        return parse_mac(arg, cfg->dst_mac);
    case 's':
        return inet_pton(AF_INET, arg, &cfg->src_ip) == 1 ? 0 : -EINVAL;
    case 'd':
        return inet_pton(AF_INET, arg, &cfg->dst_ip) == 1 ? 0 : -EINVAL;
    case 'b':
        cfg->busy_poll = true;
        return 0;
    case 'u':
        err = parse_uint(arg, 0, 1000000, &v);
        cfg->busy_poll = true;
        cfg->busy_poll_us = (unsigned)v;
        break;
    case 'S':
        err = parse_uint(arg, 1, 65535, &v);
        cfg->sport = (uint16_t)v;
        break;
    case 'D':
        err = parse_uint(arg, 1, 65535, &v);
        cfg->dport = (uint16_t)v;
        break;
    case 'l':
        err = parse_uint(arg, PKTGEN_MIN_LEN, PKTGEN_MAX_LEN, &v);
        cfg->len = (unsigned)v;
        break;
    case 'B':
        err = parse_uint(arg, 1, 256, &v);
        cfg->burst = (unsigned)v;
        break;
    case 'c':
        err = parse_uint(arg, 1, UINT64_MAX, &v);
        cfg->count = v;
        break;
    case 'v':
        err = parse_uint(arg, 0, 255, &v);
        cfg->devid = (unsigned)v;
        break;
    default:
        return -EINVAL;
    }
    return err;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: guest [--pktgen tx|rx [--vif D] [--dst-mac M] [--src-ip A] [--dst-ip A]\n"
            "             [--sport P] [--dport P] [--len BYTES] [--burst N] [--count N]\n"
            "             [--busy-poll] [--busy-poll-us US]]\n");
}

int pktgen_parse_args(int argc, char **argv, struct pktgen_config *cfg)
{
    static const struct option opts[] = {{"pktgen", required_argument, NULL, 'p'},
                                         {"vif", required_argument, NULL, 'v'},
                                         {"dst-mac", required_argument, NULL, 'm'},
                                         {"src-ip", required_argument, NULL, 's'},
                                         {"dst-ip", required_argument, NULL, 'd'},
                                         {"sport", required_argument, NULL, 'S'},
                                         {"dport", required_argument, NULL, 'D'},
                                         {"len", required_argument, NULL, 'l'},
                                         {"burst", required_argument, NULL, 'B'},
                                         {"count", required_argument, NULL, 'c'},
                                         {"busy-poll", no_argument, NULL, 'b'},
                                         {"busy-poll-us", required_argument, NULL, 'u'},
                                         {NULL, 0, NULL, 0}};
    static const uint8_t zero[6];
    int c;

    /* RFC 2544's benchmarking range and the ports of udp-pps. */
    *cfg = (struct pktgen_config){
        .len = 64, .burst = 32, .sport = 9000, .dport = 9000, .busy_poll_us = 50};
    inet_pton(AF_INET, "198.18.0.1", &cfg->src_ip);
    inet_pton(AF_INET, "198.18.0.2", &cfg->dst_ip);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (parse_opt(c, optarg, cfg) < 0) {
            usage();
            return -EINVAL;
        }
    }
    if (optind != argc || (argc > 1 && cfg->mode == PKTGEN_OFF) ||
        (cfg->mode == PKTGEN_TX && !memcmp(cfg->dst_mac, zero, 6))) {
        usage();
        return -EINVAL;
    }
    return 0;
}
