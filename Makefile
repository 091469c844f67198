# The two commands a newcomer needs: `make demo` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: deps browser-deps build test test-browser crash-sweep demo bench clean format

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

# The site manager in a real browser against `spoke demo --port 0`; screenshots in artifacts/.
test-browser:
	cd tests/browser && SPOKE_BIN=$(abspath $(BUILD))/spoke timeout 300 \
	  node --test --test-timeout=90000 site.test.mjs

# Every crash point x 20 seeds x 1-3 worker processes, SIGKILLed and restarted; prints a table.
crash-sweep: deps
	BUILD=$(BUILD) bash scripts/crash-sweep.sh

demo: build
	$(BUILD)/spoke demo

bench: build
	bash bench/run.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD)
