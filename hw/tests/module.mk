# The device model's parts in isolation, and xnic-native: a test program
# driving a real xnic from one process (tests/integration/xnic_native.sh).
UNIT_TESTS += test_iommu test_xnic_filter test_xnic_sched test_xnic_dev
test_iommu_SRCS := hw/tests/test_iommu.c hw/iommu.c
test_iommu_LIBS := svcore
test_xnic_filter_SRCS := hw/tests/test_xnic_filter.c hw/xnic_filter.c
test_xnic_filter_LIBS := svnetif
test_xnic_sched_SRCS := hw/tests/test_xnic_sched.c hw/xnic_sched.c
test_xnic_dev_SRCS := hw/tests/test_xnic_dev.c $(XNIC_CORE_SRCS)
test_xnic_dev_LIBS := svxnic svnetif svcore

TEST_PROGRAMS += xnic-native
xnic-native_SRCS := hw/tests/xnic_native.c $(XNIC_HOST_SRCS)
xnic-native_LIBS := svxnic svcore

# The vxlan: wire over loopback sockets (its header, replication, learning,
# what a peer's garbage gets).
UNIT_TESTS += test_wire_vxlan
test_wire_vxlan_SRCS := hw/tests/test_wire_vxlan.c $(addprefix hw/,wire.c wire_tap.c \
                        wire_packet.c wire_vxlan.c) $(XNIC_CORE_SRCS)
test_wire_vxlan_LIBS := svxnic svnetif svcore
