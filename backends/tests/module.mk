UNIT_TESTS += test_gntcache test_ratelimit test_netback_ctrl
test_gntcache_SRCS := backends/tests/test_gntcache.c
test_gntcache_LIBS := svnetback svnetif xengnttab svcore
test_ratelimit_SRCS := backends/tests/test_ratelimit.c
test_ratelimit_LIBS := svnetback
test_netback_ctrl_SRCS := backends/tests/test_netback_ctrl.c
test_netback_ctrl_LIBS := svnetback svnetif xengnttab svcore
