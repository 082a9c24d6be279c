# cgoheap: `make` builds the agent and the CLI into build/.
#   build/lib/libcgoheap.so   the agent, preloaded into the target
#   build/bin/cgoheap         the CLI (collect -> analyze -> symbolize -> report)
# `make SAN=1` builds the CLI and the test tools with ASan/UBSan.
# `make check` runs the test suite (tests/run).

CC      ?= gcc
BUILD   ?= build
CSTD    := -std=gnu11
WARN    := -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
OPT     ?= -O2 -g
CPPFLAGS += -Iinclude -Isrc -D_GNU_SOURCE
comma := ,
SANFLAGS := $(if $(SAN),-fsanitize=address$(comma)undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined,)

# The agent: no libdw, no libc++ -- it lives inside someone else's process.
AGENT_SRC := $(wildcard src/agent/*.c)
AGENT_ASM := $(wildcard src/agent/*.S)
AGENT_OBJ := $(AGENT_SRC:%.c=$(BUILD)/obj/%.o) $(AGENT_ASM:%.S=$(BUILD)/obj/%.o)
AGENT_CFLAGS := $(CSTD) $(WARN) $(OPT) -fPIC -fvisibility=hidden -fno-omit-frame-pointer \
                -ftls-model=initial-exec -fno-stack-protector
AGENT_LIBS := -ldl -lpthread

# The CLI.
CLI_SRC := $(wildcard src/common/*.c src/collect/*.c src/analyze/*.c \
                      src/symbolize/*.c src/report/*.c src/cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/cli/%.o)
CLI_CFLAGS := $(CSTD) $(WARN) $(OPT) $(SANFLAGS)
CLI_LIBS := -ldw -lelf -lz -lm -lpthread

.PHONY: all clean check bench demo format FORCE
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

$(BUILD)/obj/src/agent/%.o: src/agent/%.S src/agent/entry.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -c -o $@ $<

$(BUILD)/bin/cgoheap: $(CLI_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CLI_CFLAGS) -o $@ $^ $(CLI_LIBS)

$(BUILD)/obj/cli/%.o: %.c include/cgoheap/shm.h src/common/profile.h $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CLI_CFLAGS) -c -o $@ $<

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
