# netif backend core and persistent grant mapping cache (docs/networking.md):
# libsvnetback, its unit tests (the front<->back tests are in frontends/).
SHLIBS += svnetback
svnetback_SRCS := backends/netback_ring.c backends/netback_ctrl.c backends/gntcache.c \
                  backends/ratelimit.c
svnetback_LIBS := svnetif xengnttab svcore

UNIT_TESTS += gntcache_test toeplitz_test ratelimit_test
gntcache_test_SRCS := tests/unit/gntcache_test.c
gntcache_test_LIBS := svnetback svnetif xengnttab svcore
ratelimit_test_SRCS := tests/unit/ratelimit_test.c
ratelimit_test_LIBS := svnetback
toeplitz_test_SRCS := tests/unit/toeplitz_test.c
toeplitz_test_LIBS := svnetif

UNIT_TESTS += netback_ctrl_test
netback_ctrl_test_SRCS := tests/unit/netback_ctrl_test.c
netback_ctrl_test_LIBS := svnetback svnetif xengnttab svcore
