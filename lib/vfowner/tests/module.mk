# The VF mailbox's policy, without a NIC.
UNIT_TESTS += test_vf_mbx
test_vf_mbx_SRCS := lib/vfowner/tests/test_vf_mbx.c lib/vfowner/vf_mbx.c

# The VF configuration over fake_xen.c's xenstore (compiled in, in place of
# libxenstore) and recorders of what the NIC is told.
UNIT_TESTS += test_vf_config
test_vf_config_SRCS := lib/vfowner/tests/test_vf_config.c lib/vfowner/vf_config.c \
                       lib/vfowner/vf_mbx.c backends/tests/fake_xen.c \
                       lib/xenbus/xenbus.c
test_vf_config_LIBS := svnetif svcore
test_vf_config_LDLIBS := -levent
