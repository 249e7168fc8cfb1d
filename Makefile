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
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/runner_py.o $(BUILD)/obj/gen/openapi_json.o
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps run test unit runner-test e2e e2e-both e2e-pool test-plain test-valgrind test-asan test-vm bench lint format clean

all: $(BUILD)/pyexecd $(UNIT_BINS)

deps:
	@./scripts/deps.sh all

$(BUILD)/gen/runner_py.c: runtime/runner.py scripts/embed.sh
	@mkdir -p $(@D)
	./scripts/embed.sh $< pyexec_runner_source > $@

$(BUILD)/obj/gen/runner_py.o: $(BUILD)/gen/runner_py.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/openapi_json.c: docs/openapi.json scripts/embed.sh
	@mkdir -p $(@D)
	./scripts/embed.sh $< pyexec_openapi_json > $@

$(BUILD)/obj/gen/openapi_json.o: $(BUILD)/gen/openapi_json.c
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

# The Python runner alone, outside any sandbox.
runner-test:
	$(PYTHON3) -m pytest -q -p no:cacheprovider tests/runner

# End-to-end: the real daemon over HTTP, in one mode (PYEXEC_MODE=cold|warm).
e2e: $(BUILD)/pyexecd
	PYEXECD=$(abspath $(BUILD)/pyexecd) $(PYTHON3) -m pytest -q -p no:cacheprovider tests/e2e $(PYTEST_ARGS)

e2e-both: $(BUILD)/pyexecd
	PYEXEC_MODE=cold $(MAKE) e2e
	PYEXEC_MODE=warm $(MAKE) e2e

# The tests that run on the shared session daemon, again with that daemon
# keeping two pre-built jails (--pool 2): every script of theirs, the
# attack corpus and hostile scripts included, then runs in a jail that was
# built before its request (tests/e2e/conftest.py, PYEXEC_E2E_POOL).
E2E_SESSION_FILES := $(addprefix tests/e2e/,test_api.py test_errors.py test_report.py \
	test_hostile.py test_attacks.py test_seeds.py test_isolation_state.py)
e2e-pool: $(BUILD)/pyexecd
	PYEXEC_MODE=warm PYEXEC_E2E_POOL=2 PYEXECD=$(abspath $(BUILD)/pyexecd) $(PYTHON3) -m pytest \
		-q -p no:cacheprovider $(E2E_SESSION_FILES) $(PYTEST_ARGS)

test-plain: all
	$(MAKE) unit runner-test e2e-both e2e-pool

# ASan+UBSan: the daemon's own code.  A warm jail is a fork of the
# instrumented spawner, so ASan must leave the script's own crashes
# (SIGSEGV, SIGBUS, SIGFPE, abort) to the kernel, as a normal build does.
ASAN_TEST_OPTIONS := detect_leaks=0:abort_on_error=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0:allow_user_segv_handler=1
#
# In warm mode the jails are forks of the instrumented zygote and carry
# ASan's runtime (shadow memory, quarantine) into the script; both modes run
# the whole e2e suite, and the cases whose subject is not memory but which
# ASan's overhead would push past 128 MB ask for more there
# (e2e_util.incidental_memory); -rs lists any case skipped.
ASAN_ENV := ASAN_OPTIONS=$(ASAN_TEST_OPTIONS) UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
test-asan:
	$(MAKE) SANITIZE=1 all
	$(ASAN_ENV) $(MAKE) SANITIZE=1 unit
	$(ASAN_ENV) PYEXEC_MODE=cold $(MAKE) SANITIZE=1 e2e PYTEST_ARGS=-rs
	$(ASAN_ENV) PYEXEC_MODE=warm $(MAKE) SANITIZE=1 e2e PYTEST_ARGS=-rs

# memcheck over the daemon's own code.  First every unit-test binary,
# test_jail included (valgrind follows the jail clone like a fork).  Then
# the real daemon, run by tests/valgrind/pyexecd-vg.sh: supervisor, front,
# spawner and each jail child.  Cold mode: the whole end-to-end suite (the
# attack corpus and hostile scripts too), the jail followed up to its exec
# of python3, which runs natively.  Warm mode: the files that exercise the
# zygotes' own paths (seeds, API, the lean zygote, state isolation), where
# the jail child runs the runner under memcheck as a fork of the spawner
# or of the lean zygote.  Only the
# PSS-growth test is left out (valgrind's translations and shadow memory
# grow; memcheck's leak check stands in for it).
# tests/valgrind/check-logs.py then fails the target on any memcheck error
# or definite leak and says how many processes it checked.
# --vgdb=no: see tests/valgrind/pyexecd-vg.sh (test_jail covers its /tmp too).
VALGRIND_SUPP := tests/valgrind/pyexec.supp
VALGRIND_UNITS := $(UNIT_BINS)
VALGRIND_E2E_COLD := tests/e2e \
	--deselect tests/e2e/test_restart.py::test_daemon_memory_stays_flat
VALGRIND_E2E_WARM := tests/e2e/test_seeds.py tests/e2e/test_api.py tests/e2e/test_lean_zygote.py \
	tests/e2e/test_isolation_state.py
VALGRIND_LOGS := $(BUILD)/valgrind
# the warm zygote imports pandas under memcheck: some 30 s before /health
VALGRIND_E2E_ENV := PYEXECD=$(abspath tests/valgrind/pyexecd-vg.sh) \
	PYEXECD_REAL=$(abspath $(BUILD)/pyexecd) PYEXEC_VG_DIR=$(abspath $(VALGRIND_LOGS)) \
	PYEXEC_E2E_LEAK_WAIT=10 PYEXEC_E2E_HEALTH_WAIT=180
test-valgrind: $(UNIT_BINS) $(BUILD)/pyexecd
	@for t in $(VALGRIND_UNITS); do \
		echo "== valgrind $$t"; \
		valgrind -q --vgdb=no --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
			--suppressions=$(VALGRIND_SUPP) \
			$$t > $$t.valgrind.log 2>&1 || { tail -30 $$t.valgrind.log; exit 1; }; \
	done; echo "valgrind: $(words $(VALGRIND_UNITS)) unit test binaries clean"
	@rm -rf $(VALGRIND_LOGS) && mkdir -p $(VALGRIND_LOGS)
	@rc=0; \
	$(VALGRIND_E2E_ENV) PYEXEC_MODE=cold $(PYTHON3) -m pytest -q -p no:cacheprovider \
		$(VALGRIND_E2E_COLD) $(PYTEST_ARGS) || rc=$$?; \
	$(VALGRIND_E2E_ENV) PYEXEC_MODE=warm $(PYTHON3) -m pytest -q -p no:cacheprovider \
		$(VALGRIND_E2E_WARM) $(PYTEST_ARGS) || rc=$$?; \
	$(PYTHON3) tests/valgrind/check-logs.py $(VALGRIND_LOGS) || rc=1; \
	exit $$rc

test: deps
	$(MAKE) test-plain
	$(MAKE) test-valgrind
	$(MAKE) test-asan
	$(MAKE) test-vm
	$(MAKE) fuzz-smoke

# cgroup v2 for real, in a qemu VM (tests/vm/run-vm.sh); skipped when no VM can start.
.PHONY: test-vm
test-vm: $(BUILD)/pyexecd
	@rc=0; tests/vm/run-vm.sh tests/vm/guest-tests.sh $(BUILD)/pyexecd || rc=$$?; \
	if [ $$rc -eq 77 ] && [ -f $${PYEXEC_VM_DIR:-build/vm}/unavailable ]; then \
		echo "SKIP: cgroup v2 VM tests: $$(cat $${PYEXEC_VM_DIR:-build/vm}/unavailable)"; exit 0; fi; \
	exit $$rc

bench: $(BUILD)/pyexecd
	PYEXECD=$(abspath $(BUILD)/pyexecd) $(PYTHON3) bench/bench.py

lint:
	clang-tidy --quiet $(SRCS) src/main.c -- $(CFLAGS) $(PKG_CFLAGS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -Isrc $(SRCS) src/main.c

format:
	clang-format -i $(SRCS) src/main.c $$(find src -name '*.h') tests/unit/*.[ch]

# ---- fuzzing: libFuzzer targets in tests/fuzz/ (Debian clang-14) ------------
# The pure modules are rebuilt with clang and the fuzzer's instrumentation
# under build/fuzz/ (build/libpyexec.a is gcc-built and uninstrumented).
# Each target runs on build/fuzz/corpus/<target>: its seeds copied in, plus
# what earlier runs found (make clean resets it); tests/ is never written.
# Crashes land in build/fuzz/artifacts/.  Both targets exit non-zero when
# any fuzzer finds a crash, leak or timeout.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR := build/fuzz
FUZZ_TARGETS := fuzz_request fuzz_ipc fuzz_response fuzz_utf8 fuzz_imports
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# -Wno-cast-align: clang warns on x86 where gcc does not (config.c's option table).
FUZZ_CFLAGS := -std=gnu17 -g -O1 $(WARN) -Wno-cast-align -D_GNU_SOURCE -Isrc -Itests/fuzz \
	$(FUZZ_SAN) $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
FUZZ_LIBS := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null) -lm
FUZZ_OBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,src/config.c src/http/request.c \
	src/http/response.c src/http/runner_doc.c src/ipc/proto.c src/jail/stage.c src/util/utf8.c src/util/fd.c \
	src/spawner/imports.c tests/fuzz/fuzz_common.c)
FUZZ_RUN_FLAGS := -rss_limit_mb=2048 -timeout=10 -print_final_stats=1

.PHONY: fuzz fuzz-smoke fuzz-build

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

# The harness and its oracles get the sanitizers but no coverage feedback:
# their byte loops would only slow the fuzzer and flood it with features.
$(FUZZ_DIR)/obj/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_TARGETS:%=$(FUZZ_DIR)/%): $(FUZZ_DIR)/%: $(FUZZ_DIR)/obj/tests/fuzz/%.o $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)

fuzz: fuzz-build
	@set -o pipefail; fail=; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/artifacts; \
		cp tests/fuzz/corpus/$$t/* $(FUZZ_DIR)/corpus/$$t/; \
		dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
		echo "== $$t: $(FUZZ_SECONDS) s"; \
		$(FUZZ_DIR)/$$t $(FUZZ_RUN_FLAGS) -max_total_time=$(FUZZ_SECONDS) $$dict \
			-artifact_prefix=$(FUZZ_DIR)/artifacts/$$t- $(FUZZ_DIR)/corpus/$$t \
			2>&1 | tee $(FUZZ_DIR)/$$t.log || fail="$$fail $$t"; \
	done; \
	if [ -n "$$fail" ]; then echo "fuzz: FAILED:$$fail (see $(FUZZ_DIR)/artifacts/)" >&2; exit 1; fi

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=10

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
