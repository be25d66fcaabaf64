# spfdkim-milter - top-level build.
#
# Sources are found by directory, so adding a module needs no edit here:
#   milter/*.c          core library (libspfdkim.a), except the mains below
#   milter/main.c, milter/mlfi*.c   the daemon  -> milter/spfdkim-milter
#   milter/ctl*.c       the control tool        -> milter/spfdkim-ctl
#   xmail-bridge/*.c    milter client library (libmilterclient.a), except main.c
#   xmail-bridge/main.c the XMail filter        -> xmail-bridge/xmail-milter-bridge
#   tests/unit/test_*.c one cmocka program each
#   tests/tools/*.c     one test helper program each
#   tests/fuzz/fuzz_*.c one libFuzzer target each (VARIANT=fuzz, clang)
#   bench/*.c           one benchmark program each -> build/<variant>/bench/
#
# VARIANT=release (default) puts binaries where the docs name them;
# VARIANT=asan and VARIANT=fuzz build into build/<variant>/bin.

VARIANT ?= release
PREFIX  ?= /usr/local
DESTDIR ?=
B       := build/$(VARIANT)

ifeq ($(VARIANT),release)
BINDIR_M := milter
BINDIR_X := xmail-bridge
else
BINDIR_M := $(B)/bin
BINDIR_X := $(B)/bin
endif

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
BSD_CF  := $(shell pkg-config --cflags libbsd-overlay 2>/dev/null || echo -isystem /usr/include/bsd -DLIBBSD_OVERLAY)
BASE_CF := -std=c11 -D_GNU_SOURCE $(WARN) $(BSD_CF) -Imilter -Ixmail-bridge -pthread -MMD -MP
LIBS    := -lmilter -lunbound -lbsd -lssl -lcrypto -lpthread -lm

ifeq ($(VARIANT),release)
CC      ?= cc
OPT_CF  := -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
OPT_LD  :=
else ifeq ($(VARIANT),asan)
OPT_CF  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
OPT_LD  := -fsanitize=address,undefined
else ifeq ($(VARIANT),fuzz)
CC      := clang
OPT_CF  := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
OPT_LD  := -fsanitize=address,undefined
else
$(error unknown VARIANT $(VARIANT): use release, asan or fuzz)
endif

CFLAGS  ?=
LDFLAGS ?=
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
ALL_CF  := $(BASE_CF) $(OPT_CF) $(CFLAGS)
ALL_LD  := $(OPT_LD) $(LDFLAGS)

CORE_SRC   := $(filter-out milter/main.c milter/mlfi%.c milter/ctl%.c,$(wildcard milter/*.c))
DAEMON_SRC := $(filter milter/main.c milter/mlfi%.c,$(wildcard milter/*.c))
CTL_SRC    := $(wildcard milter/ctl*.c)
CLIENT_SRC := $(filter-out xmail-bridge/main.c,$(wildcard xmail-bridge/*.c))
BRIDGE_SRC := $(wildcard xmail-bridge/main.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
TOOL_SRC   := $(wildcard tests/tools/*.c)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
BENCH_SRC  := $(wildcard bench/*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

CORE_LIB   := $(B)/libspfdkim.a
CLIENT_LIB := $(B)/libmilterclient.a
MILTER_BIN := $(BINDIR_M)/spfdkim-milter
CTL_BIN    := $(BINDIR_M)/spfdkim-ctl
BRIDGE_BIN := $(BINDIR_X)/xmail-milter-bridge
UNIT_BINS  := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
TOOL_BINS  := $(patsubst tests/tools/%.c,$(B)/tests/%,$(TOOL_SRC))
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
BENCH_BINS := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))

PROGS := $(if $(DAEMON_SRC),$(MILTER_BIN)) $(if $(CTL_SRC),$(CTL_BIN)) $(if $(BRIDGE_SRC),$(BRIDGE_BIN))

.PHONY: all programs tests fuzz-build run test bench fuzz conformance install clean deps-build deps-test

ifeq ($(VARIANT),fuzz)
all: $(FUZZ_BINS)
else
all: programs tests
endif
programs: $(PROGS)
tests: $(UNIT_BINS) $(TOOL_BINS) $(BENCH_BINS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CF) -c -o $@ $<

$(CORE_LIB): $(call obj,$(CORE_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CLIENT_LIB): $(call obj,$(CLIENT_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(MILTER_BIN): $(call obj,$(DAEMON_SRC)) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -pthread -o $@ $^ $(LIBS)

$(CTL_BIN): $(call obj,$(CTL_SRC)) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -pthread -o $@ $^ $(LIBS)

$(BRIDGE_BIN): $(call obj,$(BRIDGE_SRC)) $(CLIENT_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -pthread -o $@ $^ $(LIBS)

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(CLIENT_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -pthread -o $@ $^ -lcmocka $(LIBS)

$(B)/tests/%: $(B)/obj/tests/tools/%.o $(CLIENT_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -pthread -o $@ $^ $(LIBS)

$(B)/bench/%: $(B)/obj/bench/%.o $(CLIENT_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -pthread -o $@ $^ $(LIBS)

$(B)/fuzz/%: $(B)/obj/tests/fuzz/%.o $(CLIENT_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -fsanitize=fuzzer -pthread -o $@ $^ $(LIBS)

# --- the README's commands -------------------------------------------------

deps-build:
	@sh tools/install-deps.sh build
deps-test:
	@sh tools/install-deps.sh test

# Foreground milter on the embedded default configuration.
run: deps-build
	@$(MAKE) -j$(JOBS) --no-print-directory programs
	./milter/spfdkim-milter -f -d

# Builds every variant, then runs every suite; the last line is "N passed, M failed".
test: deps-test
	@$(MAKE) -j$(JOBS) --no-print-directory all
	@$(MAKE) -j$(JOBS) --no-print-directory VARIANT=asan all
	@$(MAKE) -j$(JOBS) --no-print-directory VARIANT=fuzz all
	@bash tests/run.sh

conformance: deps-test
	@$(MAKE) -j$(JOBS) --no-print-directory all
	@bash tests/conformance/run.sh

fuzz: deps-test
	@$(MAKE) -j$(JOBS) --no-print-directory VARIANT=fuzz all
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} bash tests/fuzz/run.sh

bench:
	@sh tools/install-deps.sh bench
	@$(MAKE) -j$(JOBS) --no-print-directory all
	@bash bench/run.sh

install: programs
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/spfdkim-milter
	install -m 755 $(MILTER_BIN) $(DESTDIR)$(PREFIX)/sbin/spfdkim-milter
	install -m 755 $(CTL_BIN) $(DESTDIR)$(PREFIX)/bin/spfdkim-ctl
	install -m 755 $(BRIDGE_BIN) $(DESTDIR)$(PREFIX)/bin/xmail-milter-bridge
	install -d $(DESTDIR)$(PREFIX)/share/doc/spfdkim-milter
	install -m 644 conf/spfdkim-milter.conf $(DESTDIR)$(PREFIX)/share/doc/spfdkim-milter/spfdkim-milter.conf.sample
	for m in $(wildcard man/*.[1-8]); do \
	  s=$${m##*.}; install -d $(DESTDIR)$(PREFIX)/share/man/man$$s; \
	  install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done

clean:
	rm -rf build milter/spfdkim-milter milter/spfdkim-ctl xmail-bridge/xmail-milter-bridge

-include $(shell find $(B) -name '*.d' 2>/dev/null)
