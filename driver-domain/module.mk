# netdd: the network driver domain's image (PF driver, VMDq steering, netback per vif).
PROGRAMS += netdd
netdd_SRCS := driver-domain/netdd.c driver-domain/pf.c driver-domain/swswitch.c \
              driver-domain/gro.c \
              backends/vif_back.c lib/domain_image.c
netdd_LIBS := svnetback svnetif svxnic svxenbus xenstore xenevtchn xengnttab svcore
netdd_LDLIBS := -levent
