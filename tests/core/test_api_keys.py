"""Several API keys per provider: masking, storage round trips, migration and repairs."""

from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.api_keys import (
    MAX_KEYS,
    MAX_LABEL,
    ActivateKey,
    AddKey,
    ApiKey,
    ApiKeyStore,
    KeyList,
    RemoveKey,
    RenameKey,
    apply_changes,
    index_name,
    mask_key,
    new_key,
    secret_name,
)
from app.core.secrets import SERVICE_NAME, FileStore, KeyringStore, SecretStoreError, key_name
from tests.core.test_secrets import LockedKeyring, MemoryKeyring

DAY = datetime.date(2026, 5, 1)
WORK = "sk-WORK-0123456789abcdefghijklmnopqrstuvwxyzA1B2"
HOME = "sk-HOME-0123456789abcdefghijklmnopqrstuvwxyzC3D4"
THIRD = "sk-THIRD-0123456789abcdefghijklmnopqrstuvwxyzE5"
ALL_SECRETS = (WORK, HOME, THIRD)


def file_keys(tmp_path: Path) -> ApiKeyStore:
    return ApiKeyStore(FileStore(tmp_path / "secrets.json"), today=lambda: DAY)


def entries(tmp_path: Path) -> dict[str, str]:
    return json.loads((tmp_path / "secrets.json").read_text())


def two_keys(store: ApiKeyStore, provider: str = "xiaomi") -> tuple[ApiKey, ApiKey]:
    work = new_key(WORK, "work", today=DAY)
    home = new_key(HOME, "home", taken=[work.id], today=DAY)
    store.update(provider, [AddKey(work, activate=True), AddKey(home)])
    return work, home


# --- masking -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        ("sk-abcdefghijklmnopqrstuvwxyzA1B2", "sk-…A1B2"),
        ("tp-0123456789abcdefXyZ9", "tp-…XyZ9"),
        ("abcdefghijklmnopA1B2", "…A1B2"),  # no dash: no prefix
        ("abcdefghijk-lmnopA1B2", "…A1B2"),  # a dash far in is not a prefix
        ("sk-12345678", "…78"),  # shorter than 12: the last 2 only
        ("abcdef", "…ef"),
        ("abc", "…"),
        ("", "…"),
    ],
)
def test_mask_shows_a_short_prefix_and_the_last_characters(key: str, masked: str) -> None:
    assert mask_key(key) == masked


@given(st.text(min_size=8, max_size=200))
def test_the_masked_form_never_contains_the_key(key: str) -> None:
    masked = mask_key(key)
    assert key not in masked
    assert len(masked) < len(key)
    assert masked.endswith(key[-4:] if len(key) >= 12 else key[-2:])


@given(st.from_regex(r"(sk|tp)-[A-Za-z0-9]{20,60}", fullmatch=True))
def test_a_real_looking_key_keeps_its_kind_visible(key: str) -> None:
    assert mask_key(key) == f"{key[:3]}…{key[-4:]}"


def test_nothing_shows_the_secret_in_a_repr() -> None:
    key = new_key(WORK, "work")
    listed = KeyList((key,), key.id)
    for text in (repr(key), repr(listed), repr(AddKey(key)), str(key)):
        assert WORK not in text
    assert key.title == f"work ({mask_key(WORK)})"
    assert new_key(HOME).title == mask_key(HOME)


# --- the list and its changes ------------------------------------------------------------


def test_removing_the_active_key_activates_the_most_recent_other_one() -> None:
    a, b, c = (new_key(s, taken=["x"]) for s in ALL_SECRETS)
    keys = apply_changes(KeyList(), [AddKey(a), AddKey(b), AddKey(c), ActivateKey(a.id)])
    assert [k.secret for k in keys.keys] == list(ALL_SECRETS)
    assert keys.active == a  # the first key added is active until another is chosen
    assert keys.removed(a.id).active == c
    assert keys.removed(b.id).active == a
    assert keys.removed(a.id).removed(c.id).removed(b.id) == KeyList()


def test_changes_naming_a_missing_key_do_nothing_and_a_known_secret_is_not_repeated() -> None:
    a = new_key(WORK, "work")
    keys = KeyList((a,), a.id)
    same = apply_changes(keys, [ActivateKey("gone"), RenameKey("gone", "x"), RemoveKey("gone")])
    assert same == keys
    again = new_key(WORK, "again")
    assert apply_changes(keys, [AddKey(again)]) == keys
    b = new_key(HOME)
    both = apply_changes(keys, [AddKey(b), AddKey(again, activate=True)])
    assert both.active == a and len(both.keys) == 2


def test_labels_are_one_short_line() -> None:
    key = new_key(WORK, "  my\n work   key  " + "x" * 100)
    assert key.label.startswith("my work key x")
    assert len(key.label) == MAX_LABEL
    assert KeyList((key,)).renamed(key.id, " a\tb ").keys[0].label == "a b"


# --- storage -------------------------------------------------------------------------------


def test_file_store_round_trip_keeps_secrets_out_of_the_index(tmp_path: Path) -> None:
    store = file_keys(tmp_path)
    work, home = two_keys(store)

    loaded = file_keys(tmp_path).load("xiaomi")
    assert loaded.problems == ()
    assert loaded.keys == KeyList((work, home), work.id)
    assert [(k.label, k.added) for k in loaded.keys.keys] == [
        ("work", "2026-05-01"),
        ("home", "2026-05-01"),
    ]
    stored = entries(tmp_path)
    assert stored[secret_name("xiaomi", work.id)] == WORK
    assert stored[secret_name("xiaomi", home.id)] == HOME
    assert stored[key_name("xiaomi")] == WORK  # the active key, where one key used to live
    index = stored[index_name("xiaomi")]
    assert WORK not in index and HOME not in index
    assert json.loads(index) == {
        "version": 1,
        "active": work.id,
        "keys": [
            {"id": work.id, "label": "work", "added": "2026-05-01"},
            {"id": home.id, "label": "home", "added": "2026-05-01"},
        ],
    }
    assert file_keys(tmp_path).load("mimo-v2").keys == KeyList()  # per provider


def test_rotate_rename_and_remove_are_stored(tmp_path: Path) -> None:
    store = file_keys(tmp_path)
    work, home = two_keys(store)

    store.update("xiaomi", [ActivateKey(home.id), RenameKey(work.id, "old work")])
    keys = file_keys(tmp_path).load("xiaomi").keys
    assert keys.active == home
    assert keys.get(work.id) is not None and keys.get(work.id).label == "old work"  # type: ignore[union-attr]
    assert entries(tmp_path)[key_name("xiaomi")] == HOME

    store.update("xiaomi", [RemoveKey(home.id)])  # the active one: the other takes over
    keys = file_keys(tmp_path).load("xiaomi").keys
    assert [k.id for k in keys.keys] == [work.id]
    assert keys.active_id == work.id
    assert secret_name("xiaomi", home.id) not in entries(tmp_path)
    assert entries(tmp_path)[key_name("xiaomi")] == WORK

    store.update("xiaomi", [RemoveKey(work.id)])
    assert file_keys(tmp_path).load("xiaomi").keys == KeyList()
    left = entries(tmp_path)
    assert key_name("xiaomi") not in left
    assert not any(secret in value for value in left.values() for secret in ALL_SECRETS)


def test_keyring_round_trip_uses_one_entry_per_key() -> None:
    fake = MemoryKeyring()
    store = ApiKeyStore(KeyringStore(fake), today=lambda: DAY)
    work, home = two_keys(store, "token-plan-sgp")
    assert ApiKeyStore(KeyringStore(fake)).load("token-plan-sgp").keys == KeyList(
        (work, home), work.id
    )
    assert fake.passwords[(SERVICE_NAME, "api-key:token-plan-sgp")] == WORK
    assert fake.passwords[(SERVICE_NAME, f"api-key:token-plan-sgp/{home.id}")] == HOME
    assert (SERVICE_NAME, "api-keys:token-plan-sgp") in fake.passwords


def test_every_entry_stays_small_enough_for_windows_credentials(tmp_path: Path) -> None:
    store = file_keys(tmp_path)
    changes = [AddKey(new_key(f"sk-{i:02d}" + "k" * 60, "界" * 60)) for i in range(MAX_KEYS)]
    store.update("xiaomi", changes)
    assert len(file_keys(tmp_path).load("xiaomi").keys.keys) == MAX_KEYS
    longest = max(len(value.encode("utf-16-le")) for value in entries(tmp_path).values())
    assert longest <= 2560  # CRED_MAX_CREDENTIAL_BLOB_SIZE


def test_changes_apply_to_what_is_stored_now(tmp_path: Path) -> None:
    store = file_keys(tmp_path)
    work, home = two_keys(store)
    # Another window removed "home" meanwhile; this one renames it and adds a third key.
    store.update("xiaomi", [RemoveKey(home.id)])
    third = new_key(THIRD, "third")
    result = store.update("xiaomi", [RenameKey(home.id, "x"), AddKey(third)])
    assert [k.secret for k in result.keys.keys] == [WORK, THIRD]
    assert result.keys.active == work


# --- migration and repairs -----------------------------------------------------------------


def test_the_single_key_of_older_versions_becomes_the_active_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    FileStore(tmp_path / "secrets.json").set(key_name("xiaomi"), WORK)
    caplog.set_level(logging.DEBUG)

    loaded = file_keys(tmp_path).load("xiaomi")

    assert loaded.problems == ()
    (key,) = loaded.keys.keys
    assert (key.secret, key.label, key.added, loaded.keys.active_id) == (
        WORK,
        "",
        "2026-05-01",
        key.id,
    )
    stored = entries(tmp_path)
    assert stored[key_name("xiaomi")] == WORK  # still there: older versions find it
    assert stored[secret_name("xiaomi", key.id)] == WORK
    assert json.loads(stored[index_name("xiaomi")])["active"] == key.id
    assert file_keys(tmp_path).load("xiaomi").keys == loaded.keys  # migrated once
    assert WORK not in caplog.text


def test_migration_through_the_keyring() -> None:
    fake = MemoryKeyring()
    fake.set_password(SERVICE_NAME, key_name("mimo-v2"), WORK)
    loaded = ApiKeyStore(KeyringStore(fake)).load("mimo-v2")
    assert loaded.keys.active is not None and loaded.keys.active.secret == WORK
    assert (SERVICE_NAME, index_name("mimo-v2")) in fake.passwords


def test_a_key_set_by_an_older_version_joins_the_list_as_the_active_key(tmp_path: Path) -> None:
    two_keys(file_keys(tmp_path))
    FileStore(tmp_path / "secrets.json").set(key_name("xiaomi"), THIRD)  # an old app's save
    keys = file_keys(tmp_path).load("xiaomi").keys
    assert [k.secret for k in keys.keys] == [WORK, HOME, THIRD]
    assert keys.active is not None and keys.active.secret == THIRD


@pytest.mark.parametrize("garbage", ["{not json", "[]", '{"keys": 3}', "null"])
def test_a_corrupt_index_is_rebuilt_from_the_active_key(
    tmp_path: Path, garbage: str, caplog: pytest.LogCaptureFixture
) -> None:
    _work, home = two_keys(file_keys(tmp_path))
    FileStore(tmp_path / "secrets.json").set(index_name("xiaomi"), garbage)

    loaded = file_keys(tmp_path).load("xiaomi")

    assert [k.secret for k in loaded.keys.keys] == [WORK]
    assert loaded.keys.active is not None and loaded.keys.active.secret == WORK
    (problem,) = loaded.problems
    assert "Xiaomi MiMo (pay-as-you-go)" in problem and "could not be read" in problem
    assert json.loads(entries(tmp_path)[index_name("xiaomi")])["version"] == 1  # rewritten
    assert entries(tmp_path)[secret_name("xiaomi", home.id)] == HOME  # kept, unlisted
    assert not any(secret in problem + caplog.text for secret in ALL_SECRETS)


def test_a_corrupt_index_without_an_active_key_gives_an_empty_list(tmp_path: Path) -> None:
    FileStore(tmp_path / "secrets.json").set(index_name("xiaomi"), "{")
    loaded = file_keys(tmp_path).load("xiaomi")
    assert loaded.keys == KeyList()
    assert len(loaded.problems) == 1


def test_unusable_records_are_skipped_and_odd_fields_tolerated(tmp_path: Path) -> None:
    secrets = FileStore(tmp_path / "secrets.json")
    index = {
        "version": 7,
        "active": "aaaa1111",
        "keys": [
            "not an object",
            {"id": "../etc", "label": "bad id"},
            {"id": "aaaa1111", "label": 5, "added": "yesterday"},
            {"id": "aaaa1111", "label": "duplicate"},
            {"id": "bbbb2222", "label": "fine", "added": "2025-12-31", "extra": True},
        ],
    }
    secrets.set(index_name("xiaomi"), json.dumps(index))
    secrets.set(secret_name("xiaomi", "aaaa1111"), WORK)
    secrets.set(secret_name("xiaomi", "bbbb2222"), HOME)
    secrets.set(key_name("xiaomi"), WORK)

    loaded = file_keys(tmp_path).load("xiaomi")

    assert [(k.id, k.label, k.added) for k in loaded.keys.keys] == [
        ("aaaa1111", "", ""),
        ("bbbb2222", "fine", "2025-12-31"),
    ]
    assert loaded.keys.active_id == "aaaa1111"
    assert loaded.problems == ()


def test_a_listed_key_without_its_secret_is_left_out_and_reported(tmp_path: Path) -> None:
    store = file_keys(tmp_path)
    work, home = two_keys(store)
    FileStore(tmp_path / "secrets.json").delete(secret_name("xiaomi", home.id))
    loaded = file_keys(tmp_path).load("xiaomi")
    assert loaded.keys == KeyList((work,), work.id)
    (problem,) = loaded.problems
    assert "home" in problem and "left out" in problem
    assert file_keys(tmp_path).load("xiaomi").problems == ()  # repaired on disk


def test_without_its_active_entry_a_list_has_no_active_key(tmp_path: Path) -> None:
    store = file_keys(tmp_path)
    two_keys(store)
    FileStore(tmp_path / "secrets.json").delete(key_name("xiaomi"))
    keys = file_keys(tmp_path).load("xiaomi").keys
    assert len(keys.keys) == 2 and keys.active is None


class FailingIndexStore(FileStore):
    """Writing any index entry fails, as a crash after the key entries would."""

    def set(self, name: str, value: str) -> None:
        if name.startswith("api-keys:"):
            raise SecretStoreError(f"Could not write {name!r}.")
        super().set(name, value)


def test_a_save_cut_short_before_the_index_still_loads_the_new_active_key(
    tmp_path: Path,
) -> None:
    store = file_keys(tmp_path)
    work, home = two_keys(store)
    broken = ApiKeyStore(FailingIndexStore(tmp_path / "secrets.json"))
    with pytest.raises(SecretStoreError):
        broken.update("xiaomi", [ActivateKey(home.id)])
    keys = file_keys(tmp_path).load("xiaomi").keys
    assert keys.active == home
    assert [k.id for k in keys.keys] == [work.id, home.id]


def test_a_store_that_cannot_be_read_raises_without_quoting_a_secret() -> None:
    with pytest.raises(SecretStoreError) as info:
        ApiKeyStore(KeyringStore(LockedKeyring())).load("xiaomi")
    assert "Could not read" in str(info.value)
    with pytest.raises(SecretStoreError) as info:
        ApiKeyStore(KeyringStore(LockedKeyring())).save(
            "xiaomi", KeyList(), KeyList((new_key(WORK),))
        )
    assert WORK not in str(info.value)
