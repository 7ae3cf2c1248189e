#!/usr/bin/env bash
# brid.service under a real systemd: boots systemd as PID 1 in a throw-away container
# (systemd-nspawn on the host's own /usr, everything else a fresh tmpfs), installs brid
# there the way `make install` does, and checks what the unit promises: it starts and
# reports ready, runs as the brid user in its directories, ingests a dropped file,
# reloads (and refuses a broken config), logs at journald priorities, is restarted by
# the watchdog when wedged, and stops cleanly. Run as root; CI runs it from .ci/run.
#
#   tests/systemd/container-test.sh [--binary-dir DIR] [--keep]
#     --binary-dir DIR  take brid (and brictl) from DIR instead of `make release`
#     --keep            leave the container running at the end (prints how to enter it)
#
# Prints PASS/FAIL per check and ends with "N passed, M failed"; exits 1 on any failure.
# How it works: Docs/systemd.md "The container test".
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

binary_dir=""
keep=no
while [ $# -gt 0 ]; do
    case "$1" in
        --binary-dir) binary_dir=${2:?--binary-dir needs a directory}; shift 2 ;;
        --keep) keep=yes; shift ;;
        *) echo "usage: $0 [--binary-dir DIR] [--keep]" >&2; exit 2 ;;
    esac
done

log() { echo "container-test: $*"; }
if [ "$(id -u)" -ne 0 ]; then
    echo "container-test: must run as root (it boots systemd in a container)" >&2
    exit 2
fi

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() { # check DESCRIPTION COMMAND… — PASS when the command succeeds
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

# Polls COMMAND… every 0.2 s until it succeeds or SECONDS pass.
wait_for() {
    local seconds=$1; shift
    local deadline=$((SECONDS + seconds))
    while ! "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

# --- build and stage ----------------------------------------------------------------

if ! command -v systemd-nspawn >/dev/null; then
    log "installing systemd-container"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq systemd-container >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq systemd-container >/dev/null; } \
        || { echo "container-test: cannot install systemd-container" >&2; exit 1; }
fi
if [ -z "$binary_dir" ]; then
    log "building release binaries and man pages (make release man)"
    build_log=$(mktemp)
    if ! make -s release man >"$build_log" 2>&1; then
        tail -n 30 "$build_log"; rm -f "$build_log"
        echo "container-test: make release man failed" >&2
        exit 1
    fi
    rm -f "$build_log"
    binary_dir=.build-static/release
fi
[ -x "$binary_dir/brid" ] || { echo "container-test: no brid in $binary_dir" >&2; exit 1; }

name="brid-test-$$"
stage=$(mktemp -d /tmp/brid-container-test.XXXXXX)
chmod 0755 "$stage"
nspawn_pid=""
leader=""

cleanup() {
    local status=$?
    if [ -n "$leader" ] && [ "$failed" -gt 0 ] && kill -0 "$leader" 2>/dev/null; then
        echo "--- journalctl -u brid (last 40 lines) ---"
        c journalctl -u brid.service --no-pager -n 40 2>/dev/null
        echo "---"
    fi
    if [ "$keep" = yes ] && [ -n "$leader" ]; then
        log "container kept: nsenter -t $leader -a bash   (stop it: kill -RTMIN+4 $leader)"
        echo "$passed passed, $failed failed"
        [ "$failed" -eq 0 ] || exit 1
        exit "$status"
    fi
    if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
        # SIGRTMIN+4 asks systemd (PID 1 of the container) to power off.
        [ -n "$leader" ] && kill -s RTMIN+4 "$leader" 2>/dev/null
        local deadline=$((SECONDS + 20))
        while kill -0 "$nspawn_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
        if kill -0 "$nspawn_pid" 2>/dev/null; then
            log "container did not power off; killing systemd-nspawn"
            kill -KILL "$nspawn_pid" 2>/dev/null
        fi
        wait "$nspawn_pid" 2>/dev/null
    fi
    # nspawn leaves these behind; remove ours and the parents if nothing else uses them.
    rm -rf "/run/systemd/nspawn/propagate/$name"
    rmdir /run/systemd/nspawn/propagate /run/systemd/nspawn /run/systemd/nspawn-root 2>/dev/null
    if [ "$failed" -gt 0 ] && [ -f "$stage/console.log" ]; then
        echo "--- container console (last 15 lines) ---"
        tail -n 15 "$stage/console.log"
        echo "---"
    fi
    rm -rf "$stage"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] || exit 1
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "staging: DESTDIR=$stage/root PREFIX=/usr/local scripts/install.sh"
DESTDIR="$stage/root" PREFIX=/usr/local BUILD_DIR="$binary_dir" scripts/install.sh >/dev/null \
    || { fail "scripts/install.sh into the staging DESTDIR"; exit 1; }
pass "scripts/install.sh into a staging DESTDIR (PREFIX=/usr/local)"
installed_docs() {
    local root=$stage/root/usr/local/share
    [ -s "$root/man/man1/brid.1" ] && [ -s "$root/man/man1/brictl.1" ] && grep -q 'reload' "$root/man/man1/brictl.1" \
        && grep -q 'brictl' "$root/bash-completion/completions/brictl" && [ -s "$root/zsh/site-functions/_brictl" ] \
        && [ -s "$root/fish/vendor_completions.d/brictl.fish" ]
}
if [ -f .build/man/brictl.1 ]; then
    check "man pages (brid.1, brictl.1) and bash/zsh/fish completions are installed" installed_docs
fi
mkdir -p "$stage/fixtures"
cp Config/samples/bri-cn-kz-2018.csv tests/systemd/fixtures/malformed.csv \
   tests/systemd/fixtures/watchdog-fast.conf "$stage/fixtures/"

# --- boot -----------------------------------------------------------------------------

# basic.target and masks: only what brid needs boots (journald, sysusers, tmpfiles);
# nothing the host has installed starts, nothing waits for the network.
masks=(systemd-networkd-wait-online.service systemd-networkd.service postgresql.service
       apt-daily.timer apt-daily-upgrade.timer man-db.timer dpkg-db-backup.timer
       e2scrub_all.timer e2scrub_reap.service cron.service)
boot_args=(systemd.firstboot=off systemd.unit=basic.target)
for unit in "${masks[@]}"; do boot_args+=("systemd.mask=$unit"); done

log "booting systemd in container $name"
started=$SECONDS
systemd-nspawn -D / --volatile=yes --register=no --keep-unit -M "$name" \
    --bind="$stage:/mnt/brid-stage" -b "${boot_args[@]}" \
    </dev/null >"$stage/console.log" 2>&1 &
nspawn_pid=$!

# Runs a command inside the container, in all its namespaces, with a clean environment.
c() {
    nsenter -t "$leader" -a env -i PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 "$@"
}
find_leader() {
    leader=$(pgrep -P "$nspawn_pid" -x systemd | head -n 1)
    [ -n "$leader" ]
}
if ! wait_for 30 find_leader; then
    fail "systemd boots as PID 1 of the container"
    exit 1
fi
# Until PID 1 answers on its private socket, systemctl says "offline" (or fails).
booted() {
    state=$(c systemctl is-system-running 2>/dev/null)
    [ "$state" = running ] || [ "$state" = degraded ]
}
state=""
wait_for 60 booted
if [ "$state" = running ] || [ "$state" = degraded ]; then
    pass "systemd boots as PID 1 of the container ($state in $((SECONDS - started)) s)"
    [ "$state" = degraded ] && c systemctl --failed --no-legend --plain | sed 's/^/    failed: /'
else
    fail "systemd boots as PID 1 of the container (state: ${state:-none})"
    exit 1
fi

# --- install inside ---------------------------------------------------------------------

# The staged /usr/local replaces the container's (read-only, from the host); /etc is the
# container's own tmpfs. Then what a package's maintainer scripts would do.
c mount --bind /mnt/brid-stage/root/usr/local /usr/local
c cp -a /mnt/brid-stage/root/etc/brid /etc/brid
c mkdir -p /etc/systemd/system/brid.service.d
c cp /mnt/brid-stage/fixtures/watchdog-fast.conf /etc/systemd/system/brid.service.d/50-test.conf
if output=$(c sh -c 'systemd-sysusers && systemd-tmpfiles --create brid.conf' 2>&1); then
    pass "systemd-sysusers and systemd-tmpfiles apply brid's files"
else
    fail "systemd-sysusers and systemd-tmpfiles apply brid's files:"
    printf '    %s\n' "$output"
fi
c systemctl daemon-reload

output=$(c systemd-analyze verify --man=no /usr/local/lib/systemd/system/brid.service \
             /usr/local/lib/systemd/system/brid.socket 2>&1)
check "systemd-analyze verify of the installed units prints nothing" test -z "$output"
[ -n "$output" ] && printf '    %s\n' "$output"
check "brid.socket is installed and loads (not enabled here)" \
    test "$(c systemctl show -p LoadState --value brid.socket)" = loaded

# --- start --------------------------------------------------------------------------

show() { c systemctl show -p "$1" --value brid.service; }
journal() { c journalctl -u brid.service --no-pager -o cat "$@"; }
# How many journal lines of brid match a pattern (to wait for new ones).
journal_count() { journal | grep -c -- "$1"; }
journal_has() { local pattern=$1; shift; journal "$@" | grep -q -- "$pattern"; }
journal_lacks() { ! journal_has "$@"; }
journal_grew() { [ "$(journal_count "$1")" -gt "$2" ]; }
status_has() { show StatusText | grep -q -- "$1"; }

t0=$SECONDS
if c timeout 60 systemctl start brid.service; then
    pass "systemctl start brid.service returns (READY=1 received, $((SECONDS - t0)) s)"
else
    fail "systemctl start brid.service"
fi
if [ "$(c systemctl is-active brid.service)" = active ]; then
    pass "systemctl is-active brid is active"
else
    # Nothing after this means anything without a running brid.
    fail "systemctl is-active brid is active ($(c systemctl is-active brid.service)); giving up"
    exit 1
fi
status_text=$(show StatusText)
check "STATUS= reaches systemd (\"$status_text\")" grep -q 'source' <<<"$status_text"

passwd=$(c getent passwd brid)
check "user brid exists: system uid, home /var/lib/brid, no login shell ($passwd)" \
    awk -F: '$3 < 1000 && $6 == "/var/lib/brid" && $7 ~ /nologin$/ { ok = 1 } END { exit !ok }' <<<"$passwd"
check "group brid exists" test -n "$(c getent group brid)"
check "/var/lib/brid is brid:brid 750" test "$(c stat -c '%U:%G %a' /var/lib/brid)" = "brid:brid 750"
check "/var/lib/brid/drop is brid:brid 750" test "$(c stat -c '%U:%G %a' /var/lib/brid/drop)" = "brid:brid 750"
check "/run/brid is brid:brid 750" test "$(c stat -c '%U:%G %a' /run/brid)" = "brid:brid 750"
main_pid=$(show MainPID)
check "the main process (pid $main_pid) runs as brid" test "$(c stat -c %U "/proc/$main_pid" 2>/dev/null)" = brid
check "the database /var/lib/brid/brid.sqlite is brid's, not world-readable" \
    test "$(c stat -c '%U %A' /var/lib/brid/brid.sqlite 2>/dev/null)" = "brid -rw-r-----"

# --- a dropped file -------------------------------------------------------------------

drop=/var/lib/brid/drop/bri-cn-kz
if wait_for 10 c test -d "$drop/processed"; then
    t0=$SECONDS
    # Written under a name brid ignores, then renamed in: how files should be dropped.
    c sh -c "cp /mnt/brid-stage/fixtures/bri-cn-kz-2018.csv $drop/.incoming.tmp && mv $drop/.incoming.tmp $drop/bri-cn-kz-2018.csv"
    check "a CSV renamed into $drop/ is moved to processed/ ($((SECONDS - t0)) s)" \
        wait_for 10 c test -f "$drop/processed/bri-cn-kz-2018.csv"
    releases=$(c sqlite3 -readonly /var/lib/brid/brid.sqlite "SELECT count(*) FROM releases WHERE source_id = 'bri-cn-kz'" 2>&1)
    check "sqlite3: the releases table has a bri-cn-kz release ($releases)" test "$releases" = 1
    check "the journal says \"accepted: release\"" wait_for 5 journal_has 'accepted: release'
else
    fail "brid creates the drop folder $drop/processed"
fi

# A malformed file is rejected, and the error goes to the journal at priority err.
c sh -c "cp /mnt/brid-stage/fixtures/malformed.csv $drop/.bad.tmp && mv $drop/.bad.tmp $drop/malformed.csv"
check "a malformed CSV is moved to rejected/ with a .error note" \
    wait_for 10 c test -f "$drop/rejected/malformed.csv.error"
check "journalctl -u brid -p err has the rejection (\"rejected: … malformed.csv …\")" \
    wait_for 5 journal_has 'rejected: .*malformed.csv' -p err
check "journalctl -u brid -p err does not have info lines (\"accepted: release\")" \
    journal_lacks 'accepted: release' -p err
check "journalctl -u brid -p info..info has them" journal_has 'accepted: release' -p info..info

# Alerts of the installed example config, through the log notifier: the 2018 sample fires
# kz-exports-growth (info: notice), the rejected file bri-cn-kz-rejected (critical: crit).
check "journalctl -u brid -p notice..notice has the alert kz-exports-growth firing" \
    wait_for 5 journal_has 'alert [0-9]* firing \[info\] kz-exports-growth' -p notice..notice
check "journalctl -u brid -p crit has the alert bri-cn-kz-rejected firing" \
    wait_for 5 journal_has 'alert [0-9]* firing \[critical\] bri-cn-kz-rejected: a file dropped for bri-cn-kz was rejected' -p crit

# --- reload ---------------------------------------------------------------------------

before=$(journal_count 'reloaded')
check "systemctl reload brid succeeds" c timeout 30 systemctl reload brid.service
check "the journal says \"reloaded\"" wait_for 10 journal_grew 'reloaded' "$before"
check "brid is still active after the reload, same process" \
    test "$(c systemctl is-active brid.service) $(show MainPID)" = "active $main_pid"

c cp /etc/brid/brid.toml /etc/brid/brid.toml.good
c sed -i 's/^\[daemon\]$/[daemon]\nunknown_key = 1/' /etc/brid/brid.toml
before=$(journal_count 'reload refused')
refusal_logged() { journal_grew 'reload refused' "$before" && journal_has 'reload refused: .*unknown_key' -p err; }
reload_fails() { ! c timeout 30 systemctl reload brid.service; }
check "systemctl reload with a broken config fails (ExecReload=brictl reload exits 1)" reload_fails
check "the journal says \"reload refused\" (unknown_key)" \
    wait_for 10 refusal_logged
check "brid keeps running the old config: active, same process" \
    test "$(c systemctl is-active brid.service) $(show MainPID)" = "active $main_pid"
check "STATUS= says the last reload was refused" wait_for 5 status_has 'last reload refused'
c mv /etc/brid/brid.toml.good /etc/brid/brid.toml
before=$(journal_count 'reloaded')
c systemctl reload brid.service
reload_accepted_again() { journal_grew 'reloaded' "$before" && ! status_has 'refused'; }
check "after restoring the config, a reload is accepted again" \
    wait_for 10 reload_accepted_again

# --- the control socket ---------------------------------------------------------------

check "brictl status answers over /run/brid/control.sock" c /usr/local/bin/brictl status
status_lists_source() { c /usr/local/bin/brictl --json status | grep -q '"bri-cn-kz"'; }
check "brictl --json status lists the drop source" status_lists_source
alerts_listed() { c /usr/local/bin/brictl alerts --all | grep -q 'bri-cn-kz-rejected'; }
check "brictl alerts --all lists the alerts" alerts_listed
check "the control socket is 0660 brid:brid" test "$(c stat -c '%a %U:%G' /run/brid/control.sock)" = "660 brid:brid"
show_has_value() { c /usr/local/bin/brictl show cn-kz.trade.total | grep -q '19.885'; }
check "brictl show has the dropped 2018 figure" show_has_value
check "/var/lib/brid/backups is brid:brid 750" test "$(c stat -c '%U:%G %a' /var/lib/brid/backups)" = "brid:brid 750"
check "brictl backup writes a copy into /var/lib/brid/backups under ProtectSystem=strict" \
    c /usr/local/bin/brictl backup /var/lib/brid/backups/check.sqlite
backup_checks() {
    test "$(c stat -c '%U %A' /var/lib/brid/backups/check.sqlite 2>/dev/null)" = "brid -rw-r-----" \
        && test "$(c sqlite3 -readonly /var/lib/brid/backups/check.sqlite 'PRAGMA integrity_check' 2>&1)" = ok
}
check "the copy is brid's, not world-readable, and passes integrity_check" backup_checks

# --- the HTTP listener under the unit's hardening ---------------------------------------

# [http] added to the installed config (it ships commented out), then a restart: the
# listener (SwiftNIO) runs under the unit's system-call filter and address families.
c sh -c 'printf "\n[http]\nlisten = \"127.0.0.1:8089\"\n" >> /etc/brid/brid.toml'
c systemctl restart brid.service
http_serves() {
    c curl -sf -o /dev/null http://127.0.0.1:8089/metrics \
        && c curl -sf http://127.0.0.1:8089/series/cn-kz.trade.total | grep -q '19.885' \
        && c curl -sf 'http://127.0.0.1:8089/fred/series/observations?series_id=cn-kz.trade.total&file_type=json' | grep -q '"value":"19.885"'
}
check "with [http] the restarted unit serves /metrics, a page and the FRED API on 127.0.0.1:8089" wait_for 20 http_serves
check "the journal says \"http: listening on 127.0.0.1:8089\"" journal_has 'http: listening on 127.0.0.1:8089'
c sed -i '/^\[http\]$/,$d' /etc/brid/brid.toml
c systemctl restart brid.service
wait_for 20 c systemctl is-active brid.service

# --- watchdog -------------------------------------------------------------------------

check "the watchdog is armed (WatchdogUSec=4s from the test drop-in)" test "$(show WatchdogUSec)" = 4s
restarts=$(show NRestarts)
# Exits recorded so far (the restarts above wrote theirs): the wedged run's is the next line.
exits_before=$(c sh -c 'cat /run/brid-test-exits 2>/dev/null | wc -l')
t0=$SECONDS
main_pid=$(show MainPID)
# Never `kill 0`: that would stop this script's own process group.
valid_pid() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -gt 1 ]; }
valid_pid "$main_pid" && c kill -STOP "$main_pid"
restarted() {
    local pid
    pid=$(show MainPID)
    [ "$pid" != 0 ] && [ "$pid" != "$main_pid" ] && [ "$(show NRestarts)" -gt "$restarts" ] \
        && [ "$(c systemctl is-active brid.service)" = active ]
}
if valid_pid "$main_pid" && wait_for 40 restarted; then
    pass "a stopped (wedged) brid is killed by the watchdog and restarted: pid $main_pid -> $(show MainPID), NRestarts $restarts -> $(show NRestarts), $((SECONDS - t0)) s"
else
    fail "watchdog restart (MainPID $(show MainPID), NRestarts $(show NRestarts), $(c systemctl is-active brid.service))"
    valid_pid "$main_pid" && c kill -CONT "$main_pid" 2>/dev/null
fi
check "the journal has systemd's watchdog timeout" journal_has 'atchdog timeout'
watchdog_exit=$(c sed -n "$((exits_before + 1))p" /run/brid-test-exits)
check "the wedged run ended by the watchdog's SIGABRT (result, code, status: $watchdog_exit)" \
    test "$watchdog_exit" = "watchdog killed ABRT"
main_pid=$(show MainPID)
check "the restarted brid resumes from its store (the release is not ingested twice)" \
    test "$(c sqlite3 -readonly /var/lib/brid/brid.sqlite "SELECT count(*) FROM releases WHERE source_id = 'bri-cn-kz'" 2>&1)" = 1

# --- stop -----------------------------------------------------------------------------

before=$(journal_count 'stopping:')
t0=$SECONDS
check "systemctl stop brid succeeds" c timeout 30 systemctl stop brid.service
check "brid stops within 5 s ($((SECONDS - t0)) s)" test $((SECONDS - t0)) -le 5
check "systemctl is-active brid is inactive" test "$(c systemctl is-active brid.service)" = inactive
# $SERVICE_RESULT $EXIT_CODE $EXIT_STATUS of the last run, recorded by the test drop-in.
last_exit=$(c tail -n 1 /run/brid-test-exits)
check "it exited with status 0 (result, code, status: $last_exit)" test "$last_exit" = "success exited 0"
check "the journal has the \"stopping:\" line (STOPPING=1)" \
    journal_grew 'stopping:' "$before"
check "/run/brid is kept after the stop (RuntimeDirectoryPreserve=yes)" c test -d /run/brid

# The summary line and the exit status come from cleanup().
