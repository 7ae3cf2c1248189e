# brid — the two commands of the README, and a few helpers.
#   make run    builds brid and brictl, drops the bundled 2018 sample into var/, runs the daemon
#   make run-pg the same on a throwaway local PostgreSQL (var/pg), to try the PostgreSQL store
#   make once   the same sample through `brid --once`, then the store as the sqlite3 shell sees it
#   make test   builds and runs the whole test suite (what CI runs)
#   make bench  the release-mode benchmarks (ingest, the daemon's footprint, control, a bulk fetch)
#   make release                 release binaries (Swift runtime linked in statically)
#   make install / uninstall     binaries, systemd units, sysusers/tmpfiles, example config;
#                                PREFIX (default /usr/local) and DESTDIR honoured — Docs/systemd.md
#   make check-units             systemd-analyze verify + security of the units
#   make container-test          brid.service under real systemd in an nspawn container (root)
#   make fuzz                    libFuzzer on the CSV, JSON, XML, TOML, xls, zip, xlsx and table readers, FUZZ_SECONDS each

SWIFT ?= swift
CONFIG ?= Config/brid.toml
STATE := var
DB := $(STATE)/brid.sqlite

.PHONY: test-deps deps build run run-pg bench-pg once test bench bench-ingest bench-daemon bench-control bench-fetch bench-stream bench-sweep bench-scale bench-http clean-state release man install uninstall check-units container-test fuzz fuzz-build

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build --product brid
	$(SWIFT) build --product brictl

# The main job: brid as a daemon on the bundled config, the 2018 sample dropped in first.
# Stop it with Ctrl-C. In another terminal: export BRID_SOCKET=var/control.sock; .build/debug/brictl status
run: build
	@mkdir -p $(STATE)/drop/bri-cn-kz
	cp Config/samples/bri-cn-kz-2018.csv $(STATE)/drop/bri-cn-kz/
	@echo "brid is starting; in another terminal try:"
	@echo "  export BRID_SOCKET=$(STATE)/control.sock"
	@echo "  .build/debug/brictl status ; .build/debug/brictl series ; .build/debug/brictl show cn-kz.trade.total"
	@echo "  .build/debug/brictl alerts ; .build/debug/brictl rules ; .build/debug/brictl rules test kz-exports-growth"
	@echo "  the pages: http://127.0.0.1:8089/ ; FRED API: curl 'http://127.0.0.1:8089/fred/series/observations?series_id=cn-kz.trade.total&api_key=x' ; curl http://127.0.0.1:8089/metrics"
	.build/debug/brid --config $(CONFIG)

# The main job on PostgreSQL instead of SQLite: a throwaway server in var/pg (kept between
# runs; make clean-state removes it), the bundled config with [store] kind = "postgresql".
run-pg: build
	@scripts/run-pg.sh

# One pass instead (brid --once), then what the store holds, read with the sqlite3 shell.
once: build
	@mkdir -p $(STATE)/drop/bri-cn-kz
	cp Config/samples/bri-cn-kz-2018.csv $(STATE)/drop/bri-cn-kz/
	.build/debug/brid --once --config $(CONFIG)
	@echo
	@echo "What the store holds now (latest vintage):"
	@sqlite3 -readonly -box $(DB) "SELECT o.series, s.name, o.period, o.value, s.unit, o.release_id AS release, o.ingested_at \
	    FROM latest_observations o JOIN series s ON s.key = o.series ORDER BY o.series, o.period"
	@echo
	@sqlite3 -readonly -box $(DB) "SELECT * FROM release_log ORDER BY id"

# The tests also need a real Alertmanager (the alerting end-to-end test starts one),
# Prometheus with promtool (the metrics end-to-end test scrapes brid, checks the rules file),
# Chromium (the pages' browser test), and fredapi with pandas from PyPI in
# .build-fredapi-venv/ (the FRED-compatible API's test).
test-deps:
	@scripts/install-deps.sh prometheus-alertmanager prometheus chromium time zip python3-venv
	@scripts/fredapi-venv.sh

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: bench-ingest bench-daemon bench-control bench-fetch bench-stream

bench-ingest: deps
	$(SWIFT) build -c release --product brid-bench
	.build/release/brid-bench

# The PostgreSQL store against psql's \copy, and show/history on both backends (a
# throwaway PostgreSQL server of its own; README "Benchmarks → PostgreSQL").
bench-pg: deps
	scripts/bench-pg.sh

# The HTTP listener: idle RSS without and with [http], wrk on /fred/series/observations of a
# 500-observation series (README "Benchmarks → HTTP").
bench-http: deps
	scripts/bench-http.sh

# A bulk URL download (7M rows, 209 MB of CSV from a local server) fetched and ingested.
bench-fetch: deps
	$(SWIFT) build -c release --product brid-bench
	.build/release/brid-bench --fetch --series 70000 --periods 100

# The daemon is measured as it is shipped: statically linked Swift runtime (what
# `make install` builds), about 26 MB resident at idle (README "Benchmarks → Daemon").
bench-daemon: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-static --product brid
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-static --product brid-bench
	.build-static/release/brid-bench --daemon --brid .build-static/release/brid

# brictl and the control socket, as shipped (static builds).
bench-control: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-static --product brid
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-static --product brictl
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-static --product brid-bench
	.build-static/release/brid-bench --control --brid .build-static/release/brid

# Reads that do not scan and replies that stream: brictl release 1 with a million changes
# against the sqlite3 shell, brictl's and brid's peak RSS (release builds).
bench-stream: deps
	$(SWIFT) build -c release --product brid
	$(SWIFT) build -c release --product brictl
	$(SWIFT) build -c release --product brid-bench
	.build/release/brid-bench --stream

# Payloads of 1M, 10M and 60M rows through the built brid --once (needs ~10 GB of disk
# and about half an hour); then SDMX-CSV and SDMX-ML of 10M observations.
bench-sweep: deps
	$(SWIFT) build -c release --product brid
	$(SWIFT) build -c release --product brid-bench
	.build/release/brid-bench --sweep 1,10,60
	.build/release/brid-bench --sweep 10 --format sdmx-csv
	.build/release/brid-bench --sweep 10 --format sdmx-ml
	.build/release/brid-bench --sweep 1,10 --format sdmx-json

# New and revised 1M-row releases into a store grown to 100M observations (~8 GB of disk).
bench-scale: deps
	$(SWIFT) build -c release --product brid-bench
	.build/release/brid-bench --scale 100

clean-state:
	rm -rf $(STATE)

# Installing: scripts/install.sh takes PREFIX and DESTDIR (and BINDIR, UNITDIR,
# SYSUSERSDIR, TMPFILESDIR, DOCDIR, SYSCONFDIR when given: `make install PREFIX=/usr`
# passes them on); see its header.
PREFIX ?= /usr/local
DESTDIR ?=

# The Swift runtime is linked in statically, so the installed brid needs only the
# system's libcurl, libsqlite3, libcrypto and libstdc++ — not the toolchain; brictl's
# release link is fully static (Package.swift).
# Static release builds in their own build folder (.build-static), so that they never
# share .build/release with the dynamically linked benchmark build.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-static --product brid
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-static --product brictl

install: release man
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" scripts/install.sh

# Man pages for brid and brictl, generated from their argument-parser definitions.
man: deps
	@# From the debug build: the pages come from the argument-parser definitions, the same in
	@# every configuration, and the release link flags (brictl fully static) are for
	@# `make release`'s static-stdlib build only.
	$(SWIFT) package generate-manual --configuration debug
	@mkdir -p .build/man
	cp .build/plugins/GenerateManual/outputs/brictl/brictl.1 .build/man/
	@# brid has no subcommands: drop the `subcommand` argument-parser puts in every root
	@# command's SYNOPSIS, and its implicit `help` entry.
	awk '/^\.Ar subcommand$$/ { next } /^\.It Em help$$/ { skip = 1 } skip { if (/^\.El$$/) skip = 0; next } { print }' \
	    .build/plugins/GenerateManual/outputs/brid/brid.1 > .build/man/brid.1

uninstall:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" scripts/install.sh --uninstall

check-units:
	scripts/check-units.sh

# Builds the release binaries itself (or: tests/systemd/container-test.sh --binary-dir DIR).
container-test:
	tests/systemd/container-test.sh

# Fuzzing (README "Fuzzing"): the readers under libFuzzer and AddressSanitizer, each target
# for FUZZ_SECONDS (FUZZ_TARGETS="toml" runs one); see scripts/fuzz.sh. Built in its own
# scratch path: the fuzz executable exists only with BRID_FUZZ=1, so `make test` never
# compiles it.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= csv json xml toml xls zip xlsx table

fuzz-build: deps
	BRID_FUZZ=1 $(SWIFT) build -c release --scratch-path .build-fuzz --product brid-fuzz -Xswiftc -sanitize=fuzzer,address

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_TARGETS)
