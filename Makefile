# The two entry points a new machine needs (README.md): `make demo` and `make check`.
# Plain `make` builds the dev lane and leaves the CLI at build/cairn.
.PHONY: all deps build demo check check-dev check-asan release format clean

JOBS ?= $(shell nproc)

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)
	@ln -sf dev/src/cli/cairn build/cairn

release: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

demo: build
	@scripts/demo

# Both lanes' tests, then one overall line summing them.
check: deps
	@scripts/check

format:
	@find src tests fuzz -name '*.[ch]' | xargs clang-format -i

clean:
	rm -rf build
