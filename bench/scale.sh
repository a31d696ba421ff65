#!/usr/bin/env bash
# Cost curves: how pmd's and PM2's costs grow with the number of supervised processes. For each
# count, N × /bin/sleep in fork mode from one ecosystem file (the same for both), then:
#   start      seconds from the start command until all N are online
#   rss        the daemon's VmRSS once they are (after a settling pause)
#   cpu        the daemon's CPU at rest over a window, % of one core
#   list       median wall time of `pmctl list --json` / `pm2 jlist` (a new process each time)
#   monit      the resident memory of `pmctl monit` / `pm2 monit` after a few seconds on a terminal
#   stop       seconds for `stop all` to return with every process stopped
# PM2 is measured up to where it copes: a count it cannot bring online within the deadline is
# reported as such, and larger counts are not tried on it. Writes the table and the data to
# bench/results/<date>-scale[-quick].{md,tsv} and, when gnuplot is there, log-log plots to
# bench/results/<date>-scale[-quick].svg.
#
#   bench/scale.sh           10, 100, 1,000 (3 runs each), 5,000 and 10,000 (one run each)
#   bench/scale.sh --quick   10 and 100 once, short windows: proves the harness works
#   SCALE_COUNTS="10 100 1000" SCALE_REPS=1 bench/scale.sh    other counts, one run each
#   SCALE_APPEND=1 SCALE_COUNTS=5000 SCALE_MANAGERS=pmd bench/scale.sh   add to today's runs
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=0 suffix="" flag=""
if [[ "${1:-}" == "--quick" ]]; then quick=1 suffix="-quick" flag=" --quick"; fi
# At rest means nobody looking: pmd samples at full pace for two minutes after a `list` (and
# the wait for "all online" lists), so the CPU window opens after a settle longer than that.
counts="${SCALE_COUNTS:-10 100 1000 5000 10000}" window=30 settle=${SCALE_SETTLE:-130} list_runs=10 deadline_s=600
if ((quick)); then counts="${SCALE_COUNTS:-10 100}" window=3 settle=2 list_runs=3 deadline_s=120; fi
reps_for() { if ((quick || $1 > 1000)); then echo 1; else echo "${SCALE_REPS:-3}"; fi; }

# 10,000 processes need more descriptors than the usual soft limit of 1,024 (pmd keeps a few per
# process: its output pipes, a pidfd, an open /proc stat file) and more pids than some defaults.
ulimit -n "$(ulimit -Hn)"
limits="open files $(ulimit -n) (the hard limit), kernel.pid_max $(cat /proc/sys/kernel/pid_max), threads-max $(cat /proc/sys/kernel/threads-max)"
command -v script >/dev/null || { echo "scale.sh needs script(1) (util-linux) to give monit a terminal" >&2; exit 1; }

source "$here/common.sh"
ticks_per_s=$(getconf CLK_TCK)

# The processes sleep this many seconds: a number of this run's own, so the ones a manager leaves
# behind can be found and removed without touching anything else.
nap="8$$"
bench_extra_cleanup() { pkill -f "^/bin/sleep $nap\$" 2>/dev/null || true; }

count_online() {  # manager -> how many are online (a slow manager's listing may fail: 0)
  if [[ $1 == pmd ]]; then
    "$pmctl" list --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).filter(p=>p.status==="online").length)}catch(e){console.log(0)}})'
  else
    "$pm2" jlist 2>/dev/null | grep '^\[' | tail -1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).filter(p=>p.pm2_env.status==="online").length)}catch(e){console.log(0)}})'
  fi
}
count_running() { pgrep -f "^/bin/sleep $nap\$" | wc -l; }
daemon_pid() { if [[ $1 == pmd ]]; then cat "$PMD_HOME/pmd.pid"; else cat "$PM2_HOME/pm2.pid"; fi; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mib() { awk '/^VmRSS:/{printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN{printf "%.2f", a - b}'; }
ctl() {  # manager args... (output dropped)
  if [[ $1 == pmd ]]; then "$pmctl" "${@:2}" >/dev/null 2>&1; else "$pm2" "${@:2}" >/dev/null 2>&1; fi
}

list_ms() {  # manager -> median ms of list_runs listings
  local runs="" i t0
  for ((i = 0; i < list_runs; i++)); do
    t0=$EPOCHREALTIME
    if [[ $1 == pmd ]]; then "$pmctl" list --json >/dev/null; else "$pm2" jlist >/dev/null 2>&1; fi
    runs+="$(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN{printf "%.1f", (a - b) * 1000}') "
  done
  median <<<"$runs"
}

monit_mib() {  # manager -> RSS (MiB) of its monit after 5 s on a 120x40 terminal
  local cmd pid rss
  if [[ $1 == pmd ]]; then cmd="$pmctl monit"; else cmd="$pm2 monit"; fi
  TERM=xterm-256color COLUMNS=120 LINES=40 script -qfec "stty cols 120 rows 40; exec $cmd" /dev/null \
    </dev/null >/dev/null 2>&1 &
  local runner=$!
  sleep 5
  # The monit process is the newest descendant of script(1) that runs the manager's CLI.
  pid=$(pgrep -n -f "^($pmctl monit|node .*pm2 monit|$pm2 monit)" || true)
  rss=$([[ -n $pid ]] && rss_mib "$pid" || echo "-")
  kill "$runner" 2>/dev/null || true
  [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
  wait "$runner" 2>/dev/null || true
  echo "$rss"
}

measure() {  # manager count -> "start rss cpu list monit stop", or "failed <why>"
  local manager=$1 count=$2 eco="$work/scale.config.js" t0 pid
  # Each process has at least its stdout and stderr pipes open in the manager.
  if (( 2 * count + 64 > $(ulimit -n) )); then
    echo "failed: not measurable here, $count processes need more than $(ulimit -n) open files (the hard limit; raising it needs CAP_SYS_RESOURCE)"
    return
  fi
  # Apps of at most 1,000 instances each (pmd takes at most 4,096 per app).
  node -e '
    const [count, nap] = process.argv.slice(1).map(Number), apps = [];
    for (let left = count, i = 0; left > 0; left -= 1000, i++)
      apps.push({ name: "sleeper-" + i, script: "/bin/sleep", args: String(nap), interpreter: "none",
                  exec_mode: "fork", instances: Math.min(left, 1000), autorestart: true });
    console.log("module.exports = " + JSON.stringify({ apps }, null, 1) + ";");' "$count" "$nap" > "$eco"
  t0=$(now)
  if [[ $manager == pmd ]]; then "$pmctl" start "$eco" --force >/dev/null || { echo "failed: pmctl start"; return; }
  else timeout "$deadline_s" "$pm2" start "$eco" >/dev/null 2>&1 || { echo "failed: pm2 start did not return within ${deadline_s} s"; return; }; fi
  local online=0 end=$(( $(date +%s) + deadline_s ))
  until online=$(count_online "$manager"); [[ $online == "$count" ]]; do
    (( $(date +%s) < end )) || { echo "failed: $online of $count online after ${deadline_s} s"; return; }
    sleep 1
  done
  local start; start=$(since "$t0")
  sleep "$settle"
  pid=$(daemon_pid "$manager")
  local c0 c1; c0=$(cpu_ticks "$pid"); sleep "$window"; c1=$(cpu_ticks "$pid")
  local cpu; cpu=$(awk -v d=$((c1 - c0)) -v w="$window" -v hz="$ticks_per_s" 'BEGIN{printf "%.2f", d / hz / w * 100}')
  local rss; rss=$(rss_mib "$pid")
  local list; list=$(list_ms "$manager")
  local monit; monit=$(monit_mib "$manager")
  t0=$(now)
  if [[ $manager == pmd ]]; then timeout "$deadline_s" "$pmctl" stop all; else timeout "$deadline_s" "$pm2" stop all; fi \
    >/dev/null 2>&1 || true
  local left=$(( $(date +%s) + 60 ))
  while (( $(count_running) > 0 && $(date +%s) < left )); do sleep 0.2; done
  local stop; stop=$(since "$t0")
  echo "$start $rss $cpu $list $monit $stop"
}

# One manager's run at one count; the daemon is killed and leftovers removed after it.
run_one() {  # manager count
  local out; out=$(measure "$1" "$2")
  ctl "$1" kill || true
  bench_extra_cleanup
  echo "$out"
}

tsv="$here/results/$(date +%Y-%m-%d)-scale$suffix.tsv"
mkdir -p "$here/results"
# Every run's figures are kept in bench/results/<date>-scale[-quick]-runs.tsv (a run a manager
# could not finish as "failed" and why); with SCALE_APPEND=1 a later run (other counts, one
# manager) adds to today's, and the table and plots cover them all.
runs_file="$here/results/$(date +%Y-%m-%d)-scale$suffix-runs.tsv"
if [[ ${SCALE_APPEND:-0} == 1 && -f $runs_file ]]; then
  cp "$runs_file" "$work/runs.tsv"
  counts=$(echo $(cut -f2 "$work/runs.tsv" | tail -n +2; echo "$counts") | tr ' ' '\n' | sort -nu | tr '\n' ' ')
else
  echo -e "manager\tprocesses\tstart_s\trss_mib\tcpu_pct\tlist_ms\tmonit_mib\tstop_s" > "$work/runs.tsv"
fi
measured_counts="${SCALE_COUNTS:-$counts}"
if ((quick)); then measured_counts="${SCALE_COUNTS:-10 100}"; fi
managers="${SCALE_MANAGERS:-pmd pm2}"
ok_rows() { awk -F'\t' -v m="$1" -v n="$2" '$1 == m && $2 == n && $3 != "failed"' "$work/runs.tsv"; }
failure() { awk -F'\t' -v m="$1" -v n="$2" '$1 == m && $2 == n && $3 == "failed" {print $4; exit}' "$work/runs.tsv"; }
gave_up_below() {  # manager n -> whether it failed (other than by this machine's limits) at a smaller count
  awk -F'\t' -v m="$1" -v n="$2" '$1 == m && $2 < n && $3 == "failed" && $4 !~ /^not measurable/ {f=1} END{exit !f}' "$work/runs.tsv"
}
for n in $measured_counts; do
  reps=$(reps_for "$n")
  for rep in $(seq "$reps"); do
    order="pmd pm2"; (( rep % 2 == 0 )) && order="pm2 pmd"
    for manager in $order; do
      [[ " $managers " == *" $manager "* ]] || continue
      gave_up_below "$manager" "$n" && continue
      [[ -n $(failure "$manager" "$n") ]] && continue  # a count that failed is not repeated
      result=$(run_one "$manager" "$n")
      echo "rep $rep, $n processes, $manager: $result"
      if [[ $result == failed* ]]; then
        echo -e "$manager\t$n\tfailed\t${result#failed: }" >> "$work/runs.tsv"
        continue
      fi
      read -r s r c l m t <<<"$result"
      echo -e "$manager\t$n\t$s\t$r\t$c\t$l\t$m\t$t" >> "$work/runs.tsv"
    done
  done
done

cp "$work/runs.tsv" "$runs_file"

# Medians per manager and count, one row each: the data the table and the plots come from.
{
  echo -e "manager\tprocesses\tstart_s\trss_mib\tcpu_pct\tlist_ms\tmonit_mib\tstop_s\truns"
  for manager in pmd pm2; do
    for n in $counts; do
      rows=$(ok_rows "$manager" "$n")
      [[ -z $rows ]] && continue
      line="$manager\t$n"
      for col in 3 4 5 6 7 8; do
        line+="\t$(cut -f$col <<<"$rows" | grep -v '^-$' | tr '\n' ' ' | median)"
      done
      echo -e "$line\t$(wc -l <<<"$rows")"
    done
  done
} > "$tsv"

cell() {  # manager n column -> "median (min-max)" over the runs, or why there is none
  local rows why; rows=$(ok_rows "$1" "$2")
  if [[ -z $rows ]]; then
    why=$(failure "$1" "$2")
    if [[ $why == "not measurable"* ]]; then echo "not measurable here"
    elif [[ -n $why ]]; then echo "did not cope"
    elif gave_up_below "$1" "$2"; then echo "not tried"
    else echo "-"; fi
    return
  fi
  cut -f"$3" <<<"$rows" | grep -v '^-$' | tr '\n' ' ' | median_minmax
}
{
  echo "| processes | manager | runs | start all (s) | daemon RSS (MiB) | daemon CPU at rest (% of a core) | list (ms) | monit RSS (MiB) | stop all (s) |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  for n in $counts; do
    for manager in pmd pm2; do
      label=$manager; [[ $manager == pm2 ]] && label="PM2 $pm2_version"
      runs=$(ok_rows "$manager" "$n" | grep -c . || true)
      echo "| $n | $label | $runs | $(cell "$manager" "$n" 3) | $(cell "$manager" "$n" 4) | $(cell "$manager" "$n" 5) | $(cell "$manager" "$n" 6) | $(cell "$manager" "$n" 7) | $(cell "$manager" "$n" 8) |"
    done
  done
} > "$work/table.md"

svg="$here/results/$(date +%Y-%m-%d)-scale$suffix.svg"
plotted=""
if command -v gnuplot >/dev/null; then
  titles=("start all (s)" "daemon RSS (MiB)" "daemon CPU at rest (% of a core)" "list --json / jlist (ms)"
          "monit RSS (MiB)" "stop all (s)")
  {
    echo 'set terminal svg size 1200,800 dynamic font "sans,11"'
    echo "set output '$svg'"
    echo 'set datafile separator "\t"'
    echo 'set logscale x'
    echo 'set grid'
    echo 'set key top left'
    echo 'set xlabel "supervised processes"'
    echo "set multiplot layout 2,3 title 'pmd vs PM2 $pm2_version by number of processes (medians, $(nproc) cores; log-log, CPU on a linear axis)'"
    for i in "${!titles[@]}"; do
      col=$((i + 3))
      echo "set title '${titles[$i]}'"
      # CPU at rest is often 0 at small counts, which a log axis cannot show: linear there.
      least=">"
      if ((col == 5)); then echo 'unset logscale y; set yrange [0:*]'; least=">="; else echo 'set logscale y; set autoscale y'; fi
      echo "plot '$tsv' using (stringcolumn(1) eq 'pmd' ? \$2 : 1/0):(column($col) $least 0 ? column($col) : 1/0) skip 1 with linespoints lw 2 pt 7 title 'pmd', \\"
      echo "     '$tsv' using (stringcolumn(1) eq 'pm2' ? \$2 : 1/0):(column($col) $least 0 ? column($col) : 1/0) skip 1 with linespoints lw 2 pt 5 title 'PM2'"
    done
    echo 'unset multiplot'
  } > "$work/plot.gp"
  gnuplot "$work/plot.gp" && plotted="yes"
fi

out="$here/results/$(date +%Y-%m-%d)-scale$suffix.md"
{
  echo "# Cost curves: pmd vs PM2 by number of processes — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $machine. Command: \`bench/scale.sh$flag\`. Limits: $limits. N × \`/bin/sleep\` in fork mode from one ecosystem file; after all are online and ${settle} s of settling, the daemon's CPU over ${window} s and its VmRSS; \`list\` is the median of $list_runs runs; monit's RSS after 5 s on a 120×40 terminal. Medians (min-max)."
  echo
  cat "$work/table.md"
  failures=$(awk -F'\t' '$3 == "failed"' "$work/runs.tsv")
  if [[ -n $failures ]]; then
    echo
    while IFS=$'\t' read -r manager n _ why; do
      label=$manager; [[ $manager == pm2 ]] && label="PM2"
      echo "- $label at $n processes: $why."
    done <<<"$failures"
  fi
  echo
  echo "Data: \`$(basename "$tsv")\` (medians), \`$(basename "$runs_file")\` (every run)${plotted:+; plots: \`$(basename "$svg")\`}."
} > "$out"
echo
cat "$out"
