# brid — the two commands of the README, and a few helpers.
#   make run    builds brid, drops the bundled 2018 sample into var/, ingests it, shows the store
#   make test   builds and runs the whole test suite (what CI runs)
#   make bench  the release-mode benchmarks (ingest, then the daemon's footprint)

SWIFT ?= swift
CONFIG ?= Config/brid.toml
STATE := var
DB := $(STATE)/brid.sqlite

.PHONY: deps build run test bench bench-ingest bench-daemon clean-state

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build --product brid

run: build
	@mkdir -p $(STATE)/drop/bri-cn-kz
	cp Config/samples/bri-cn-kz-2018.csv $(STATE)/drop/bri-cn-kz/
	.build/debug/brid --once --config $(CONFIG)
	@echo
	@echo "What the store holds now (latest vintage):"
	@sqlite3 -readonly -box $(DB) "SELECT o.series, s.name, o.period, o.value, s.unit, o.release_id AS release, o.ingested_at \
	    FROM latest_observations o JOIN series s ON s.key = o.series ORDER BY o.series, o.period"
	@echo
	@sqlite3 -readonly -box $(DB) "SELECT * FROM release_log ORDER BY id"

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: bench-ingest bench-daemon

bench-ingest: deps
	$(SWIFT) build -c release --product brid-bench
	.build/release/brid-bench

# The daemon is measured as it is shipped: statically linked Swift runtime (what
# `make install` builds), which keeps its resident memory under 30 MB.
bench-daemon: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-static --product brid
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-static --product brid-bench
	.build-static/release/brid-bench --daemon --brid .build-static/release/brid

clean-state:
	rm -rf $(STATE)
