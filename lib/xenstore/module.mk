# libxenstore: the xenstore.h client library (dom0 socket transport), with
# Xen's prototypes so code written for Xen's libxenstore builds against it.
# In a domain it talks over the ring of its start info (store_ring.c).
SHLIBS += xenstore
xenstore_SRCS := $(addprefix lib/xenstore/,xs.c xs_proto.c xs_ring.c store_ring.c)
xenstore_LIBS := svcore
xenstore_LDLIBS := -lpthread
