# The frontend against the backend core over shared rings, and the control ring.
UNIT_TESTS += test_netif_ring test_netfront_ctrl
test_netif_ring_SRCS := frontends/tests/test_netif_ring.c
test_netif_ring_LIBS := svnetfront svnetback svnetif xengnttab svcore
test_netfront_ctrl_SRCS := frontends/tests/test_netfront_ctrl.c
test_netfront_ctrl_LIBS := svnetfront svnetback svnetif xengnttab svcore
