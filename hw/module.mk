# xnic device model (docs/xnic.md): the xnic program.  Its core (everything
# but the wires and main) is also linked into the unit tests and fuzzers.
XNIC_CORE_SRCS := $(addprefix hw/,iommu.c xnic_filter.c xnic_sched.c \
                  xnic_dev.c xnic_dp.c)
PROGRAMS += xnic
xnic_SRCS := $(XNIC_CORE_SRCS) $(addprefix hw/,wire.c wire_tap.c wire_packet.c wire_vxlan.c \
             xnic_main.c)
xnic_LIBS := svxnic svnetif svcore
xnic_LDLIBS := -levent

# One process playing the hypervisor and the owner of an xnic (harness/):
# the native test program and the xnic benchmark drive the device with it.
XNIC_HOST_SRCS := hw/harness/xnic_host.c
