# libsvcore: logging, run directory, fd I/O and the message layer; linked by
# every program and by our libxen* libraries.
SHLIBS += svcore
svcore_SRCS := lib/log.c lib/util.c
