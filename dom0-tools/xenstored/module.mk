# xenstored: the xenstore daemon (dom0).  The core (everything but main.c and
# the socket transport) is also linked into the unit tests and fuzzers.
XSD_CORE_SRCS := $(addprefix dom0-tools/xenstored/,htab.c tree.c path.c \
                   domain.c watch.c trans.c store.c conn.c ops.c ring.c xsd.c) \
                 lib/xenstore/xs_proto.c

PROGRAMS += xenstored
xenstored_SRCS := $(XSD_CORE_SRCS) dom0-tools/xenstored/sock.c \
                  dom0-tools/xenstored/hyp.c dom0-tools/xenstored/main.c
xenstored_LIBS := xenctrl xenevtchn xengnttab svcore
xenstored_LDLIBS := -levent_core

TEST_PROGRAMS += xs_check
xs_check_SRCS := tests/xenstore/xs_check.c
xs_check_LIBS := xenstore svcore

UNIT_TESTS += test_xs_tree test_xs_ops test_xs_ring
test_xs_tree_SRCS := tests/xenstore/test_xs_tree.c $(XSD_CORE_SRCS)
test_xs_tree_LIBS := svcore
test_xs_ops_SRCS := tests/xenstore/test_xs_ops.c tests/xenstore/memconn.c \
                    $(XSD_CORE_SRCS)
test_xs_ops_LIBS := svcore
test_xs_ring_SRCS := tests/xenstore/test_xs_ring.c tests/xenstore/memconn.c \
                     $(XSD_CORE_SRCS)
test_xs_ring_LIBS := svcore

TEST_PROGRAMS += xenbus_check
xenbus_check_SRCS := tests/xenstore/xenbus_check.c
xenbus_check_LIBS := svxenbus xenstore svcore
xenbus_check_LDLIBS := -lpthread

# xsflood: a domain attacking xenstored (test xenstore_hostile).
TEST_PROGRAMS += xsflood
xsflood_SRCS := tests/domains/xsflood.c
xsflood_LIBS := xenstore svcore
