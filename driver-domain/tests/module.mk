# netdd's pure parts: the software switch, the VF mailbox's policy.
UNIT_TESTS += test_swswitch test_vf_mbx
test_swswitch_SRCS := driver-domain/tests/test_swswitch.c driver-domain/swswitch.c
test_swswitch_LIBS := svnetif svcore
test_vf_mbx_SRCS := driver-domain/tests/test_vf_mbx.c driver-domain/vf_mbx.c

# VMDq pool allocation without a NIC: the PF's hypercalls and the xnic
# driver are recorders (defined in the test, before libsvcore's).
UNIT_TESTS += test_pf
test_pf_SRCS := driver-domain/tests/test_pf.c driver-domain/pf.c backends/ratelimit.c
test_pf_LIBS := svnetif svcore
test_pf_LDLIBS := -levent
