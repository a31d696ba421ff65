#!/usr/bin/env bash
# Puts Prometheus's promtool in build/tools (or DIR/tools for a build directory DIR given), so the tests check pmd's metrics with Prometheus's own
# parser. Taken out of Debian's prometheus package without installing it (installing would start
# a Prometheus server on the machine). Optional: without it the tests use their strict parser.
set -uo pipefail
cd "$(dirname "$0")/.."
tools=${1:-build}/tools
[ -x "$tools/promtool" ] && exit 0
mkdir -p "$tools"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if (cd "$work" && apt-get download prometheus >/dev/null 2>&1) && dpkg-deb -x "$work"/prometheus_*.deb "$work/root" &&
  cp "$work/root/usr/bin/promtool" "$tools/promtool"; then
  echo "promtool: $("$tools/promtool" --version 2>&1 | head -1)"
else
  echo "warning: could not fetch promtool (apt-get download prometheus); metrics are checked by the tests' own parser only" >&2
fi
exit 0
