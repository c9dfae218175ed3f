"""The packaging scripts: valid shell and Python, and CI runs README's test command."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README_TEST_COMMAND = "packaging/setup.sh --test && .venv/bin/python -m pytest"
SHELL_SCRIPTS = [
    "packaging/setup.sh",
    "packaging/build_bundle.sh",
    "packaging/smoke_test.sh",
    "packaging/appimage/AppRun",
    ".ci/run",
]


@pytest.mark.parametrize("script", SHELL_SCRIPTS)
def test_the_script_is_executable_shell_without_syntax_errors(script: str) -> None:
    path = REPO / script
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    checked = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


def test_the_pyinstaller_spec_is_valid_python() -> None:
    spec = REPO / "packaging" / "mimo-desktop.spec"
    compile(spec.read_text(encoding="utf-8"), str(spec), "exec")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert README_TEST_COMMAND in readme
    assert f"'{README_TEST_COMMAND}'" in ci


def test_ci_builds_the_bundle_only_when_asked() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert 'if [ "${MIMO_CI_BUNDLE:-0}" = 1 ]' in ci
    assert "packaging/build_bundle.sh" in ci and "packaging/smoke_test.sh" in ci
