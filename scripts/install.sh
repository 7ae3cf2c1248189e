#!/usr/bin/env bash
# Installs the built brid (and brictl, once it exists), its systemd units, sysusers.d and
# tmpfiles.d files, the docs and — only if there is none yet — the example config.
# Used by `make install` / `make uninstall`; see Docs/systemd.md.
#
#   scripts/install.sh              install (run `make release` first)
#   scripts/install.sh --uninstall  remove what install put there; keeps /etc/brid,
#                                   /var/lib/brid and the brid user
#
# Variables (environment or NAME=value arguments), with their defaults:
#   DESTDIR       (empty)                       staging root for packaging
#   PREFIX        /usr/local                    /usr for a distribution package
#   BINDIR        $PREFIX/bin
#   UNITDIR       $PREFIX/lib/systemd/system    systemd searches /usr/local/lib/systemd/system
#   SYSUSERSDIR   $PREFIX/lib/sysusers.d        … and /usr/local/lib/{sysusers,tmpfiles}.d
#   TMPFILESDIR   $PREFIX/lib/tmpfiles.d
#   DOCDIR        $PREFIX/share/doc/brid
#   SYSCONFDIR    /etc                          brid.service reads /etc/brid/brid.toml
#   BUILD_DIR     .build/release                where the binaries are
#
# Without DESTDIR, on a machine that runs systemd, it then does what a package's
# maintainer scripts would: creates the user (systemd-sysusers), the directories
# (systemd-tmpfiles) and reloads systemd. It never enables or starts brid.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=install
for arg in "$@"; do
    case "$arg" in
        --uninstall) mode=uninstall ;;
        *=*) export "${arg?}" ;;
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument $arg" >&2; exit 2 ;;
    esac
done

DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
BINDIR=${BINDIR:-$PREFIX/bin}
UNITDIR=${UNITDIR:-$PREFIX/lib/systemd/system}
SYSUSERSDIR=${SYSUSERSDIR:-$PREFIX/lib/sysusers.d}
TMPFILESDIR=${TMPFILESDIR:-$PREFIX/lib/tmpfiles.d}
DOCDIR=${DOCDIR:-$PREFIX/share/doc/brid}
SYSCONFDIR=${SYSCONFDIR:-/etc}
BUILD_DIR=${BUILD_DIR:-.build/release}

# The unit files name /usr/local/bin and /usr/local/share/doc/brid; point them elsewhere
# when installing elsewhere.
unit_paths() {
    sed -e "s|/usr/local/bin/|$BINDIR/|g" -e "s|/usr/local/share/doc/brid|$DOCDIR|g" "$1"
}

systemd_running() { [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; }

say() { echo "install: $*"; }

if [ "$mode" = uninstall ]; then
    if systemd_running; then
        systemctl disable --now brid.socket brid.service 2>/dev/null || true
    fi
    for f in "$BINDIR/brid" "$BINDIR/brictl" "$UNITDIR/brid.service" "$UNITDIR/brid.socket" \
             "$SYSUSERSDIR/brid.conf" "$TMPFILESDIR/brid.conf" \
             "$DOCDIR/systemd.md" "$DOCDIR/brid.example.toml"; do
        if [ -e "$DESTDIR$f" ]; then rm -f "$DESTDIR$f"; say "removed $DESTDIR$f"; fi
    done
    rmdir "$DESTDIR$DOCDIR" 2>/dev/null || true
    if systemd_running; then systemctl daemon-reload; fi
    say "kept $SYSCONFDIR/brid, /var/lib/brid and the brid user (remove them by hand if you want them gone)"
    exit 0
fi

[ -x "$BUILD_DIR/brid" ] || { echo "install: $BUILD_DIR/brid not found; run 'make release' first" >&2; exit 1; }

install -d -m 0755 "$DESTDIR$BINDIR" "$DESTDIR$UNITDIR" "$DESTDIR$SYSUSERSDIR" "$DESTDIR$TMPFILESDIR" "$DESTDIR$DOCDIR"
install -m 0755 "$BUILD_DIR/brid" "$DESTDIR$BINDIR/brid"
say "$DESTDIR$BINDIR/brid"
if [ -x "$BUILD_DIR/brictl" ]; then
    install -m 0755 "$BUILD_DIR/brictl" "$DESTDIR$BINDIR/brictl"
    say "$DESTDIR$BINDIR/brictl"
fi

for unit in brid.service brid.socket; do
    unit_paths "systemd/$unit" > "$DESTDIR$UNITDIR/$unit.tmp"
    chmod 0644 "$DESTDIR$UNITDIR/$unit.tmp"
    mv "$DESTDIR$UNITDIR/$unit.tmp" "$DESTDIR$UNITDIR/$unit"
    say "$DESTDIR$UNITDIR/$unit"
done
install -m 0644 systemd/brid.sysusers "$DESTDIR$SYSUSERSDIR/brid.conf"
install -m 0644 systemd/brid.tmpfiles "$DESTDIR$TMPFILESDIR/brid.conf"
install -m 0644 Docs/systemd.md "$DESTDIR$DOCDIR/systemd.md"
install -m 0644 Config/brid.example.toml "$DESTDIR$DOCDIR/brid.example.toml"
say "$DESTDIR$SYSUSERSDIR/brid.conf, $DESTDIR$TMPFILESDIR/brid.conf, $DESTDIR$DOCDIR/"

# The operator's config is never overwritten; the example stays in DOCDIR for comparison.
config="$DESTDIR$SYSCONFDIR/brid/brid.toml"
if [ -e "$config" ]; then
    say "kept the existing $config (the example is $DOCDIR/brid.example.toml)"
else
    install -d -m 0755 "$DESTDIR$SYSCONFDIR/brid"
    install -m 0644 Config/brid.example.toml "$config"
    say "$config (from Config/brid.example.toml)"
fi

if [ -z "$DESTDIR" ]; then
    command -v systemd-sysusers >/dev/null && systemd-sysusers "$SYSUSERSDIR/brid.conf"
    command -v systemd-tmpfiles >/dev/null && systemd-tmpfiles --create "$TMPFILESDIR/brid.conf"
    if systemd_running; then systemctl daemon-reload; fi
    say "done. Start it with: systemctl enable --now brid.service"
fi
