#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and runs each for
# FUZZ_SECONDS (default 60) from its seed corpus in tests/fuzz/corpus/. A crash fails the script;
# the crashing input is left in build-fuzz/crashes/<target>/ — copy it to
# tests/fuzz/regressions/<target>/ so the unit tests keep it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}

scripts/install-deps.sh clang libclang-rt-14-dev

CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPMD_FUZZ=ON -DPMD_UNITY=ON >/dev/null
cmake --build build-fuzz -j "$(nproc)"

status=0
summary=()
for target in lenient_json yaml normalizer line_framer request cron holder json_check hosts web; do
  work=build-fuzz/corpus/$target crashes=build-fuzz/crashes/$target
  rm -rf "$work" "$crashes"
  mkdir -p "$work" "$crashes"
  echo "== fuzz_$target for ${seconds}s"
  # ASan's leak checker is off: a parser that throws may hold memory until exit, which is no bug.
  if ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "build-fuzz/bin/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -max_len=65536 -artifact_prefix="$crashes/" -print_final_stats=1 "$work" "tests/fuzz/corpus/$target" \
      >"build-fuzz/fuzz_$target.log" 2>&1; then
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "build-fuzz/fuzz_$target.log" | grep -oE '[0-9]+$' || echo '?')
    summary+=("fuzz_$target: $runs executions, no crash")
  else
    status=1
    tail -n 40 "build-fuzz/fuzz_$target.log"
    summary+=("fuzz_$target: CRASHED, input in $crashes/")
  fi
done
echo
printf '%s\n' "${summary[@]}"
exit $status
