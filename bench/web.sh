#!/usr/bin/env bash
# The web dashboard's cost, pmd next to PM2's `pm2 web`, with N idle processes (/bin/sleep, fork
# mode, one ecosystem file):
# - pmd's resident memory with the dashboard off, on at rest (nobody looking), and on while a
#   page watches for WEB_WATCH seconds (what the page asks: the list every 2 s, the selected
#   app's history every 2 s, every instance's sparklines every 10 s); the history's own bytes;
#   how long each of those requests takes;
# - PM2: its daemon's memory, and where `pm2 web` still exists (PM2 7 removed it) its web
#   process's memory and how long its one JSON answer takes.
#
#   bench/web.sh                         1,000 processes, 120 s watched
#   bench/web.sh --quick                 10 processes, 5 s: proves the harness works
#   WEB_COUNTS="100 1000" WEB_WATCH=300 bench/web.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=0 suffix="" flag=""
if [[ "${1:-}" == "--quick" ]]; then quick=1 suffix="-quick" flag=" --quick"; fi
command="bench/web.sh"
for setting in WEB_COUNTS WEB_WATCH; do
  [[ -n "${!setting:-}" ]] && command="$setting=\"${!setting}\" $command"
done
# At rest means nobody looking for two minutes (pmd samples at full pace that long after a look).
counts="${WEB_COUNTS:-1000}" watch=${WEB_WATCH:-120} settle=130
if ((quick)); then counts=10 watch=5 settle=3; fi

source "$here/common.sh"

rss_mib() { awk '/^VmRSS:/{printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
nap="9$$"  # the idle processes sleep this long: this run's own, to find and remove them
ms() { curl -s -o /dev/null -w '%{time_total}' "$@" | awk '{printf "%.1f ", $1 * 1000}'; }

start_idle() {  # manager count
  local eco="$work/idle.config.js" deadline=$(( $(date +%s) + 600 ))
  cat > "$eco" <<JS
module.exports = { apps: [{ name: 'idle', script: '/bin/sleep', args: '$nap', interpreter: 'none',
  exec_mode: 'fork', instances: $2, autorestart: true }] };
JS
  if [[ $1 == pmd ]]; then
    "$pmctl" start "$eco" --force >/dev/null
    until [[ $("$pmctl" list --json | grep -o '"status":"online"' | wc -l) == "$2" ]]; do
      (( $(date +%s) < deadline )) || { echo "pmd: $2 processes not online" >&2; exit 1; }
      sleep 0.5
    done
  else
    "$pm2" start "$eco" >/dev/null 2>&1
    until [[ $("$pm2" jlist 2>/dev/null | grep -o '"status":"online"' | wc -l) -ge "$2" ]]; do
      (( $(date +%s) < deadline )) || { echo "PM2: $2 processes not online" >&2; exit 1; }
      sleep 0.5
    done
  fi
}
stop_all() {
  "$pmctl" kill >/dev/null 2>&1 || true
  "$pm2" kill >/dev/null 2>&1 || true
  pkill -f "^/bin/sleep $nap\$" 2>/dev/null || true
  sleep 2
}

rows=""
for n in $counts; do
  # pmd, dashboard off.
  start_idle pmd "$n"
  sleep "$settle"
  off=$(rss_mib "$(cat "$PMD_HOME/pmd.pid")")
  stop_all
  # pmd, dashboard on: at rest, then watched as a page does.
  port=$(free_port)
  PMD_WEB="127.0.0.1:$port" "$pmctl" ping >/dev/null
  start_idle pmd "$n"
  sleep "$settle"
  pid=$(cat "$PMD_HOME/pmd.pid")
  rest=$(rss_mib "$pid")
  rest_bytes=$("$pmctl" web --json | grep -o '"history_bytes":[0-9]*' | cut -d: -f2)
  url="http://127.0.0.1:$port"
  list_ms="" history_ms="" sparks_ms=""
  end=$(( $(date +%s) + watch )) round=0
  while (( $(date +%s) < end )); do
    list_ms+=$(ms "$url/api/list")
    history_ms+=$(ms "$url/api/history?target=idle&span=600")
    (( round % 5 == 0 )) && sparks_ms+=$(ms "$url/api/history?span=3600&points=60")
    round=$((round + 1))
    sleep 2
  done
  watched=$(rss_mib "$pid")
  watched_bytes=$("$pmctl" web --json | grep -o '"history_bytes":[0-9]*' | cut -d: -f2)
  list_bytes=$(curl -s "$url/api/list" | wc -c)
  sparks_bytes=$(curl -s "$url/api/history?span=3600&points=60" | wc -c)
  stop_all
  # PM2 and `pm2 web` (a process of its own, serving JSON on 9615), where this PM2 still has it
  # (PM2 7 answers "Command not found").
  pm2_daemon="-" pm2_web="-" pm2_ms="" pm2_bytes="-"
  start_idle pm2 "$n"
  pm2_daemon=$(rss_mib "$(cat "$PM2_HOME/pm2.pid")")
  if "$pm2" web >/dev/null 2>&1 && wait_port 9615; then
    sleep 10
    web_pid=$(pgrep -f "HttpInterface" | head -1 || true)
    [[ -n "$web_pid" ]] && pm2_web=$(rss_mib "$web_pid")
    for _ in 1 2 3 4 5; do pm2_ms+=$(ms "http://127.0.0.1:9615/"); sleep 2; done
    pm2_bytes=$(curl -s "http://127.0.0.1:9615/" | wc -c)
  else
    pm2_web="no \`pm2 web\` in PM2 $pm2_version"
  fi
  stop_all
  echo "$n processes: pmd off $off MiB, on at rest $rest MiB (history $rest_bytes B), watched $watched MiB (history $watched_bytes B); PM2 daemon $pm2_daemon MiB + web $pm2_web MiB"
  rows+="| pmd RSS, dashboard off (MiB) | $n | $off | |
| pmd RSS, dashboard on, at rest (MiB) | $n | $rest | history: $rest_bytes bytes |
| pmd RSS, dashboard on, watched ${watch} s (MiB) | $n | $watched | history: $watched_bytes bytes |
| \`GET /api/list\` (ms) | $n | $(median_minmax <<<"$list_ms") | $list_bytes bytes |
| \`GET /api/history\`, one app, 10 min (ms) | $n | $(median_minmax <<<"$history_ms") | |
| \`GET /api/history\`, sparklines of all (ms) | $n | $(median_minmax <<<"$sparks_ms") | $sparks_bytes bytes |
| PM2: daemon + \`pm2 web\` RSS (MiB) | $n | $pm2_daemon + $pm2_web | |
| PM2: \`GET /\` of \`pm2 web\` (ms) | $n | ${pm2_ms:+$(median_minmax <<<"$pm2_ms")} | $pm2_bytes bytes |
"
done

mkdir -p "$here/results"
out="$here/results/$(date +%Y-%m-%d)-web$suffix.md"
{
  echo "# The web dashboard's cost, pmd next to pm2 web — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $machine. Command: \`$command$flag\`. N × \`/bin/sleep\` in fork mode; figures after all are online and ${settle} s of rest; \"watched\": the page's requests for ${watch} s (list and one app's history every 2 s, all sparklines every 10 s), median (min-max) of their times."
  echo
  echo "| figure | processes | value | note |"
  echo "| --- | --- | --- | --- |"
  printf '%s' "$rows"
} > "$out"
echo
cat "$out"
