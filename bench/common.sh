# Shared by the bench scripts (sourced): builds pmd in Release into build-bench, installs PM2
# from npm into bench/node_modules (never globally), and gives both managers private homes in a
# temp dir ($work). Sets: here, root, pmctl, pm2, pm2_version, work.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
echo "building pmd (Release)..."
cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DPMD_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-bench" -j "$(nproc)" >/dev/null
pmctl="$root/build-bench/bin/pmctl"
if [[ ! -x "$here/node_modules/.bin/pm2" ]]; then
  echo "installing PM2 from npm into bench/node_modules..."
  npm install --prefix "$here" --no-audit --no-fund --silent pm2@latest >/dev/null
fi
pm2="$here/node_modules/.bin/pm2"
work=$(mktemp -d /tmp/pmd-bench.XXXXXX)
export PMD_HOME="$work/pmd" PM2_HOME="$work/pm2"  # before any pm2 command: it starts a daemon
pm2_version=$("$pm2" --version 2>/dev/null | tail -1)
