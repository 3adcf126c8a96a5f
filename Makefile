# A thin wrapper: the real build is Meson + Ninja (meson.build).  These
# targets are the two commands of the README (make run, make check) and the
# few others a developer types.  Every target is phony; Ninja decides what
# is out of date.
#
#   make / make build   install missing packages, build build/tongbao
#   make asan           the AddressSanitizer + UBSan build, build-asan/tongbao
#   make run            build, create var/tongbao.db with demo data when
#                       missing, serve on http://127.0.0.1:8080
#   make check          build both (and the fuzz harnesses), run unit, API
#                       and browser tests, the linters and a short fuzz pass
#   make fuzz           the libFuzzer harnesses, FUZZ_SECONDS (30) each
#   make bench          wrk against tongbao and nginx (bench/http.sh), then
#                       the incident benchmarks (bench/incidents.sh)
#   make clean          remove the build directories

SHELL := /bin/bash

BUILD      := build
BUILD_ASAN := build-asan
BUILD_FUZZ := build-fuzz
BIN        := $(BUILD)/tongbao
DB         := var/tongbao.db
LISTEN     := 127.0.0.1:8080

# The demo's administrator password when TONGBAO_ADMIN_PASSWORD is unset.
# It is printed by `tongbao init` and documented in the README; it is for a
# local demonstration only.
DEMO_ADMIN_PASSWORD := tongbao-demo-2026

.PHONY: all build deps asan fuzz-build fuzz run check bench clean

all: build

deps:
	@scripts/install-deps

# `meson setup` only when the directory is not configured yet; afterwards
# Ninja re-runs Meson by itself whenever a meson.build changes.
build: deps
	@if [ ! -f $(BUILD)/build.ninja ]; then meson setup $(BUILD); fi
	ninja -C $(BUILD)

asan: deps
	@if [ ! -f $(BUILD_ASAN)/build.ninja ]; then \
		meson setup $(BUILD_ASAN) -Db_sanitize=address,undefined \
		    -Db_lundef=false; \
	fi
	ninja -C $(BUILD_ASAN)

# A half-made database (init worked, demo failed) is removed so that the next
# `make run` starts over instead of serving it without its demo data.
run: build
	@if [ ! -f $(DB) ]; then \
		pw="$${TONGBAO_ADMIN_PASSWORD:-$(DEMO_ADMIN_PASSWORD)}"; \
		mkdir -p $(dir $(DB)) && \
		{ TONGBAO_ADMIN_PASSWORD="$$pw" $(BIN) init --db $(DB) && \
		  $(BIN) demo --db $(DB); } || \
		{ rm -f $(DB) $(DB)-wal $(DB)-shm; exit 1; }; \
		if [ -z "$${TONGBAO_ADMIN_PASSWORD:-}" ]; then \
			echo "admin's password: $$pw (the demo default;" \
			    "set TONGBAO_ADMIN_PASSWORD to choose another)"; \
		fi; \
	fi
	exec $(BIN) serve --db $(DB) --listen $(LISTEN)

# The harnesses of tests/fuzz, built by clang in $(BUILD_FUZZ)/ (scripts/fuzz);
# without clang (install-deps installs it) the fuzz pass is skipped.
fuzz-build: deps
	@if command -v clang >/dev/null 2>&1; then \
		FUZZ_BUILD=$(BUILD_FUZZ) scripts/fuzz build; \
	else \
		echo "fuzz-build: clang is missing; no fuzz pass"; \
	fi

fuzz: fuzz-build
	FUZZ_BUILD=$(BUILD_FUZZ) scripts/fuzz run

check: build asan fuzz-build
	@scripts/check

bench:
	@bench/http.sh
	@bench/incidents.sh

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
