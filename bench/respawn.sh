#!/usr/bin/env bash
# Exit to exec'd again, pmd vs PM2 vs the floor: a static C program (bench/apps/stamp_exit.c)
# notes its start and its exit (CLOCK_REALTIME) and exits with 1 after 1.1 s, longer than
# min_uptime, so each exit is a stable app's crash with restart_delay 0. The gap from one exit
# note to the next start note is the manager's reaction plus fork and exec; the floor is
# bench/apps/ideal_supervisor.c, which only waits and forks+execs again. Stamps are read from a
# file, so the measure costs the managers nothing.
#
#   bench/respawn.sh            3 repetitions of 10 crashes
#   bench/respawn.sh --quick    1 repetition of 3 crashes
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=0 suffix="" flag=""
if [[ "${1:-}" == "--quick" ]]; then quick=1 suffix="-quick" flag=" --quick"; fi
reps=3 crashes=10
if ((quick)); then reps=1 crashes=3; fi
source "$here/common.sh"

app="$work/stamp_exit" floor="$work/ideal_supervisor"
cc -O2 -static -o "$app" "$here/apps/stamp_exit.c"
cc -O2 -o "$floor" "$here/apps/ideal_supervisor.c"

gaps_of() {  # stamps file -> milliseconds from each exit to the next start
  awk '/^exit/{e=$2} /^start/{ if (e) printf "%.2f ", ($2 - e) / 1e6; e = 0 }' "$1"
}

wait_for_starts() {  # stamps file, count
  local deadline=$((SECONDS + 60))
  until [[ -f $1 ]] && (($(grep -c '^start' "$1") >= $2)); do
    ((SECONDS < deadline)) || { echo "timed out waiting for $2 starts in $1" >&2; return 1; }
    sleep 0.2
  done
}

run_once() {  # manager -> gaps
  local manager=$1 stamps="$work/stamps.$1" eco="$work/respawn.config.js"
  rm -f "$stamps"
  if [[ $manager == floor ]]; then
    STAMPS=$stamps "$floor" $((crashes + 1)) "$app"
  else
    cat > "$eco" <<JS
module.exports = { apps: [{ name: 'respawn', script: '$app', interpreter: 'none', exec_mode: 'fork', instances: 1,
  restart_delay: 0, env: { STAMPS: '$stamps' } }] };
JS
    if [[ $manager == pmd ]]; then "$pmctl" start "$eco" >/dev/null; else "$pm2" start "$eco" >/dev/null 2>&1; fi
    wait_for_starts "$stamps" $((crashes + 1))
    if [[ $manager == pmd ]]; then "$pmctl" kill >/dev/null; else "$pm2" kill >/dev/null 2>&1; fi
  fi
  gaps_of "$stamps"
}

declare -A ms
collect_runs floor

mkdir -p "$here/results"
out="$here/results/$(date +%Y-%m-%d)-respawn$suffix.md"
{
  echo "# Exit to exec'd again: pmd vs PM2 vs the floor — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $machine. Command: \`bench/respawn.sh$flag\`. bench/apps/stamp_exit.c (static) in fork mode, restart_delay 0, exiting with 1 after 1.1 s; $crashes crashes per run; ms from its exit note to the next start note. The floor: bench/apps/ideal_supervisor.c (waitpid, fork, exec)."
  echo
  echo "| figure (median, min-max over $((reps * crashes)) crashes) | floor | pmd | PM2 $pm2_version |"
  echo "| --- | --- | --- | --- |"
  echo "| ms from exit to the new process's first instruction | $(median_minmax <<<"${ms[floor]}") | $(median_minmax <<<"${ms[pmd]}") | $(median_minmax <<<"${ms[pm2]}") |"
  echo "| beyond the floor (medians) | - | $(awk -v a="$(median <<<"${ms[floor]}")" -v b="$(median <<<"${ms[pmd]}")" 'BEGIN{printf "%.2f", b - a}') | $(awk -v a="$(median <<<"${ms[floor]}")" -v b="$(median <<<"${ms[pm2]}")" 'BEGIN{printf "%.2f", b - a}') |"
} > "$out"
echo
cat "$out"
