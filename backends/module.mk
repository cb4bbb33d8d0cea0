# libsvnetback: the netif backend (docs/networking.md): the ring core, the
# control ring, the persistent grant cache, IP anti-spoofing, and vif_back, the xenbus glue that runs one vif's backend from its
# xenstore directory.
SHLIBS += svnetback
svnetback_SRCS := $(addprefix backends/,netback_ring.c netback_ctrl.c gntcache.c ipfilter.c \
                  vif_back.c)
svnetback_LIBS := svnetif svxenbus xenstore xenevtchn xengnttab svcore
