#!/usr/bin/env bash
# The manager itself dies or is upgraded, under load: pmd vs PM2.
# A 2-instance cluster (bench/apps/pid_http.js) under wrk load and a fork app logging 1,000
# numbered lines a second (bench/apps/numbered_1k.js), then, for each manager:
#   update: `pmctl update` / `pm2 update`, 5 times;
#   kill:   kill -9 of the daemon (pmd; PM2's God daemon), then the next `pmctl list` (pmd
#           adopts) / `pm2 resurrect` (PM2's way back), 5 times.
# Figures per step: failed requests (wrk socket errors and non-2xx), app processes replaced
# (pids that changed), numbered lines lost or torn, extra copies of the fork app left running,
# and the milliseconds from the command (or the kill) until the list shows every app online.
#
#   bench/survive.sh            5 of each
#   bench/survive.sh --quick    2 of each: proves the harness works
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=0 suffix="" flag=""
if [[ "${1:-}" == "--quick" ]]; then quick=1 suffix="-quick" flag=" --quick"; fi
times=5
if ((quick)); then times=2; fi
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)..."
  apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
source "$here/common.sh"
bench_extra_cleanup() { pkill -f "$here/apps/numbered_1k.js" 2>/dev/null || true; pkill -f "$here/apps/pid_http.js" 2>/dev/null || true; }

now_ms() { date +%s%3N; }
# "name:instance=pid" for every app process, sorted: what changed is what was replaced.
pids() {
  if [[ $1 == pmd ]]; then "$pmctl" jlist; else "$pm2" jlist 2>/dev/null; fi |
    node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>{for(const a of JSON.parse(t)){const i=a.instance??a.pm2_env?.NODE_APP_INSTANCE??0;console.log(`${a.name}:${i}=${a.pid}`)}})' | sort
}
# Processes listed online (both print PM2's jlist shape, compact): grep, so the poll itself is cheap.
online() {
  if [[ $1 == pmd ]]; then "$pmctl" jlist; else "$pm2" jlist 2>/dev/null; fi | grep -o '"status":"online"' | grep -c . || true
}
wait_online() {  # manager count
  local deadline=$(( $(date +%s) + 60 ))
  until [[ $(online "$1") == "$2" ]]; do
    (( $(date +%s) < deadline )) || { echo "$1: not every app online within 60 s" >&2; return 1; }
    sleep 0.005
  done
}
changed() { comm -13 <(echo "$1") <(echo "$2") | grep -c . || true; }
copies() { pgrep -fc "$here/apps/numbered_1k.js" || true; }
errors() { awk '/Socket errors:/{gsub(",","");e+=$4+$6+$8+$10} /Non-2xx or 3xx/{e+=$NF} END{print e+0}' "$1"; }
requests() { awk '/requests in/{print $1}' "$1"; }

start_apps() {  # manager port
  if [[ $1 == pmd ]]; then
    "$pmctl" start "$here/apps/pid_http.js" --name web -i 2 --port "$2" >/dev/null
    "$pmctl" start "$here/apps/numbered_1k.js" --name lines >/dev/null
  else
    PORT=$2 "$pm2" start "$here/apps/pid_http.js" --name web -i 2 >/dev/null 2>&1
    "$pm2" start "$here/apps/numbered_1k.js" --name lines >/dev/null 2>&1
    "$pm2" save >/dev/null 2>&1
  fi
  wait_port "$2"
  wait_online "$1" 3
}
out_log() { if [[ $1 == pmd ]]; then echo "$PMD_HOME/logs/lines-out.log"; else echo "$PM2_HOME/logs/lines-out.log"; fi; }
daemon_pid() { if [[ $1 == pmd ]]; then cat "$PMD_HOME/pmd.pid"; else cat "$PM2_HOME/pm2.pid"; fi; }

declare -A failed_of replaced_of lost_of torn_of copies_of ms_of requests_of
for step in update kill; do
  for manager in pmd pm2; do
    port=$(free_port)
    start_apps "$manager" "$port"
    wrk -t1 -c20 -d600s "http://127.0.0.1:$port/" >"$work/wrk.out" 2>&1 &
    wrk_pid=$!
    sleep 1
    before=$(pids "$manager") replaced=0 ms=""
    for _ in $(seq "$times"); do
      t0=$(now_ms)
      if [[ $step == update ]]; then
        if [[ $manager == pmd ]]; then "$pmctl" update >/dev/null; else "$pm2" update >/dev/null 2>&1; fi
      else
        kill -9 "$(daemon_pid "$manager")"
        if [[ $manager == pm2 ]]; then "$pm2" resurrect >/dev/null 2>&1; fi
      fi
      wait_online "$manager" 3
      ms+="$(( $(now_ms) - t0 )) "
      after=$(pids "$manager")
      replaced=$(( replaced + $(changed "$before" "$after") ))
      before=$after
      sleep 1
    done
    kill -INT "$wrk_pid"; wait "$wrk_pid" || true
    read -r lost torn _ < <(node "$here/apps/count_lines.js" "$(out_log "$manager")")
    c=$(copies)
    extra=$(( c > 1 ? c - 1 : 0 ))
    e=$(errors "$work/wrk.out") n=$(requests "$work/wrk.out")
    echo "$step × $times, $manager: $e failed of $n requests, $replaced processes replaced, $lost lines lost, $torn torn, $extra extra copies; ms to all online: $ms"
    failed_of[$step-$manager]=$e requests_of[$step-$manager]=$n replaced_of[$step-$manager]=$replaced
    lost_of[$step-$manager]=$lost torn_of[$step-$manager]=$torn copies_of[$step-$manager]=$extra
    ms_of[$step-$manager]=$(median_minmax <<<"$ms")
    if [[ $manager == pmd ]]; then "$pmctl" kill >/dev/null; else "$pm2" kill >/dev/null 2>&1; fi
    bench_extra_cleanup
    rm -f "$(out_log "$manager")"
  done
done

table=$(cat <<TABLE
| $times× each, under wrk -c20 and 1,000 log lines/s | pmd | PM2 $pm2_version |
| --- | --- | --- |
| **update** (\`pmctl update\` / \`pm2 update\`): failed (wrk socket errors + non-2xx) of answered requests | ${failed_of[update-pmd]} of ${requests_of[update-pmd]} | ${failed_of[update-pm2]} of ${requests_of[update-pm2]} |
| update: app processes replaced | ${replaced_of[update-pmd]} | ${replaced_of[update-pm2]} |
| update: log lines lost / torn | ${lost_of[update-pmd]} / ${torn_of[update-pmd]} | ${lost_of[update-pm2]} / ${torn_of[update-pm2]} |
| update: ms until every app is listed online (median, min-max) | ${ms_of[update-pmd]} | ${ms_of[update-pm2]} |
| **kill -9 of the daemon**, then \`pmctl list\` / \`pm2 resurrect\`: failed of answered requests | ${failed_of[kill-pmd]} of ${requests_of[kill-pmd]} | ${failed_of[kill-pm2]} of ${requests_of[kill-pm2]} |
| kill: app processes replaced | ${replaced_of[kill-pmd]} | ${replaced_of[kill-pm2]} |
| kill: log lines lost / torn | ${lost_of[kill-pmd]} / ${torn_of[kill-pmd]} | ${lost_of[kill-pm2]} / ${torn_of[kill-pm2]} |
| kill: extra copies of the fork app left running | ${copies_of[kill-pmd]} | ${copies_of[kill-pm2]} |
| kill: ms from the kill until every app is listed online (median, min-max) | ${ms_of[kill-pmd]} | ${ms_of[kill-pm2]} |
TABLE
)
mkdir -p "$here/results"
out="$here/results/$(date +%Y-%m-%d)-survive$suffix.md"
{
  echo "# The manager dies or is upgraded: pmd vs PM2 — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $machine. Command: \`bench/survive.sh$flag\`. Apps: bench/apps/pid_http.js (2 instances, cluster mode in both), bench/apps/numbered_1k.js (fork mode). A replaced process is a pid that changed; lines are counted in the fork app's out log by bench/apps/count_lines.js."
  echo
  echo "$table"
} > "$out"
echo
cat "$out"
