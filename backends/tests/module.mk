UNIT_TESTS += test_gntcache test_netback_ctrl test_ipfilter
test_ipfilter_SRCS := backends/tests/test_ipfilter.c
test_ipfilter_LIBS := svnetback svnetif
test_gntcache_SRCS := backends/tests/test_gntcache.c
test_gntcache_LIBS := svnetback svnetif xengnttab svcore
test_netback_ctrl_SRCS := backends/tests/test_netback_ctrl.c
test_netback_ctrl_LIBS := svnetback svnetif xengnttab svcore

# vif_back over fake Xen libraries (fake_xen.c stands in for libxenstore,
# libxenevtchn and libxengnttab: the backend library is compiled in, not linked).
UNIT_TESTS += test_vif_back
test_vif_back_SRCS := backends/tests/test_vif_back.c backends/tests/fake_xen.c \
                      $(svnetback_SRCS) lib/xenbus/xenbus.c
test_vif_back_LIBS := svnetif svcore
