#!/usr/bin/env bash
# CLI latency, pmd vs PM2, with 10 and 100 idle processes supervised (/bin/sleep, the same
# ecosystem file): wall time of `pmctl list --json` vs `pm2 jlist` and `pmctl list` vs `pm2 ls`,
# output to /dev/null, each command run 20 times per repetition; next to them what exec'ing
# /bin/true costs on this machine and `pmctl ping`, and pmd alone at 1,000 processes.
#
#   bench/cli.sh            10, 100 and (pmd only) 1,000 processes, 3 repetitions
#   bench/cli.sh --quick    10 processes, 1 repetition, 5 runs per command
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=0 suffix="" flag=""
if [[ "${1:-}" == "--quick" ]]; then quick=1 suffix="-quick" flag=" --quick"; fi
counts="10 100 1000" reps=3 runs=20
if ((quick)); then counts="10" reps=1 runs=5; fi
source "$here/common.sh"

ms_of() {  # command... -> wall milliseconds of each of $runs runs
  # bash's own clock: no process is started to read it, so only the command's fork+exec+run counts.
  local out="" t0 t1
  for _ in $(seq "$runs"); do
    t0=$EPOCHREALTIME; "$@" >/dev/null 2>&1; t1=$EPOCHREALTIME
    out+="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b - a) * 1000}') "
  done
  echo "$out"
}

declare -A ms
for rep in $(seq "$reps"); do
  for n in $counts; do
    eco="$work/idle.config.js"
    cat > "$eco" <<JS
module.exports = { apps: [{ name: 'idle', script: '/bin/sleep', args: 'infinity', interpreter: 'none',
  exec_mode: 'fork', instances: $n }] };
JS
    order="pmd pm2"; (( rep % 2 == 0 )) && order="pm2 pmd"
    ((n >= 1000)) && order="pmd"  # PM2 is measured up to 100 here
    for manager in $order; do
      if [[ $manager == pmd ]]; then
        "$pmctl" start "$eco" --force >/dev/null  # more instances than 4 per CPU, on purpose
        ms[true,$n]+="$(ms_of /bin/true)"
        ms[ping,$n]+="$(ms_of "$pmctl" ping)"
        ms[pmd,json,$n]+="$(ms_of "$pmctl" list --json)"
        ms[pmd,table,$n]+="$(ms_of "$pmctl" list)"
        "$pmctl" kill >/dev/null
      else
        "$pm2" start "$eco" >/dev/null 2>&1
        ms[pm2,json,$n]+="$(ms_of "$pm2" jlist)"
        ms[pm2,table,$n]+="$(ms_of "$pm2" ls)"
        "$pm2" kill >/dev/null 2>&1
      fi
      echo "rep $rep, $n processes, $manager: done"
    done
  done
done

mkdir -p "$here/results"
out="$here/results/$(date +%Y-%m-%d)-cli$suffix.md"
{
  echo "# CLI latency: pmd vs PM2 — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $machine. Command: \`bench/cli.sh$flag\`. Wall time of each command (a new process each time, as a user or a script runs it), output to /dev/null; $runs runs per command per repetition, with N × \`/bin/sleep infinity\` supervised."
  echo
  echo "| figure: ms (median, min-max over $((reps * runs)) runs) | pmd | PM2 $pm2_version | PM2 / pmd |"
  echo "| --- | --- | --- | --- |"
  for n in $counts; do
    echo "| exec of \`/bin/true\` (the floor), $n processes | $(median_minmax <<<"${ms[true,$n]}") | | |"
    echo "| \`pmctl ping\`, $n processes | $(median_minmax <<<"${ms[ping,$n]}") | | |"
    for kind in json table; do
      label="\`pmctl list --json\` vs \`pm2 jlist\`"
      [[ $kind == table ]] && label="\`pmctl list\` vs \`pm2 ls\`"
      pm2_cells="not measured | -"
      if [[ -n "${ms[pm2,$kind,$n]:-}" ]]; then
        pm2_cells="$(median_minmax <<<"${ms[pm2,$kind,$n]}") | $(ratio "$(median <<<"${ms[pmd,$kind,$n]}")" "$(median <<<"${ms[pm2,$kind,$n]}")")"
      fi
      echo "| $label, $n processes | $(median_minmax <<<"${ms[pmd,$kind,$n]}") | $pm2_cells |"
    done
  done
} > "$out"
echo
cat "$out"
