#!/usr/bin/env bash
# Memory-limit reaction, pmd vs PM2: an HTTP app leaking 20 MiB/s runs as a 1-instance cluster
# with max_memory_restart 150M (the same ecosystem file for both). bench/apps/watch_limit.js
# watches from outside: time from the serving process passing the limit to a new process
# answering, the peak memory the leaking process reached, and requests that failed meanwhile.
#
#   bench/memory.sh            3 repetitions
#   bench/memory.sh --quick    once
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=0 suffix="" flag=""
if [[ "${1:-}" == "--quick" ]]; then quick=1 suffix="-quick" flag=" --quick"; fi
reps=3 limit_mib=150 leak=20 timeout_s=120
if ((quick)); then reps=1; fi

source "$here/common.sh"

run_once() {  # manager -> watch_limit.js's JSON
  local manager=$1 port eco="$work/leak.config.js"
  port=$(free_port)
  cat > "$eco" <<JS
module.exports = { apps: [{ name: 'leaky', script: '$here/apps/leak_http.js', exec_mode: 'cluster', instances: 1,
  max_memory_restart: '${limit_mib}M', env: { PORT: '$port', LEAK_MB_PER_S: '$leak' } }] };
JS
  if [[ $manager == pmd ]]; then "$pmctl" start "$eco" >/dev/null; else "$pm2" start "$eco" >/dev/null 2>&1; fi
  node "$here/apps/watch_limit.js" "$port" "$limit_mib" "$timeout_s"
  if [[ $manager == pmd ]]; then "$pmctl" kill >/dev/null; else "$pm2" kill >/dev/null 2>&1; fi
}

declare -A took peak failed
for rep in $(seq "$reps"); do
  order="pmd pm2"; (( rep % 2 == 0 )) && order="pm2 pmd"
  for manager in $order; do
    result=$(run_once "$manager")
    echo "rep $rep $manager: $result"
    t=$(node -e 'const r=JSON.parse(process.argv[1]); console.log(r.timeout ? "timeout" : (r.crossed_to_serving_ms/1000).toFixed(2))' "$result")
    took[$manager]+="$t " peak[$manager]+="$(node -e 'console.log(JSON.parse(process.argv[1]).peak_mib)' "$result") "
    failed[$manager]+="$(node -e 'console.log(JSON.parse(process.argv[1]).failed)' "$result") "
  done
done

mkdir -p "$here/results"
out="$here/results/$(date +%Y-%m-%d)-memory$suffix.md"
{
  echo "# Memory-limit reaction: pmd vs PM2 — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $machine. Command: \`bench/memory.sh$flag\`. bench/apps/leak_http.js leaking $leak MiB/s, 1 instance in cluster mode, max_memory_restart ${limit_mib}M; watched from outside every 20 ms by bench/apps/watch_limit.js (a run that sees no replacement within $timeout_s s counts as a timeout)."
  echo
  echo "| figure (median, min-max over $reps runs) | pmd | PM2 $pm2_version | PM2 / pmd |"
  echo "| --- | --- | --- | --- |"
  echo "| seconds from passing ${limit_mib} MiB to a new process answering | $(median_minmax <<<"${took[pmd]}") | $(median_minmax <<<"${took[pm2]}") | $(ratio "$(median <<<"${took[pmd]}")" "$(median <<<"${took[pm2]}")") |"
  echo "| peak memory of the leaking process (MiB) | $(median_minmax <<<"${peak[pmd]}") | $(median_minmax <<<"${peak[pm2]}") | $(ratio "$(median <<<"${peak[pmd]}")" "$(median <<<"${peak[pm2]}")") |"
  echo "| failed requests meanwhile (one client, every 20 ms) | $(median_minmax <<<"${failed[pmd]}") | $(median_minmax <<<"${failed[pm2]}") | |"
} > "$out"
echo
cat "$out"
