#!/usr/bin/env bash
# Checks that C++ files follow .clang-format (Debian 12's clang-format 14). With a git ref
# (`scripts/check-format.sh origin/main`), only the files changed since it; without, all of them
# (CI). Prints each file that is not formatted and how to fix it; exits 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null 2>&1 || scripts/install-deps.sh clang-format
if [ $# -gt 0 ]; then
  mapfile -t files < <(git diff --name-only --diff-filter=ACMR "$1" -- '*.h' '*.cpp')
else
  # Every C++ file of the project (found without git, which a bare machine may not have).
  mapfile -t files < <(find common config cli daemon tests bench examples -name '*.h' -o -name '*.cpp' 2>/dev/null | sort)
  if [ ${#files[@]} -eq 0 ]; then
    echo "check-format: found no C++ files to check (run it from a checkout)" >&2
    exit 1
  fi
fi
bad=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f"
    bad=1
  fi
done
if [ "$bad" -ne 0 ]; then
  echo "run: clang-format -i <file> (the style is .clang-format at the root)"
  exit 1
fi
echo "formatting: ${#files[@]} file(s) follow .clang-format"
