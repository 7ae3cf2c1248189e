#!/bin/sh
# The zip benchmark of README "Benchmarks": a generated long CSV of ROWS rows (100,000
# series × ROWS/100,000 years, values with 4 decimals) zipped with another member beside
# it, ingested by `brid --once` from a drop folder with `member = "data_*.csv"`: time and
# peak RSS (GNU time's %M).
#
#   scripts/bench-zip.sh [BRID] [ROWS]      defaults: .build/release/brid, 24000000 (a 206 MiB zip)
set -eu
BRID=$(realpath "${1:-.build/release/brid}")
ROWS=${2:-24000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/brid-bench-zip.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/state/drop/big" "$work/staging"
awk -v rows="$ROWS" 'BEGIN {
    srand(12); print "series,period,value"
    for (i = 0; i < rows; i++) printf "s%d,%d,%.4f\n", i % 100000, 1800 + int(i / 100000), rand() * 1000000
}' > "$work/staging/data_1.csv"
printf 'series,note\ns1,metadata left alone\n' > "$work/staging/Metadata_1.csv"
(cd "$work/staging" && zip -q -X big.zip Metadata_1.csv data_1.csv)
csv=$(stat -c %s "$work/staging/data_1.csv")
zipped=$(stat -c %s "$work/staging/big.zip")
mv "$work/staging/big.zip" "$work/state/drop/big/big.zip"
rm -f "$work/staging/data_1.csv"
cat > "$work/brid.toml" <<TOML
[daemon]
state_dir = "state"

[[source]]
id = "big"
drop = "drop/big"
format = "csv"
member = "data_*.csv"
TOML
echo "rows $ROWS, csv $((csv / 1048576)) MiB, zip $((zipped / 1048576)) MiB"
/usr/bin/time -f "brid --once: %e s, peak RSS %M KB" "$BRID" --once --config "$work/brid.toml" 2>&1 | grep -E "accepted|rejected|brid --once:"
