#!/bin/sh
# Runs the fuzz targets built by `make fuzz-build`, one after the other, each for
# FUZZ_SECONDS (default 60): `scripts/fuzz.sh csv json xml toml xls zip xlsx table`.
#
# Each target's corpus (.build-fuzz/corpus/TARGET) is seeded from the repository's
# fixtures and the kept crashes, and grows across runs. A crash, timeout or memory blow-up
# is written to .build-fuzz/crashes/TARGET/ and stops the run (exit 1): fix it, and copy
# the file to Tests/BridFormatsTests/FuzzRegressions/TARGET/ so the tests replay it.
set -eu
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
fuzzer=.build-fuzz/release/brid-fuzz
[ -x "$fuzzer" ] || { echo "no $fuzzer: run make fuzz-build" >&2; exit 2; }
[ $# -gt 0 ] || set -- csv json xml toml xls zip xlsx table
for target in "$@"; do
    case "$target" in
        csv) seeds="Config/samples/*.csv Tests/BridFormatsTests/Fixtures/*.csv Tests/BridFormatsTests/Fixtures/*.tsv" ;;
        json) seeds="Tests/BridFormatsTests/Fixtures/*.json" ;;
        xml) seeds="Tests/BridFormatsTests/Fixtures/*.xml" ;;
        toml) seeds="Config/*.toml" ;;
        xls) seeds="Tests/Fixtures/publications/*.xls" ;;
        zip) seeds="Tests/Fixtures/publications/*.zip Tests/BridFormatsTests/Fixtures/zip/*.zip" ;;
        # Workbooks, and their sheet XML alone (read inside a workbook of stored members).
        xlsx) seeds="Tests/Fixtures/publications/*.xlsx Tests/BridFormatsTests/Fixtures/zip/cells*.xlsx"
              sheets=.build-fuzz/sheets
              mkdir -p "$sheets"
              python3 - "$sheets" Tests/Fixtures/publications/kz_bns_grp_per_capita.xlsx Tests/BridFormatsTests/Fixtures/zip/cells.xlsx <<'PY'
import os, sys, zipfile
for book in sys.argv[2:]:
    with zipfile.ZipFile(book) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                out = os.path.basename(book).replace(".xlsx", "-") + os.path.basename(name)
                with open(os.path.join(sys.argv[1], out), "wb") as f:
                    f.write(z.read(name))
PY
              seeds="$seeds $sheets/*.xml" ;;
        table) seeds="Tests/Fixtures/publications/API_*.csv Tests/Fixtures/publications/destatis_*.csv" ;;
        *) echo "unknown fuzz target $target (csv, json, xml, toml, xls, zip, xlsx, table)" >&2; exit 2 ;;
    esac
    # Inputs up to the size of the largest seed (the World Bank zip and CSV), so that
    # libFuzzer does not cut the real files short.
    case "$target" in
        zip | table) max_len=300000 ;;
        xlsx) max_len=100000 ;;
        *) max_len=65536 ;;
    esac
    corpus=.build-fuzz/corpus/$target crashes=.build-fuzz/crashes/$target
    mkdir -p "$corpus" "$crashes"
    # shellcheck disable=SC2086  # the seed globs expand here
    cp $seeds "$corpus"/
    if [ -d "Tests/BridFormatsTests/FuzzRegressions/$target" ]; then
        find "Tests/BridFormatsTests/FuzzRegressions/$target" -type f -exec cp {} "$corpus"/ \;
    fi
    echo "fuzzing $target for $seconds s"
    BRID_FUZZ_TARGET=$target "$fuzzer" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$max_len" -artifact_prefix="$crashes/" -print_final_stats=1
done
