#!/usr/bin/env bash
# Puts the checkers the tests use but Debian does not package as programs into build/tools (or
# DIR/tools for a build directory DIR given):
# - Prometheus's promtool, so the tests check pmd's metrics with Prometheus's own parser. Taken
#   out of Debian's prometheus package without installing it (installing would start a
#   Prometheus server on the machine). Without it the tests use their strict parser.
# - kubernetes-models and js-yaml from npm (tools/k8s/node_modules): the Kubernetes API's schemas,
#   offline, for the manifests `pmctl export kubernetes` writes. Without them that test skips.
# - playwright-core from npm (tools/browser/node_modules): drives Debian's chromium through the
#   dashboard. Without it (or chromium) that test skips.
set -uo pipefail
cd "$(dirname "$0")/.."
tools=${1:-build}/tools
mkdir -p "$tools"
if [ ! -d "$tools/k8s/node_modules/kubernetes-models" ]; then
  # Version 4: CommonJS, runs on Debian 12's Node 18 (5 wants Node 22).
  if command -v npm >/dev/null && npm install --prefix "$tools/k8s" --no-audit --no-fund --loglevel=error \
    kubernetes-models@4 js-yaml@4 >"$tools/k8s-npm.log" 2>&1; then
    echo "kubernetes-models: installed in $tools/k8s"
  else
    echo "warning: could not install kubernetes-models from npm (see $tools/k8s-npm.log); the Kubernetes export is not schema-checked" >&2
  fi
fi
if [ ! -d "$tools/browser/node_modules/playwright-core" ]; then
  # Only the driver: the browser is Debian's chromium (install-deps.sh --tests), never a download.
  # 1.61 is the last to run on Debian 12's Node 18 (1.62 wants Node 20).
  if command -v npm >/dev/null && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$tools/browser" --no-audit \
    --no-fund --loglevel=error playwright-core@~1.61 >"$tools/browser-npm.log" 2>&1; then
    echo "playwright-core: installed in $tools/browser"
  else
    echo "warning: could not install playwright-core from npm (see $tools/browser-npm.log); the dashboard is not tested in a browser" >&2
  fi
fi
[ -x "$tools/promtool" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if (cd "$work" && apt-get download prometheus >/dev/null 2>&1) && dpkg-deb -x "$work"/prometheus_*.deb "$work/root" &&
  cp "$work/root/usr/bin/promtool" "$tools/promtool"; then
  echo "promtool: $("$tools/promtool" --version 2>&1 | head -1)"
else
  echo "warning: could not fetch promtool (apt-get download prometheus); metrics are checked by the tests' own parser only" >&2
fi
exit 0
