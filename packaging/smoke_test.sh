#!/usr/bin/env bash
# Start the built app the way a user's machine would, without this checkout's .venv,
# and check that it comes up and shuts down cleanly.
#
#   packaging/smoke_test.sh [BINARY...]
#
# Default binaries: dist/mimo-desktop/mimo-desktop, and dist/*.AppImage when built.
# Each runs under `env -i` (PATH=/usr/bin:/bin, a temporary HOME and TMPDIR) and must
#   1. print "mimo-desktop <version>" for --version;
#   2. started offscreen (start-up probe on, a temporary --data-dir, a dummy key, an API
#      address nothing listens on), print "first-paint <ms>" and then "ready" within
#      MIMO_SMOKE_TIMEOUT seconds (default 60);
#   3. on SIGTERM, close its window and exit with status 0 within 10 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

timeout_s=${MIMO_SMOKE_TIMEOUT:-60}
exit_limit_s=10
version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n 1)

binaries=("$@")
if [ "${#binaries[@]}" -eq 0 ]; then
  binaries=(dist/mimo-desktop/mimo-desktop)
  for image in dist/*.AppImage; do
    [ -f "$image" ] && binaries+=("$image")
  done
fi

fail() {
  echo "smoke_test: FAIL: $*" >&2
  exit 1
}

now() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

smoke() {
  local binary=$1
  [ -x "$binary" ] || fail "$binary: not built (packaging/build_bundle.sh)"
  binary=$(realpath "$binary")
  local tmp
  tmp=$(mktemp -d)
  mkdir "$tmp/home" "$tmp/tmp"
  local clean=(env -i PATH=/usr/bin:/bin HOME="$tmp/home" TMPDIR="$tmp/tmp" LANG=C.UTF-8)

  local printed
  printed=$("${clean[@]}" "$binary" --version 2>"$tmp/stderr") \
    || fail "$binary --version exited with $?: $(cat "$tmp/stderr")"
  [ "$printed" = "mimo-desktop $version" ] \
    || fail "$binary --version printed '$printed', not 'mimo-desktop $version'"

  mkfifo "$tmp/stdout"
  local started
  started=$(now)
  "${clean[@]}" QT_QPA_PLATFORM=offscreen MIMO_DESKTOP_STARTUP_PROBE=1 MIMO_API_KEY=dummy \
    "$binary" --data-dir "$tmp/data" --base-url http://127.0.0.1:9/v1 \
    >"$tmp/stdout" 2>"$tmp/stderr" &
  local pid=$!
  local out
  exec {out}<"$tmp/stdout"

  local line first_paint="" ready="" deadline=$((SECONDS + timeout_s))
  while [ "$SECONDS" -lt "$deadline" ] \
    && IFS= read -r -t "$((deadline - SECONDS))" -u "$out" line; do
    case "$line" in
      "first-paint "*) first_paint=${line#first-paint } ;;
      ready | "ready "*)
        ready=$(elapsed "$started" "$(now)")
        break
        ;;
    esac
  done
  if [ -z "$ready" ]; then
    kill -KILL "$pid" 2>/dev/null || true
    fail "$binary printed no 'ready' within ${timeout_s} s; stderr: $(cat "$tmp/stderr")"
  fi
  [ -n "$first_paint" ] || fail "$binary printed 'ready' without 'first-paint'"

  local stopping status=0
  stopping=$(now)
  kill -TERM "$pid"
  (sleep "$exit_limit_s" && kill -KILL "$pid" 2>/dev/null) &  # a time limit, not a wait
  local watchdog=$!
  wait "$pid" || status=$?
  local stopped
  stopped=$(elapsed "$stopping" "$(now)")
  kill "$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  exec {out}<&-
  [ "$status" -eq 0 ] \
    || fail "$binary exited with $status after SIGTERM (${stopped} s); stderr: $(cat "$tmp/stderr")"

  # An AppImage's FUSE helper unmounts once the app has gone: give it the same limit.
  local until=$((SECONDS + exit_limit_s))
  while grep -qF " $tmp/tmp/" /proc/mounts && [ "$SECONDS" -lt "$until" ]; do
    sleep 0.1
  done
  grep -qF " $tmp/tmp/" /proc/mounts && fail "$binary left its image mounted below $tmp/tmp"
  rm -rf "$tmp"
  echo "smoke_test: ok: $binary: version $version, first-paint ${first_paint} ms," \
    "ready after ${ready} s, exit 0 ${stopped} s after SIGTERM"
}

for binary in "${binaries[@]}"; do
  smoke "$binary"
done
