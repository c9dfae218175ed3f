"""Compile the Qt Linguist sources resources/i18n/*.ts into .qm files with lrelease.

The .qm files are build products (not in git). Three places make them:
packaging/setup.sh after pip install (into resources/i18n, for a checkout and an
editable install), setup.py's build step (into the wheel's app/resources/i18n) and
packaging/mimo-desktop.spec (into the bundle). All three use this file.

    python packaging/compile_translations.py [SOURCE_DIR] [--out OUT_DIR]

lrelease comes from, in this order: $MIMO_LRELEASE, the PySide6 package importable by
this Python (its wheel ships the binary), ``pyside6-lrelease`` or ``lrelease`` on PATH.
Stdlib only: setup.py loads this file by path inside pip's isolated build environment.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO / "resources" / "i18n"


class LreleaseMissing(RuntimeError):
    """No lrelease binary was found."""


def find_lrelease() -> list[str] | None:
    """The command that runs lrelease, or None when there is none."""
    configured = os.environ.get("MIMO_LRELEASE")
    if configured:
        return [configured]
    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.origin is not None:
        name = "lrelease.exe" if sys.platform == "win32" else "lrelease"
        # macOS wheels keep it in Qt/libexec or as an app bundle; Linux and Windows beside.
        for candidate in (
            Path(spec.origin).parent / name,
            Path(spec.origin).parent / "Qt" / "libexec" / name,
        ):
            if candidate.is_file():
                return [str(candidate)]
    for tool in ("pyside6-lrelease", "lrelease"):
        found = shutil.which(tool)
        if found:
            return [found]
    return None


def compile_translations(source: Path, out: Path | None = None) -> list[Path]:
    """Compile every ``*.ts`` in ``source`` to ``<out>/<name>.qm`` (``out`` defaults to ``source``).

    Returns:
        The .qm files written; empty when ``source`` holds no .ts file.

    Raises:
        LreleaseMissing: There are .ts files but no lrelease.
        subprocess.CalledProcessError: lrelease failed on a file.
    """
    sources = sorted(source.glob("*.ts")) if source.is_dir() else []
    if not sources:
        return []
    command = find_lrelease()
    if command is None:
        raise LreleaseMissing(
            "lrelease not found: install PySide6-Essentials (pyside6-lrelease) or set MIMO_LRELEASE"
        )
    target = source if out is None else out
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for ts_file in sources:
        qm_file = target / f"{ts_file.stem}.qm"
        subprocess.run(
            [*command, "-silent", str(ts_file), "-qm", str(qm_file)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        written.append(qm_file)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, help="where the .qm files go (default: SOURCE)")
    args = parser.parse_args(argv)
    try:
        written = compile_translations(args.source, args.out)
    except LreleaseMissing as error:
        print(f"compile_translations: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"compile_translations: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
