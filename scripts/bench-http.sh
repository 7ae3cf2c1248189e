#!/usr/bin/env bash
# make bench-http — the HTTP listener measured on this machine (README "Benchmarks → HTTP"):
#   1. brid's idle RSS on the same store without [http] and with it;
#   2. wrk on /fred/series/observations of a 500-observation series (JSON): requests/s and
#      the latency percentiles, wrk and brid on the same machine;
#   3. brid's RSS after the load;
#   4. a long series (10,000 days × 100 releases = 1,000,000 stored versions): the time of
#      its whole FRED history, of one month of it and of its page, and brid's peak RSS.
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

# 4. A long series: 10,000 daily periods, each revised by 100 releases (1,000,000 versions).
long=$dir/long
mkdir -p "$long/state/drop/long"
python3 - "$long/state/drop/long" <<'PY'
import sys, datetime
start = datetime.date(1990, 1, 1)
days = [(start + datetime.timedelta(d)).isoformat() for d in range(10000)]
for r in range(100):
    with open(f"{sys.argv[1]}/r{r:03d}.csv", "w") as f:
        f.write("series,period,value\n")
        for i, day in enumerate(days):
            f.write(f"bench.long,{day},{1000 + i + r * 0.5:.1f}\n")
PY
lport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$long/brid.toml" <<TOML
[daemon]
state_dir = "state"
socket = "state/control.sock"

[[source]]
id = "long"
drop = "drop/long"
format = "csv"

[http]
listen = "127.0.0.1:$lport"
TOML
t0=$(date +%s.%N)
"$brid" --once --config "$long/brid.toml" 2>&1 | tail -1
t1=$(date +%s.%N)
"$brid" --config "$long/brid.toml" 2>"$long/brid.log" &
pid=$!
for _ in $(seq 200); do grep -q "running:" "$long/brid.log" 2>/dev/null && break; sleep 0.05; done
sleep 2
idle_long=$(rss_kb "$pid")
base="http://127.0.0.1:$lport"
timed() {  # URL → seconds, bytes (the best of 3; each URL different, so no answer is a kept one)
    for n in 1 2 3; do curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "$1&n=$n"; done | sort -n | head -1
}
whole=$(timed "$base/fred/series/observations?series_id=bench.long&file_type=json&realtime_start=1776-07-04&realtime_end=9999-12-31")
latest=$(timed "$base/fred/series/observations?series_id=bench.long&file_type=json")
month=$(timed "$base/fred/series/observations?series_id=bench.long&file_type=json&realtime_start=1776-07-04&realtime_end=9999-12-31&observation_start=2010-06-01&observation_end=2010-06-30")
vintages=$(timed "$base/fred/series/vintagedates?series_id=bench.long&file_type=json")
page=$(timed "$base/series/bench.long?offset=0")
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
stop

echo
echo "bench-http, a long series (10,000 days × 100 releases = 1,000,000 versions; 100 releases ingested in $(python3 -c "print(f'{$t1 - $t0:.1f}')") s):"
echo "  observations, every version (all real time):   $whole  (seconds, bytes; best of 3)"
echo "  observations, today's vintage:                 $latest"
echo "  observations, one month (observation_start/end): $month"
echo "  vintagedates:                                  $vintages"
echo "  the series page:                               $page"
echo "  brid's RSS idle $((idle_long / 1024)) MiB, peak (VmHWM) after these $((peak / 1024)) MiB"

