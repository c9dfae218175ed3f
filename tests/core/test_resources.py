"""The resource helper finds resources/ in a checkout, a wheel install and the bundle."""

from __future__ import annotations

from pathlib import Path

from app.core import resources
from app.core.resources import APP_ID, find_resources_root

REPO = Path(__file__).resolve().parents[2]


def test_a_checkout_uses_the_resources_folder_beside_app() -> None:
    assert resources.resources_root() == REPO / "resources"


def test_the_named_files_exist_in_the_checkout() -> None:
    assert resources.icon_path().is_file()
    assert resources.desktop_file_path().name == f"{APP_ID}.desktop"
    assert resources.desktop_file_path().is_file()
    assert resources.metainfo_path().is_file()
    assert resources.translations_dir() == REPO / "resources" / "i18n"
    assert resources.fonts_dir() == REPO / "resources" / "fonts"


def test_resource_path_joins_parts_below_the_root() -> None:
    assert resources.resource_path("icons", "x.svg") == REPO / "resources" / "icons" / "x.svg"


def test_an_installed_package_uses_its_own_resources_folder(tmp_path: Path) -> None:
    # site-packages/app/resources, as a wheel or the PyInstaller bundle lays it out
    package = tmp_path / "site-packages" / "app"
    (package / "resources" / "icons").mkdir(parents=True)
    assert find_resources_root(package) == package / "resources"


def test_the_packaged_folder_wins_over_a_checkout_layout(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    (tmp_path / "resources").mkdir()
    (tmp_path / "app" / "resources").mkdir(parents=True)
    assert find_resources_root(tmp_path / "app") == tmp_path / "app" / "resources"


def test_a_resources_folder_beside_an_installed_package_is_not_taken(tmp_path: Path) -> None:
    # site-packages/resources belongs to some other distribution: no pyproject.toml there
    (tmp_path / "resources").mkdir()
    (tmp_path / "app").mkdir()
    assert find_resources_root(tmp_path / "app") == tmp_path / "app" / "resources"
