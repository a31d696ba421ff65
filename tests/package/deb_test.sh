#!/usr/bin/env bash
# The .deb, as a user gets it: built with cpack from this build tree, installed with dpkg -i,
# used from the installed paths (pmd, pmctl, the Node preload, the units, bash completion),
# then removed with nothing left behind. Needs root and dpkg; exits 77 (skipped) otherwise.
#   tests/package/deb_test.sh BUILD_DIR FIXTURES_DIR
set -euo pipefail
build=$1 fixtures=$2
if [[ $(id -u) -ne 0 ]] || ! command -v dpkg >/dev/null; then
  echo "skipped: installing a .deb needs root and dpkg"; exit 77
fi
if dpkg-query -W -f='${Status}' pmd 2>/dev/null | grep -q "install ok installed"; then
  echo "skipped: a pmd package is already installed on this machine; not touching it"; exit 77
fi

work=$(mktemp -d /tmp/pmd-deb.XXXXXX)
export PMD_HOME=$work/home
cleanup() {
  /usr/bin/pmctl kill >/dev/null 2>&1 || true
  dpkg -r pmd >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAILED: $*"; exit 1; }
# Polls a command until it succeeds or 20 s pass.
eventually() {
  local deadline=$((SECONDS + 20))
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.1; done
}

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$work"/out/pmd_*.deb)
echo "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i"; }

for f in /usr/bin/pmd /usr/bin/pmctl /usr/lib/pmd/node-preload.js /usr/lib/pmd/pmd-holder /usr/lib/systemd/system/pmd.service \
         /usr/lib/systemd/user/pmd.service /usr/share/bash-completion/completions/pmctl; do
  [[ -f $f ]] || fail "$f is not installed"
done
/usr/bin/pmctl --version | grep -q "^pmctl " || fail "pmctl --version"
/usr/bin/pmd --version | grep -q "^pmd " || fail "pmd --version"
/usr/bin/pmctl ping | grep -q "^pong" || fail "pmctl ping"
# The daemon that answered is the installed one.
[[ $(readlink "/proc/$(cat "$PMD_HOME/pmd.pid")/exe") == /usr/bin/pmd ]] || fail "the daemon is not /usr/bin/pmd"
grep -q "ExecStart=/usr/bin/pmd --no-daemon --resurrect" /usr/lib/systemd/system/pmd.service || fail "unit ExecStart"

# The installed pmd finds its Node preload: an unmodified Node server shares the cluster port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/pmctl start "$fixtures/http_server.js" --name web -i 2 --port "$port" >/dev/null || fail "pmctl start cluster"
eventually sh -c "/usr/bin/pmctl describe web --json | grep -q 'shared socket'" || { /usr/bin/pmctl describe web; fail "the preload did not share the socket"; }
/usr/bin/pmctl save | grep -q "saved 1 app" || fail "pmctl save"

# The installed pmd runs its fd holder from /usr/lib/pmd, and survives kill -9 with the apps.
holder=$(pgrep -P "$(cat "$PMD_HOME/pmd.pid")" -f '^pmd-holder ' | head -1)
[[ $(readlink "/proc/$holder/exe") == /usr/lib/pmd/pmd-holder ]] || fail "the fd holder is not /usr/lib/pmd/pmd-holder"
web_pids=$(/usr/bin/pmctl jlist | python3 -c 'import json,sys; print(sorted(r["pid"] for r in json.load(sys.stdin)))')
kill -9 "$(cat "$PMD_HOME/pmd.pid")"
[[ $(/usr/bin/pmctl jlist | python3 -c 'import json,sys; print(sorted(r["pid"] for r in json.load(sys.stdin)))') == "$web_pids" ]] \
  || fail "after kill -9 of pmd the next one did not adopt the same processes"

# Completion: commands and flags.
reply=$(bash -c 'shopt -s extglob; source /usr/share/bash-completion/completions/pmctl
  COMP_WORDS=(pmctl res); COMP_CWORD=1; _pmctl; echo "${COMPREPLY[*]}"
  COMP_WORDS=(pmctl startup --p); COMP_CWORD=2; _pmctl; echo "${COMPREPLY[*]}"
  COMP_WORDS=(pmctl restart w); COMP_CWORD=2; _pmctl; echo "${COMPREPLY[*]}"')
[[ $reply == *"restart resurrect"* ]] || fail "completion of commands: $reply"
[[ $reply == *"--print"* ]] || fail "completion of flags: $reply"
[[ $reply == *"web"* ]] || fail "completion of app names: $reply"

/usr/bin/pmctl kill >/dev/null || fail "pmctl kill"
dpkg -r pmd >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -r"; }
for f in /usr/bin/pmd /usr/bin/pmctl /usr/lib/pmd /usr/lib/systemd/system/pmd.service /usr/share/bash-completion/completions/pmctl; do
  [[ ! -e $f ]] || fail "$f is still there after dpkg -r"
done
echo "the .deb installed, ran a cluster from /usr/bin, kept it across kill -9 of pmd, completed commands, and was removed cleanly"
