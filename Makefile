# The two commands a newcomer needs: `make demo` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
# The libFuzzer build (clang-14, ASan+UBSan) and how long `make fuzz` runs each target.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
CCACHE := $(shell command -v ccache 2>/dev/null)

.PHONY: deps browser-deps build test test-browser demo bench clean format fuzz fuzz-smoke \
	fuzz-build

deps:
	@bash scripts/deps.sh

# Debian's chromium and playwright-core (npm ci in tests/browser), for the browser tests.
browser-deps:
	@bash scripts/browser-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

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
	  -DCMAKE_CXX_COMPILER=clang++-14 $(if $(CCACHE),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

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

demo: build
	$(BUILD)/spoke demo

bench: build
	bash bench/run.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
