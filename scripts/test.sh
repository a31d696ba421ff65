#!/usr/bin/env bash
# Installs the dependencies, builds, and runs the whole test suite (unit + integration) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests
scripts/build.sh -DPMD_BUILD_TESTS=ON
scripts/fetch-test-tools.sh
cd build
ctest --output-on-failure -j "$(nproc)"
