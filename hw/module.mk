# xnic device model (docs/xnic.md): the xnic program, its unit tests and the
# native test program that drives it from one process.
XNIC_CORE_SRCS := hw/iommu.c hw/xnic_filter.c hw/xnic_sched.c hw/xnic_offload.c \
                  hw/xnic_dev.c hw/xnic_dp.c

PROGRAMS += xnic
xnic_SRCS := $(XNIC_CORE_SRCS) hw/wire.c hw/wire_tap.c hw/wire_packet.c hw/wire_vxlan.c \
             hw/xnic_main.c
xnic_LIBS := svxnic svnetif svcore
xnic_LDLIBS := -levent

UNIT_TESTS += xnic_iommu_test xnic_filter_test xnic_sched_test xnic_offload_test xnic_dev_test \
              xnic_ctl_test
xnic_iommu_test_SRCS := tests/unit/xnic_iommu_test.c hw/iommu.c
xnic_iommu_test_LIBS := svcore
xnic_filter_test_SRCS := tests/unit/xnic_filter_test.c hw/xnic_filter.c
xnic_filter_test_LIBS := svnetif
xnic_sched_test_SRCS := tests/unit/xnic_sched_test.c hw/xnic_sched.c
xnic_offload_test_SRCS := tests/unit/xnic_offload_test.c hw/xnic_offload.c
xnic_offload_test_LIBS := svnetif
xnic_dev_test_SRCS := tests/unit/xnic_dev_test.c $(XNIC_CORE_SRCS)
xnic_dev_test_LIBS := svxnic svnetif svcore
xnic_ctl_test_SRCS := tests/unit/xnic_ctl_test.c
xnic_ctl_test_LIBS := svxnic svcore
$(foreach t,xnic_iommu_test xnic_filter_test xnic_sched_test xnic_offload_test xnic_dev_test,$(eval $(t)_CFLAGS := -Ihw))

TEST_PROGRAMS += xnic-native
xnic-native_SRCS := tests/xnic/xnic_native.c tests/xnic/xnic_host.c
xnic-native_LIBS := svxnic svcore
