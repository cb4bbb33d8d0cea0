# xenstored: the xenstore daemon (dom0).  The core (everything but main.c and
# the socket transport) is also linked into the unit tests and fuzzers.
XSD_CORE_SRCS := $(addprefix dom0-tools/xenstored/,htab.c tree.c path.c \
                   domain.c watch.c trans.c store.c conn.c control.c ops.c ring.c \
                   xsd.c) \
                 lib/xenstore/xs_proto.c

PROGRAMS += xenstored
xenstored_SRCS := $(XSD_CORE_SRCS) dom0-tools/xenstored/sock.c \
                  dom0-tools/xenstored/hyp.c dom0-tools/xenstored/main.c
xenstored_LIBS := xenctrl xenevtchn xengnttab svcore
xenstored_LDLIBS := -levent_core
