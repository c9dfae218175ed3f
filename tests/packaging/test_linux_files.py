"""The .desktop entry and AppStream metainfo: valid, and consistent with the project."""

from __future__ import annotations

import configparser
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

from app.core.resources import APP_ID, desktop_file_path, icon_path, metainfo_path

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
RAW_URL = "https://raw.githubusercontent.com/mimo-desktop/mimo-desktop/main/"


def run(*command: str) -> subprocess.CompletedProcess[str]:
    # desktop-file-utils and appstream come from packaging/setup.sh --test (apt).
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(desktop_file_path(), encoding="utf-8")
    return parser["Desktop Entry"]


def metainfo() -> ET.Element:
    return ET.parse(metainfo_path()).getroot()


def test_desktop_file_validate_accepts_the_desktop_entry() -> None:
    result = run("desktop-file-validate", str(desktop_file_path()))
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_appstreamcli_accepts_the_metainfo_strictly() -> None:
    result = run("appstreamcli", "validate", "--no-net", "--strict", str(metainfo_path()))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_desktop_entry_starts_the_installed_command_with_the_app_icon() -> None:
    entry = desktop_entry()
    assert entry["Exec"].split()[0] in PYPROJECT["project"]["scripts"]
    assert entry["Icon"] == APP_ID
    assert desktop_file_path().name == f"{APP_ID}.desktop"
    assert icon_path().is_file()


def test_the_metainfo_names_the_app_id_its_launcher_and_its_command() -> None:
    root = metainfo()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == desktop_file_path().name
    binaries = [b.text for b in root.iter("binary")]
    assert binaries == list(PYPROJECT["project"]["scripts"])
    assert root.find("content_rating") is not None


def test_the_newest_release_is_the_project_version() -> None:
    releases = metainfo().find("releases")
    assert releases is not None
    newest = releases.find("release")
    assert newest is not None
    assert newest.get("version") == PYPROJECT["project"]["version"]


def test_every_screenshot_url_points_at_a_screenshot_in_the_repository() -> None:
    urls = [image.text or "" for image in metainfo().iter("image")]
    assert urls
    for url in urls:
        assert url.startswith(RAW_URL), url
        assert (REPO / url.removeprefix(RAW_URL)).is_file(), url
