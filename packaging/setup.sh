#!/usr/bin/env bash
# Set up MiMo Desktop on a Debian or Ubuntu machine: the system libraries Qt and audio
# need (apt), then the app in ./.venv (pip). With --test, also what the tests need.
#
#   packaging/setup.sh            # then: .venv/bin/mimo-desktop
#   packaging/setup.sh --test     # then: .venv/bin/python -m pytest
#
# Elsewhere (no apt-get), it prints the Debian package names and installs the Python
# part only. It is safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

# Qt's xcb platform plugin, fonts, D-Bus (keyring), PortAudio (speech and recording).
apt_packages=(
  libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6
  libdbus-1-3 libglib2.0-0 libx11-6 libx11-xcb1 libxcb-cursor0 libxcb-icccm4
  libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0
  libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1
  fonts-dejavu-core libportaudio2
)
if [ "$with_tests" = 1 ]; then
  apt_packages+=(xvfb)
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: MiMo Desktop needs Python 3.11 or newer as '$python' (set PYTHON=...)." >&2
  exit 1
fi
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
  apt_packages+=(python3-venv)
fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
elif ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup: not a Debian system; install the equivalents of: ${apt_packages[*]}" >&2
fi

[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "$with_tests" = 1 ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q .
fi
echo "setup: done"
