# libsvnetif: what both ends of netif share (docs/networking.md): header
# parsing, offload metadata <-> virtio_net_hdr, the Toeplitz hash, 802.1Q
# port membership (sv/vlan.h: the NIC model and netdd's switch).
SHLIBS += svnetif
svnetif_SRCS := $(addprefix lib/svnetif/,pktparse.c netif_offload.c toeplitz.c vlan.c)
