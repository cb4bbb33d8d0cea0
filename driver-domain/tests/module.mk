# netdd's pure parts: the software switch.
UNIT_TESTS += test_swswitch
test_swswitch_SRCS := driver-domain/tests/test_swswitch.c driver-domain/swswitch.c
test_swswitch_LIBS := svnetif svcore

# VMDq pool allocation without a NIC: the PF's hypercalls and the xnic
# driver are recorders (defined in the test, before libsvcore's); a VF's
# vport configuration (libsvvfowner's vf_pf.c) is checked with them.
UNIT_TESTS += test_pf
test_pf_SRCS := driver-domain/tests/test_pf.c driver-domain/pf.c lib/vfowner/vf_pf.c
test_pf_LIBS := svnetif svcore
test_pf_LDLIBS := -levent
