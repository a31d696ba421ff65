# Shared by the bench scripts (sourced): builds pmd in Release into build-bench, installs PM2
# from npm into bench/node_modules (never globally), and gives both managers private homes in a
# temp dir ($work). Sets: here, root, pmctl, pm2, pm2_version, work.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
echo "building pmd (Release)..."
cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DPMD_BUILD_TESTS=OFF -DPMD_UNITY=ON >/dev/null
cmake --build "$root/build-bench" -j "$(nproc)" >/dev/null
pmctl="$root/build-bench/bin/pmctl"
if [[ ! -x "$here/node_modules/.bin/pm2" ]]; then
  echo "installing PM2 from npm into bench/node_modules..."
  if ! npm install --prefix "$here" --no-audit --no-fund pm2@latest >"$here/npm-install.log" 2>&1; then
    echo "npm could not install PM2; its output:" >&2
    cat "$here/npm-install.log" >&2
    exit 1
  fi
fi
pm2="$here/node_modules/.bin/pm2"
work=$(mktemp -d /tmp/pmd-bench.XXXXXX)
export PMD_HOME="$work/pmd" PM2_HOME="$work/pm2"  # before any pm2 command: it starts a daemon
pm2_version=$("$pm2" --version 2>/dev/null | tail -1)

# Both managers are shut down and the temp dir removed however the script ends. A script with
# more to clean defines bench_extra_cleanup.
bench_cleanup() {
  if declare -F bench_extra_cleanup >/dev/null; then bench_extra_cleanup; fi
  "$pmctl" kill >/dev/null 2>&1 || true
  "$pm2" kill >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap bench_cleanup EXIT

# Waits until something answers HTTP on 127.0.0.1:port (30 s at most).
wait_port() {
  local port=$1 deadline=$(( $(date +%s) + 30 ))
  until curl -sf "http://127.0.0.1:$port/" >/dev/null; do
    (( $(date +%s) < deadline )) || { echo "nothing answers on port $port" >&2; return 1; }
    sleep 0.1
  done
}
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
# Space-separated figures -> "median (min-max)", and the median alone.
median_minmax() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END{m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%s (%s-%s)", m, v[1], v[NR]}'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END{print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}'; }
# b / a as "2.5×" ("-" when a is 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a > 0) printf "%.1f×", b / a; else print "-" }'; }
machine="$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), node $(node --version), PM2 $pm2_version"

# For each repetition, `run_once MANAGER` for the managers given first (a floor, say), then pmd and
# PM2 alternating which goes first; what it prints is appended to ms[MANAGER] (declare -A ms first).
collect_runs() {  # [managers before pmd and PM2...]
  local rep manager out order
  for rep in $(seq "$reps"); do
    order="pmd pm2"; (( rep % 2 == 0 )) && order="pm2 pmd"
    for manager in "$@" $order; do
      out=$(run_once "$manager")
      echo "rep $rep $manager: $out ms"
      ms[$manager]+="$out "
    done
  done
}
