# pyexec: one GNU Makefile; output under build/ (build/asan/ with SANITIZE=1).
#
#   make run        install dependencies, build, start the daemon on $PORT (8080)
#   make test       install dependencies, build, run unit + end-to-end tests,
#                   then the same suite under ASan+UBSan
#   make bench      latency/throughput tables (docs/PERFORMANCE.md)
#   make lint       clang-tidy + cppcheck

SHELL := /bin/bash
CC ?= gcc
PKG_CONFIG ?= pkg-config
PYTHON3 := /usr/bin/python3

ifeq ($(SANITIZE),1)
BUILD ?= build/asan
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1
else
BUILD ?= build
SAN_FLAGS :=
OPT := -O2
endif

PKGS := libmicrohttpd jansson libseccomp python3-embed
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
	-Wformat=2 -Wno-format-nonliteral -Wundef -Wvla -Wpointer-arith -Wcast-align
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection \
	-fPIE -fcf-protection
CFLAGS := -std=gnu17 $(OPT) -g $(WARN) $(HARDEN) -D_GNU_SOURCE -pthread -Isrc -I$(BUILD)/gen \
	$(SAN_FLAGS) $(EXTRA_CFLAGS)
LDFLAGS := -pie -Wl,-z,relro,-z,now,-z,noexecstack -pthread $(SAN_FLAGS)

SRCS := $(shell find src -name '*.c' ! -name main.c | sort)
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/runner_py.o
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps run test unit e2e test-plain test-asan bench lint format clean

all: $(BUILD)/pyexecd $(UNIT_BINS)

deps:
	@./scripts/deps.sh all

$(BUILD)/gen/runner_py.c: runtime/runner.py scripts/embed.sh
	@mkdir -p $(@D)
	./scripts/embed.sh $< pyexec_runner_source > $@

$(BUILD)/obj/gen/runner_py.o: $(BUILD)/gen/runner_py.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libpyexec.a: $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/pyexecd: $(BUILD)/obj/src/main.o $(BUILD)/libpyexec.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libpyexec.a tests/unit/tap.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libpyexec.a $(PKG_LIBS)

run: deps
	$(MAKE) $(BUILD)/pyexecd
	$(BUILD)/pyexecd --port $${PORT:-8080}

unit: $(UNIT_BINS)
	prove -v $(UNIT_BINS)

e2e: $(BUILD)/pyexecd
	PYEXECD=$(abspath $(BUILD)/pyexecd) $(PYTHON3) -m pytest -q -p no:cacheprovider tests/e2e $(PYTEST_ARGS)

test-plain: all
	$(MAKE) unit e2e

test-asan:
	$(MAKE) SANITIZE=1 all
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(MAKE) SANITIZE=1 unit e2e

test: deps
	$(MAKE) test-plain
	$(MAKE) test-asan

lint:
	clang-tidy --quiet $(SRCS) src/main.c -- $(CFLAGS) $(PKG_CFLAGS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -Isrc $(SRCS) src/main.c

format:
	clang-format -i $(SRCS) src/main.c $$(find src -name '*.h') tests/unit/*.[ch]

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
