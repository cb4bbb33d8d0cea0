# netif frontend core (docs/networking.md): libsvnetfront, the unit tests that
# run it against the backend core over shared rings, and the ring benchmark.
SHLIBS += svnetfront
svnetfront_SRCS := frontends/netfront_ring.c frontends/netfront_ctrl.c
svnetfront_LIBS := svnetif

UNIT_TESTS += netif_ring_test
netif_ring_test_SRCS := tests/unit/netif_ring_test.c
netif_ring_test_LIBS := svnetfront svnetback svnetif xengnttab svcore

UNIT_TESTS += netfront_ctrl_test
netfront_ctrl_test_SRCS := tests/unit/netfront_ctrl_test.c
netfront_ctrl_test_LIBS := svnetfront svnetback svnetif xengnttab svcore


BENCHES += netif_ring
netif_ring_SRCS := bench/netif_ring.c
netif_ring_LIBS := svnetfront svnetback svnetif xengnttab svcore
netif_ring_LDLIBS := -lpthread

# guest: the domain image of a guest (netfront + TAP relay, or the packet
# generator on the rings: guest --pktgen tx|rx).
PROGRAMS += guest
guest_SRCS := frontends/guest.c frontends/vif_front.c frontends/vf_net.c frontends/pktgen.c frontends/pktgen_frame.c \
              lib/domain_image.c
guest_LIBS := svnetfront svnetif svxnic svxenbus xenstore xenevtchn xengnttab svcore
guest_LDLIBS := -levent

UNIT_TESTS += pktgen_test
pktgen_test_SRCS := tests/unit/pktgen_test.c frontends/pktgen_frame.c
pktgen_test_LIBS := svnetif svcore
