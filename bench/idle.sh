#!/usr/bin/env bash
# Daemon cost at rest, pmd vs PM2: the supervising daemon's resident memory and CPU while it
# watches 10, 100 and 1,000 idle processes (/bin/sleep, fork mode, the same ecosystem file for
# both). After the processes are up and a settling pause, the daemon's CPU time is read from
# /proc over a fixed window. Alternating order, medians with min-max.
#
#   bench/idle.sh            10, 100, 1000 processes; 3 repetitions; 30 s windows
#   bench/idle.sh --quick    10 and 100; once; 5 s windows: proves the harness works
#   IDLE_COUNTS=1000 IDLE_REPS=3 IDLE_WINDOW=120 bench/idle.sh
#                            other counts, repetitions or window (s); CPU time is counted in
#                            clock ticks (1/100 s), so a 30 s window cannot tell 0.03 % apart from 0
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=0 suffix="" flag=""
if [[ "${1:-}" == "--quick" ]]; then quick=1 suffix="-quick" flag=" --quick"; fi
# The command as run, with the settings that change it, for the results file.
command="bench/idle.sh"
for setting in IDLE_COUNTS IDLE_REPS IDLE_WINDOW; do
  [[ -n "${!setting:-}" ]] && command="$setting=\"${!setting}\" $command"
done
# At rest means nobody looking: pmd samples at full pace for two minutes after a `list` (the
# wait for "all online" lists), so the window opens after a longer settle.
counts="${IDLE_COUNTS:-10 100 1000}" reps=${IDLE_REPS:-3} window=${IDLE_WINDOW:-30} settle=130
if ((quick)); then counts="10 100" reps=1 window=5 settle=3; fi

source "$here/common.sh"
ticks_per_s=$(getconf CLK_TCK)

online() {  # manager -> how many processes are online
  if [[ $1 == pmd ]]; then
    "$pmctl" list --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).filter(p=>p.status==="online").length))'
  else
    "$pm2" jlist 2>/dev/null | grep '^\[' | tail -1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).filter(p=>p.pm2_env.status==="online").length)}catch(e){console.log(0)}})'
  fi
}
daemon_pid() {
  if [[ $1 == pmd ]]; then cat "$PMD_HOME/pmd.pid"; else cat "$PM2_HOME/pm2.pid"; fi
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mib() { awk '/^VmRSS:/{printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# The idle processes sleep this many seconds: a number of this run's own, so the ones a manager
# leaves behind after `kill` can be counted and removed without touching anything else.
nap="9$$"
left_behind() { pgrep -f "^/bin/sleep $nap\$" | wc -l; }

measure() {  # manager count -> "rss_mib cpu_percent start_seconds left_behind"
  local manager=$1 count=$2 eco="$work/idle.config.js" started
  cat > "$eco" <<JS
module.exports = { apps: [{ name: 'idle', script: '/bin/sleep', args: '$nap', interpreter: 'none',
  exec_mode: 'fork', instances: $count, autorestart: true }] };
JS
  started=$(date +%s.%N)
  if [[ $manager == pmd ]]; then "$pmctl" start "$eco" --force >/dev/null || { echo "pmctl start failed" >&2; exit 1; }
  else "$pm2" start "$eco" >/dev/null 2>&1 || { echo "pm2 start failed" >&2; exit 1; }; fi
  local deadline=$(( $(date +%s) + 600 ))
  until [[ $(online "$manager") == "$count" ]]; do
    (( $(date +%s) < deadline )) || { echo "$manager: $count processes not online after 600 s" >&2; exit 1; }
    sleep 0.5
  done
  local up; up=$(awk -v a="$(date +%s.%N)" -v b="$started" 'BEGIN{printf "%.1f", a-b}')
  sleep "$settle"
  local pid t0 t1; pid=$(daemon_pid "$manager")
  t0=$(cpu_ticks "$pid"); sleep "$window"; t1=$(cpu_ticks "$pid")
  local cpu; cpu=$(awk -v d=$((t1 - t0)) -v w="$window" -v hz="$ticks_per_s" 'BEGIN{printf "%.2f", d / hz / w * 100}')
  local rss; rss=$(rss_mib "$pid")
  if [[ $manager == pmd ]]; then "$pmctl" kill >/dev/null 2>&1 || true; else "$pm2" kill >/dev/null 2>&1 || true; fi
  # Whatever still runs once the daemon is gone (and 5 s later) was left behind.
  local deadline=$(( $(date +%s) + 60 ))
  while kill -0 "$pid" 2>/dev/null && (( $(date +%s) < deadline )); do sleep 0.2; done
  sleep 5
  local left; left=$(left_behind)
  pkill -f "^/bin/sleep $nap\$" 2>/dev/null || true
  echo "$rss $cpu $up $left"
}

declare -A rss cpu up left
for rep in $(seq "$reps"); do
  for n in $counts; do
    order="pmd pm2"; (( rep % 2 == 0 )) && order="pm2 pmd"
    for manager in $order; do
      result=$(measure "$manager" "$n")
      read -r r c u l <<<"$result"
      echo "rep $rep, $n idle processes, $manager: daemon RSS $r MiB, CPU $c % of a core, all online after $u s, $l left running after kill"
      rss[$manager,$n]+="$r " cpu[$manager,$n]+="$c " up[$manager,$n]+="$u " left[$manager,$n]+="$l "
    done
  done
done

{
  echo "| figure (median, min-max over $reps runs) | pmd | PM2 $pm2_version | PM2 / pmd |"
  echo "| --- | --- | --- | --- |"
  for n in $counts; do
    echo "| daemon RSS (MiB), $n idle processes | $(median_minmax <<<"${rss[pmd,$n]}") | $(median_minmax <<<"${rss[pm2,$n]}") | $(ratio "$(median <<<"${rss[pmd,$n]}")" "$(median <<<"${rss[pm2,$n]}")") |"
    echo "| daemon CPU (% of a core), $n idle processes | $(median_minmax <<<"${cpu[pmd,$n]}") | $(median_minmax <<<"${cpu[pm2,$n]}") | $(ratio "$(median <<<"${cpu[pmd,$n]}")" "$(median <<<"${cpu[pm2,$n]}")") |"
    echo "| seconds until $n are online | $(median_minmax <<<"${up[pmd,$n]}") | $(median_minmax <<<"${up[pm2,$n]}") | $(ratio "$(median <<<"${up[pmd,$n]}")" "$(median <<<"${up[pm2,$n]}")") |"
    echo "| of $n, still running 5 s after \`kill\` | $(median_minmax <<<"${left[pmd,$n]}") | $(median_minmax <<<"${left[pm2,$n]}") | |"
  done
} > "$work/table.md"
mkdir -p "$here/results"
out="$here/results/$(date +%Y-%m-%d)-idle$suffix.md"
{
  echo "# Daemon cost at rest: pmd vs PM2 — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $machine. Command: \`$command$flag\`. N × \`/bin/sleep infinity\` in fork mode from one ecosystem file; after all are online and ${settle} s of settling, the daemon's CPU time over ${window} s and its VmRSS. pmd and PM2 with their defaults (pmd samples at full pace only for two minutes after someone looks)."
  echo
  cat "$work/table.md"
} > "$out"
echo
cat "$out"
