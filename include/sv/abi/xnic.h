/*
 * xnic hardware ABI: the register page of a PCI function, the descriptor
 * formats, admin commands and error codes.  Shared by the device model (hw/)
 * and every driver (lib/xnic, driver domain, VF driver).  docs/xnic.md is the
 * prose version of this file; the two must agree.
 *
 * All multi-byte fields are little-endian (host order on x86-64).  A register
 * page is 4096 bytes of shared memory: the owner writes "owner" registers, the
 * device writes "device" registers; neither trusts what the other wrote.
 */
#ifndef SV_XNIC_H
#define SV_XNIC_H

#include <stdint.h>

#define XNIC_MAGIC         0x43494e58u /* "XNIC" */
#define XNIC_VERSION       2u
#define XNIC_REG_PAGE_SIZE 4096u

#define XNIC_MAX_POOLS   32u /* PF queue pairs = VMDq pools */
#define XNIC_MAX_VFS     16u
#define XNIC_MAX_QUEUES  32u /* per function (the register map's room) */
#define XNIC_MAX_FILTERS 128u
#define XNIC_MAX_FRAME   9018u /* 9000 MTU + Ethernet header + one VLAN tag */
#define XNIC_MAX_TSO     65535u
/* Smallest TSO segment payload the device cuts (Intel's i40e and ice
 * hardware have the same floor): a smaller MSS completes with OFFLOAD, so a
 * 64 KiB packet costs the device at most 1024 segments, not 65535. */
#define XNIC_MIN_MSS      64u
#define XNIC_MIN_RING     8u
#define XNIC_MAX_RING     4096u
#define XNIC_VLAN_ANY     0xffffu
#define XNIC_MBX_MSG_SIZE 64u
#define XNIC_VLAN_BLOCK   1024u /* VIDs per VLAN_SET command */

/* ---- register page offsets ---------------------------------------------- */
#define XNIC_REG_MAGIC       0x000 /* u32 ro */
#define XNIC_REG_VERSION     0x004 /* u32 ro */
#define XNIC_REG_FUNC        0x008 /* u32 ro: BDF (bus<<8|dev<<3|fn) | XNIC_FUNC_VF */
#define XNIC_REG_NQUEUES     0x00c /* u32 ro: queue pairs of this function */
#define XNIC_REG_STATUS      0x010 /* u32 device: XNIC_STATUS_* */
#define XNIC_REG_LINK_SPEED  0x014 /* u32 device: Mb/s, 0 when down */
#define XNIC_REG_ICR         0x018 /* u32 device sets (atomic or), owner clears: XNIC_ICR_* */
#define XNIC_REG_MAX_FRAME   0x01c /* u32 ro */
#define XNIC_REG_VEC_MASK    0x020 /* u64 owner: bit V set = vector V masked */
#define XNIC_REG_NUM_VFS     0x028 /* u32 ro, PF only */
#define XNIC_REG_MBX_PEND    0x02c /* u32 device: PF: bit n = VF n has a message; VF: bit 0 */
#define XNIC_REG_MAC         0x030 /* 6 bytes ro for a VF: MAC set by the PF (zero: none) */
#define XNIC_REG_PVID        0x036 /* u16 ro for a VF: port VLAN set by the PF (0: none) */
#define XNIC_REG_DMA_FAULTS  0x038 /* u64 device: DMAs blocked by the IOMMU */
#define XNIC_REG_ADMIN       0x040 /* struct xnic_admin (192 bytes) */
#define XNIC_REG_QSIZE(q)    (0x100 + 4 * (q))  /* u32 owner: TX size | RX size << 16 */
#define XNIC_REG_QSTATUS(q)  (0x180 + 4 * (q))  /* u32 device: XNIC_QS_* */
#define XNIC_REG_QUEUE(q)    (0x200 + 32 * (q)) /* struct xnic_queue_regs */
#define XNIC_REG_QSTATS(q)   (0x600 + 64 * (q)) /* struct xnic_queue_stats */
#define XNIC_REG_WSTATS      0xe00              /* struct xnic_wire_stats, PF only */
#define XNIC_REG_POOLS       0xe40              /* u32 ro, PF only: VMDq pools P */
#define XNIC_REG_POOL_QUEUES 0xe44              /* u32 ro, PF only: queue pairs per pool Q */
/* u32 device: bit q set while the device reads queue q's TX ring on its own
 * and will see a new tail without a doorbell (virtio's NO_NOTIFY); it clears
 * the bit, then reads the tail once more, before it stops looking */
#define XNIC_REG_TX_POLLING 0xe48
/* u64 device, PF only: frames the switch gave the PF's pools while no driver
 * owned it (between its owner's death and this take-over); 0 after a reset */
#define XNIC_REG_HANDOVER_DROPS 0xe50

/* PF queue pair of pool p's queue k (k < Q): queue q belongs to pool q % P,
 * so queue p is each pool's first and pools keep their numbers at any Q. */
#define XNIC_POOL_QUEUE(pools, p, k) ((k) * (pools) + (p))

#define XNIC_FUNC_VF (1u << 31)

#define XNIC_STATUS_LINK_UP (1u << 0)
#define XNIC_STATUS_READY   (1u << 1) /* set after reset when the function accepts commands */
/* PF: taken over without a reset: the switch (pools' configuration, filters,
 * RSS, default pool) is what the previous owner left; its queues are off */
#define XNIC_STATUS_KEPT (1u << 2)

#define XNIC_ICR_ADMIN   (1u << 0) /* an admin command completed */
#define XNIC_ICR_MAILBOX (1u << 1) /* a mailbox message waits (see MBX_PEND) */
#define XNIC_ICR_LINK    (1u << 2) /* link status changed */
#define XNIC_ICR_FAULT   (1u << 3) /* a DMA of this function was blocked */

#define XNIC_QS_TX_EN     (1u << 0)
#define XNIC_QS_RX_EN     (1u << 1)
#define XNIC_QS_ERR_SHIFT 8 /* last error code of the queue (XNIC_ERR_*) */

/* MSI-X vectors and doorbells of a function: index 0 is "misc" (admin,
 * mailbox, link, fault), index 1 + q belongs to queue pair q. */
#define XNIC_VEC_MISC     0u
#define XNIC_VEC_QUEUE(q) (1u + (q))
#define XNIC_DB_ADMIN     0u
#define XNIC_DB_QUEUE(q)  (1u + (q))

struct xnic_queue_regs {
    uint64_t tx_base; /* owner: IOVA of the TX ring */
    uint64_t rx_base; /* owner: IOVA of the RX ring */
    uint32_t tx_tail; /* owner: one past the last TX descriptor posted */
    uint32_t rx_tail; /* owner: one past the last RX buffer posted */
    uint32_t tx_head; /* device: next TX descriptor it will read */
    uint32_t rx_head; /* device: next RX descriptor it will fill */
};

struct xnic_queue_stats { /* device-written counters of one queue pair */
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t rx_no_buf; /* frames dropped: no RX descriptor posted */
    uint64_t rx_errors; /* frames dropped: DMA fault, frame too long for buffers */
    uint64_t tx_packets;
    uint64_t tx_bytes;
    uint64_t tx_errors;  /* packets completed with an error code */
    uint64_t tx_spoofed; /* packets dropped: source MAC or VLAN tag not allowed */
};

struct xnic_wire_stats { /* PF only */
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t rx_unmatched; /* unicast to no filter, sent to the default pool */
    uint64_t rx_dropped;   /* malformed or no vport accepted it */
    uint64_t tx_packets;
    uint64_t tx_bytes;
    uint64_t tx_errors;   /* the wire backend refused a frame */
    uint64_t veb_packets; /* frames switched pool/VF to pool/VF inside the NIC */
};

/* A function's counters as the device keeps them in its owner's register
 * page (so an owner can change what it reports about itself, and nothing
 * else): the NIC control socket's STATS reply and SV_PCI_stats' answer. */
struct xnic_func_stats {
    uint32_t nqueues;
    uint32_t pad;
    uint64_t dma_faults;
    struct xnic_wire_stats wire;                    /* PF only, zero for a VF */
    struct xnic_queue_stats queue[XNIC_MAX_QUEUES]; /* nqueues valid */
};

/* ---- descriptors (16 bytes each, rings of a power-of-two size) ----------- */
struct xnic_tx_desc {
    uint64_t addr;   /* IOVA of the buffer */
    uint16_t len;    /* bytes in this buffer, 1..65535 */
    uint16_t mss;    /* TSO: TCP payload bytes per segment (first descriptor) */
    uint8_t hdr_len; /* TSO: Ethernet+IP+TCP header bytes (first descriptor) */
    uint8_t cmd;     /* XNIC_TXD_* (first descriptor; EOP on the last) */
    uint16_t status; /* device: XNIC_DS_DD | error code << 8 */
};

#define XNIC_TXD_EOP  (1u << 0) /* last buffer of the packet */
#define XNIC_TXD_CSUM (1u << 1) /* fill IPv4 header and TCP/UDP checksums */
#define XNIC_TXD_TSO  (1u << 2) /* segment into mss-sized TCP segments */

/* What the device writes over addr in the EOP descriptor of a frame (the
 * write-back format: as on real NICs, the owner keeps its buffer addresses
 * itself, and the descriptor carries the frame's metadata back). */
struct xnic_rx_wb {
    uint32_t rss_hash; /* with XNIC_RXS_RSS: the frame's Toeplitz hash */
    uint16_t gso_size; /* with XNIC_RXS_RSC: TCP payload bytes per segment (0: not GSO) */
    uint8_t gso_type;  /* with XNIC_RXS_RSC: XNIC_GSO_TCPV4/TCPV6, or NONE: one frame */
    uint8_t hash_type; /* with XNIC_RXS_RSS: XNIC_RSS_TYPE_* the hash covered */
};

struct xnic_rx_desc {
    union {
        uint64_t addr;        /* owner: IOVA of the buffer */
        struct xnic_rx_wb wb; /* device, EOP descriptor only: write-back */
    };
    uint16_t buf_len;  /* owner: buffer size */
    uint16_t len;      /* device: bytes written */
    uint16_t vlan_tci; /* device: stripped tag, valid with XNIC_RXS_VLAN */
    uint16_t status;   /* device: XNIC_DS_DD | XNIC_RXS_* | error code << 8 */
};
_Static_assert(sizeof(struct xnic_rx_desc) == 16, "RX descriptors are 16 bytes");

#define XNIC_DS_DD        (1u << 0) /* descriptor done (both rings) */
#define XNIC_RXS_EOP      (1u << 1) /* last buffer of the frame */
#define XNIC_RXS_L4_OK    (1u << 2) /* TCP/UDP checksum verified good */
#define XNIC_RXS_IP_OK    (1u << 3) /* IPv4 header checksum verified good */
#define XNIC_RXS_CSUM_ERR (1u << 4) /* a checksum was verified bad */
#define XNIC_RXS_VLAN     (1u << 5) /* port VLAN tag stripped into vlan_tci */
#define XNIC_RXS_RSS      (1u << 6) /* wb.rss_hash and wb.hash_type are valid */
#define XNIC_RXS_RSC                                                                               \
    (1u << 7) /* delivered as a local sender offloaded it: checksum                                \
               * partial, wb.gso_* valid (docs/xnic.md, RSC) */

/* RSS hash types (XNIC_CMD_RSS_CONFIG types, wb.hash_type): the bits of
 * netif's XEN_NETIF_CTRL_HASH_TYPE_* and Microsoft RSS's four Toeplitz types. */
#define XNIC_RSS_TYPE_IPV4  (1u << 0) /* source, destination IPv4 address */
#define XNIC_RSS_TYPE_TCPV4 (1u << 1) /* + TCP ports, unfragmented TCP/IPv4 */
#define XNIC_RSS_TYPE_IPV6  (1u << 2)
#define XNIC_RSS_TYPE_TCPV6 (1u << 3)
#define XNIC_RSS_TYPES_ALL  0xfu
#define XNIC_RSS_KEY_SIZE   40u
#define XNIC_RSS_TABLE_MAX  128u

enum xnic_gso_type { XNIC_GSO_NONE = 0, XNIC_GSO_TCPV4 = 1, XNIC_GSO_TCPV6 = 2 };
#define XNIC_DS_ERR(status) ((unsigned)(status) >> 8)

enum xnic_err {
    XNIC_ERR_OK = 0,
    XNIC_ERR_DMA = 1,      /* the IOMMU blocked a buffer access */
    XNIC_ERR_DESC = 2,     /* malformed descriptor (length 0, chain too long) */
    XNIC_ERR_TOO_LONG = 3, /* frame longer than XNIC_MAX_FRAME without TSO */
    XNIC_ERR_SPOOF = 4,    /* source MAC or VLAN not allowed for this function */
    XNIC_ERR_OFFLOAD = 5,  /* CSUM/TSO asked on a frame it cannot parse, or MSS < XNIC_MIN_MSS */
    XNIC_ERR_RUNT = 6,     /* shorter than an Ethernet header */
};

/* ---- admin commands ------------------------------------------------------
 * The owner fills params and opcode, then increments seq (release order) and
 * writes 1 to doorbell XNIC_DB_ADMIN.  The device runs the command, writes
 * status (0 or -errno) and any result into params, then sets done_seq = seq,
 * sets XNIC_ICR_ADMIN and raises vector XNIC_VEC_MISC. */
struct xnic_admin {
    uint32_t opcode;   /* owner: XNIC_CMD_* */
    uint32_t seq;      /* owner */
    int32_t status;    /* device */
    uint32_t done_seq; /* device */
    union {
        uint8_t raw[176];
        struct xnic_cmd_queue { /* QUEUE_ENABLE, QUEUE_DISABLE */
            uint32_t queue;
            uint32_t flags;  /* XNIC_QF_* */
            uint32_t weight; /* ENABLE: TX scheduler weight 1..64 (0 = 1); a VF's is
                              * ignored (the PF sets it with VPORT_CONFIG) */
        } queue;
        struct xnic_cmd_filter { /* FILTER_ADD, FILTER_DEL (PF only) */
            uint8_t mac[6];
            uint16_t vlan;  /* VID 1..4094, or XNIC_VLAN_ANY */
            uint32_t vport; /* pool n = n, VF n = num_pools + n */
        } filter;
        struct xnic_cmd_vport { /* VPORT_CONFIG (PF only) */
            uint32_t vport;
            uint32_t flags;  /* XNIC_VPF_* */
            uint8_t mac[6];  /* primary MAC: filtered to this vport, anti-spoof source */
            uint16_t pvid;   /* port VLAN, 0 = none: inserted on TX, stripped on RX */
            uint32_t weight; /* a VF's TX scheduler weight 1..64 (0 = 1); its own
                              * QUEUE_ENABLE weight is ignored.  Pools: unused */
        } vport;
        struct xnic_cmd_vlan { /* VLAN_SET (PF only): a vport's trunk VLANs */
            uint32_t vport;
            uint16_t base; /* 0, 1024, 2048 or 3072 */
            uint16_t pad;
            uint8_t bits[XNIC_VLAN_BLOCK / 8]; /* bit i: VID base + i carried tagged */
        } vlan;
        struct xnic_cmd_default { /* SET_DEFAULT (PF only) */
            uint32_t vport;
        } deflt;
        struct xnic_cmd_rss {                  /* RSS_CONFIG (PF only) */
            uint8_t key[XNIC_RSS_KEY_SIZE];    /* Toeplitz key */
            uint8_t table[XNIC_RSS_TABLE_MAX]; /* indirection: queue index in the pool */
            uint16_t table_size;               /* entries used, 1..128 (0 with types 0) */
            uint8_t pool;
            uint8_t types; /* XNIC_RSS_TYPE_*; 0 = RSS off: queue 0 only */
        } rss;
        struct xnic_cmd_mbx { /* MBX_SEND, MBX_RECV */
            uint32_t peer;    /* PF: VF number; VF: ignored (always the PF) */
            uint32_t len;     /* RECV result: bytes of msg */
            uint8_t msg[XNIC_MBX_MSG_SIZE];
        } mbx;
    } u;
};

enum xnic_cmd {
    XNIC_CMD_NOP = 0,
    XNIC_CMD_QUEUE_ENABLE = 1,
    XNIC_CMD_QUEUE_DISABLE = 2,
    XNIC_CMD_FILTER_ADD = 3,
    XNIC_CMD_FILTER_DEL = 4,
    XNIC_CMD_VPORT_CONFIG = 5,
    XNIC_CMD_SET_DEFAULT = 6,
    XNIC_CMD_MBX_SEND = 7,
    XNIC_CMD_MBX_RECV = 8,
    XNIC_CMD_RESET = 9,
    XNIC_CMD_RSS_CONFIG = 10,
    XNIC_CMD_VLAN_SET = 11,
    XNIC_CMD_MAX
};

#define XNIC_QF_TX  (1u << 0)
#define XNIC_QF_RX  (1u << 1)
#define XNIC_QF_RSC (1u << 2) /* with RX: local senders' offloaded frames whole (RSC) */

#define XNIC_VPF_BCAST    (1u << 0) /* accept broadcast */
#define XNIC_VPF_ALLMULTI (1u << 1) /* accept every multicast */
#define XNIC_VPF_SPOOFCHK (1u << 2) /* drop TX frames whose source MAC is not the primary */
#define XNIC_VPF_STANDBY  (1u << 3) /* the switch delivers it nothing (failover); it sends */
/* VPORT_CONFIG only, never kept: first forget the vport's trunk set, RSS
 * and filter entries, in the same command (a pool taken over from a dead
 * owner is configured anew without a moment between with no MAC) */
#define XNIC_VPORT_CLEAR (1u << 31)

/* ---- PF <-> VF mailbox messages ------------------------------------------
 * The device carries mailbox bytes without looking at them; this is the
 * protocol of our PF and VF drivers (docs/xnic.md, "Mailbox messages"), after
 * Intel's ixgbe/i40e VF mailbox.  Every message is one struct xnic_mbx_msg.
 * The PF answers each VF request with the same type | XNIC_MBX_REPLY and a
 * status (0 or -errno); its notices (RESET, LINK) get no answer.  A VF's
 * MAC, port VLAN and link are the PF owner's: a VF may ask for a MAC or a
 * VLAN, and is refused (-EPERM) unless the PF owner trusts it. */
enum xnic_mbx_type {
    /* VF -> PF: the VF driver (re)starts; the reply carries u.config.
     * PF -> VF notice: the PF owner (re)started or changed the VF's
     * configuration; u.config is what holds now. */
    XNIC_MBX_RESET = 1,
    XNIC_MBX_LINK = 2,      /* PF -> VF notice: the VF's link changed (u.config) */
    XNIC_MBX_SET_MCAST = 3, /* VF -> PF: the multicast MACs it receives (u.mcast, a new list) */
    XNIC_MBX_SET_MAC = 4,   /* VF -> PF: a new primary MAC (u.mac): trusted VFs only */
    XNIC_MBX_SET_VLAN = 5,  /* VF -> PF: carry VLAN u.vlan.vid tagged, or stop: trusted only */
};
#define XNIC_MBX_REPLY 0x8000u
#define XNIC_MBX_MCAST_MAX                                                                         \
    8u /* multicast MACs a VF may ask for (the switch's filters are shared) */

struct xnic_mbx_msg {
    uint16_t type; /* XNIC_MBX_*, with XNIC_MBX_REPLY in a reply */
    uint16_t pad;
    int32_t status; /* reply: 0 or -errno */
    union {
        uint8_t raw[56];
        struct xnic_mbx_config { /* RESET reply and notice, LINK notice */
            uint8_t mac[6];      /* primary MAC (zero: none) */
            uint16_t pvid;       /* port VLAN (0: none) */
            uint32_t link_mbps;  /* 0: link down (the wire's, or the PF owner's say) */
            uint8_t trusted;     /* 1: SET_MAC and SET_VLAN are allowed */
            uint8_t pad[3];
        } config;
        struct xnic_mbx_mcast { /* SET_MCAST */
            uint32_t count;     /* 0 .. XNIC_MBX_MCAST_MAX */
            uint8_t mac[XNIC_MBX_MCAST_MAX][6];
        } mcast;
        struct xnic_mbx_mac { /* SET_MAC */
            uint8_t mac[6];
            uint16_t pad;
        } mac;
        struct xnic_mbx_vlan { /* SET_VLAN */
            uint16_t vid;      /* 1 .. 4094 */
            uint16_t add;      /* 1: carry it, 0: stop */
        } vlan;
    } u;
};

/* Sizes on the wire: a change to any of these is a change of the ABI. */
_Static_assert(sizeof(struct xnic_queue_regs) == 32, "struct xnic_queue_regs is 32 bytes");
_Static_assert(sizeof(struct xnic_queue_stats) == 64, "struct xnic_queue_stats is 64 bytes");
_Static_assert(sizeof(struct xnic_wire_stats) == 64, "struct xnic_wire_stats is 64 bytes");
_Static_assert(sizeof(struct xnic_func_stats) == 2128, "struct xnic_func_stats is 2128 bytes");
_Static_assert(sizeof(struct xnic_tx_desc) == 16, "struct xnic_tx_desc is 16 bytes");
_Static_assert(sizeof(struct xnic_rx_wb) == 8, "struct xnic_rx_wb is 8 bytes");
_Static_assert(sizeof(struct xnic_admin) == 192, "struct xnic_admin is 192 bytes");
_Static_assert(sizeof(struct xnic_mbx_msg) == XNIC_MBX_MSG_SIZE, "struct xnic_mbx_msg is 64 bytes");

#endif
