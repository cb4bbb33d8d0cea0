# libsvcore: logging, run directory, fd I/O, the message layer, hypercall
# transport, cgroups, locked pid files and rate limits (netdd's of a guest's
# frames and xenstore changes, xenstored's of a domain's requests); linked
# by every program and by our libxen* libraries.
SHLIBS += svcore
svcore_SRCS := $(addprefix lib/svcore/,log.c util.c msg.c hcall.c cgroup.c pidfile.c \
                                      ratelimit.c)
svcore_LDLIBS := -lpthread

# Compiled into every domain image's executable, not into a library: the
# sanitizer hooks it defines are only read from the executable.
DOMAIN_IMAGE_SRCS := lib/svcore/domain_image.c
