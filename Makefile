# SPDX-License-Identifier: GPL-2.0
#
# make              build build/vsockdiag
# make check        unit tests, simulator property tests, CLI tests (make install into a
#                   DESTDIR too), a short fuzz run
# make san-check    the same under AddressSanitizer + UndefinedBehaviorSanitizer
# make fuzz         a longer libFuzzer run of the text parser (FUZZ_SECONDS=60)
# make bench        benchmarks under tests/bench (not part of check)
# make deps         install the Debian packages vsockdiag needs (root)
# make demo         install what is needed, build, diagnose the shipped example pair
# make test         install what is needed, then check + san-check (what CI runs)
# make install      build, then install under PREFIX (/usr/local; DESTDIR for staging)
# make uninstall    remove what make install put there

CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif
CLANG ?= clang

# Debian's python3, which the tests need and install-deps installs, ahead of a version manager's
# shim earlier in PATH: pyenv's costs about 0.6 s a start (0.06 s for python3 itself), and the
# suites start python3 hundreds of times
export PATH := /usr/bin:$(PATH)

SAN ?=
ifeq ($(SAN),1)
BUILD ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT ?= -O1 -g
else ifeq ($(SAN),tsan)
# ThreadSanitizer, for the code that runs on two threads (correlate's first pass);
# gcc -O1 under TSan warns falsely of maybe-uninitialized in vote.c: not an error there
BUILD ?= build/tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer -Wno-error=maybe-uninitialized
OPT ?= -O1 -g
else
BUILD ?= build
SANFLAGS :=
OPT ?= -O2 -g
endif

# the tracing libraries: libtracecmd reads/writes trace.dat, libtracefs drives the kernel,
# libtraceevent decodes records (Debian: libtracecmd-dev libtracefs-dev libtraceevent-dev)
PKG_LIBS := libtracecmd libtracefs libtraceevent libbpf ncursesw zlib liblzma libzstd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKG_LIBS) 2>/dev/null)
PKG_LDLIBS := $(shell pkg-config --libs $(PKG_LIBS) 2>/dev/null)
# what --version names: "libtracecmd 1.3.1, libtracefs 1.6.4, ..."
BUILT_WITH := $(shell for l in libtracecmd libtracefs libtraceevent; do \
	printf '%s %s, ' $$l "$$(pkg-config --modversion $$l 2>/dev/null)"; done | sed 's/, $$//')

# Link-time optimization for the normal gcc build: the text parser is split into small
# files (sources/text_*.c) and LTO inlines across them again (measured: ~5% of correlate's
# time on the benchmark pair). Not under sanitizers; gcc-ar keeps the archive's LTO objects.
LTO ?=
ifeq ($(SAN),)
ifeq ($(CC),gcc)
LTO := -flto=auto
AR := gcc-ar
endif
endif
AR ?= ar

CPPFLAGS += -D_GNU_SOURCE -I. $(PKG_CFLAGS)
CFLAGS += -std=gnu11 $(OPT) -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers \
	  -MMD -MP $(SANFLAGS) $(LTO)
LDFLAGS += $(SANFLAGS) $(LTO)
LDLIBS += $(PKG_LDLIBS) -lm
LDLIBS += -pthread

# The BPF programs (bpf/): clang -target bpf against the checked-in vmlinux.h of the target
# architecture, then a bpftool skeleton that collectors/bpf_load.c embeds. The object does not
# depend on the sanitizer build, so every build shares build/bpf/.
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
BPF_HOST_ARCH ?= $(shell uname -m)
BPF_VMLINUX_ARCH := $(if $(filter aarch64 arm64,$(BPF_HOST_ARCH)),arm64,x86_64)
BPF_TARGET_ARCH := $(if $(filter aarch64 arm64,$(BPF_HOST_ARCH)),arm64,x86)
BPF_OUT := build/bpf
BPF_OBJ := $(BPF_OUT)/vsockdiag.bpf.o
BPF_SKEL := $(BPF_OUT)/vsockdiag.skel.h
BPF_SRCS := $(wildcard bpf/*.bpf.c bpf/*.bpf.h bpf/*.h)

$(BPF_OBJ): $(BPF_SRCS) bpf/vmlinux/$(BPF_VMLINUX_ARCH)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(BPF_TARGET_ARCH) \
		-Ibpf/vmlinux/$(BPF_VMLINUX_ARCH) -Ibpf -I. -c bpf/vsockdiag.bpf.c -o $@

$(BPF_SKEL): $(BPF_OBJ)
	@test -x $(BPFTOOL) || { echo "bpftool is missing: scripts/install-deps.sh installs it"; exit 1; }
	$(BPFTOOL) gen skeleton $< name vsockdiag_bpf > $@.tmp
	@mv $@.tmp $@

CPPFLAGS += -I$(BPF_OUT)

# The analysis core: everything except main(), shared by the CLI, tests and fuzzers.
CORE_SRCS := $(wildcard common/*.c) $(wildcard analyzers/*/*.c) $(wildcard collectors/*.c) \
	     $(wildcard tui/*.c)
CLI_SRCS := $(wildcard cli/*.c)
UNIT_SRCS := $(wildcard tests/unit/*.c)
SIM_SRCS := $(wildcard tests/sim/*.c)

CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
SIM_OBJS := $(SIM_SRCS:%.c=$(BUILD)/%.o)

VSOCKDIAG := $(BUILD)/vsockdiag
UNIT := $(BUILD)/tests/unit-tests
SIM := $(BUILD)/tests/vdsim

.PHONY: all check check-headers check-format unit san-check tsan-check fuzz fuzz-smoke bench deps deps-test demo test examples clean format install uninstall

all: $(VSOCKDIAG)

# the loader embeds the skeleton
$(BUILD)/collectors/bpf_load.o $(BUILD)/collectors/bpf_relay.o: $(BPF_SKEL)

$(BUILD)/cli/main.o: CPPFLAGS += -DVD_BUILT_WITH='"$(BUILT_WITH)"'

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libvdcore.a: $(CORE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(VSOCKDIAG): $(CLI_OBJS) $(BUILD)/libvdcore.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libvdcore.a $(LDLIBS)

$(UNIT): $(UNIT_OBJS) $(BUILD)/libvdcore.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(BUILD)/libvdcore.a $(LDLIBS)

$(SIM): $(SIM_OBJS) $(BUILD)/libvdcore.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(SIM_OBJS) $(BUILD)/libvdcore.a $(LDLIBS)

BPF_TEST := $(BUILD)/tests/bpf-test
$(BUILD)/tests/collectors/bpf_test.o: $(BPF_SKEL)
$(BPF_TEST): $(BUILD)/tests/collectors/bpf_test.o $(BUILD)/libvdcore.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libvdcore.a $(LDLIBS)

LIVE_TEST := $(BUILD)/tests/live-test
$(LIVE_TEST): $(BUILD)/tests/collectors/live_test.o $(BUILD)/libvdcore.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libvdcore.a $(LDLIBS)

unit: $(UNIT)
	bash tests/unit/run.sh $(UNIT)

# Each suite runs through tests/suites.sh, which logs how it ended (its "N passed, N failed",
# a skip, its seconds); the last line fails under CI when a $(SUITE) line below skipped or did
# not run.
# Two lanes, side by side under make -j2 (make test passes -j): lane A holds the suites that
# need root (they share tracefs) and the tmux ones (they wait on a screen), one after another;
# lane B the others. A suite's output is printed whole when it ends (SUITES_BUFFER), so the two
# lanes do not interleave their lines.
SUITES_LOG := $(BUILD)/suites.log
SUITE = @SUITES_BUFFER=1 bash tests/suites.sh run $(SUITES_LOG)
check: check-lane-a check-lane-b
	@bash tests/suites.sh end $(SUITES_LOG) Makefile

.PHONY: check-start check-lane-a check-lane-b
check-start: $(VSOCKDIAG) $(UNIT) $(SIM) $(BPF_TEST) $(LIVE_TEST) check-headers check-format
	@bash tests/suites.sh start $(SUITES_LOG)

check-lane-a: check-start
	$(SUITE) bpf-test $(BPF_TEST)
	$(SUITE) record VSOCKDIAG=$(VSOCKDIAG) bash tests/collectors/record.sh
	$(SUITE) shell-record VSOCKDIAG=$(VSOCKDIAG) bash tests/collectors/shell_record.sh
	$(SUITE) live-test $(LIVE_TEST)
	$(SUITE) record-status-tmux VSOCKDIAG=$(VSOCKDIAG) bash tests/cli/record_status_tmux.sh
	$(SUITE) top-tmux VSOCKDIAG=$(VSOCKDIAG) bash tests/cli/top_tmux.sh
	$(SUITE) progress-tmux VSOCKDIAG=$(VSOCKDIAG) VDSIM=$(SIM) bash tests/cli/progress_tmux.sh
	$(SUITE) dat VSOCKDIAG=$(VSOCKDIAG) UNIT=$(UNIT) bash tests/cli/dat.sh
	$(SUITE) trim-dat VSOCKDIAG=$(VSOCKDIAG) bash tests/cli/trim_dat.sh
	$(SUITE) install VSOCKDIAG=$(VSOCKDIAG) bash tests/cli/install.sh
	$(SUITE) corrupt-dat VSOCKDIAG=$(VSOCKDIAG) CORRUPT_DAT_SAMPLE=$(if $(filter 1,$(SAN)),8,1) \
		python3 tests/cli/corrupt_dat.py

check-lane-b: check-start
	$(SUITE) unit bash tests/unit/run.sh $(UNIT)
	$(SUITE) cli VSOCKDIAG=$(VSOCKDIAG) VDSIM=$(SIM) bash tests/cli/run.sh
	$(SUITE) inputs VSOCKDIAG=$(VSOCKDIAG) bash tests/cli/inputs.sh
	$(SUITE) passes-equal VSOCKDIAG=$(VSOCKDIAG) VDSIM=$(SIM) bash tests/cli/passes_equal.sh
	$(SUITE) check-truth python3 tests/sim/check_truth.py --self-test
	$(SUITE) props VSOCKDIAG=$(VSOCKDIAG) VDSIM=$(SIM) bash tests/sim/props.sh
	$(SUITE) lab-replay VSOCKDIAG=$(VSOCKDIAG) bash tests/cli/lab_replay.sh
	$(SUITE) export-perfetto VSOCKDIAG=$(VSOCKDIAG) bash tests/cli/export_perfetto.sh
	$(SUITE) top-replay python3 tests/cli/top_replay.py $(VSOCKDIAG)
	$(SUITE) width VSOCKDIAG=$(VSOCKDIAG) python3 tests/cli/width.py
	$(SUITE) export-html VSOCKDIAG=$(VSOCKDIAG) VDSIM=$(SIM) bash tests/cli/export_html.sh
	$(SUITE) golden VSOCKDIAG=$(VSOCKDIAG) bash tests/golden/run.sh
	$(SUITE) export-pcap VSOCKDIAG=$(VSOCKDIAG) VDSIM=$(SIM) bash tests/cli/export_pcap.sh
	$(SUITE) invariants VSOCKDIAG=$(VSOCKDIAG) python3 tests/golden/invariants.py
	@if [ "$(SAN)" != 1 ]; then $(MAKE) --no-print-directory fuzz-smoke; fi

# every header compiles on its own (includes what it uses), and the code is formatted
HEADERS := $(wildcard common/*.h analyzers/*/*.h cli/*.h collectors/*.h tui/*.h)
check-headers:
	@for h in $(HEADERS); do \
		printf '#include "%s"\n' "$$h" | $(CC) $(CPPFLAGS) -std=gnu11 -Wall -Wextra -Werror \
			-fsyntax-only -x c - || { echo "check-headers: $$h does not compile alone"; exit 1; }; \
	done; echo "check-headers: $(words $(HEADERS)) headers compile on their own"

# the code as clang-format (.clang-format) writes it; `make format` fixes it
FORMAT_SRCS := $(wildcard common/*.[ch] analyzers/*/*.[ch] cli/*.[ch] collectors/*.[ch] tui/*.[ch])
check-format:
	@bad=$$(for f in $(FORMAT_SRCS); do clang-format --dry-run -Werror "$$f" >/dev/null 2>&1 || echo "$$f"; done); \
	if [ -n "$$bad" ]; then echo "check-format: not formatted (run make format):" $$bad; exit 1; fi; \
	echo "check-format: $(words $(FORMAT_SRCS)) files formatted"

san-check:
	$(MAKE) SAN=1 check

# correlate's threads under ThreadSanitizer (the two-thread first pass, the replays decoded
# ahead): the prefetcher's unit tests, then passes_equal.sh compares every example's output
# with one thread (a race report on stderr differs, and exits 66).
tsan-check:
	$(MAKE) --no-print-directory SAN=tsan build/tsan/vsockdiag build/tsan/tests/vdsim \
		build/tsan/tests/unit-tests
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 build/tsan/tests/unit-tests evprefetch
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 PASSES_WAYS="default reparse" VSOCKDIAG=build/tsan/vsockdiag \
		VDSIM=build/tsan/tests/vdsim bash tests/cli/passes_equal.sh

# libFuzzer needs clang.  The core is compiled once, instrumented, into build/fuzz/obj/ and
# every harness links it (each harness used to compile the whole core itself: four times the
# work, about three minutes of every make check).
FUZZ_BUILD := build/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -I. -I$(BPF_OUT) $(PKG_CFLAGS) -Wall -Wextra -Werror
FUZZ_CORE_OBJS := $(CORE_SRCS:%.c=$(FUZZ_BUILD)/obj/%.o)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CLANG) -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/obj/collectors/bpf_load.o $(FUZZ_BUILD)/obj/collectors/bpf_relay.o: $(BPF_SKEL)

-include $(FUZZ_CORE_OBJS:.o=.d)
# named only by the harnesses' pattern rule: kept, not removed as intermediate files
.SECONDARY: $(FUZZ_CORE_OBJS)

# fuzz_text: the text parser; fuzz_correlate: the whole correlate pipeline on two fuzzed
# recordings (split at "\n====\n"); fuzz_dat: the trace.dat source (libtracecmd, dat_map.c)
# on one fuzzed trace.dat, read, rewound, read again; fuzz_dat_pipeline: the whole report
# pipeline on one fuzzed trace.dat
FUZZ_TEXT := $(FUZZ_BUILD)/fuzz_text
FUZZ_CORR := $(FUZZ_BUILD)/fuzz_correlate
FUZZ_DAT := $(FUZZ_BUILD)/fuzz_dat
FUZZ_DAT_PIPE := $(FUZZ_BUILD)/fuzz_dat_pipeline

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_dat_entry.h $(FUZZ_CORE_OBJS) \
		$(wildcard common/*.h analyzers/*/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) -fsanitize=fuzzer $(FUZZ_SAN) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_CORE_OBJS) \
		$(PKG_LDLIBS) -pthread -lm

# the trace.dat seeds are real recordings up to ~72 KiB (tests/fuzz/corpus-dat); libtraceevent
# leaks a few bytes on some damaged event formats (not ours): suppressed for the .dat runs.
# Artifacts go to build/fuzz/artifacts-dat/: source_dat.c's probe child could leave oom-* there
# (libFuzzer's malloc limit fired in the child, which the parent survives; not a finding) until
# the harnesses capped allocations at 1 GiB (fuzz_dat_entry.h); a crash-* there is a finding.
FUZZ_DAT_MAXLEN ?= 300000
FUZZ_SECONDS ?= 60
fuzz: $(FUZZ_TEXT) $(FUZZ_CORR) $(FUZZ_DAT) $(FUZZ_DAT_PIPE)
	@mkdir -p tests/fuzz/corpus-run tests/fuzz/corpus-run-correlate \
		tests/fuzz/corpus-run-dat tests/fuzz/corpus-run-dat-pipeline
	$(FUZZ_TEXT) -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=60 \
		tests/fuzz/corpus-run tests/fuzz/corpus tests/fixtures/text
	$(FUZZ_CORR) -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=60 \
		tests/fuzz/corpus-run-correlate tests/fuzz/corpus-correlate
	@mkdir -p $(FUZZ_BUILD)/artifacts-dat/
	@printf 'leak:libtraceevent.so\n' > $(FUZZ_BUILD)/lsan-dat.supp
	LSAN_OPTIONS=suppressions=$(FUZZ_BUILD)/lsan-dat.supp \
	$(FUZZ_DAT) -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_DAT_MAXLEN) -timeout=60 \
		-artifact_prefix=$(FUZZ_BUILD)/artifacts-dat/ \
		tests/fuzz/corpus-run-dat tests/fuzz/corpus-dat
	LSAN_OPTIONS=suppressions=$(FUZZ_BUILD)/lsan-dat.supp \
	$(FUZZ_DAT_PIPE) -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_DAT_MAXLEN) -timeout=60 \
		-artifact_prefix=$(FUZZ_BUILD)/artifacts-dat/ \
		tests/fuzz/corpus-run-dat-pipeline tests/fuzz/corpus-dat

fuzz-smoke:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$${FUZZ_SMOKE_SECONDS:-15}

bench: $(VSOCKDIAG) $(SIM)
	VSOCKDIAG=$(VSOCKDIAG) VDSIM=$(SIM) bash tests/bench/correlate_bench.sh
	VSOCKDIAG=$(VSOCKDIAG) VDSIM=$(SIM) bash tests/bench/top_bench.sh
	VSOCKDIAG=$(VSOCKDIAG) bash tests/bench/dat_bench.sh

deps:
	bash scripts/install-deps.sh

deps-test:
	bash scripts/install-deps.sh --test

# The README's first command: a real recording from the lab (examples/lab/stall: Debian 6.1
# host and guest, the guest frozen 3 s while the host streams to it), then the simulated
# seed story (allocation failures, then packets that never arrive).
EXAMPLE := examples/lab/stall
demo: deps
	$(MAKE) --no-print-directory all
	@bash scripts/demo.sh $(VSOCKDIAG) $(EXAMPLE)

# The README's second command, and what .ci/run calls: unit, CLI, simulator, real-recording
# replay, record (root) and fuzz tests, the same under ASan/UBSan, correlate's threads under
# TSan, the lab's self-test, then the QEMU lab on real kernels (root; 53 minutes in all in CI's
# last run, about 26 of them the lab; a VM that fails twice is reported, not counted).
# Builds use every core (JOBS), and check's two lanes of suites run side by side.
# CI stops everything TEST_LIMIT seconds (90 minutes) after it started: the lab, last, gets a
# deadline 450 s before that (LAB_DEADLINE, scripts/lab/run.sh), so that a scenario it has no
# time for is reported as not run instead of being killed unreported with all that follows.
# TEST_LIMIT=0: no deadline.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
TEST_LIMIT ?= 5400
TEST_T0 := $(shell date +%s)
test: deps-test
	$(MAKE) --no-print-directory -j$(JOBS) check
	$(MAKE) --no-print-directory -j$(JOBS) san-check
	$(MAKE) --no-print-directory -j$(JOBS) tsan-check
	$(MAKE) --no-print-directory lab-selftest
	LAB_INFRA_SOFT=1 LAB_DEADLINE=$(if $(filter 0,$(TEST_LIMIT)),0,$$(($(TEST_T0) + $(TEST_LIMIT) - 450))) \
		$(MAKE) --no-print-directory lab

# Regenerate the simulated examples (deterministic: same seed, same files).
examples: $(SIM)
	bash scripts/make-examples.sh $(SIM)

# The QEMU lab (doc/lab.md): a real host partition (vhost_vsock, TCG) with a real guest partition
# (virtio_vsock, nested KVM) from Debian's kernel package; every scenario under tests/lab/, or
# one with SCENARIO=clean. As root; installs its Debian packages first.
.PHONY: lab
lab: $(VSOCKDIAG)
	bash scripts/lab/deps.sh
	bash scripts/lab/run.sh $(SCENARIO)

# The lab's own watchdog on real hung VMs: a frozen guest partition and a starved host
# partition, each declared hung by its silence, and a guest whose kernel panics, stopped on its
# panic line (tests/lab/selftest/watchdog.sh; root, ~2.5 min).
.PHONY: lab-selftest
lab-selftest: $(VSOCKDIAG)
	bash scripts/lab/deps.sh
	bash tests/lab/selftest/watchdog.sh

# make install [PREFIX=/usr/local] [DESTDIR=/staging]: GNU-style directories, each overridable
# (make install BASHCOMPDIR=$$(pkg-config --variable=completionsdir bash-completion)).
# scripts/install.sh does the work: install(1) for every file (a symlink at a destination is
# replaced, never written through), a manifest of the files and of the directories it created
# in $(PKGDATADIR)/install-manifest, which make uninstall removes and nothing else.
# Man pages are installed uncompressed: man-db reads them either way, and distribution
# packaging (dh_compress, brp-compress) compresses them in its own format.
PREFIX ?= $(or $(prefix),/usr/local)
EXEC_PREFIX ?= $(PREFIX)
BINDIR ?= $(EXEC_PREFIX)/bin
DATAROOTDIR ?= $(PREFIX)/share
DATADIR ?= $(DATAROOTDIR)
MANDIR ?= $(DATAROOTDIR)/man
MAN1DIR ?= $(MANDIR)/man1
DOCDIR ?= $(DATAROOTDIR)/doc/vsockdiag
PKGDATADIR ?= $(DATADIR)/vsockdiag
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
INSTALL_ENV = DESTDIR='$(DESTDIR)' BINDIR='$(BINDIR)' MAN1DIR='$(MAN1DIR)' DOCDIR='$(DOCDIR)' \
	      PKGDATADIR='$(PKGDATADIR)' BASHCOMPDIR='$(BASHCOMPDIR)' VSOCKDIAG='$(VSOCKDIAG)'

install: $(VSOCKDIAG)
	@echo "install: into $(DESTDIR)$(PREFIX)"
	@$(INSTALL_ENV) bash scripts/install.sh install

uninstall:
	@$(INSTALL_ENV) bash scripts/install.sh uninstall

format:
	clang-format -i $(FORMAT_SRCS)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
