#!/usr/bin/env bash
# Cluster mode, pmd vs PM2, on the same plain Node http app (bench/apps/hello_http.js) with wrk
# on 127.0.0.1:
#   1. requests/s and p99 latency of a 2-instance cluster under pmd, under PM2, and of one bare
#      node process;
#   2. ten reloads, then ten restarts, under continuous load: wrk's error counts for each manager;
#   3. ten reloads of an app with the SIGINT -> server.close() handler PM2's docs recommend.
# Repeated, alternating the managers; medians with min-max.
#
#   bench/cluster.sh            3 repetitions, 10 s throughput runs
#   bench/cluster.sh --quick    1 repetition, 3 s runs: proves the harness works
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
quick=0 suffix="" flag=""
if [[ "${1:-}" == "--quick" ]]; then quick=1 suffix="-quick" flag=" --quick"; fi
reps=3 seconds=10 reloads=10 connections=50
if ((quick)); then reps=1 seconds=3; fi

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)..."
  apt-get install -y -qq wrk >/dev/null
fi
source "$here/common.sh"
app="$here/apps/hello_http.js"
single_pid=""
bench_extra_cleanup() { [[ -n $single_pid ]] && kill "$single_pid" 2>/dev/null || true; }

start_cluster() {  # manager port [app]
  local script=${3:-$app}
  if [[ $1 == pmd ]]; then PORT=$2 "$pmctl" start "$script" --name web -i 2 >/dev/null
  else PORT=$2 "$pm2" start "$script" --name web -i 2 >/dev/null 2>&1; fi
  wait_port "$2"
}
stop_cluster() {
  if [[ $1 == pmd ]]; then "$pmctl" delete web >/dev/null; else "$pm2" delete web >/dev/null 2>&1; fi
}
verb_cluster() {  # manager reload|restart
  if [[ $1 == pmd ]]; then "$pmctl" "$2" web >/dev/null; else "$pm2" "$2" web >/dev/null 2>&1; fi
}
rps() { awk '/^Requests\/sec:/{printf "%d", $2}' "$1"; }
# p99 from wrk --latency, in ms ("1.23ms", "12.5us", "1.02s").
p99() { awk '$1=="99%"{v=$2; if (v ~ /us$/) {sub("us","",v); v/=1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v*=1000}; printf "%.2f", v}' "$1"; }
# Every request that did not get a whole 2xx/3xx answer: socket errors plus non-2xx/3xx.
errors() { awk '/Socket errors:/{gsub(",","");e+=$4+$6+$8+$10} /Non-2xx or 3xx/{e+=$NF} END{print e+0}' "$1"; }
requests() { awk '/requests in/{print $1}' "$1"; }

throughput() {  # port -> "requests/s p99_ms"
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://127.0.0.1:$1/" >"$work/wrk.out" 2>&1
  echo "$(rps "$work/wrk.out") $(p99 "$work/wrk.out")"
}
verb_under_load() {  # manager port reload|restart -> "errors requests seconds"
  wrk -t1 -c20 -d600s "http://127.0.0.1:$2/" >"$work/wrk-reload.out" 2>&1 &
  local wrk_pid=$! start end
  sleep 1
  start=$(date +%s.%N)
  for _ in $(seq "$reloads"); do verb_cluster "$1" "$3"; done
  end=$(date +%s.%N)
  sleep 1
  kill -INT "$wrk_pid"
  wait "$wrk_pid" || true
  echo "$(errors "$work/wrk-reload.out") $(requests "$work/wrk-reload.out") $(awk -v a="$end" -v b="$start" 'BEGIN{printf "%.1f", a-b}')"
}

declare -A rps_of p99_of errors_of took_of
for rep in $(seq "$reps"); do
  order="pmd pm2"; (( rep % 2 == 0 )) && order="pm2 pmd"
  for manager in $order; do
    port=$(free_port)
    start_cluster "$manager" "$port"
    read -r r p < <(throughput "$port")
    rps_of[$manager]+="$r " p99_of[$manager]+="$p "
    echo "rep $rep $manager: $r req/s, p99 $p ms"
    for verb in reload restart; do
      read -r e n t < <(verb_under_load "$manager" "$port" "$verb")
      echo "rep $rep $manager: $reloads ${verb}s under load in ${t}s: $e failed of $n requests"
      errors_of[$manager,$verb]+="$e " took_of[$manager,$verb]+="$t "
    done
    stop_cluster "$manager"
    # The same reloads of an app with its own SIGINT -> server.close() handler.
    port=$(free_port)
    start_cluster "$manager" "$port" "$here/apps/close_on_sigint.js"
    read -r e n t < <(verb_under_load "$manager" "$port" reload)
    echo "rep $rep $manager: $reloads reloads of the SIGINT-handler app under load in ${t}s: $e failed of $n requests"
    errors_of[$manager,handler]+="$e "
    stop_cluster "$manager"
  done
  port=$(free_port)
  PORT=$port node "$app" >/dev/null & single_pid=$!
  wait_port "$port"
  read -r r p < <(throughput "$port")
  kill "$single_pid"; wait "$single_pid" 2>/dev/null || true; single_pid=""
  echo "rep $rep single node process: $r req/s, p99 $p ms"
  rps_of[single]+="$r " p99_of[single]+="$p "
done

ratio=$(awk -v a="$(median <<<"${rps_of[pmd]}")" -v b="$(median <<<"${rps_of[pm2]}")" 'BEGIN{printf "%.2f", a/b}')
table=$(cat <<TABLE
| figure (median, min-max over $reps runs) | pmd | PM2 $pm2_version | one node process |
| --- | --- | --- | --- |
| requests/s, 2 instances, wrk -t2 -c$connections ${seconds}s | $(median_minmax <<<"${rps_of[pmd]}") | $(median_minmax <<<"${rps_of[pm2]}") | $(median_minmax <<<"${rps_of[single]}") |
| p99 latency (ms), same run | $(median_minmax <<<"${p99_of[pmd]}") | $(median_minmax <<<"${p99_of[pm2]}") | $(median_minmax <<<"${p99_of[single]}") |
| failed requests during $reloads reloads under load (wrk -c20) | $(median_minmax <<<"${errors_of[pmd,reload]}") | $(median_minmax <<<"${errors_of[pm2,reload]}") | - |
| seconds for $reloads reloads | $(median_minmax <<<"${took_of[pmd,reload]}") | $(median_minmax <<<"${took_of[pm2,reload]}") | - |
| failed requests during $reloads reloads, app with its own \`SIGINT\` → \`server.close()\` handler (bench/apps/close_on_sigint.js) | $(median_minmax <<<"${errors_of[pmd,handler]}") | $(median_minmax <<<"${errors_of[pm2,handler]}") | - |
| failed requests during $reloads restarts under load (wrk -c20) | $(median_minmax <<<"${errors_of[pmd,restart]}") | $(median_minmax <<<"${errors_of[pm2,restart]}") | - |
| seconds for $reloads restarts | $(median_minmax <<<"${took_of[pmd,restart]}") | $(median_minmax <<<"${took_of[pm2,restart]}") | - |
TABLE
)
machine="$machine, $( (wrk -v 2>&1 || true) | head -1 | awk '{print $1, $2}')"
mkdir -p "$here/results"
out="$here/results/$(date +%Y-%m-%d)-cluster$suffix.md"
{
  echo "# Cluster mode: pmd vs PM2 — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $machine. Command: \`bench/cluster.sh$flag\`. App: bench/apps/hello_http.js (plain http, no shutdown code), 2 instances in cluster mode under each manager; wrk, the managers and the apps share the same cores. Requests/s ratio pmd/PM2: $ratio."
  echo
  echo "$table"
} > "$out"
echo
cat "$out"
