#!/usr/bin/env bash
# make bench-http — the HTTP listener measured on this machine (README "Benchmarks → HTTP"):
#   1. brid's idle RSS on the same store without [http] and with it;
#   2. wrk on /fred/series/observations of a 500-observation series (JSON): requests/s and
#      the latency percentiles, wrk and brid on the same machine;
#   3. brid's RSS after the load.
# Usage: scripts/bench-http.sh [SECONDS] [CONNECTIONS]   (defaults 15 s, 32 connections)
#   BRID_BASELINE=/path/to/older/brid  also measures that binary's idle RSS on the same store
#   (the build before the listener, to see that brid without [http] did not grow).
# brid is measured as shipped: the static release build (as `make bench-daemon`).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
connections=${2:-32}
scripts/install-deps.sh wrk
swift build -c release --static-swift-stdlib --scratch-path .build-static --product brid >/dev/null
brid=$PWD/.build-static/release/brid

dir=$(mktemp -d /tmp/brid-bench-http.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
mkdir -p "$dir/state/drop/bench"
# One monthly series of 500 observations (1984-09 … 2026-04), and 200 others beside it.
python3 - "$dir/state/drop/bench/bench.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("series,period,value\n")
    for s in range(201):
        key = "bench.obs" if s == 0 else f"bench.other.{s:03d}"
        for i in range(500 if s == 0 else 60):
            y, m = divmod(1984 * 12 + 8 + i, 12)
            f.write(f"{key},{y}-{m + 1:02d},{100 + i * 0.25 + s:.2f}\n")
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
write_config() {
    cat > "$dir/brid.toml" <<TOML
[daemon]
state_dir = "state"
socket = "state/control.sock"

[[source]]
id = "bench"
drop = "drop/bench"
format = "csv"
TOML
    [ "$1" = with ] && printf '\n[http]\nlisten = "127.0.0.1:%s"\n' "$port" >> "$dir/brid.toml"
    return 0
}
write_config without
"$brid" --once --config "$dir/brid.toml" 2>&1 | grep -E "accepted|rejected" || true

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
start() {
    "${1:-$brid}" --config "$dir/brid.toml" 2>"$dir/brid.log" &
    pid=$!
    for _ in $(seq 200); do grep -q "running:" "$dir/brid.log" 2>/dev/null && break; sleep 0.05; done
    sleep 3  # idle: the start-up's work done
}
stop() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; }

write_config without
baseline=""
if [ -n "${BRID_BASELINE:-}" ]; then
    start "$BRID_BASELINE"
    baseline=$(rss_kb "$pid")
    stop
fi
start
idle_without=$(rss_kb "$pid")
stop

write_config with
start
idle_with=$(rss_kb "$pid")
url="http://127.0.0.1:$port/fred/series/observations?series_id=bench.obs&file_type=json"
count=$(curl -s "$url" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["observations"]))')
echo "bench-http: $url answers $count observations"
# Kept answers: the same request again (what a dashboard polling one series does).
wrk -t2 -c"$connections" -d"${seconds}s" --latency "$url" | tee "$dir/wrk.txt"
# Built every time: each request differs by an ignored parameter, so none is a kept answer
# (the cache holds 256): the 500 observations read from the store and written each time.
cat > "$dir/distinct.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, wrk.path .. "&n=" .. n)
end
LUA
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$dir/distinct.lua" "$url" | tee "$dir/wrk-distinct.txt"
after=$(rss_kb "$pid")
stop

rps=$(awk '/^Requests\/sec/ {print $2}' "$dir/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$dir/wrk.txt")
p50=$(awk '$1 == "50%" {print $2}' "$dir/wrk.txt")
rps_d=$(awk '/^Requests\/sec/ {print $2}' "$dir/wrk-distinct.txt")
p99_d=$(awk '$1 == "99%" {print $2}' "$dir/wrk-distinct.txt")
p50_d=$(awk '$1 == "50%" {print $2}' "$dir/wrk-distinct.txt")
echo
echo "bench-http ($(nproc) cores, wrk -t2 -c$connections -d${seconds}s, brid release build):"
[ -n "$baseline" ] && echo "  idle RSS of $BRID_BASELINE: $((baseline / 1024)) MiB ($baseline KiB)"
echo "  idle RSS without [http]:        $((idle_without / 1024)) MiB ($idle_without KiB)"
echo "  idle RSS with [http]:           $((idle_with / 1024)) MiB ($idle_with KiB)"
echo "  /fred/series/observations (500), the same request:    $rps requests/s, p50 $p50, p99 $p99"
echo "  /fred/series/observations (500), each one different: $rps_d requests/s, p50 $p50_d, p99 $p99_d"
echo "  RSS after the load:             $((after / 1024)) MiB"
