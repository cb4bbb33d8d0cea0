# xenstored's core over an in-memory transport (memconn.c): the tree, the
# operations with their permissions and quotas, and the ring protocol.
XSD_TEST_SRCS := $(XSD_CORE_SRCS) dom0-tools/xenstored/tests/memconn.c

UNIT_TESTS += test_xs_tree test_xs_ops test_xs_ring
test_xs_tree_SRCS := dom0-tools/xenstored/tests/test_xs_tree.c $(XSD_CORE_SRCS)
test_xs_tree_LIBS := svcore
test_xs_ops_SRCS := dom0-tools/xenstored/tests/test_xs_ops.c $(XSD_TEST_SRCS)
test_xs_ops_LIBS := svcore
test_xs_ring_SRCS := dom0-tools/xenstored/tests/test_xs_ring.c $(XSD_TEST_SRCS)
test_xs_ring_LIBS := svcore
