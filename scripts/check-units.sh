#!/usr/bin/env bash
# Checks brid's systemd files offline, without starting anything:
#   - `systemd-analyze verify` prints nothing for brid.service and brid.socket (it exits 0
#     even on unknown keys, so its output is what counts);
#   - `systemd-analyze security --offline=yes` rates brid.service at MAX_EXPOSURE or lower;
#   - brid.sysusers and brid.tmpfiles apply cleanly to an empty root (needs root).
#
#   scripts/check-units.sh                  the repository's units; ExecStart= is pointed at
#                                           a stub (verify needs an executable there)
#   scripts/check-units.sh --installed DIR  the units installed in DIR as they are (their
#                                           ExecStart= binary must exist)
# Exits 1 when a check fails. MAX_EXPOSURE defaults to 1.5.
set -euo pipefail
cd "$(dirname "$0")/.."

max_exposure=${MAX_EXPOSURE:-1.5}
installed=""
case "${1:-}" in
    --installed) installed=${2:?--installed needs a directory} ;;
    "") ;;
    *) echo "usage: $0 [--installed UNITDIR]" >&2; exit 2 ;;
esac

command -v systemd-analyze >/dev/null || { echo "check-units: systemd-analyze not found" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

if [ -n "$installed" ]; then
    units="$installed"
else
    # A copy whose ExecStart= and ExecReload= name executable stubs: verify checks that
    # they exist.
    units="$work/units"
    mkdir -p "$units"
    for stub in brid brictl; do
        printf '#!/bin/sh\nexit 0\n' > "$work/$stub"
        chmod 0755 "$work/$stub"
    done
    sed -e "s|^ExecStart=[^ ]*/brid |ExecStart=$work/brid |" -e "s|^ExecReload=[^ ]*/brictl |ExecReload=$work/brictl |" \
        systemd/brid.service > "$units/brid.service"
    cp systemd/brid.socket "$units/brid.socket"
fi

# verify runs a test instance of the service manager, which leaves a timestamp file in
# /run/systemd on a machine where systemd is not PID 1: remove it again if it is new.
stray=/run/systemd/systemd-units-load
[ -e "$stray" ] || [ -d /run/systemd/system ] || trap 'rm -rf "$work"; rm -f "$stray"' EXIT

for unit in brid.service brid.socket; do
    output=$(systemd-analyze verify --man=no "$units/$unit" 2>&1) || true
    if [ -z "$output" ]; then
        pass "systemd-analyze verify $unit prints nothing"
    else
        fail "systemd-analyze verify $unit:"
        printf '    %s\n' "$output"
    fi
done

report=$(systemd-analyze security --offline=yes --no-pager "$units/brid.service" 2>&1) || true
exposure=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for brid.service: \([0-9.]*\).*/\1/p')
if [ -z "$exposure" ]; then
    fail "systemd-analyze security gave no exposure level:"
    printf '    %s\n' "$report" | tail -5
elif awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }'; then
    pass "systemd-analyze security: exposure $exposure (at most $max_exposure)"
else
    fail "systemd-analyze security: exposure $exposure is above $max_exposure; what counts:"
    printf '%s\n' "$report" | awk '$NF ~ /^[0-9]+\.[0-9]+$/' | sed 's/^/    /'
fi

if [ "$(id -u)" -eq 0 ] && command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
    root="$work/root"
    mkdir -p "$root/etc"
    if output=$(systemd-sysusers --root="$root" "$PWD/systemd/brid.sysusers" 2>&1) \
        && grep -q '^brid:x:[0-9]*:[0-9]*:.*:/var/lib/brid:/usr/sbin/nologin$' "$root/etc/passwd" \
        && grep -q '^brid:x:' "$root/etc/group"; then
        pass "brid.sysusers creates the system user and group brid (home /var/lib/brid, no login)"
    else
        fail "brid.sysusers: $output"
    fi
    if output=$(systemd-tmpfiles --root="$root" --create "$PWD/systemd/brid.tmpfiles" 2>&1) \
        && [ "$(stat -c '%a %U' "$root/var/lib/brid/drop" 2>/dev/null)" = "750 $(stat -c %U "$root/var/lib/brid" 2>/dev/null)" ] \
        && [ "$(stat -c '%a %U' "$root/var/lib/brid/backups" 2>/dev/null)" = "750 $(stat -c %U "$root/var/lib/brid" 2>/dev/null)" ]; then
        pass "brid.tmpfiles creates /var/lib/brid, its drop and backups folders (0750, owned by brid)"
    else
        fail "brid.tmpfiles: $output"
    fi
else
    echo "SKIP: sysusers/tmpfiles dry run (needs root and systemd-sysusers/systemd-tmpfiles)"
fi

exit "$failed"
