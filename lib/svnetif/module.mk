# libsvnetif: what both ends of netif share (docs/networking.md): header
# parsing, offload metadata <-> virtio_net_hdr, the Toeplitz hash, 802.1Q
# port membership (sv/vlan.h: the NIC model and netdd's switch), software
# GRO (sv/gro.h: netdd's pools and a guest's VF), checksums and TSO in
# software (sv/swoffload.h: the NIC model's offloads and netdd's cuts).
SHLIBS += svnetif
svnetif_SRCS := $(addprefix lib/svnetif/,pktparse.c netif_offload.c toeplitz.c vlan.c gro.c \
                swoffload.c)
