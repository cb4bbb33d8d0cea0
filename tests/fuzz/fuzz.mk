# libFuzzer targets (clang, ASan+UBSan), built into build/fuzz and each run
# for FUZZ_SECONDS by `make fuzz` (= make -f tests/fuzz/fuzz.mk run).
# A target is one declaration:
#   FUZZ_TARGETS += NAME
#   NAME_SRCS   := harness and the sources it tests (compiled together)
#   NAME_CFLAGS := extra flags;  NAME_LDLIBS := system libraries
#   NAME_SEEDS  := directories of seed inputs (read only)
#   NAME_DICT   := a libFuzzer dictionary (optional)
# New findings and the grown corpus stay in build/fuzz/NAME.corpus.

FUZZ_OUT := build/fuzz
FUZZ_SECONDS ?= 20
FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all -D_GNU_SOURCE -Iinclude -Wall -Wextra -Werror
FUZZ_TARGETS :=

CONFIG_FUZZ_SRCS := tests/fuzz/fuzz_config.c dom0-tools/config/config.c \
    dom0-tools/config/config_fields.c dom0-tools/config/config_devices.c \
    dom0-tools/config/config_xl.c dom0-tools/config/config_xml.c \
    dom0-tools/config/config_emit.c lib/log.c lib/util.c
CONFIG_FUZZ_XML2 := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)

# The xl.cfg parser, then a round trip through the XML writer and parser.
FUZZ_TARGETS += fuzz_config_xl
fuzz_config_xl_SRCS := $(CONFIG_FUZZ_SRCS)
fuzz_config_xl_CFLAGS := $(CONFIG_FUZZ_XML2) -DFUZZ_PARSER=config_parse_xl
fuzz_config_xl_LDLIBS := -lxml2
fuzz_config_xl_SEEDS := tests/config/valid tests/config/invalid examples
fuzz_config_xl_DICT := tests/fuzz/config_xl.dict

# The libvirt XML parser, then the same round trip.
FUZZ_TARGETS += fuzz_config_xml
fuzz_config_xml_SRCS := $(CONFIG_FUZZ_SRCS)
fuzz_config_xml_CFLAGS := $(CONFIG_FUZZ_XML2) -DFUZZ_PARSER=config_parse_xml
fuzz_config_xml_LDLIBS := -lxml2
fuzz_config_xml_SEEDS := tests/config/valid tests/config/invalid examples
fuzz_config_xml_DICT := tests/fuzz/config_xml.dict

XSD_FUZZ_SRCS := $(addprefix dom0-tools/xenstored/,htab.c tree.c path.c \
    domain.c watch.c trans.c store.c conn.c control.c ops.c ring.c xsd.c) \
    lib/xenstore/xs_proto.c lib/log.c lib/util.c tests/fuzz/fuzz_xs_quiet.c

# xenstored's wire parser and request handlers, fed a client byte stream.
FUZZ_TARGETS += fuzz_xs_wire
fuzz_xs_wire_SRCS := tests/fuzz/fuzz_xs_wire.c tests/xenstore/memconn.c $(XSD_FUZZ_SRCS)
fuzz_xs_wire_SEEDS := tests/fuzz/xs_wire_seeds

# xenstored's ring transport with hostile indices and request bytes.
FUZZ_TARGETS += fuzz_xs_ring
fuzz_xs_ring_SRCS := tests/fuzz/fuzz_xs_ring.c $(XSD_FUZZ_SRCS)
fuzz_xs_ring_SEEDS := tests/fuzz/xs_ring_seeds

# xnic: the frame parser and offloads, then the whole data path under
# arbitrary descriptors (hw/, docs/xnic.md).
FUZZ_TARGETS += fuzz_xnic_offload
fuzz_xnic_offload_SRCS := tests/fuzz/fuzz_xnic_offload.c hw/xnic_offload.c lib/pktparse.c
fuzz_xnic_offload_SEEDS := tests/fuzz/xnic

FUZZ_TARGETS += fuzz_xnic_dev
fuzz_xnic_dev_SRCS := tests/fuzz/fuzz_xnic_dev.c hw/xnic_dev.c hw/xnic_dp.c hw/xnic_filter.c \
    hw/xnic_sched.c hw/xnic_offload.c hw/iommu.c lib/toeplitz.c lib/pktparse.c lib/vlan.c \
    lib/log.c
# Inputs that once crashed it, replayed by every run (CI's too).
fuzz_xnic_dev_SEEDS := tests/fuzz/xnic_dev_seeds

# netif rings: netback and its control ring against a hostile frontend, and
# netfront against a hostile backend, each peer writing its pages at any time.
NETIF_FUZZ_SRCS := lib/pktparse.c lib/netif_offload.c lib/toeplitz.c lib/log.c lib/util.c
FUZZ_TARGETS += fuzz_netback
fuzz_netback_SRCS := tests/fuzz/fuzz_netback.c backends/netback_ring.c backends/netback_ctrl.c \
    $(NETIF_FUZZ_SRCS)

FUZZ_TARGETS += fuzz_netfront
fuzz_netfront_SRCS := tests/fuzz/fuzz_netfront.c frontends/netfront_ring.c $(NETIF_FUZZ_SRCS)

# The hypercall dispatcher and its handlers against a hostile domain's
# requests, on an in-process hypervisor with two domains (processes that only
# sleep).
include hypervisor/module.mk lib/module.mk lib/xnic/module.mk lib/xenstore/module.mk
FUZZ_TARGETS += fuzz_hcall
fuzz_hcall_SRCS := tests/fuzz/fuzz_hcall.c $(filter-out hypervisor/main.c,$(splitvisor_SRCS)) \
    $(svcore_SRCS) $(svxnic_SRCS) $(xenstore_SRCS)
# sandbox.c indexes a string literal by +1, which clang warns of.
fuzz_hcall_CFLAGS := -D__XEN_TOOLS__ -Wno-string-plus-int
fuzz_hcall_LDLIBS := -levent -lseccomp -lpthread
fuzz_hcall_SEEDS := tests/fuzz/hcall_seeds

# --- rules -----------------------------------------------------------------
.PHONY: all run
all: $(addprefix $(FUZZ_OUT)/,$(FUZZ_TARGETS))

define fuzz_template
$(FUZZ_OUT)/$(1): $($(1)_SRCS)
	@mkdir -p $$(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $($(1)_CFLAGS) -o $$@ $($(1)_SRCS) $($(1)_LDLIBS)

run-$(1): $(FUZZ_OUT)/$(1)
	@mkdir -p $(FUZZ_OUT)/$(1).corpus
	$(FUZZ_OUT)/$(1) -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
		$(if $($(1)_DICT),-dict=$($(1)_DICT)) -artifact_prefix=$(FUZZ_OUT)/$(1)- \
		$(FUZZ_OUT)/$(1).corpus $($(1)_SEEDS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_template,$(t))))

run: $(addprefix run-,$(FUZZ_TARGETS))
