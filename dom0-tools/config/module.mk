# libsvconfig: the domain description parsers (libvirt XML, xl.cfg) behind
# `xl create`; see include/sv/config.h and docs/config.md.
SHLIBS += svconfig
svconfig_SRCS := dom0-tools/config/config.c dom0-tools/config/config_fields.c \
                 dom0-tools/config/config_devices.c \
                 dom0-tools/config/config_xl.c dom0-tools/config/config_xml.c \
                 dom0-tools/config/config_emit.c
svconfig_LIBS := svcore
svconfig_LDLIBS := -lxml2
# Per-object flags (the top Makefile applies $(notdir STEM)_CFLAGS).
CONFIG_XML2_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
config_xml_CFLAGS := $(CONFIG_XML2_CFLAGS)
