#!/usr/bin/env bash
# gunicorn (Debian's, sync workers) under pmd vs PM2, the way each is used:
#   pmd: 2 instances of `gunicorn -w 2 wsgi_pid:app` in cluster mode from a file with `port` (pmd
#        recognises gunicorn: one shared socket through LISTEN_FDS, SIGTERM, READY=1);
#   PM2: one `gunicorn -w 4 --bind 127.0.0.1:PORT wsgi_pid:app` (`interpreter: none`; PM2's
#        cluster mode is for Node only), the same 4 workers.
# Figures: requests/s with wrk, then failed requests (wrk's socket errors and non-2xx) over 5
# reloads under continuous load. Repeated, alternating the managers; medians with min-max.
#
#   bench/gunicorn.sh            3 repetitions, 10 s throughput runs
#   bench/gunicorn.sh --quick    1 repetition, 3 s runs: proves the harness works
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=0 suffix="" flag=""
if [[ "${1:-}" == "--quick" ]]; then quick=1 suffix="-quick" flag=" --quick"; fi
reps=3 seconds=10 reloads=5 connections=50
if ((quick)); then reps=1 seconds=3; fi
if ! command -v gunicorn >/dev/null || ! command -v wrk >/dev/null; then
  echo "installing gunicorn and wrk (Debian packages)..."
  apt-get install -y -qq --no-install-recommends gunicorn wrk >/dev/null
fi
source "$here/common.sh"
gunicorn=$(command -v gunicorn)

start_server() {  # manager port
  if [[ $1 == pmd ]]; then
    cat >"$work/pmd.config.js" <<JS
module.exports = { apps: [{ name: 'gu', script: '$gunicorn', args: '-w 2 wsgi_pid:app', cwd: '$here/apps',
                            port: $2, instances: 2 }] };
JS
    "$pmctl" start "$work/pmd.config.js" >/dev/null
  else
    cat >"$work/pm2.config.js" <<JS
module.exports = { apps: [{ name: 'gu', script: '$gunicorn', interpreter: 'none', cwd: '$here/apps',
                            args: '-w 4 --bind 127.0.0.1:$2 wsgi_pid:app' }] };
JS
    "$pm2" start "$work/pm2.config.js" >/dev/null 2>&1
  fi
  wait_port "$2"
}
stop_server() {
  if [[ $1 == pmd ]]; then "$pmctl" delete gu >/dev/null; else "$pm2" delete gu >/dev/null 2>&1; fi
}
reload() {
  if [[ $1 == pmd ]]; then "$pmctl" reload gu >/dev/null; else "$pm2" reload gu >/dev/null 2>&1; fi
}
rps() { awk '/^Requests\/sec:/{printf "%d", $2}' "$1"; }
errors() { awk '/Socket errors:/{gsub(",","");e+=$4+$6+$8+$10} /Non-2xx or 3xx/{e+=$NF} END{print e+0}' "$1"; }
requests() { awk '/requests in/{print $1}' "$1"; }

declare -A rps_of errors_of took_of
for rep in $(seq "$reps"); do
  order="pmd pm2"; (( rep % 2 == 0 )) && order="pm2 pmd"
  for manager in $order; do
    port=$(free_port)
    start_server "$manager" "$port"
    wrk -t2 -c"$connections" -d"${seconds}s" "http://127.0.0.1:$port/" >"$work/wrk.out" 2>&1
    r=$(rps "$work/wrk.out")
    wrk -t1 -c20 -d600s "http://127.0.0.1:$port/" >"$work/wrk-reload.out" 2>&1 &
    wrk_pid=$!
    sleep 1
    start=$(date +%s.%N)
    for _ in $(seq "$reloads"); do reload "$manager"; wait_port "$port"; done
    end=$(date +%s.%N)
    sleep 1
    kill -INT "$wrk_pid"; wait "$wrk_pid" || true
    e=$(errors "$work/wrk-reload.out") n=$(requests "$work/wrk-reload.out")
    t=$(awk -v a="$end" -v b="$start" 'BEGIN{printf "%.1f", a-b}')
    echo "rep $rep $manager: $r req/s; $reloads reloads under load in ${t}s: $e failed of $n requests"
    rps_of[$manager]+="$r " errors_of[$manager]+="$e " took_of[$manager]+="$t "
    stop_server "$manager"
  done
done

gunicorn_version=$("$gunicorn" --version 2>&1 | grep -o '[0-9][0-9.]*' | head -1)
table=$(cat <<TABLE
| figure (median, min-max over $reps runs) | pmd: 2 instances × 2 workers, shared socket | PM2 $pm2_version: 1 instance × 4 workers |
| --- | --- | --- |
| requests/s, wrk -t2 -c$connections ${seconds}s | $(median_minmax <<<"${rps_of[pmd]}") | $(median_minmax <<<"${rps_of[pm2]}") |
| failed requests during $reloads reloads under load (wrk -c20) | $(median_minmax <<<"${errors_of[pmd]}") | $(median_minmax <<<"${errors_of[pm2]}") |
| seconds for $reloads reloads | $(median_minmax <<<"${took_of[pmd]}") | $(median_minmax <<<"${took_of[pm2]}") |
TABLE
)
mkdir -p "$here/results"
out="$here/results/$(date +%Y-%m-%d)-gunicorn$suffix.md"
{
  echo "# gunicorn: pmd vs PM2 — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $machine, gunicorn $gunicorn_version (Debian, sync workers). Command: \`bench/gunicorn.sh$flag\`. App: bench/apps/wsgi_pid.py. Under pmd, an ecosystem file with \`port\` and \`instances: 2\` and nothing else; under PM2, gunicorn binds the port itself (\`interpreter: none\`), as PM2 users run it. wrk, the managers and the workers share the same cores."
  echo
  echo "$table"
} > "$out"
echo
cat "$out"
