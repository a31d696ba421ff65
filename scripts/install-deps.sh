#!/usr/bin/env bash
# Installs what pmd needs to build and run on Debian 12, from Debian's own packages; with --tests,
# what the test suite needs too (real servers, tmux, systemd-analyze...: most of the download).
# Used by the README's commands and by CI. Safe to run again. Extra package names given as
# arguments are installed too (scripts/fuzz.sh adds clang's).
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libboost-dev nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libcli11-dev libncurses-dev
)
if [[ "${1:-}" == "--tests" ]]; then
  shift
  packages+=(
    catch2
    python3-minimal  # interpreter inference for .py scripts
    tmux             # pmctl monit is driven in a real terminal
    gunicorn python3-uvicorn puma  # real non-Node servers in cluster mode
    python3-socketio python3-requests python3-websocket  # a real Socket.IO server and client (sticky)
    systemd          # systemd-analyze verify checks the units pmctl startup writes
    openssh-server openssh-client  # pmctl --host drives pmds behind real sshds on 127.0.0.1
    docker-compose   # checks the Compose files pmctl export writes (offline: no Docker needed)
    chromium         # the dashboard's test drives it headless (with playwright-core from npm)
    dpkg-dev file    # cpack -G DEB: dpkg-shlibdeps turns the linked libraries into Depends
  )
  # scripts/fetch-test-tools.sh installs the Kubernetes schemas (kubernetes-models) with it; a
  # Node.js from elsewhere brings its own npm, which Debian's would conflict with.
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi
# Node.js runs the example app and the Node fixtures; keep a newer one if the machine has it.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
