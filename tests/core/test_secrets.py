"""Tests of the API-key storage: OS keyring (through a fake backend) and the file fallback."""

from __future__ import annotations

import json
import os
import stat
import traceback
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.errors
import pytest

from app.core.secrets import (
    SERVICE_NAME,
    FileStore,
    KeyringStore,
    SecretStoreError,
    key_name,
    open_secret_store,
)

SECRET = "sk-THIS-IS-THE-SECRET-0123456789"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A fake OS keyring service: passwords in a dict."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


class LowPriorityKeyring(MemoryKeyring):
    priority = 0.5


class LockedKeyring(MemoryKeyring):
    """Every call fails, and the set error even quotes the password."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"could not store {password!r}")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringError("D-Bus said no")


# Defining a KeyringBackend subclass registers it for keyring's auto-detection; take
# the fakes out again so no other test can pick one up as "the system keyring".
for _fake in (MemoryKeyring, LowPriorityKeyring, LockedKeyring):
    keyring.backend.KeyringBackend._classes.discard(_fake)


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _all_exception_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + repr(exc.args)


# --- FileStore -------------------------------------------------------------------------


def test_file_store_round_trip_and_file_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    store = FileStore(path)
    assert store.get("api-key:x") is None
    store.set("api-key:x", SECRET)
    assert _mode(path) == 0o600
    assert FileStore(path).get("api-key:x") == SECRET
    assert json.loads(path.read_text()) == {"api-key:x": SECRET}


def test_file_store_mode_does_not_depend_on_umask(tmp_path: Path) -> None:
    old_umask = os.umask(0)
    try:
        FileStore(tmp_path / "secrets.json").set("a", "b")
    finally:
        os.umask(old_umask)
    assert _mode(tmp_path / "secrets.json") == 0o600


def test_file_store_update_keeps_0600_and_other_entries(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    store = FileStore(path)
    store.set("one", "1")
    store.set("two", "2")
    store.set("one", "uno")
    assert (store.get("one"), store.get("two")) == ("uno", "2")
    assert _mode(path) == 0o600
    assert os.listdir(tmp_path) == ["secrets.json"]


def test_file_store_delete_removes_only_that_entry(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "secrets.json")
    store.set("one", "1")
    store.set("two", "2")
    store.delete("one")
    store.delete("never-there")
    assert store.get("one") is None
    assert store.get("two") == "2"


def test_file_store_rechmods_a_world_readable_file_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"api-key:x": SECRET}))
    os.chmod(path, 0o644)
    assert FileStore(path).get("api-key:x") == SECRET
    assert _mode(path) == 0o600


def test_file_store_creates_a_missing_config_folder(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "new" / "secrets.json")
    store.set("k", "v")
    assert store.get("k") == "v"
    assert _mode(tmp_path / "new") == 0o700


def test_file_store_corrupt_file_is_kept_aside_and_treated_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text("{not json")
    os.chmod(path, 0o600)
    store = FileStore(path)
    assert store.get("k") is None
    bad = list(tmp_path.glob("secrets.json.bad-*"))
    assert len(bad) == 1
    assert _mode(bad[0]) == 0o600
    store.set("k", "v")
    assert store.get("k") == "v"


def test_file_store_warning_names_the_file(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "secrets.json")
    assert store.kind == "file"
    assert store.warning is not None
    assert str(tmp_path / "secrets.json") in store.warning
    assert "No system keyring" in store.warning


# --- KeyringStore ----------------------------------------------------------------------


def test_keyring_store_round_trip_uses_the_service_name() -> None:
    fake = MemoryKeyring()
    store = KeyringStore(fake)
    assert store.kind == "keyring"
    assert store.warning is None
    store.set(key_name("xiaomi"), SECRET)
    assert fake.passwords == {(SERVICE_NAME, "api-key:xiaomi"): SECRET}
    assert store.get("api-key:xiaomi") == SECRET
    store.delete("api-key:xiaomi")
    assert store.get("api-key:xiaomi") is None
    store.delete("api-key:xiaomi")  # deleting a missing entry is fine


def test_keyring_store_without_backend_uses_the_active_keyring(restore_keyring: None) -> None:
    fake = MemoryKeyring()
    keyring.set_keyring(fake)
    KeyringStore().set("n", "v")
    assert fake.passwords == {(SERVICE_NAME, "n"): "v"}


def test_keyring_errors_become_secret_store_errors() -> None:
    store = KeyringStore(LockedKeyring())
    with pytest.raises(SecretStoreError, match=r"Could not read 'n'.*KeyringLocked"):
        store.get("n")
    with pytest.raises(SecretStoreError, match="Could not delete"):
        store.delete("n")


def test_no_secret_value_appears_in_any_exception_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors: list[SecretStoreError] = []
    # The keyring backend's own error text quotes the password.
    with pytest.raises(SecretStoreError, match="PasswordSetError") as info:
        KeyringStore(LockedKeyring()).set("api-key:x", SECRET)
    errors.append(info.value)
    # A real write failure: the temporary file's name is too long for the file system.
    with pytest.raises(SecretStoreError, match="Could not write") as info:
        FileStore(tmp_path / ("s" * 240)).set("api-key:x", SECRET)
    errors.append(info.value)
    # An OS error whose text quotes the data being written (other entries included).
    store = FileStore(tmp_path / "secrets.json")
    store.set("api-key:old", "tp-OTHER-SECRET")

    def leaky_write(path: Path, data: bytes, mode: int) -> None:
        raise OSError(f"disk full while writing {data!r}")

    monkeypatch.setattr("app.core.secrets.atomic_write_bytes", leaky_write)
    with pytest.raises(SecretStoreError, match="disk full") as info:
        store.set("api-key:x", SECRET)
    errors.append(info.value)
    for exc in errors:
        assert exc.__cause__ is None
        assert exc.__context__ is None
        text = _all_exception_text(exc)
        assert SECRET not in text
        assert "tp-OTHER-SECRET" not in text


def test_file_store_read_failure_is_a_secret_store_error(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").mkdir()
    with pytest.raises(SecretStoreError, match="not a regular file"):
        FileStore(tmp_path / "secrets.json").get("k")
    assert _mode(tmp_path / "secrets.json") != 0o600  # a folder is never chmodded


def test_key_name_is_per_provider() -> None:
    assert key_name("token-plan-cn") == "api-key:token-plan-cn"


# --- open_secret_store -----------------------------------------------------------------


def test_fail_backend_falls_back_to_file_store_with_warning(
    tmp_path: Path, restore_keyring: None
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = open_secret_store(tmp_path)
    assert isinstance(store, FileStore)
    assert store.kind == "file"
    assert store.warning is not None
    assert str(tmp_path / "secrets.json") in store.warning
    store.set("api-key:x", SECRET)
    assert _mode(tmp_path / "secrets.json") == 0o600


def test_working_active_keyring_is_used(tmp_path: Path, restore_keyring: None) -> None:
    fake = MemoryKeyring()
    keyring.set_keyring(fake)
    store = open_secret_store(tmp_path)
    assert store.kind == "keyring"
    assert store.warning is None
    store.set("api-key:x", SECRET)
    assert fake.passwords[(SERVICE_NAME, "api-key:x")] == SECRET
    assert not (tmp_path / "secrets.json").exists()


def test_explicit_backend_overrides_the_active_one(tmp_path: Path, restore_keyring: None) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    fake = MemoryKeyring()
    store = open_secret_store(tmp_path, backend=fake)
    store.set("k", "v")
    assert fake.passwords == {(SERVICE_NAME, "k"): "v"}


@pytest.mark.parametrize("backend_type", [LowPriorityKeyring, LockedKeyring])
def test_low_priority_or_failing_probe_falls_back_to_file(
    tmp_path: Path, backend_type: type[MemoryKeyring]
) -> None:
    store = open_secret_store(tmp_path, backend=backend_type())
    assert store.kind == "file"


def test_empty_chainer_falls_back_to_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring.backends.chainer.ChainerBackend, "backends", [])
    store = open_secret_store(tmp_path, backend=keyring.backends.chainer.ChainerBackend())
    assert store.kind == "file"


def test_chainer_with_a_working_backend_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = MemoryKeyring()
    monkeypatch.setattr(keyring.backends.chainer.ChainerBackend, "backends", [fake])
    monkeypatch.setattr(keyring.backends.chainer.ChainerBackend, "priority", 10)
    store = open_secret_store(tmp_path, backend=keyring.backends.chainer.ChainerBackend())
    assert store.kind == "keyring"
    store.set("k", "v")
    assert fake.passwords == {(SERVICE_NAME, "k"): "v"}


def test_fakes_are_not_registered_for_auto_detection() -> None:
    viable = set(keyring.backend.KeyringBackend.get_viable_backends())
    assert not viable & {MemoryKeyring, LowPriorityKeyring, LockedKeyring}
