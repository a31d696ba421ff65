#!/usr/bin/env bash
# The whole test suite once more on an AddressSanitizer + UndefinedBehaviorSanitizer build
# (build-asan/): any memory error or undefined behaviour in pmd, pmctl or the tests aborts the
# process that hit it, and so fails its test. The .deb test is left to the ordinary build (a
# package of sanitized binaries is no package).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests
# -O1 and line tables only: ASan builds of asio coroutines at -O2 -g take several times longer.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DPMD_BUILD_TESTS=ON -DPMD_SANITIZE=ON -DPMD_UNITY=ON >/dev/null
cmake --build build-asan -j "$(nproc)"
scripts/fetch-test-tools.sh build-asan
cd build-asan
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
ctest --output-on-failure -j "$(nproc)" -E '^package:'
