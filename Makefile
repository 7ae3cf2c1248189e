# brid — the two commands of the README, and a few helpers.
#   make run    builds brid, drops the bundled 2018 sample into var/, ingests it, shows the store
#   make test   builds and runs the whole test suite (what CI runs)
#   make bench  the release-mode benchmarks (ingest, then the daemon's footprint)
#   make release                 release binaries (Swift runtime linked in statically)
#   make install / uninstall     binaries, systemd units, sysusers/tmpfiles, example config;
#                                PREFIX (default /usr/local) and DESTDIR honoured — Docs/systemd.md
#   make check-units             systemd-analyze verify + security of the units
#   make container-test          brid.service under real systemd in an nspawn container (root)

SWIFT ?= swift
CONFIG ?= Config/brid.toml
STATE := var
DB := $(STATE)/brid.sqlite

.PHONY: deps build run test bench bench-ingest bench-daemon clean-state release install uninstall check-units container-test

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

# Installing: scripts/install.sh takes PREFIX and DESTDIR (and BINDIR, UNITDIR,
# SYSUSERSDIR, TMPFILESDIR, DOCDIR, SYSCONFDIR when given: `make install PREFIX=/usr`
# passes them on); see its header.
PREFIX ?= /usr/local
DESTDIR ?=

# The Swift runtime is linked in statically, so the installed binary needs only the
# system's libcurl, libsqlite3, libcrypto and libstdc++ — not the toolchain.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product brid
	@if grep -q 'name: "brictl"' Package.swift; then \
	    echo "$(SWIFT) build -c release --static-swift-stdlib --product brictl"; \
	    $(SWIFT) build -c release --static-swift-stdlib --product brictl; fi

install: release
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" scripts/install.sh

uninstall:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" scripts/install.sh --uninstall

check-units:
	scripts/check-units.sh

# Builds the release binaries itself (or: tests/systemd/container-test.sh --binary-dir DIR).
container-test:
	tests/systemd/container-test.sh
