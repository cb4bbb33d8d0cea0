# libsvl: the toolstack library (domains, devices, PCI, re-plug, the
# monitor's policy) behind xl; see include/sv/svl.h.
SHLIBS += svl
svl_SRCS := $(addprefix dom0-tools/svl/,svl.c domain.c resources.c stats.c userdata.c home.c vif.c \
                                        guestnet.c vf.c pci.c monitor.c \
                                        standby.c)
svl_LIBS := svconfig svxenbus xenctrl xenevtchn xenstore svcore
