# cgoheap: `make` builds the agent and the CLI into build/.
#   build/lib/libcgoheap.so   the agent, preloaded into the target
#   build/bin/cgoheap         the CLI (collect -> analyze -> symbolize -> report)
# `make SAN=1` builds the CLI and the test tools with ASan/UBSan.
#   build/lib/libcgoheap-cli.a  the CLI's objects but main, which the stage suites link
#   build/tests/STAGE/NAME      their drivers (tests/<stage>/run.sh run them)
# `make check` runs the test suite (tests/run).
# `make install [PREFIX=/usr/local] [DESTDIR=]`: the CLI in PREFIX/bin, the agent in
# PREFIX/lib/cgoheap (where the installed CLI looks), the man page and bash completion
# (both made by the CLI from its option table, like --help); `make uninstall` removes them.

CC      ?= gcc
BUILD   ?= build
CSTD    := -std=gnu11
WARN    := -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
OPT     ?= -O2 -g
CPPFLAGS += -Iinclude -Isrc -D_GNU_SOURCE
# Every object also depends on the headers it includes, as the compiler lists
# them (build/obj/.../*.d): a header changed rebuilds its includers, entry.S's too.
DEPFLAGS := -MMD -MP
comma := ,
SANFLAGS := $(if $(SAN),-fsanitize=address$(comma)undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined,)

# The agent: no libdw, no libc++ -- it lives inside someone else's process.
# The record's layout is the launcher's: a followed child makes a record of its own.
AGENT_SRC := $(wildcard src/agent/*.c) src/common/shm_layout.c
AGENT_ASM := $(wildcard src/agent/*.S)
AGENT_OBJ := $(AGENT_SRC:%.c=$(BUILD)/obj/%.o) $(AGENT_ASM:%.S=$(BUILD)/obj/%.o)
AGENT_CFLAGS := $(CSTD) $(WARN) $(OPT) -fPIC -fvisibility=hidden -fno-omit-frame-pointer \
                -ftls-model=initial-exec -fno-stack-protector
AGENT_LIBS := -ldl -lpthread

# The CLI.
CLI_SRC := $(wildcard src/common/*.c src/collect/*.c src/analyze/*.c \
                      src/symbolize/*.c src/report/*.c src/serve/*.c src/cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/cli/%.o)
CLI_CFLAGS := $(CSTD) $(WARN) $(OPT) $(SANFLAGS)
# elfutils and the compression libraries it needs are linked in from their
# archives (libdw-dev, libbz2-dev): loading five shared libraries cost every
# run 3-3.5 ms of CPU (bench/RESULTS.md). `make DW_SHARED=1` links them shared.
# No libm either: its one function used, exp, is loaded when first called (report_exp.h).
DW_LIBS := -ldw -lelf -lz -lbz2 -llzma
CLI_LIBS := $(if $(DW_SHARED),$(DW_LIBS),-Wl,-Bstatic $(DW_LIBS) -Wl,-Bdynamic) -lpthread -ldl
# libmicrohttpd is loaded when --http starts (src/serve/mhd_load.h), under the
# name the library installed here has.
MHD_SONAME = $(shell readelf -d "$$($(CC) -print-file-name=libmicrohttpd.so)" 2>/dev/null | \
                     sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
$(BUILD)/obj/cli/src/serve/mhd_load.o: CPPFLAGS += $(if $(MHD_SONAME),-DCH_MHD_SONAME='"$(MHD_SONAME)"')

.PHONY: all clean check bench demo format install uninstall test-bins FORCE
all: $(BUILD)/lib/libcgoheap.so $(BUILD)/bin/cgoheap test-bins

# The commit `cgoheap --version` names; "unknown" outside a git checkout.
# The header is rewritten only when it changes, so it rebuilds one object.
GIT_COMMIT := $(shell (git rev-parse --short=12 HEAD && (git diff --quiet HEAD -- || echo -dirty)) \
                2>/dev/null | tr -d '\n')
$(BUILD)/gen/cgoheap_commit.h: FORCE
	@mkdir -p $(dir $@)
	@echo '#define CGOHEAP_COMMIT "$(or $(GIT_COMMIT),unknown)"' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
$(BUILD)/obj/cli/src/cli/version.o: $(BUILD)/gen/cgoheap_commit.h
$(BUILD)/obj/cli/src/cli/version.o: CPPFLAGS += -I$(BUILD)/gen

$(BUILD)/lib/libcgoheap.so: $(AGENT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -o $@ $^ $(AGENT_LIBS) -Wl,-z,nodelete -Wl,--no-undefined

$(BUILD)/obj/src/agent/%.o: src/agent/%.c include/cgoheap/shm.h $(wildcard src/agent/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(DEPFLAGS) $(AGENT_CFLAGS) -c -o $@ $<

$(BUILD)/obj/src/common/%.o: src/common/%.c include/cgoheap/shm.h src/common/%.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(DEPFLAGS) $(AGENT_CFLAGS) -c -o $@ $<

$(BUILD)/obj/src/agent/%.o: src/agent/%.S src/agent/entry.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/bin/cgoheap: $(CLI_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CLI_CFLAGS) -o $@ $^ $(CLI_LIBS)

$(BUILD)/obj/cli/%.o: %.c include/cgoheap/shm.h src/common/profile.h $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(DEPFLAGS) $(CLI_CFLAGS) -c -o $@ $<

# The stage suites test the objects the CLI is linked from (SAN=1 included):
# an archive of them but main, and one driver per tests/<stage>/NAME.c.
CLI_LIB := $(BUILD)/lib/libcgoheap-cli.a
$(CLI_LIB): $(filter-out %/src/cli/main.o,$(CLI_OBJ))
	@mkdir -p $(dir $@)
	@rm -f $@ && $(AR) rcs $@ $^

TEST_DRIVERS := analyze/scan_test analyze/supp_test \
                collect/collect_test collect/record_test collect/goroots_test \
                collect/roots_test collect/procmem_test \
                common/u64map_test common/intern_test common/grow_test common/block_sort_test \
                report/driver symbolize/symdrv symbolize/elfsyms_test
# Programs the agent and collect suites run as targets: the agent's flags but
# no sanitizer, which would take malloc from the agent.
TEST_PROGS := agent/leak agent/threads agent/kill agent/dl agent/bench agent/alt \
              agent/handoff agent/recycle agent/calls agent/reuse_faults agent/shared_rules \
              agent/sites agent/minilaunch agent/dl_lib.so \
              agent/list collect/target collect/fake_agent.so
TEST_BINS := $(TEST_DRIVERS:%=$(BUILD)/tests/%) $(TEST_PROGS:%=$(BUILD)/tests/%) \
             $(BUILD)/tests/symbolize/symdrv_nocxx
test-bins: $(TEST_BINS)

-include $(AGENT_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_DRIVERS:%=$(BUILD)/obj/cli/tests/%.d)

$(TEST_DRIVERS:%=$(BUILD)/obj/cli/tests/%.o): $(wildcard tests/*/*.h)
$(TEST_DRIVERS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: $(BUILD)/obj/cli/tests/%.o $(CLI_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CLI_CFLAGS) -o $@ $< $(CLI_LIB) $(CLI_LIBS) $(TEST_LDFLAGS)
# The unit tests of common/ fail allocations on purpose (tests/common/failalloc.h).
$(BUILD)/tests/common/%: TEST_LDFLAGS := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
# The symbolizer without a C++ runtime to demangle with: its own demangler object first.
$(BUILD)/obj/cli/tests/sym_demangle_absent.o: src/symbolize/sym_demangle.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CLI_CFLAGS) -DSYM_DEMANGLE_LIB='"libabsent-runtime.so.0"' -c -o $@ $<
$(BUILD)/tests/symbolize/symdrv_nocxx: $(BUILD)/obj/cli/tests/symbolize/symdrv.o \
                                       $(BUILD)/obj/cli/tests/sym_demangle_absent.o $(CLI_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CLI_CFLAGS) -o $@ $(filter %.o,$^) $(CLI_LIB) $(CLI_LIBS)

TEST_PROG_CFLAGS := $(CSTD) $(WARN) $(OPT)
$(BUILD)/tests/agent/minilaunch: tests/agent/minilaunch.c $(BUILD)/obj/src/common/shm_layout.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TEST_PROG_CFLAGS) -o $@ $^
# The bench's list (a list built then freed), for the live table's cache counts.
$(BUILD)/tests/agent/list: bench/workloads/list.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_PROG_CFLAGS) -o $@ $<
# Without PIE: its call sites' return addresses are the ones objdump shows.
$(BUILD)/tests/agent/sites: tests/agent/sites.c src/agent/walkmemo.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TEST_PROG_CFLAGS) -fno-pie -no-pie -o $@ $< -lpthread
$(BUILD)/tests/agent/%: tests/agent/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_PROG_CFLAGS) -o $@ $< -ldl -lpthread
$(BUILD)/tests/agent/dl_lib.so: tests/agent/dl_lib.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_PROG_CFLAGS) -shared -fPIC -o $@ $<
# The collect suite's kinds depend on what the target keeps in registers: -O1, as written for.
$(BUILD)/tests/collect/target: tests/collect/target.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O1 -g -o $@ $< -ldl -lpthread
$(BUILD)/tests/collect/fake_agent.so: tests/collect/fake_agent.c include/cgoheap/shm.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CSTD) $(WARN) -O1 -g -shared -fPIC -o $@ $<

MAN := $(BUILD)/share/man/man1/cgoheap.1
COMPLETION := $(BUILD)/share/bash-completion/completions/cgoheap
all: $(MAN) $(COMPLETION)

$(MAN): $(BUILD)/bin/cgoheap
	@mkdir -p $(dir $@)
	$(BUILD)/bin/cgoheap --man >$@.tmp && mv -f $@.tmp $@

$(COMPLETION): $(BUILD)/bin/cgoheap
	@mkdir -p $(dir $@)
	$(BUILD)/bin/cgoheap --bash-completion >$@.tmp && mv -f $@.tmp $@

PREFIX  ?= /usr/local
INSTALLED := $(DESTDIR)$(PREFIX)/bin/cgoheap $(DESTDIR)$(PREFIX)/lib/cgoheap/libcgoheap.so \
             $(DESTDIR)$(PREFIX)/share/man/man1/cgoheap.1 \
             $(DESTDIR)$(PREFIX)/share/bash-completion/completions/cgoheap

install: all
	install -D -m 755 $(BUILD)/bin/cgoheap $(DESTDIR)$(PREFIX)/bin/cgoheap
	install -D -m 755 $(BUILD)/lib/libcgoheap.so $(DESTDIR)$(PREFIX)/lib/cgoheap/libcgoheap.so
	install -D -m 644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man1/cgoheap.1
	install -D -m 644 $(COMPLETION) $(DESTDIR)$(PREFIX)/share/bash-completion/completions/cgoheap

uninstall:
	rm -f $(INSTALLED)
	-rmdir $(DESTDIR)$(PREFIX)/lib/cgoheap 2>/dev/null

check: all
	tests/run

bench: all
	bench/run

demo: all
	scripts/demo.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
