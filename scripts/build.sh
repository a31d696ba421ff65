#!/usr/bin/env bash
# Configures and builds pmd into ./build (pass extra CMake options as arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPMD_UNITY=ON "$@" >/dev/null
cmake --build build -j "$(nproc)"
