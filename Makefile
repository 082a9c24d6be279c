# cgoheap: `make` builds the agent and the CLI into build/.
#   build/lib/libcgoheap.so   the agent, preloaded into the target
#   build/bin/cgoheap         the CLI (collect -> analyze -> symbolize -> report)
# `make SAN=1` builds the CLI and the test tools with ASan/UBSan.
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
CLI_LIBS := -ldw -lelf -lz -lm -lpthread -lmicrohttpd

.PHONY: all clean check bench demo format install uninstall FORCE
all: $(BUILD)/lib/libcgoheap.so $(BUILD)/bin/cgoheap

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
	$(CC) $(CPPFLAGS) $(AGENT_CFLAGS) -c -o $@ $<

$(BUILD)/obj/src/common/%.o: src/common/%.c include/cgoheap/shm.h src/common/%.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(AGENT_CFLAGS) -c -o $@ $<

$(BUILD)/obj/src/agent/%.o: src/agent/%.S src/agent/entry.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -c -o $@ $<

$(BUILD)/bin/cgoheap: $(CLI_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CLI_CFLAGS) -o $@ $^ $(CLI_LIBS)

$(BUILD)/obj/cli/%.o: %.c include/cgoheap/shm.h src/common/profile.h $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CLI_CFLAGS) -c -o $@ $<

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
