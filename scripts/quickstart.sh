#!/usr/bin/env bash
# Installs the dependencies, builds and installs pmd and pmctl (to /usr/local/bin), then starts
# the example app under pmd and shows `pmctl list`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DPMD_BUILD_TESTS=OFF
cmake --install build >/dev/null
echo
if pmctl describe hello >/dev/null 2>&1; then
  pmctl restart hello
else
  pmctl start examples/hello-server.js --name hello
fi
cat <<MSG

pmd is running the example app (see above). Try:
  pmctl describe hello      # everything about it
  pmctl restart hello       # new pid, same name and id
  pmctl stop hello | pmctl delete hello
  pmctl kill                # stop every app and the daemon
Its output is in ~/.pmd/logs/hello-out.log.
MSG
