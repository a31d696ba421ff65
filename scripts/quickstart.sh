#!/usr/bin/env bash
# Installs the dependencies, builds and installs pmd and pmctl (to /usr/local/bin), then starts
# the example app under pmd and shows `pmctl list`.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "installing the build dependencies and building pmd (about 4 minutes on 2 cores)..."
scripts/install-deps.sh
scripts/build.sh -DPMD_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release
cmake --install build >/dev/null
echo
# PM2's startOrReload: started the first time, left alone (or reloaded if edited) afterwards.
pmctl start examples/ecosystem.config.js
cat <<MSG

pmd is running the example app from examples/ecosystem.config.js (see above); it answers on
http://127.0.0.1:3000 (curl http://127.0.0.1:3000). Try:
  pmctl logs hello          # its output, live (Ctrl-C to leave)
  pmctl describe hello      # everything about it
  pmctl reload hello        # zero-downtime: each new instance ready before the old one stops
  pmctl scale hello +1      # one more instance on the same port
  pmctl web                 # the dashboard: open the address it prints in a browser
  pmctl stop hello | pmctl delete hello
  pmctl kill                # stop every app and the daemon
MSG
