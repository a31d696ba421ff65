#!/usr/bin/env bash
# The benchmark harness: every scenario, pmd next to PM2 on the same app and settings, in one run.
# Each scenario script builds pmd in Release (once), installs PM2 from npm into bench/ (never
# globally), gives both managers private homes in a temp dir, alternates their order between
# repetitions, reports medians with min-max, and shuts both down at the end. Load goes to
# 127.0.0.1 only and every scenario is bounded in time.
#
#   bench/run.sh            every scenario, full size (about 2½ hours on 2 cores)
#   bench/run.sh --quick    every scenario once, small: proves the harness works (CI runs it)
#   bench/run.sh idle cli   only these scenarios (same names as the scripts)
#
# Writes each scenario's table to bench/results/<date>-<scenario>[-quick].md and all of them
# together to bench/results/<date>[-quick].md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
flag="" suffix=""
if [[ "${1:-}" == "--quick" ]]; then flag="--quick" suffix="-quick"; shift; fi
# In the order of issue 8's list; balance is pmd's own extra (how connections spread), gunicorn
# the non-Node cluster case (issue 17); web the dashboard's cost next to `pm2 web` (issue 21).
all=(idle cli crash respawn cluster memory flood flood-native balance gunicorn survive scale web)
scenarios=("${all[@]}")
if (($#)); then scenarios=("$@"); fi

# What the scenarios need beyond the build: npm for PM2, wrk and curl for HTTP load, procps
# (free, pgrep, pkill) that a minimal Debian lacks, gnuplot for the cost curves' plots.
need=()
command -v pgrep >/dev/null || need+=(procps)
command -v npm >/dev/null || need+=(npm)
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)  # scale's plots
if ((${#need[@]})); then
  echo "installing ${need[*]} (Debian packages)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

date=$(date +%Y-%m-%d)
combined="$here/results/$date$suffix.md"
mkdir -p "$here/results"
failed=()
for s in "${scenarios[@]}"; do
  [[ -x "$here/$s.sh" ]] || { echo "no scenario '$s' (bench/$s.sh)" >&2; exit 2; }
  echo "=== $s ==="
  if ! "$here/$s.sh" $flag; then failed+=("$s"); fi
done
{
  echo "# pmd vs PM2: all scenarios — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Command: \`bench/run.sh${flag:+ $flag}\`. Each section comes from bench/results/$date-<scenario>$suffix.md (today's run of that scenario, whichever run made it)."
  for s in "${all[@]}"; do
    f="$here/results/$date-$s$suffix.md"
    [[ -f $f ]] || continue
    echo
    sed '1s/^# /## /' "$f"
  done
} > "$combined"
echo "wrote $combined"
if ((${#failed[@]})); then
  echo "scenarios that failed: ${failed[*]}" >&2
  exit 1
fi
