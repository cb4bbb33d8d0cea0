# netdd: the network driver domain's image (PF driver, VMDq steering, the
# software switch, one vif_back per guest vif; VF configuration from
# libsvvfowner).
PROGRAMS += netdd
netdd_SRCS := $(addprefix driver-domain/,netdd.c pf.c swswitch.c) \
              $(DOMAIN_IMAGE_SRCS)
netdd_LIBS := svvfowner svnetback svnetif svxnic svxenbus xenstore xenevtchn xengnttab svcore
netdd_LDLIBS := -levent
