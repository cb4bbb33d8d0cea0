# libsvconfig: the domain description parsers (libvirt XML, xl.cfg) behind
# `xl create`; see include/sv/config.h and docs/config.md.
SHLIBS += svconfig
svconfig_SRCS := dom0-tools/config/config.c dom0-tools/config/config_fields.c \
                 dom0-tools/config/config_devices.c dom0-tools/config/config_xl.c \
                 dom0-tools/config/config_emit.c
svconfig_LIBS := svcore
# libsvconfigxml: the libvirt XML front end, which libsvconfig loads the
# first time it reads XML.  Debian's libxml2 brings ICU and libstdc++ with
# it; linked into libsvconfig, every xl command and libsvl user paid for
# loading them.
SHLIBS += svconfigxml
svconfigxml_SRCS := dom0-tools/config/config_xml.c
svconfigxml_LIBS := svconfig svcore
svconfigxml_LDLIBS := -lxml2
# libsvconfig loads it, and with it the libraries it needs of ours; without a
# RUNPATH, ld.so does not expand \$ORIGIN at dlopen, which valgrind flags
# (glibc's strncmp reading past the string in is_dst, a false positive).
svconfigxml_NO_RPATH := 1
# Per-object flags (the top Makefile applies $(notdir STEM)_CFLAGS).
CONFIG_XML2_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
config_xml_CFLAGS := $(CONFIG_XML2_CFLAGS)
