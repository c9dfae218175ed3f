"""What setup.py puts into the wheel as app/resources (checked without building a wheel).

A real wheel (``pip wheel .``, ``pipx install .``) takes ~15 s, so it is checked by hand;
see packaging/NOTES.md. This runs the same copy and compile step into a folder.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from app.core.resources import find_resources_root

REPO = Path(__file__).resolve().parents[2]


def setup_module_file() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mimo_setup", REPO / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # __name__ is not "__main__": setup() does not run
    return module


def test_the_wheel_gets_the_runtime_resources_and_compiled_translations(
    tmp_path: Path,
) -> None:
    package = tmp_path / "site-packages" / "app"
    target = package / "resources"
    written = setup_module_file().package_resources(REPO / "resources", target)

    files = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert "icons/mimo-desktop.svg" in files
    assert "linux/io.github.mimo_desktop.MimoDesktop.desktop" in files
    assert "linux/io.github.mimo_desktop.MimoDesktop.metainfo.xml" in files
    assert {p.name for p in written} == {
        f"{ts.stem}.qm" for ts in (REPO / "resources" / "i18n").glob("*.ts")
    }
    assert all(p.is_file() for p in written)
    assert not any(name.startswith("screenshots/") for name in files)
    assert not any(name.endswith((".ts", ".md")) for name in files)
    assert find_resources_root(package) == target
