# netdd: the network driver domain's image (PF driver, VMDq steering, the
# software switch, VF configuration, one vif_back per guest vif).
PROGRAMS += netdd
netdd_SRCS := $(addprefix driver-domain/,netdd.c pf.c swswitch.c vf_config.c vf_mbx.c) \
              $(DOMAIN_IMAGE_SRCS)
netdd_LIBS := svnetback svnetif svxnic svxenbus xenstore xenevtchn xengnttab svcore
netdd_LDLIBS := -levent
