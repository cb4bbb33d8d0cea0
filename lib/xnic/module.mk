# libsvxnic: the xnic control-socket message layer (hypervisor side and the
# device model) and the xnic driver library (PF/VF drivers, native tests).
SHLIBS += svxnic
svxnic_SRCS := lib/xnic/xnic_ctl.c lib/xnic/xnic_drv.c
svxnic_LIBS := svcore
