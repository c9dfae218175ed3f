"""Build hook: the wheel carries resources/ as app/resources, translations compiled.

The project's metadata is in pyproject.toml; this file only extends setuptools'
build_py step. ``resources/`` (icons, Linux desktop files, themes, fonts) is copied
into the built package as ``app/resources``, where ``app.core.resources`` finds it,
without screenshots and Linguist sources; each ``resources/i18n/*.ts`` becomes a
``.qm`` file there through lrelease (PySide6-Essentials is a build requirement, so
pip's isolated build environment has it). An editable install skips all this: it
uses the checkout's ``resources/``, where packaging/setup.sh compiles the .qm files.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
RESOURCES = HERE / "resources"
TRANSLATIONS_SCRIPT = HERE / "packaging" / "compile_translations.py"
# Not needed at run time: README images, Linguist sources, stale local .qm builds.
IGNORED = shutil.ignore_patterns("screenshots", "*.ts", "*.qm", "README*", ".*")


def _compile_translations(source: Path, out: Path) -> list[Path]:
    spec = importlib.util.spec_from_file_location("mimo_compile_translations", TRANSLATIONS_SCRIPT)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(TRANSLATIONS_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written: list[Path] = module.compile_translations(source, out)
    return written


def package_resources(resources: Path, target: Path) -> list[Path]:
    """Copy ``resources`` to ``target`` for the wheel; the .qm files compiled there.

    Raises:
        Exception: lrelease is missing or failed (the copy itself is complete then).
    """
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(resources, target, ignore=IGNORED)
    return _compile_translations(resources / "i18n", target / "i18n")


class BuildPyWithResources(build_py):
    """build_py, then resources/ into the build as app/resources (not when editable)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False) or not RESOURCES.is_dir():
            return
        target = Path(self.build_lib) / "app" / "resources"
        try:
            written = package_resources(RESOURCES, target)
        except Exception as error:  # a wheel without translations still works (English)
            self.warn(f"translations not compiled: {error}")
            return
        for path in written:
            self.announce(f"compiled {path.relative_to(self.build_lib)}", level=2)


if __name__ == "__main__":  # how pip's build backend runs this file; tests import it
    setup(cmdclass={"build_py": BuildPyWithResources})
