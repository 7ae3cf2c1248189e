#!/usr/bin/env bash
# Installs the system packages brid needs to build, run and test — only those missing.
# Used by `make run`, `make test` and CI. Needs root (or sudo) when something is missing.
set -euo pipefail

# libpq-dev: brid's PostgreSQL store (libpq); postgresql: the throwaway server the tests start.
packages=(pkg-config libsqlite3-dev libssl-dev libcurl4-openssl-dev zlib1g-dev sqlite3 python3 libpq-dev postgresql)
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# sudo drops the environment: pass DEBIAN_FRONTEND through it (postgresql pulls in tzdata,
# whose set-up would otherwise stop to ask).
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
