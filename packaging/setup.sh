#!/usr/bin/env bash
# Set up MiMo Desktop on a Debian or Ubuntu machine: the system libraries Qt and audio
# need (apt), then the app in ./.venv (pip), then its translations (lrelease).
# With --test, also what the tests need (an editable install); with --bundle, what
# packaging/build_bundle.sh needs (PyInstaller, binutils, squashfs-tools, a compiler).
#
#   packaging/setup.sh            # then: .venv/bin/mimo-desktop
#   packaging/setup.sh --test     # then: .venv/bin/python -m pytest
#   packaging/setup.sh --bundle   # then: packaging/build_bundle.sh (flags combine)
#
# Elsewhere (no apt-get), it prints the Debian package names and installs the Python
# part only. It is safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
with_bundle=0
for arg in "$@"; do
  case "$arg" in
    --test) with_tests=1 ;;
    --bundle) with_bundle=1 ;;
    *) echo "setup: unknown option $arg (known: --test, --bundle)" >&2; exit 2 ;;
  esac
done

# Qt's xcb platform plugin, fonts, D-Bus (keyring), PortAudio (speech and recording).
# fonts-noto-cjk: without a Chinese font Qt draws Chinese text as empty boxes (~57 MB
# download, 91 MB installed; fonts-wqy-microhei is a 5 MB alternative).
apt_packages=(
  libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6
  libdbus-1-3 libglib2.0-0 libx11-6 libx11-xcb1 libxcb-cursor0 libxcb-icccm4
  libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0
  libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1
  fonts-dejavu-core fonts-noto-cjk libportaudio2
)
if [ "$with_tests" = 1 ]; then
  # desktop-file-utils and appstream: tests/packaging validates the Linux desktop files.
  apt_packages+=(xvfb desktop-file-utils appstream)
fi
if [ "$with_bundle" = 1 ]; then
  # PyInstaller needs objdump (binutils) and a shared libpython (Debian: libpython3.X);
  # the AppImage needs mksquashfs and a compiler with the static FUSE/squashfs libraries
  # for its runtime (packaging/appimage/runtime.c).
  apt_packages+=(
    binutils squashfs-tools desktop-file-utils appstream
    gcc libc6-dev pkg-config libfuse3-dev libsquashfuse-dev zlib1g-dev liblzma-dev
    libzstd-dev liblz4-dev liblzo2-dev
  )
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: MiMo Desktop needs Python 3.11 or newer as '$python' (set PYTHON=...)." >&2
  exit 1
fi
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
  apt_packages+=(python3-venv)
fi
if [ "$with_bundle" = 1 ] && command -v dpkg-query >/dev/null 2>&1; then
  # A Debian python links libpython statically; PyInstaller needs the shared one.
  libpython=$("$python" -c 'import sys; print("libpython%d.%d" % sys.version_info[:2])')
  [ "$(realpath "$(command -v "$python")")" = "/usr/bin/${libpython#lib}" ] \
    && apt_packages+=("$libpython")
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
extras=()
[ "$with_tests" = 1 ] && extras+=(test)
[ "$with_bundle" = 1 ] && extras+=(bundle)
spec="."
[ "${#extras[@]}" -gt 0 ] && spec=".[$(IFS=,; echo "${extras[*]}")]"
if [ "$with_tests" = 1 ]; then
  .venv/bin/python -m pip install -q -e "$spec"
else
  .venv/bin/python -m pip install -q "$spec"
fi
# resources/i18n/*.ts -> *.qm beside them, for a checkout and an editable install (a
# wheel install got its own copy, compiled while pip built the wheel).
.venv/bin/python packaging/compile_translations.py
echo "setup: done"
