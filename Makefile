# SPDX-License-Identifier: BSD-2-Clause
# spfdkim-milter - top-level build.
#
# The engine is layered; each layer is a folder of milter/ and an archive,
# and sees only its own headers and those of the layers it names below:
#   common      buffers, logging, key=value lines, address lists, file/socket helpers
#   dns         the one libunbound resolver with its cache          (common)
#   spf         the RFC 7208 engine                                 (dns common)
#   dkim        the RFC 6376/8463 verifier and signer               (dns common)
#   dmarc       RFC 7489 policy discovery and alignment, PSL (dkim spf dns common)
#   spamfolder  spam-folder copies, spam log, retention             (common)
#   metrics     monitoring counters and their Prometheus text       (common)
#   core        config, policy, Authentication-Results, decision log (all above)
#   report      the hardening report over the decision log           (common)
#   daemon      main and the libmilter callbacks -> milter/spfdkim-milter
#   xmail-bridge/  milter client library and the XMail filter
#                  -> xmail-bridge/xmail-milter-bridge  (spamfolder common)
#   ctl         the control tool                 -> milter/spfdkim-ctl
#               (check drives the milter through the bridge's client library)
#   web         the admin's web page (libmicrohttpd) -> milter/spfdkim-web
# An upward #include does not compile; tests/suites/05-layers.sh checks the
# same table (printed by "make print-layers") over the sources.
#
# Sources are found by directory, so adding a module needs no edit here:
#   tests/unit/test_*.c one cmocka program each
#   tests/tools/*.c     one test helper program each
#   tests/fuzz/fuzz_*.c one libFuzzer target each (VARIANT=fuzz, clang)
#   bench/*.c           one benchmark program each -> build/<variant>/bench/
#
# VARIANT=release (default) puts binaries where the docs name them;
# VARIANT=asan, VARIANT=fuzz and VARIANT=tsan build into build/<variant>/bin.

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
# Libraries with a pkg-config file are found through it, so one installed
# elsewhere (PKG_CONFIG_PATH) is used whole; libmilter has none. Debian 12's
# libunbound.pc names libevent and nettle, hence libevent-dev in
# tools/install-deps.sh. libpsl is the DMARC engine's (organizational
# domains), zlib spfdkim-ctl dmarc-report's (gzip). libsystemd (sd_notify)
# is the daemon's alone;
# libmicrohttpd and libcrypt (yescrypt) are spfdkim-web's.
PKGS     := libunbound libssl libcrypto libbsd-overlay libpsl zlib
WEB_PKGS := libmicrohttpd libcrypt
PKG_CF   := $(shell pkg-config --cflags $(PKGS) libsystemd 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
SD_LIBS  := $(shell pkg-config --libs libsystemd 2>/dev/null)
BASE_CF := -std=c11 -D_GNU_SOURCE $(WARN) $(PKG_CF) -pthread -MMD -MP
LIBS    := -lmilter $(PKG_LIBS) -lresolv -lpthread -lm

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
else ifeq ($(VARIANT),tsan)
# ThreadSanitizer (gcc or clang): make tsan-check drives the daemon with it.
OPT_CF  := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
OPT_LD  := -fsanitize=thread
else
$(error unknown VARIANT $(VARIANT): use release, asan, fuzz or tsan)
endif

CPPFLAGS ?=
CFLAGS  ?=
LDFLAGS ?=
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
ALL_CF  := $(BASE_CF) $(OPT_CF) $(CPPFLAGS) $(CFLAGS)
ALL_LD  := $(OPT_LD) $(LDFLAGS)

# Layers, bottom first, each with the layers it may use (transitively closed).
LAYERS            := common dns spf dkim dmarc spamfolder metrics core report daemon bridge ctl web
LAYER_DIR_bridge  := xmail-bridge
LAYER_DEPS_common :=
LAYER_DEPS_dns    := common
LAYER_DEPS_spf    := dns common
LAYER_DEPS_dkim   := dns common
LAYER_DEPS_dmarc  := dkim spf dns common
LAYER_DEPS_spamfolder := common
LAYER_DEPS_metrics := common
LAYER_DEPS_core   := metrics spamfolder dmarc dkim spf dns common
LAYER_DEPS_report := common
LAYER_DEPS_daemon := core metrics spamfolder dmarc dkim spf dns common
LAYER_DEPS_ctl    := core report metrics spamfolder dmarc dkim spf dns common bridge
LAYER_DEPS_web    := core report metrics spamfolder dmarc dkim spf dns common
LAYER_DEPS_bridge := spamfolder common
ldir = $(or $(LAYER_DIR_$(1)),milter/$(1))
linc = $(foreach l,$(1) $(LAYER_DEPS_$(1)),-I$(call ldir,$(l)))
lsrc = $(wildcard $(call ldir,$(1))/*.c)
$(foreach l,$(LAYERS),$(eval $(B)/obj/$(call ldir,$(l))/%.o: LAYER_CF := $(call linc,$(l))))
ALL_INC    := $(foreach l,$(LAYERS),-I$(call ldir,$(l)))

DAEMON_SRC := $(call lsrc,daemon)
CTL_SRC    := $(call lsrc,ctl)
WEB_SRC    := $(call lsrc,web)
# The filter program is main.c and bridge_*.c; the rest is the milter
# client library (also used by the benchmark) and the spool module.
BRIDGE_SRC := $(wildcard xmail-bridge/main.c xmail-bridge/bridge_*.c)
CLIENT_SRC := $(filter-out $(BRIDGE_SRC),$(call lsrc,bridge))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
TOOL_SRC   := $(wildcard tests/tools/*.c)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
BENCH_SRC  := $(wildcard bench/*.c)
# Tests, tools, fuzz targets and benchmarks may use every layer.
$(B)/obj/tests/%.o $(B)/obj/bench/%.o: LAYER_CF := $(ALL_INC)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

# The version (tools/version.sh: the VERSION file, or `git describe` in a
# git checkout) is compiled into version.o alone; its stamp file changes,
# and version.o is rebuilt, only when the version does.
VERSION_STR := $(shell sh tools/version.sh)
$(B)/obj/milter/common/version.o: ALL_CF += -DSPFDKIM_VERSION='"$(VERSION_STR)"'
$(B)/obj/milter/common/version.o: $(B)/version.stamp
$(B)/version.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(VERSION_STR)' | cmp -s - $@ || echo '$(VERSION_STR)' > $@
FORCE:

# One archive per engine layer; a program links its layers top first.
ENGINE     := core metrics report spamfolder dmarc dkim spf dns common
lib        = $(B)/lib/lib$(1).a
ENGINE_LIBS := $(foreach l,$(ENGINE),$(call lib,$(l)))
BRIDGE_LIBS := $(call lib,spamfolder) $(call lib,common)
CLIENT_LIB := $(B)/lib/libmilterclient.a
MILTER_BIN := $(BINDIR_M)/spfdkim-milter
CTL_BIN    := $(BINDIR_M)/spfdkim-ctl
WEB_BIN    := $(BINDIR_M)/spfdkim-web
WEB_LIBS   := $(shell pkg-config --libs $(WEB_PKGS) 2>/dev/null)
BRIDGE_BIN := $(BINDIR_X)/xmail-milter-bridge
UNIT_BINS  := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
TOOL_BINS  := $(patsubst tests/tools/%.c,$(B)/tests/%,$(TOOL_SRC))
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
BENCH_BINS := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))

PROGS := $(if $(DAEMON_SRC),$(MILTER_BIN)) $(if $(CTL_SRC),$(CTL_BIN)) $(if $(WEB_SRC),$(WEB_BIN)) $(if $(BRIDGE_SRC),$(BRIDGE_BIN))

.PHONY: FORCE pkg-check print-layers all programs tests fuzz-build run test tsan-check bench fuzz fuzz-long conformance install deb clean deps-build deps-test

ifeq ($(VARIANT),fuzz)
all: $(FUZZ_BINS)
else
all: programs tests
endif
programs: $(PROGS)
tests: $(UNIT_BINS) $(TOOL_BINS) $(BENCH_BINS)

$(B)/obj/%.o: %.c | pkg-check
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CF) $(LAYER_CF) $(GEN_CF) -c -o $@ $<

$(foreach l,$(ENGINE),$(eval $(call lib,$(l)): $(call obj,$(call lsrc,$(l)))))
$(B)/lib/lib%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CLIENT_LIB): $(call obj,$(CLIENT_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Only the daemon serves HTTP (MetricsSocket).
$(MILTER_BIN): $(call obj,$(DAEMON_SRC)) $(ENGINE_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -pthread -o $@ $^ -lmicrohttpd $(LIBS) $(SD_LIBS)

$(CTL_BIN): $(call obj,$(CTL_SRC)) $(CLIENT_LIB) $(ENGINE_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -pthread -o $@ $^ $(LIBS)

# The settings page's help lines come from the man page (tools/man-help.awk).
WEB_HELP := $(B)/gen/web_help.inc
$(WEB_HELP): man/spfdkim-milter.conf.5 tools/man-help.awk
	@mkdir -p $(dir $@)
	awk -f tools/man-help.awk $< > $@.tmp && mv $@.tmp $@
$(call obj,$(WEB_SRC)): $(WEB_HELP)
$(B)/obj/milter/web/%.o: GEN_CF := -I$(B)/gen $(shell pkg-config --cflags $(WEB_PKGS) 2>/dev/null)

$(WEB_BIN): $(call obj,$(WEB_SRC)) $(ENGINE_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -pthread -o $@ $^ $(WEB_LIBS) $(LIBS)

$(BRIDGE_BIN): $(call obj,$(BRIDGE_SRC)) $(CLIENT_LIB) $(BRIDGE_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -pthread -o $@ $^ $(LIBS)

# Tests and tools may reach the ctl and web layers' objects (audit, forms) too.
TEST_LIBS := $(B)/lib/libctl.a $(B)/lib/libweb.a $(CLIENT_LIB) $(ENGINE_LIBS)
$(B)/lib/libctl.a: $(call obj,$(filter-out milter/ctl/ctl.c,$(CTL_SRC)))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(B)/lib/libweb.a: $(call obj,$(filter-out milter/web/web_main.c,$(WEB_SRC)))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -pthread -o $@ $^ -lcmocka $(WEB_LIBS) $(LIBS)

$(B)/tests/%: $(B)/obj/tests/tools/%.o $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -pthread -o $@ $^ $(WEB_LIBS) $(LIBS)

$(B)/bench/%: $(B)/obj/bench/%.o $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -pthread -o $@ $^ $(WEB_LIBS) $(LIBS)

$(B)/fuzz/%: $(B)/obj/tests/fuzz/%.o $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LD) -fsanitize=fuzzer -pthread -o $@ $^ $(WEB_LIBS) $(LIBS)

# Before the first compile: every pkg-config library is there.
pkg-check:
	@pkg-config --exists $(PKGS) libsystemd $(WEB_PKGS) || { pkg-config --print-errors --exists $(PKGS) libsystemd $(WEB_PKGS); \
	  echo "missing build dependencies: run make deps-build (tools/install-deps.sh build)" >&2; exit 1; }

# "LAYER DIR DEP..." per line, for tests/suites/05-layers.sh.
print-layers:
	@$(foreach l,$(LAYERS),echo "$(l) $(call ldir,$(l)) $(LAYER_DEPS_$(l))";)

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
	@$(MAKE) -j$(JOBS) --no-print-directory VARIANT=tsan programs
	@bash tests/run.sh

conformance: deps-test
	@$(MAKE) -j$(JOBS) --no-print-directory all
	@bash tests/conformance/run.sh

fuzz: deps-test
	@$(MAKE) -j$(JOBS) --no-print-directory VARIANT=fuzz all
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} bash tests/fuzz/run.sh

# Every target to 10 M executions (FUZZ_RUNS), or FUZZ_SECONDS each when
# given; prints executions, exec/s and crashes per target.
fuzz-long: deps-test
	@$(MAKE) -j$(JOBS) --no-print-directory VARIANT=fuzz all
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(or $(FUZZ_RUNS),10000000) bash tests/fuzz/run.sh --long

# The ThreadSanitizer daemon at concurrency 16 over the bench corpus, with a
# reload every second (resolver-changing ones included) and a SIGTERM under
# load (tests/stress/tsan-reload.sh; TSAN_SECONDS, TSAN_MESSAGES).
tsan-check: deps-test
	@$(MAKE) -j$(JOBS) --no-print-directory VARIANT=tsan programs
	@$(MAKE) -j$(JOBS) --no-print-directory all
	@bash tests/stress/tsan-reload.sh

bench:
	@sh tools/install-deps.sh bench
	@$(MAKE) -j$(JOBS) --no-print-directory all
	@bash bench/run.sh

# systemd files: the unit names PREFIX=/usr/local (contrib/systemd is usable
# as it is); install writes PREFIX in its place. systemd searches
# PREFIX/lib/... for PREFIX /usr/local and /usr; Debian's package sets
# UNITDIR=/lib/systemd/system (debian/rules).
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d

install: programs
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(MILTER_BIN) $(DESTDIR)$(PREFIX)/sbin/spfdkim-milter
	install -m 755 $(CTL_BIN) $(DESTDIR)$(PREFIX)/bin/spfdkim-ctl
	install -m 755 $(WEB_BIN) $(DESTDIR)$(PREFIX)/sbin/spfdkim-web
	install -m 755 $(BRIDGE_BIN) $(DESTDIR)$(PREFIX)/bin/xmail-milter-bridge
	install -d $(DESTDIR)$(PREFIX)/share/doc/spfdkim-milter
	install -m 644 conf/spfdkim-milter.conf $(DESTDIR)$(PREFIX)/share/doc/spfdkim-milter/spfdkim-milter.conf.sample
	for m in $(wildcard man/*.[1-8]); do \
	  s=$${m##*.}; install -d $(DESTDIR)$(PREFIX)/share/man/man$$s; \
	  install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	sed 's|/usr/local/|$(PREFIX)/|g' contrib/systemd/spfdkim-milter.service > $(DESTDIR)$(UNITDIR)/spfdkim-milter.service
	chmod 644 $(DESTDIR)$(UNITDIR)/spfdkim-milter.service
	install -m 644 contrib/systemd/spfdkim-milter.sysusers $(DESTDIR)$(SYSUSERSDIR)/spfdkim-milter.conf
	install -m 644 contrib/systemd/spfdkim-milter.tmpfiles $(DESTDIR)$(TMPFILESDIR)/spfdkim-milter.conf

# Debian binary packages (debian/, debhelper) built in a copy of the tree
# under DEBDIR, so the checkout stays clean; the .deb files, .buildinfo and
# .changes land in DEBDIR.
DEBDIR ?= build/deb
deb:
	@sh tools/install-deps.sh deb
	rm -rf $(DEBDIR) && mkdir -p $(DEBDIR)/src
	tar --exclude=./build --exclude=./.git --exclude=./bench/results -cf - . | tar -C $(DEBDIR)/src -xf -
	$(MAKE) -s -C $(DEBDIR)/src clean
	cd $(DEBDIR)/src && dpkg-buildpackage -b -us -uc
	@ls -1 $(DEBDIR)/*.deb

clean:
	rm -rf build milter/spfdkim-milter milter/spfdkim-ctl milter/spfdkim-web xmail-bridge/xmail-milter-bridge

-include $(shell find $(B) -name '*.d' 2>/dev/null)
