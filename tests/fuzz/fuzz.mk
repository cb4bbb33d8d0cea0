# libFuzzer targets (clang, ASan+UBSan), built into build/fuzz and each run
# for FUZZ_SECONDS by `make fuzz` (= make -f tests/fuzz/fuzz.mk run), or
# for FUZZ_CPU_SECONDS of CPU time when that is set (tests/fuzz/cpu-limit).
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

# The fuzzers compile the sources they test (instrumented), taking the lists
# from the modules' own declarations.
include $(wildcard lib/*/module.mk) dom0-tools/config/module.mk \
        dom0-tools/xenstored/module.mk hw/module.mk hypervisor/module.mk
SVCORE_FUZZ_SRCS := lib/svcore/log.c lib/svcore/util.c

CONFIG_FUZZ_SRCS := tests/fuzz/fuzz_config.c $(svconfig_SRCS) $(svconfigxml_SRCS) \
                    $(SVCORE_FUZZ_SRCS)
CONFIG_FUZZ_XML2 := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)

FUZZ_TARGETS += fuzz_config_xl
fuzz_config_xl_SRCS := $(CONFIG_FUZZ_SRCS)
fuzz_config_xl_CFLAGS := $(CONFIG_FUZZ_XML2) -DFUZZ_PARSER=config_parse_xl
fuzz_config_xl_LDLIBS := -lxml2
fuzz_config_xl_SEEDS := tests/config/valid tests/config/invalid tests/config/corpus examples \
    tests/fuzz/config_seeds
fuzz_config_xl_DICT := tests/fuzz/config_xl.dict

FUZZ_TARGETS += fuzz_config_xml
fuzz_config_xml_SRCS := $(CONFIG_FUZZ_SRCS)
fuzz_config_xml_CFLAGS := $(CONFIG_FUZZ_XML2) -DFUZZ_PARSER=config_parse_xml
fuzz_config_xml_LDLIBS := -lxml2
fuzz_config_xml_SEEDS := tests/config/valid tests/config/invalid tests/config/corpus examples \
    tests/fuzz/config_seeds
fuzz_config_xml_DICT := tests/fuzz/config_xml.dict

XSD_FUZZ_SRCS := $(XSD_CORE_SRCS) $(SVCORE_FUZZ_SRCS) lib/svcore/ratelimit.c \
                 tests/fuzz/fuzz_xs_quiet.c

FUZZ_TARGETS += fuzz_xs_wire
fuzz_xs_wire_SRCS := tests/fuzz/fuzz_xs_wire.c dom0-tools/xenstored/tests/memconn.c $(XSD_FUZZ_SRCS)
fuzz_xs_wire_SEEDS := tests/fuzz/xs_wire_seeds

FUZZ_TARGETS += fuzz_xs_ring
fuzz_xs_ring_SRCS := tests/fuzz/fuzz_xs_ring.c $(XSD_FUZZ_SRCS)
fuzz_xs_ring_SEEDS := tests/fuzz/xs_ring_seeds

FUZZ_TARGETS += fuzz_xnic_offload
fuzz_xnic_offload_SRCS := tests/fuzz/fuzz_xnic_offload.c lib/svnetif/swoffload.c \
                          lib/svnetif/pktparse.c
fuzz_xnic_offload_SEEDS := tests/fuzz/xnic

FUZZ_TARGETS += fuzz_xnic_dev
fuzz_xnic_dev_SRCS := tests/fuzz/fuzz_xnic_dev.c $(XNIC_CORE_SRCS) $(svnetif_SRCS) \
    $(SVCORE_FUZZ_SRCS)
fuzz_xnic_dev_SEEDS := tests/fuzz/xnic_dev_seeds

NETIF_FUZZ_SRCS := $(svnetif_SRCS) $(SVCORE_FUZZ_SRCS)

FUZZ_TARGETS += fuzz_ipfilter
fuzz_ipfilter_SRCS := tests/fuzz/fuzz_ipfilter.c backends/ipfilter.c lib/svnetif/pktparse.c
fuzz_ipfilter_SEEDS := tests/fuzz/ipfilter_seeds
fuzz_ipfilter_DICT := tests/fuzz/ipfilter.dict

FUZZ_TARGETS += fuzz_vf_mbx
fuzz_vf_mbx_SRCS := tests/fuzz/fuzz_vf_mbx.c lib/vfowner/vf_mbx.c
fuzz_vf_mbx_SEEDS := tests/fuzz/vf_mbx_seeds

FUZZ_TARGETS += fuzz_netback
fuzz_netback_SRCS := tests/fuzz/fuzz_netback.c backends/netback_ring.c backends/netback_ctrl.c \
    $(NETIF_FUZZ_SRCS)

FUZZ_TARGETS += fuzz_netfront
fuzz_netfront_SRCS := tests/fuzz/fuzz_netfront.c frontends/netfront_ring.c $(NETIF_FUZZ_SRCS)

FUZZ_TARGETS += fuzz_hcall
fuzz_hcall_SRCS := tests/fuzz/fuzz_hcall.c $(filter-out hypervisor/main.c,$(splitvisor_SRCS)) \
    $(svcore_SRCS) $(svxnic_SRCS) $(xenstore_SRCS)
fuzz_hcall_CFLAGS := -D__XEN_TOOLS__ -Wno-string-plus-int
fuzz_hcall_LDLIBS := -levent -lseccomp -lpthread
fuzz_hcall_SEEDS := tests/fuzz/hcall_seeds

.PHONY: all run
all: $(addprefix $(FUZZ_OUT)/,$(FUZZ_TARGETS))

define fuzz_template
$(FUZZ_OUT)/$(1): $($(1)_SRCS)
	@mkdir -p $$(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $($(1)_CFLAGS) -o $$@ $($(1)_SRCS) $($(1)_LDLIBS)

run-$(1): $(FUZZ_OUT)/$(1)
	@mkdir -p $(FUZZ_OUT)/$(1).corpus
	$(if $(FUZZ_CPU_SECONDS),tests/fuzz/cpu-limit $(FUZZ_CPU_SECONDS)) \
		$(FUZZ_OUT)/$(1) -max_total_time=$(if $(FUZZ_CPU_SECONDS),0,$(FUZZ_SECONDS)) -max_len=8192 \
		$(if $($(1)_DICT),-dict=$($(1)_DICT)) -artifact_prefix=$(FUZZ_OUT)/$(1)- \
		$(FUZZ_OUT)/$(1).corpus $($(1)_SEEDS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_template,$(t))))

run: $(addprefix run-,$(FUZZ_TARGETS))
