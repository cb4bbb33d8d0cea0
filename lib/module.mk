# libsvcore: logging, run directory, fd I/O and the message layer; linked by
# every program and by our libxen* libraries.
SHLIBS += svcore
svcore_SRCS := lib/log.c lib/util.c lib/msg.c lib/hcall.c lib/store_ring.c lib/cgroup.c \
              lib/pidfile.c
svcore_LDLIBS := -lpthread

# Xen's libraries, with the prototypes of Debian's headers, over our hypervisor.
SHLIBS += xenctrl xenevtchn xengnttab
xenctrl_SRCS := lib/xenctrl.c
xenctrl_LIBS := svcore
xenevtchn_SRCS := lib/xenevtchn.c
xenevtchn_LIBS := svcore
xengnttab_SRCS := lib/xengnttab.c
xengnttab_LIBS := svcore
xengnttab_LDLIBS := -lpthread

# libsvnetif: what both ends of netif share (docs/networking.md): header
# parsing, offload metadata <-> virtio_net_hdr, the Toeplitz hash, 802.1Q
# port membership (sv/vlan.h: the NIC model and netdd's switch).
SHLIBS += svnetif
svnetif_SRCS := lib/pktparse.c lib/netif_offload.c lib/toeplitz.c lib/vlan.c

UNIT_TESTS += test_pidfile
test_pidfile_SRCS := lib/tests/test_pidfile.c
test_pidfile_LIBS := svcore

UNIT_TESTS += test_cgroup
test_cgroup_SRCS := lib/tests/test_cgroup.c
test_cgroup_LIBS := svcore
