"""House rules that a reviewer would otherwise have to remember: lint, types, layers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "app/api": ("PySide6", "qasync", "app.core", "app.ui", "app.audio"),
    "app/core": ("PySide6.QtWidgets", "app.ui", "app.audio"),
    "app/audio": ("PySide6.QtWidgets", "app.ui"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_only_what_lies_below_them(layer: str) -> None:
    offences = []
    for path in sorted((REPO / layer).rglob("*.py")):
        for name in imported_modules(path):
            if name.startswith(FORBIDDEN[layer]):
                offences.append(f"{path.relative_to(REPO)} imports {name}")
    assert offences == []


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_ruff_finds_nothing() -> None:
    lint = run_tool("ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    formatted = run_tool("ruff", "format", "--check", ".")
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_mypy_strict_passes_on_app() -> None:
    result = run_tool("mypy", "--no-incremental", "app")
    assert result.returncode == 0, result.stdout + result.stderr
