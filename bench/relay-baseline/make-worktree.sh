#!/usr/bin/env bash
# Makes the relay baseline: a detached worktree of this repository's HEAD at <dir> whose Redis relay
# is the subclass of @hocuspocus/extension-redis 4.7.0 (redis-relay.subclass.ts.txt) instead of our
# own module, everything else the same server. For the two-instance comparison
# (docs/benchmarks.md, "Rerunning the comparison on a quiet machine").
#
# node_modules: a hard-linked copy of the repository's own (cp -al; a plain copy across file
# systems), or `npm ci` when it has none (a fresh clone); the extension is then installed into the
# copy only, with --no-save. The repository's own node_modules is never written to (checked below).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 <new worktree directory>" >&2
  exit 2
fi
target=$(realpath -m "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
if [ -e "$target" ]; then
  echo "$target exists; remove it first (git worktree remove --force $target)" >&2
  exit 1
fi

git -C "$root" worktree add --detach "$target" HEAD

stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT
source_modules=""
if [ -d "$root/node_modules" ]; then source_modules=$(realpath "$root/node_modules"); fi
if [ -n "$source_modules" ]; then
  cp -al "$source_modules" "$target/node_modules" 2>/dev/null || {
    rm -rf "$target/node_modules"
    cp -a "$source_modules" "$target/node_modules"
  }
  # npm rewrites its hidden lockfile in place: the copy gets a file of its own.
  if [ -f "$source_modules/.package-lock.json" ]; then
    cp --remove-destination "$source_modules/.package-lock.json" "$target/node_modules/.package-lock.json"
  fi
else
  (cd "$target" && npm ci --no-audit --no-fund)
fi

(cd "$target" && npm install --no-save --no-audit --no-fund @hocuspocus/extension-redis@4.7.0)

if [ -n "$source_modules" ]; then
  written=$(find "$source_modules" -newer "$stamp" -type f | head -5)
  if [ -n "$written" ]; then
    echo "npm wrote to files shared with $source_modules:" >&2
    echo "$written" >&2
    exit 1
  fi
fi

cp "$here/redis-relay.subclass.ts.txt" "$target/src/collab/redis-relay.ts"
echo "relay baseline ready: $target (src/collab/redis-relay.ts is the subclass; git -C $target diff shows it)"
