#!/usr/bin/env bash
# Crash to restarted, pmd vs PM2: a Node HTTP app (fork mode, restart_delay 0, the same ecosystem
# file for both) is made to exit(1) by a request, 10 times per run after stable runs; each time,
# from the crashing request to the first answer from the new process.
#
#   bench/crash.sh            3 repetitions of 10 crashes
#   bench/crash.sh --quick    1 repetition of 3 crashes
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=0 suffix="" flag=""
if [[ "${1:-}" == "--quick" ]]; then quick=1 suffix="-quick" flag=" --quick"; fi
reps=3 crashes=10
if ((quick)); then reps=1 crashes=3; fi
source "$here/common.sh"

run_once() {  # manager -> milliseconds of each recovery
  local manager=$1 port eco="$work/crash.config.js"
  port=$(free_port)
  cat > "$eco" <<JS
module.exports = { apps: [{ name: 'crashy', script: '$here/apps/crash_http.js', exec_mode: 'fork', instances: 1,
  restart_delay: 0, env: { PORT: '$port' } }] };
JS
  if [[ $manager == pmd ]]; then "$pmctl" start "$eco" >/dev/null; else "$pm2" start "$eco" >/dev/null 2>&1; fi
  node "$here/apps/time_crashes.js" "$port" "$crashes"
  if [[ $manager == pmd ]]; then "$pmctl" kill >/dev/null; else "$pm2" kill >/dev/null 2>&1; fi
}

declare -A ms
collect_runs

mkdir -p "$here/results"
out="$here/results/$(date +%Y-%m-%d)-crash$suffix.md"
{
  echo "# Crash to restarted: pmd vs PM2 — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $machine. Command: \`bench/crash.sh$flag\`. bench/apps/crash_http.js in fork mode, restart_delay 0; $crashes crashes per run, each after 1.5 s of stable running; timed by bench/apps/time_crashes.js from the crashing request to the new process's first answer (polled every 5 ms)."
  echo
  echo "| figure (median, min-max over $((reps * crashes)) crashes) | pmd | PM2 $pm2_version | PM2 / pmd |"
  echo "| --- | --- | --- | --- |"
  echo "| ms from crash to the new process answering | $(median_minmax <<<"${ms[pmd]}") | $(median_minmax <<<"${ms[pm2]}") | $(ratio "$(median <<<"${ms[pmd]}")" "$(median <<<"${ms[pm2]}")") |"
} > "$out"
echo
cat "$out"
