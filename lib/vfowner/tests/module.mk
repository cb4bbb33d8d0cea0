# The VF mailbox's policy, without a NIC.
UNIT_TESTS += test_vf_mbx
test_vf_mbx_SRCS := lib/vfowner/tests/test_vf_mbx.c lib/vfowner/vf_mbx.c
