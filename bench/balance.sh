#!/usr/bin/env bash
# How evenly new connections spread over a cluster's instances under pmd's two balance modes
# (one shared socket; one SO_REUSEPORT socket per instance) and under PM2's cluster mode
# (round-robin in its primary), for 2 and 4 instances of a Node app that answers with its pid.
# Each run: 4,000 GETs, each on a new connection, 8 at a time, from bench/apps/count_pids.js.
#
#   bench/balance.sh            3 repetitions
#   bench/balance.sh --quick    1 repetition, 1,000 requests
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=0 suffix="" flag="" reps=3 total=4000
if [[ "${1:-}" == "--quick" ]]; then quick=1 suffix="-quick" flag=" --quick" reps=1 total=1000; fi
source "$here/common.sh"
app="$here/apps/pid_http.js"

# Shares in percent, largest first: "51/49".
shares() { node -e 'const c=JSON.parse(process.argv[1]);const f=c.failed||0;delete c.failed;const t=Object.values(c).reduce((a,b)=>a+b,0);const s=Object.values(c).sort((a,b)=>b-a).map(v=>Math.round(100*v/t));console.log(s.join("/")+(f?` (${f} failed)`:""))' "$1"; }

declare -A results
for rep in $(seq "$reps"); do
  for n in 2 4; do
    for mode in shared reuseport pm2; do
      port=$(free_port)
      if [[ $mode == pm2 ]]; then PORT=$port "$pm2" start "$app" --name spread -i "$n" >/dev/null 2>&1
      else PORT=$port "$pmctl" start "$app" --name spread -i "$n" --balance "$mode" >/dev/null; fi
      wait_port "$port"
      counts=$(node "$here/apps/count_pids.js" "$port" "$total" 8)
      if [[ $mode == pm2 ]]; then "$pm2" delete spread >/dev/null 2>&1; else "$pmctl" delete spread >/dev/null; fi
      s=$(shares "$counts")
      echo "rep $rep, $n instances, $mode: $s"
      results[$mode-$n]+="$s; "
    done
  done
done

mkdir -p "$here/results"
out="$here/results/$(date +%Y-%m-%d)-balance$suffix.md"
{
  echo "# Connection spread over instances — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $machine. Command: \`bench/balance.sh$flag\`. $total requests, each on a new connection, 8 at a time; share of them each instance served, in percent, largest first, one entry per run."
  echo
  echo "| instances | pmd, balance: shared (default) | pmd, balance: reuseport | PM2 $pm2_version cluster |"
  echo "| --- | --- | --- | --- |"
  for n in 2 4; do echo "| $n | ${results[shared-$n]} | ${results[reuseport-$n]} | ${results[pm2-$n]} |"; done
} > "$out"
echo
cat "$out"
