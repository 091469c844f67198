# The two commands a newcomer needs: `make demo` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
# The libFuzzer build (clang-14, ASan+UBSan) and how long `make fuzz` runs each target.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
# With ccache, every build here (plain, sanitizers, fuzz, package) reuses objects compiled before,
# also from another clone of the repository (CI builds a fresh clone each time): paths under the
# clone are hashed relative to it. Looked for when a build is configured, after `deps` (which
# installs it) has run: on a fresh machine it is not there yet when this file is read.
CCACHE_LAUNCHER = $(if $(shell command -v ccache 2>/dev/null),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true
export CCACHE_MAXSIZE ?= 12G

.PHONY: deps browser-deps build test test-browser test-asan test-tsan crash-sweep demo bench \
	clean format fuzz fuzz-smoke fuzz-build check-threads check-includes package

deps:
	@bash scripts/deps.sh

# Debian's chromium and playwright-core (npm ci in tests/browser), for the browser tests.
browser-deps:
	@bash scripts/browser-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CCACHE_LAUNCHER)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build browser-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory test-browser
	$(MAKE) --no-print-directory fuzz-smoke

# The site manager in a real browser against `spoke demo --port 0`; screenshots in artifacts/.
test-browser:
	cd tests/browser && SPOKE_BIN=$(abspath $(BUILD))/spoke timeout 300 \
	  node --test --test-timeout=90000 site.test.mjs

# Only the fuzz targets and the libraries they use are compiled in $(FUZZ_BUILD).
$(FUZZ_BUILD)/CMakeCache.txt:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPOKE_FUZZ=ON \
	  -DCMAKE_CXX_COMPILER=clang++-14 $(CCACHE_LAUNCHER)

fuzz-build: deps $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) --target fuzzers -j $(JOBS)

# Each target for FUZZ_SECONDS (seeds: fuzz/corpus/, fuzz/regressions/); a table at the end.
fuzz: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) bash scripts/fuzz.sh $(FUZZ_SECONDS)

# From the seeds only (a fresh work folder), so it takes the same time wherever it runs.
fuzz-smoke: fuzz-build
	rm -rf $(FUZZ_BUILD)/fuzz/smoke
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_WORK=$(FUZZ_BUILD)/fuzz/smoke bash scripts/fuzz.sh \
	  $(FUZZ_SMOKE_SECONDS)

# Sanitizers, each in its own build dir; any report fails the test (README "Sanitizers").
# ASan + UBSan + LeakSanitizer over the whole ctest suite, the spawned `spoke` binaries included.
ASAN_OPTS = halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1
ASAN_OPTS := $(ASAN_OPTS):check_initialization_order=1:strict_init_order=1
# Leaks inside third-party libraries we cannot fix are listed, with reasons, in scripts/lsan.supp.
ASAN_ENV = ASAN_OPTIONS=$(ASAN_OPTS) UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  LSAN_OPTIONS=suppressions=$(abspath scripts/lsan.supp)
ASAN_BUILD ?= build-asan
# Tests to leave out, as a ctest regex (e.g. ASAN_EXCLUDE='fault_soak|CrashSweep'). By default
# only the end-to-end suites' second run on PostgreSQL (e2e_on_postgres.*: the same code paths as
# their SQLite run, which ASan does cover; the PostgreSQL backend's own code is covered by
# store_test, pg_store_test and multi_node.small), to keep CI short. The seeded soak and crash
# sweep passed under ASan in 33 s and 37 s on a loaded machine.
ASAN_EXCLUDE ?= ^e2e_on_postgres\.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPOKE_SANITIZE=address \
	  $(CCACHE_LAUNCHER)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && $(ASAN_ENV) ctest --output-on-failure -j $(JOBS) \
	  $(if $(ASAN_EXCLUDE),-E '$(ASAN_EXCLUDE)')

# TSan over the threaded parts: engine and export faults, rate limiter, client, connections and
# token refresh (refresh_race), store, the HTTP server, the lease renewals (LeaseKeeper, in
# plan_test); the other e2e tests come along in the same
# binary. Tests of targets not built here show in ctest as *_NOT_BUILT (the fuzz replays and the
# soak, by name) and are skipped. Suppressions are for uninstrumented third-party libraries only.
TSAN_OPTS = halt_on_error=1:second_deadlock_stack=1:suppressions=$(abspath scripts/tsan.supp)
TSAN_ENV = TSAN_OPTIONS=$(TSAN_OPTS)
TSAN_TARGETS = exporter_test lightspeed_test lightspeed_sim_test store_test pg_store_test e2e_test \
  http_test alert_store_test alerts_e2e_test reconcile_e2e_test plan_test
TSAN_BUILD ?= build-tsan
# Not built here (fuzz replays, the soak, the multi-node run), and the end-to-end suites again on
# PostgreSQL (the exports' and the alerts'): the PostgreSQL backend's threads are covered by
# store_test and alert_store_test under TSan.
TSAN_EXCLUDE = '_NOT_BUILT$$|^fuzz\.|^fault_soak\.|^multi_node\.|^e2e_on_postgres\.|^alerts_e2e_on_postgres$$'
test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPOKE_SANITIZE=thread \
	  $(CCACHE_LAUNCHER)
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target $(TSAN_TARGETS)
	cd $(TSAN_BUILD) && $(TSAN_ENV) ctest -E $(TSAN_EXCLUDE) \
	  --output-on-failure -j $(JOBS)

# Every crash point x 20 seeds x 1-3 worker processes, SIGKILLed and restarted; prints a table.
crash-sweep: deps
	BUILD=$(BUILD) bash scripts/crash-sweep.sh

# A Debian package of spoke and lsr-sim (README "Running spoke for a store"), from a Release
# build of the two binaries in $(PACKAGE_BUILD), without the test-only crash points.
PACKAGE_BUILD ?= build-package
$(PACKAGE_BUILD)/CMakeCache.txt:
	cmake -S . -B $(PACKAGE_BUILD) -DCMAKE_BUILD_TYPE=Release -DSPOKE_TEST_HOOKS=OFF \
	  $(CCACHE_LAUNCHER)

package: deps $(PACKAGE_BUILD)/CMakeCache.txt
	cmake --build $(PACKAGE_BUILD) -j $(JOBS) --target spoke lsr-sim
	rm -f $(PACKAGE_BUILD)/spoke_*.deb
	cd $(PACKAGE_BUILD) && cpack -G DEB
	@echo "Package: $$(ls $(abspath $(PACKAGE_BUILD))/spoke_*.deb)"

demo: build
	$(BUILD)/spoke demo

bench: build
	BUILD=$(BUILD) bash bench/run.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

# Clang's thread-safety analysis (-Wthread-safety as an error) over every .cpp under src/, with
# the flags of $(BUILD)/compile_commands.json, syntax only (base/thread_annotations.h).
check-threads: deps $(BUILD)/CMakeCache.txt
	BUILD=$(BUILD) bash scripts/check-threads.sh

# Every #include "<module>/..." in src/ against the module arrows in docs/architecture.md.
check-includes:
	bash scripts/check-includes.sh

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(PACKAGE_BUILD)
