#!/usr/bin/env bash
# Log flood, pmd vs PM2: 4 fork-mode instances each write numbered lines as fast as they can into
# one merged log; lines/s to disk, and lines lost or torn (checked line by line).
#
#   bench/flood.sh                    4 instances x 500,000 lines, 3 repetitions
#   bench/flood.sh --quick            4 x 20,000 lines, once
#   bench/flood.sh --native [--quick] 1 instance of a C writer (bench/apps/flood_writer.c) x
#                                     2,000,000 lines (quick: 100,000), next to the same writer
#                                     piped into cat > file: the machine's own rate
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
quick=0 native=0 suffix="" flag=""
for arg in "$@"; do
  case $arg in
    --quick) quick=1 suffix+="-quick" flag+=" --quick" ;;
    --native) native=1 suffix="-native$suffix" flag=" --native$flag" ;;
  esac
done
instances=4 lines=500000 reps=3
if ((native)); then instances=1 lines=2000000; fi
if ((quick)); then lines=$((native ? 100000 : 20000)) reps=1; fi

source "$here/common.sh"

script="$here/apps/flood.js" interpreter=""
if ((native)); then
  script="$work/flood_writer"
  cc -O2 -o "$script" "$here/apps/flood_writer.c"
  interpreter='"interpreter": "none",'
fi

now() { date +%s.%N; }

# Waits until every app of the manager has exited and the log file stopped growing; prints the
# time the file last grew.
wait_done() {
  local manager=$1 file=$2 deadline=$(( $(date +%s) + 300 )) size=-1 grew_at
  grew_at=$(now)
  while (( $(date +%s) < deadline )); do
    local running
    if [[ $manager == pmd ]]; then
      running=$("$pmctl" list --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).filter(p=>p.status!=="stopped").length))')
    else
      # jlist may print daemon messages first: the JSON is the line that starts with '['.
      running=$("$pm2" jlist 2>/dev/null | grep '^\[' | tail -1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).filter(p=>p.pm2_env.status!=="stopped").length)}catch(e){console.log(-1)}})')
    fi
    local new_size
    new_size=$(stat -c %s "$file" 2>/dev/null || echo 0)
    if [[ $new_size != "$size" ]]; then size=$new_size; grew_at=$(now); fi
    # Done once something was written, every app has exited and the file stopped growing.
    if [[ $size -gt 0 && $running == 0 ]] && awk -v a="$(now)" -v b="$grew_at" 'BEGIN{exit !(a-b>1.0)}'; then
      echo "$grew_at"
      return
    fi
    sleep 0.2
  done
  echo "$grew_at"
}

log_flood() {
  # One ecosystem file for both managers: fork mode (PM2's cluster mode relays output over IPC
  # and stalls a writer that waits for 'drain'), merged logs, no restart when the writers finish.
  local manager=$1 rep=$2 file start eco="$work/flood.json"
  # A new name each run: a manager that still holds the previous file open cannot mix them up.
  local name="flood$rep"
  cat > "$eco" <<JSON
{"apps": [{"name": "$name", "script": "$script", $interpreter "instances": $instances, "exec_mode": "fork",
           "merge_logs": true, "autorestart": false, "env": {"FLOOD_LINES": "$lines"}}]}
JSON
  if [[ $manager == pmd ]]; then
    file="$PMD_HOME/logs/$name-out.log"
    start=$(now)
    "$pmctl" start "$eco" >"$work/$name-$manager.start.log" 2>&1
  else
    file="$PM2_HOME/logs/$name-out.log"
    start=$(now)
    "$pm2" start "$eco" >"$work/$name-$manager.start.log" 2>&1
  fi
  end=$(wait_done "$manager" "$file")
  local check
  check=$(node "$here/apps/check_flood.js" "$file" "$instances" "$lines")
  if [[ $check != *'"lost":0,'* ]]; then
    { echo "--- $manager run $rep: $(wc -l < "$file" 2>/dev/null || echo no) lines in $file; start output:"; cat "$work/$name-$manager.start.log"; } >&2
  fi
  local seconds
  seconds=$(awk -v a="$end" -v b="$start" 'BEGIN{printf "%.2f", a-b}')
  echo "$seconds $(node -e "const c=$check;console.log(c.lost, c.torn, c.duplicated, c.reordered)")"
  if [[ $manager == pmd ]]; then "$pmctl" delete all >/dev/null 2>&1 || true; rm -f "$file"; else "$pm2" delete all >/dev/null 2>&1; rm -f "$file"; fi
}


declare -A seconds lost torn
piped=""
for rep in $(seq "$reps"); do
  order="pmd pm2"; (( rep % 2 == 0 )) && order="pm2 pmd"
  for manager in $order; do
    read -r s l t dup reo < <(log_flood "$manager" "$rep")
    echo "rep $rep $manager: ${s}s, lost $l, torn $t, duplicated $dup, reordered $reo"
    seconds[$manager]+="$s "
    lost[$manager]+="$l "
    torn[$manager]+="$((t + dup + reo)) "
  done
  if ((native)); then
    start=$(now)
    FLOOD_LINES=$lines "$script" | cat > "$work/piped.log"
    piped+="$(awk -v a="$(now)" -v b="$start" 'BEGIN{printf "%.2f", a-b}') "
    rm -f "$work/piped.log"
  fi
done

total=$((instances * lines))
row() {  # figure, pmd values, pm2 values, how to compare
  local name=$1 a b
  a=$(tr ' ' '\n' <<<"$2" | grep . | median_minmax)
  b=$(tr ' ' '\n' <<<"$3" | grep . | median_minmax)
  local ma=${a%% *} mb=${b%% *} ratio="-"
  if [[ $4 == time ]] && awk -v x="$ma" 'BEGIN{exit !(x>0)}'; then ratio=$(awk -v x="$ma" -v y="$mb" 'BEGIN{printf "pmd %.1fx faster", y/x}'); fi
  echo "| $name | $a | $b | $ratio |"
}
lps() { for s in $1; do awk -v s="$s" -v t="$total" 'BEGIN{printf "%d ", t/s}'; done; }
table=$(cat <<TABLE
| figure (median, min-max over $reps runs) | pmd | PM2 $pm2_version | ratio |
| --- | --- | --- | --- |
$(row "log flood: seconds until all $total lines are on disk" "${seconds[pmd]}" "${seconds[pm2]}" time)
$(row "log flood: lines/s" "$(lps "${seconds[pmd]}")" "$(lps "${seconds[pm2]}")" none)
$(row "log flood: lines lost" "${lost[pmd]}" "${lost[pm2]}" none)
$(row "log flood: lines torn, duplicated or out of order" "${torn[pmd]}" "${torn[pm2]}" none)
TABLE
)
if ((native)); then
  piped_median=$(tr ' ' '\n' <<<"$piped" | grep . | median_minmax)
  table+=$'\n'"| the same writer piped into \`cat > file\` (seconds) | $piped_median | | |"
fi
mkdir -p "$here/results"
out="$here/results/$(date +%Y-%m-%d)-flood$suffix.md"
{
  echo "# pmd vs PM2 — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $machine. Command: \`bench/flood.sh$flag\`. Workload: $instances instance(s) of $(basename "$script"), each writing $lines numbered lines, merged into one file."
  echo
  echo "$table"
} > "$out"
echo
cat "$out"
