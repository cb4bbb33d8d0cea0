# libsvnetfront: the netif frontend (docs/networking.md): the ring core, the
# control ring, and vif_front, the xenbus glue that connects a guest's vif
# to its backend and carries its frames to a TAP.
SHLIBS += svnetfront
svnetfront_SRCS := $(addprefix frontends/,netfront_ring.c netfront_ctrl.c vif_front.c)
svnetfront_LIBS := svnetif svxenbus xenstore xenevtchn xengnttab svcore
svnetfront_LDLIBS := -levent
