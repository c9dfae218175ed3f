#!/usr/bin/env bash
# Build MiMo Desktop for Linux from this checkout:
#   dist/mimo-desktop/                          one-folder bundle (PyInstaller)
#   dist/MiMo_Desktop.AppDir/                   the same as an AppDir (AppRun, .desktop, icons)
#   dist/MiMo_Desktop-<version>-<arch>.AppImage the AppDir behind our AppImage runtime
#
#   packaging/setup.sh --bundle && packaging/build_bundle.sh
#
# Needs what `packaging/setup.sh --bundle` installs: PyInstaller in .venv, binutils,
# squashfs-tools, gcc and the static FUSE/squashfuse libraries for the AppImage runtime
# (packaging/appimage/runtime.c; the reference runtime is only on GitHub). A Chinese
# font is copied from the build machine into the bundle (fonts-noto-cjk). Environment:
#   MIMO_BUNDLE_APPIMAGE=0   stop after the AppDir
#   MIMO_BUNDLE_CJK_FONT, MIMO_BUNDLE_LANGUAGES   see packaging/mimo-desktop.spec
# Then: packaging/smoke_test.sh. Timings and sizes: packaging/NOTES.md.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${MIMO_BUNDLE_PYTHON:-.venv/bin/python}  # the venv setup.sh made
app_id=io.github.mimo_desktop.MimoDesktop
arch=$(uname -m)
started=$SECONDS

step() { echo "build_bundle: $* ($(( SECONDS - started )) s)"; }

missing=()
"$python" -c 'import PyInstaller' 2>/dev/null || missing+=("PyInstaller in .venv")
command -v objdump >/dev/null || missing+=("objdump (binutils)")
if [ "${MIMO_BUNDLE_APPIMAGE:-1}" != 0 ]; then
  command -v mksquashfs >/dev/null || missing+=("mksquashfs (squashfs-tools)")
  command -v gcc >/dev/null || missing+=("gcc")
  [ -f /usr/include/squashfuse/ll.h ] || missing+=("libsquashfuse-dev")
  [ -f /usr/include/fuse3/fuse_lowlevel.h ] || missing+=("libfuse3-dev")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "build_bundle: missing ${missing[*]}; run packaging/setup.sh --bundle" >&2
  exit 1
fi
version=$("$python" -c 'import importlib.metadata as m; print(m.version("mimo-desktop"))')

# 1. The one-folder bundle.
step "PyInstaller"
rm -rf dist/mimo-desktop build/pyinstaller
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/mimo-desktop.spec

# Strip debug symbols, except from libraries that auditwheel rewrote with patchelf
# (the *.libs folders and modules whose RUNPATH points there): strip breaks those.
step "strip"
bundle=dist/mimo-desktop
while IFS= read -r -d '' file; do
  case "$file" in *.libs/*) continue ;; esac
  head -c 4 "$file" 2>/dev/null | grep -q 'ELF' || continue
  readelf -S --wide "$file" 2>/dev/null | grep -q ' \.symtab ' || continue
  readelf -d "$file" 2>/dev/null | grep -q 'R[UN]*PATH.*\.libs' && continue
  strip --strip-unneeded "$file"
done < <(find "$bundle" -type f \( -name '*.so' -o -name '*.so.*' \) -print0)

# 2. The AppDir: the bundle in usr/lib, desktop integration files at the standard places.
step "AppDir"
appdir=dist/MiMo_Desktop.AppDir
rm -rf "$appdir"
mkdir -p "$appdir/usr/lib" "$appdir/usr/bin" "$appdir/usr/share/applications" \
  "$appdir/usr/share/metainfo" "$appdir/usr/share/icons/hicolor/scalable/apps" \
  "$appdir/usr/share/icons/hicolor/256x256/apps"
cp -al "$bundle" "$appdir/usr/lib/mimo-desktop"  # hard links: no second copy on disk
ln -s ../lib/mimo-desktop/mimo-desktop "$appdir/usr/bin/mimo-desktop"
cp packaging/appimage/AppRun "$appdir/AppRun"
chmod 755 "$appdir/AppRun"
cp "resources/linux/$app_id.desktop" "$appdir/usr/share/applications/"
cp "resources/linux/$app_id.desktop" "$appdir/"
# appimagetool and AppImageHub look for <id>.appdata.xml; AppStream accepts the name.
cp "resources/linux/$app_id.metainfo.xml" "$appdir/usr/share/metainfo/$app_id.appdata.xml"
cp resources/icons/mimo-desktop.svg "$appdir/usr/share/icons/hicolor/scalable/apps/$app_id.svg"
QT_QPA_PLATFORM=offscreen "$python" packaging/appimage/render_icon.py \
  resources/icons/mimo-desktop.svg 256 "$appdir/usr/share/icons/hicolor/256x256/apps/$app_id.png"
cp "$appdir/usr/share/icons/hicolor/256x256/apps/$app_id.png" "$appdir/$app_id.png"
ln -s "$app_id.png" "$appdir/.DirIcon"
desktop-file-validate "$appdir/$app_id.desktop"
appstreamcli validate-tree --no-net "$appdir" >/dev/null  # metainfo, .desktop and icons together

if [ "${MIMO_BUNDLE_APPIMAGE:-1}" = 0 ]; then
  step "done: $bundle, $appdir ($(du -sh "$bundle" | cut -f1))"
  exit 0
fi

# 3. The AppImage: our runtime, then the squashed AppDir.
step "AppImage runtime"
mkdir -p build/appimage
runtime=build/appimage/runtime-$arch
# shellcheck disable=SC2046  # pkg-config prints several flags
gcc -O2 -Wall -Wextra -std=gnu11 $(pkg-config --cflags fuse3) -o "$runtime" \
  packaging/appimage/runtime.c \
  -Wl,-Bstatic -lsquashfuse_ll -lfuse3 -lzstd -llz4 -llzma -llzo2 -lz -Wl,-Bdynamic \
  -lpthread -ldl
strip "$runtime"
printf 'AI\002' | dd of="$runtime" bs=1 seek=8 conv=notrunc status=none  # type-2 magic

step "mksquashfs"
image=dist/MiMo_Desktop-$version-$arch.AppImage
rm -f build/appimage/AppDir.squashfs "$image"
mksquashfs "$appdir" build/appimage/AppDir.squashfs -root-owned -noappend -no-xattrs \
  -comp zstd -b 1M -quiet -no-progress
cat "$runtime" build/appimage/AppDir.squashfs > "$image"
chmod 755 "$image"
rm build/appimage/AppDir.squashfs
step "done: $bundle ($(du -sh "$bundle" | cut -f1)), $image ($(du -h "$image" | cut -f1))"
