/*
 * The xenstore nodes the toolstack (xl) and a driver domain (netdd) share
 * for a vif and a VF: where a backend directory lives, the keys xl writes
 * there for netdd to read, and those netdd publishes there for xl to show;
 * and the few xl writes in a vif's frontend directory for the guest.
 * Both sides spell them from here.  Xen's own netif keys, which frontend
 * and backend exchange (ring refs, event channels, feature-*), are Xen's
 * and not listed; docs/networking.md says what each node means, and a unit
 * test checks it names every one of SV_XS_NET_KEYS.
 */
#ifndef SV_XS_NET_H
#define SV_XS_NET_H

/* Under the backend domain's home (/local/domain/B): <F>/<devid>. */
#define SV_XS_VIF_BACKEND "backend/vif"
#define SV_XS_VF_BACKEND  "backend/vf"

/* The vifs one netdd serves, and at most the nodes one vif's backend
 * directory holds (what xl writes and what netdd adds; both are charged to
 * netdd): xl sizes a driver domain's xenstore node quota by them. */
#define SV_XS_NETDD_MAX_VIFS    64
#define SV_XS_VIF_BACKEND_NODES 32
/* xenstore requests a second netdd makes for one vif at most: a look at
 * its states (3 reads), 15 a second, and a connect and close (~40
 * requests), 4 a second; xl sizes a driver domain's request-rate and
 * request-burst quotas by it (netdd's one thread waits for each answer:
 * throttled, it would stall every vif). */
#define SV_XS_VIF_BACKEND_REQUESTS 256

/* Written by xl in a backend directory, read by netdd. */
#define SV_XS_FRONTEND    "frontend"
#define SV_XS_FRONTEND_ID "frontend-id"
#define SV_XS_MAC         "mac"
#define SV_XS_IP          "ip"                     /* vif: its addresses, "ADDR[/PREFIX] ..." */
#define SV_XS_VLAN        "vlan"                   /* 0 or absent: untagged */
#define SV_XS_TRUNK       "trunk"                  /* vif: VLANs carried tagged, "1,2,..." */
#define SV_XS_ONLINE      "online"                 /* vif: 0 takes it down */
#define SV_XS_QUEUES      "multi-queue-num-queues" /* vif: queues configured */
#define SV_XS_RATE        "rate"                   /* vif: TX credit "BYTES,USECS" (libxl's) */
#define SV_XS_RX_RATE     "rx-rate"                /* vif: RX credit "BYTES,USECS[,BURST]" */
#define SV_XS_FAILOVER    "failover"               /* VF: the devid of the vif it is teamed with */
#define SV_XS_VF          "vf"                     /* VF: its number on the PF */
#define SV_XS_SPOOFCHK    "spoofchk"               /* VF: 1 drops frames from other MACs */
#define SV_XS_TRUST       "trust"                  /* VF: 1 receives all multicast */
#define SV_XS_LINK_STATE  "link-state"             /* VF: auto (the wire's), enable, disable */

/* Written by xl in a vif's frontend directory (/local/domain/F/device/vif/D),
 * read by the guest's netfront: the buffers it posts for receiving and
 * shares for sending, per queue, 1..SV_XS_VIF_MAX_QUEUE_SIZE (absent: its
 * own choice, a ring's worth). */
#define SV_XS_RX_QUEUE_SIZE      "rx-queue-size"
#define SV_XS_TX_QUEUE_SIZE      "tx-queue-size"
#define SV_XS_VIF_MAX_QUEUE_SIZE 253

/* Written by xl in a standby driver domain's home (/local/domain/B): "active"
 * once the PF is its own and it should serve (docs/networking.md). */
#define SV_XS_STANDBY "standby"

/* Published by netdd in a backend directory, read by xl. */
#define SV_XS_STEERING        "steering"        /* vif: how its frames are steered */
#define SV_XS_NIC_QUEUES      "nic-queues"      /* vif: the NIC queues it uses */
#define SV_XS_SWITCH_COUNTERS "switch-counters" /* vif: the software switch's counters */
#define SV_XS_IP_FILTERED     "ip-filtered"     /* vif: frames dropped for a foreign IP */
#define SV_XS_SOFT_TSO        "soft-tso"        /* vif: GSO packets netdd cut, segments */
#define SV_XS_MCAST_HELD      "mcast-held"      /* vif: broadcasts that waited for its budget */
#define SV_XS_ERROR           "error"           /* VF, vif: why it was refused */

/* Every node above, for the documentation test. */
#define SV_XS_NET_KEYS(X)                                                                          \
    X(SV_XS_VIF_BACKEND)                                                                           \
    X(SV_XS_VF_BACKEND)                                                                            \
    X(SV_XS_FRONTEND)                                                                              \
    X(SV_XS_FRONTEND_ID)                                                                           \
    X(SV_XS_MAC)                                                                                   \
    X(SV_XS_IP)                                                                                    \
    X(SV_XS_VLAN)                                                                                  \
    X(SV_XS_TRUNK)                                                                                 \
    X(SV_XS_ONLINE)                                                                                \
    X(SV_XS_QUEUES)                                                                                \
    X(SV_XS_RATE)                                                                                  \
    X(SV_XS_RX_RATE)                                                                               \
    X(SV_XS_FAILOVER)                                                                              \
    X(SV_XS_VF)                                                                                    \
    X(SV_XS_SPOOFCHK)                                                                              \
    X(SV_XS_TRUST)                                                                                 \
    X(SV_XS_LINK_STATE)                                                                            \
    X(SV_XS_RX_QUEUE_SIZE)                                                                         \
    X(SV_XS_TX_QUEUE_SIZE)                                                                         \
    X(SV_XS_STANDBY)                                                                               \
    X(SV_XS_STEERING)                                                                              \
    X(SV_XS_NIC_QUEUES)                                                                            \
    X(SV_XS_SWITCH_COUNTERS)                                                                       \
    X(SV_XS_IP_FILTERED)                                                                           \
    X(SV_XS_SOFT_TSO)                                                                              \
    X(SV_XS_MCAST_HELD)                                                                            \
    X(SV_XS_ERROR)

#endif
