# Splitvisor build: one non-recursive make over the module.mk fragment of each
# directory.  A fragment only declares what it builds (see "Declaring targets");
# the rules below turn declarations into targets, so fragments stay short and
# `make -j2` sees the whole dependency graph.
#
#   make                 release build into build/{bin,lib,tests}
#   make VARIANT=asan    ASan+UBSan build into build/asan/{bin,lib,tests}
#   make test            both builds, then tests/run (unit, valgrind, integration)
#   make demo            the README's main job
#   make bench           benchmarks with their baselines, side by side
#   make fuzz            libFuzzer targets (clang), run briefly
#   make install         into PREFIX (/usr/local) under DESTDIR; make uninstall
#                        (dist/install.mk)
#   make format          clang-format the C files changed on this branch
#   make check-format    fail if any C file is not as clang-format has it
#   make clean

VARIANT ?= release
ifeq ($(VARIANT),asan)
OUT := build/asan
VARIANT_CFLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                  -fno-sanitize-recover=all
VARIANT_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(VARIANT),release)
OUT := build
VARIANT_CFLAGS := -O2
VARIANT_LDFLAGS :=
else
$(error VARIANT must be release or asan, not '$(VARIANT)')
endif

BIN := $(OUT)/bin
LIBDIR := $(OUT)/lib
OBJ := $(OUT)/obj
TESTBIN := $(OUT)/tests

CC := gcc
# `make V=1` shows the commands.
Q := $(if $(V),,@)
# gnu11, not c11: Xen's public headers refuse strict ISO mode (anonymous unions).
# __XEN_TOOLS__: we are Xen's tools side, which sees domctl.h/sysctl.h.
CFLAGS := -std=gnu11 -g -fPIC -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
          -Wmissing-prototypes -Wno-missing-field-initializers \
          -D_GNU_SOURCE -D__XEN_TOOLS__ -Iinclude $(VARIANT_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := $(VARIANT_LDFLAGS) -L$(LIBDIR) -Wl,--enable-new-dtags

# ---------------------------------------------------------------------------
# Declaring targets (in a directory's module.mk):
#   PROGRAMS   += NAME   NAME_SRCS, NAME_LIBS (our shared libs, e.g. svcore),
#                        NAME_LDLIBS (system libs, e.g. -levent)   -> $(BIN)/NAME
#   SHLIBS     += NAME   NAME_SRCS, NAME_LIBS, NAME_LDLIBS        -> $(LIBDIR)/libNAME.so
#                        (NAME_NO_RPATH := 1: no RUNPATH, for a library only
#                        dlopen()ed by one whose own libraries are loaded)
#   UNIT_TESTS += NAME   NAME_SRCS, NAME_LIBS, NAME_LDLIBS (cmocka added)
#                                                             -> $(TESTBIN)/unit/NAME
#   TEST_PROGRAMS += NAME  helpers that integration tests run -> $(TESTBIN)/bin/NAME
#   BENCHES    += NAME   like PROGRAMS                        -> $(OUT)/bench/NAME
# ---------------------------------------------------------------------------
PROGRAMS :=
SHLIBS :=
UNIT_TESTS :=
TEST_PROGRAMS :=
BENCHES :=

# Libraries first: the others' declarations use the variables they set.
LIB_MKS := $(sort $(wildcard lib/*/module.mk))
include $(LIB_MKS) $(filter-out $(LIB_MKS),$(sort $(wildcard */module.mk */*/module.mk \
                                                               */*/*/module.mk)))

objs_of = $(patsubst %.c,$(OBJ)/%.o,$(1))
libdeps_of = $(foreach l,$(1),$(LIBDIR)/lib$(l).so)
libflags_of = $(foreach l,$(1),-l$(l))

# $(1)=name $(2)=output path $(3)=rpath relative to $ORIGIN $(4)=extra libs
define link_template
$(2): $(call objs_of,$($(1)_SRCS)) $(call libdeps_of,$($(1)_LIBS))
	@mkdir -p $$(@D)
	@$(if $(Q),echo "  LD      $$@")
	$(Q)$$(CC) $$(LDFLAGS) -Wl,-rpath,'$$$$ORIGIN/$(3)' -o $$@ $(call objs_of,$($(1)_SRCS)) \
		$(call libflags_of,$($(1)_LIBS)) $($(1)_LDLIBS) $(4)
endef

define shlib_template
$(LIBDIR)/lib$(1).so: $(call objs_of,$($(1)_SRCS)) $(call libdeps_of,$($(1)_LIBS))
	@mkdir -p $$(@D)
	@$(if $(Q),echo "  LD      $$@")
	$(Q)$$(CC) $$(LDFLAGS) -shared -Wl,-soname,lib$(1).so \
		$(if $($(1)_NO_RPATH),,-Wl,-rpath,'$$$$ORIGIN') -o $$@ \
		$(call objs_of,$($(1)_SRCS)) $(call libflags_of,$($(1)_LIBS)) $($(1)_LDLIBS)
endef

$(foreach p,$(PROGRAMS),$(eval $(call link_template,$(p),$(BIN)/$(p),../lib,)))
$(foreach p,$(BENCHES),$(eval $(call link_template,$(p),$(OUT)/bench/$(p),../lib,)))
$(foreach p,$(TEST_PROGRAMS),$(eval $(call link_template,$(p),$(TESTBIN)/bin/$(p),../../lib,)))
$(foreach p,$(UNIT_TESTS),$(eval $(call link_template,$(p),$(TESTBIN)/unit/$(p),../../lib,-lcmocka)))
$(foreach l,$(SHLIBS),$(eval $(call shlib_template,$(l))))

ALL_TARGETS := $(foreach l,$(SHLIBS),$(LIBDIR)/lib$(l).so) $(addprefix $(BIN)/,$(PROGRAMS)) \
               $(addprefix $(OUT)/bench/,$(BENCHES))
TEST_TARGETS := $(addprefix $(TESTBIN)/unit/,$(UNIT_TESTS)) \
                $(addprefix $(TESTBIN)/bin/,$(TEST_PROGRAMS))

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $($(notdir $*)_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

include dist/install.mk

.PHONY: all tests test demo bench fuzz clean deps format check-format
.DEFAULT_GOAL := all
all: $(ALL_TARGETS)
tests: all $(TEST_TARGETS)

# Both variants: integration tests run the sanitized binaries, valgrind runs
# the release ones (valgrind and ASan do not mix).
test:
	$(MAKE) VARIANT=release tests
	$(MAKE) VARIANT=asan tests
	tests/run

demo: deps
	$(MAKE) tests
	scripts/demo.sh

bench: tests
	bench/run

fuzz:
	$(MAKE) -f tests/fuzz/fuzz.mk run $(if $(FUZZ_SECONDS),FUZZ_SECONDS=$(FUZZ_SECONDS)) \
		$(if $(FUZZ_CPU_SECONDS),FUZZ_CPU_SECONDS=$(FUZZ_CPU_SECONDS))

deps:
	@scripts/install-deps

# The house style is .clang-format.  format: the C files changed since
# FORMAT_BASE (default: where this branch left main), rewritten in place;
# check-format: every C file of the tree as it must be (CI runs it).
FORMAT_BASE ?= $(shell git merge-base HEAD main 2>/dev/null || echo HEAD)
format:
	@git diff --name-only --diff-filter=d $(FORMAT_BASE) -- '*.c' '*.h' | xargs -r clang-format -i
	@git ls-files --others --exclude-standard -- '*.c' '*.h' | xargs -r clang-format -i

check-format:
	@git ls-files -- '*.c' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build
