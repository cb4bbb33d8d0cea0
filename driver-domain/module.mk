# netdd: the network driver domain's image (PF driver, VMDq steering, netback per vif).
PROGRAMS += netdd
netdd_SRCS := driver-domain/netdd.c driver-domain/pf.c driver-domain/swswitch.c \
              driver-domain/gro.c driver-domain/vf_config.c \
              backends/vif_back.c lib/domain_image.c
netdd_LIBS := svnetback svnetif svxnic svxenbus xenstore xenevtchn xengnttab svcore
netdd_LDLIBS := -levent

# The software switch against stubs of the PF and netback.
UNIT_TESTS += swswitch_test
swswitch_test_SRCS := tests/unit/swswitch_test.c driver-domain/swswitch.c
swswitch_test_LIBS := svnetif svcore
swswitch_test_CFLAGS := -Idriver-domain
