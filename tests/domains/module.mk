# testdom: the domain image the integration tests run (see its header).
TEST_PROGRAMS += testdom
testdom_SRCS := tests/domains/testdom.c $(DOMAIN_IMAGE_SRCS)
testdom_LIBS := xenctrl xenevtchn xengnttab xenstore svcore

# nicdom: drives an assigned xnic function from inside a domain.
TEST_PROGRAMS += nicdom
nicdom_SRCS := tests/domains/nicdom.c $(DOMAIN_IMAGE_SRCS)
nicdom_LIBS := svxnic xengnttab svcore

# badfront: a hostile netfront on its vif 0 (test net_hostile).
TEST_PROGRAMS += badfront
badfront_SRCS := tests/domains/badfront.c $(DOMAIN_IMAGE_SRCS)
badfront_LIBS := svxenbus xenstore xenevtchn xengnttab svcore
badfront_LDLIBS := -lpthread

# hvhostile: raw hypercalls against the hypervisor itself (test hv_hostile).
TEST_PROGRAMS += hvhostile
hvhostile_SRCS := tests/domains/hvhostile.c
hvhostile_LIBS := svcore

TEST_PROGRAMS += xsflood
xsflood_SRCS := tests/domains/xsflood.c
xsflood_LIBS := xenstore svcore
xsflood_LDLIBS := -lpthread

# vchandom: Debian's libxenvchan.a, unmodified, over our libraries (test grant_vchan).
TEST_PROGRAMS += vchandom
vchandom_SRCS := tests/domains/vchandom.c $(DOMAIN_IMAGE_SRCS)
vchandom_LIBS := xenevtchn xengnttab xenstore svcore
# The archive's references resolve against the libraries named after it:
# ours, found first in -L$(LIBDIR).
vchandom_LDLIBS := -l:libxenvchan.a -lxenstore -lxengnttab -lxenevtchn -lpthread
