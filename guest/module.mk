# guest: the guest domain's image: its vifs (libsvnetfront), its assigned
# VFs (vf_net.c) and the packet generator its benchmarks run (pktgen).
PROGRAMS += guest
guest_SRCS := $(addprefix guest/,guest.c vf_net.c pktgen.c pktgen_frame.c) $(DOMAIN_IMAGE_SRCS)
guest_LIBS := svnetfront svnetif svxnic svxenbus xenstore xenevtchn xengnttab svcore
guest_LDLIBS := -levent
