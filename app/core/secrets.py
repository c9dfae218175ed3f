"""Storage for API keys: the OS keyring, or a private file where no keyring works.

All calls are synchronous. Keyring calls may block for a while (Secret Service over
D-Bus, an unlock prompt), so the UI must call them from a worker thread, never from the
GUI thread.

Secret values never appear in log lines or exception messages: errors name the
operation and the entry, not the value, and the original exception (whose text a
backend controls) is not chained.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import time
from pathlib import Path
from typing import Any, Protocol

from app.api.translation import translate
from app.core.paths import PRIVATE_FILE_MODE, atomic_write_bytes

_log = logging.getLogger(__name__)


def _keyring() -> Any:
    """The keyring package, imported on first use.

    Importing it costs ~25 ms; the app first needs it in a worker thread, so start-up
    does not pay for it.
    """
    import keyring
    import keyring.backends.chainer
    import keyring.backends.fail
    import keyring.errors

    return keyring


SERVICE_NAME = "mimo-desktop"
SECRETS_FILE_NAME = "secrets.json"
_PROBE_NAME = "probe:availability"


class SecretStoreError(Exception):
    """A secret could not be read, written or deleted. The message never holds a secret."""


class SecretStore(Protocol):
    """Where API keys are kept.

    Attributes:
        kind: ``"keyring"`` or ``"file"``.
        warning: A warning to show the user (for the file fallback), or None.
    """

    kind: str
    warning: str | None

    def get(self, name: str) -> str | None:
        """The secret called ``name``, or None when there is none."""
        ...

    def set(self, name: str, value: str) -> None:
        """Store ``value`` as ``name``, replacing any earlier value."""
        ...

    def delete(self, name: str) -> None:
        """Remove ``name``; removing a missing entry is not an error."""
        ...


def key_name(provider_id: str) -> str:
    """The secret name of a provider preset's active API key.

    Versions with one key per provider kept their key here; it now mirrors the active
    key of the provider's key list (see :mod:`app.core.api_keys`).
    """
    return f"api-key:{provider_id}"


def _describe(exc: BaseException, *hidden: str | None) -> str:
    """``"<ExceptionType>: <text>"`` with every value in ``hidden`` masked."""
    text = str(exc)
    for value in hidden:
        if value:
            text = text.replace(value, "***")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class KeyringStore:
    """Secrets in the OS keyring under the service name ``mimo-desktop``.

    Args:
        backend: A keyring backend to use; None uses keyring's active backend.
    """

    kind = "keyring"
    warning: str | None = None

    def __init__(self, backend: Any | None = None) -> None:
        self._backend = backend

    def _kr(self) -> Any:
        return self._backend if self._backend is not None else _keyring().get_keyring()

    def get(self, name: str) -> str | None:
        """The secret called ``name`` or None. Raises SecretStoreError on failure."""
        try:
            value = self._kr().get_password(SERVICE_NAME, name)
        except Exception as exc:  # any backend failure
            problem = _describe(exc, None)
        else:
            return None if value is None else str(value)
        raise SecretStoreError(f"Could not read {name!r} from the system keyring ({problem}).")

    def set(self, name: str, value: str) -> None:
        """Store ``value`` as ``name``. Raises SecretStoreError on failure."""
        try:
            self._kr().set_password(SERVICE_NAME, name, value)
        except Exception as exc:  # any backend failure
            problem = _describe(exc, value)
        else:
            return
        raise SecretStoreError(f"Could not save {name!r} in the system keyring ({problem}).")

    def delete(self, name: str) -> None:
        """Remove ``name``; a missing entry is fine. Raises SecretStoreError on failure."""
        try:
            self._kr().delete_password(SERVICE_NAME, name)
        except _keyring().errors.PasswordDeleteError:
            return  # Not there: nothing to delete.
        except Exception as exc:  # any backend failure
            problem = _describe(exc, None)
        else:
            return
        raise SecretStoreError(f"Could not delete {name!r} from the system keyring ({problem}).")


class FileStore:
    """Secrets in a JSON file ``{name: value}``, readable only by the user (mode 0600).

    The fallback where no keyring works. The file is created through ``os.open`` with
    mode 0600 and always replaced atomically by a new 0600 file, so it is never
    readable by others, not even briefly. A file found with a wider mode (say 0644
    after a restore from backup) is re-chmodded to 0600 before it is read. A file that
    is not a JSON object is moved aside as ``secrets.json.bad-<timestamp>`` (still
    0600) and treated as empty.

    Args:
        path: The file, normally ``config_dir/secrets.json``.
    """

    kind = "file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warning: str | None = translate(
            "SecretStore",
            "No system keyring is available; your API keys are stored in {path} "
            "(readable only by you).",
        ).format(path=path)

    def _load(self) -> dict[str, str]:
        problem: str | None = None
        raw = b""
        try:
            info = os.stat(self.path)
            if not stat.S_ISREG(info.st_mode):
                problem = "not a regular file"
            else:
                if stat.S_IMODE(info.st_mode) & 0o077:
                    os.chmod(self.path, PRIVATE_FILE_MODE)
                    _log.warning("%s was readable by others; set its mode to 0600", self.path)
                raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            problem = _describe(exc, None)
        if problem is not None:
            raise SecretStoreError(f"Could not read {self.path} ({problem}).")
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:  # JSON and Unicode errors; their text may quote the file
            data = None
        if not isinstance(data, dict):
            self._keep_aside()
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def _keep_aside(self) -> None:
        target = self.path.with_name(f"{self.path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, target)
        except OSError:
            _log.warning("could not move the corrupt %s aside", self.path)
            return
        _log.warning("%s was corrupt; kept as %s", self.path, target)

    def _store(self, data: dict[str, str]) -> None:
        payload = (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")
        problem: str | None = None
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            atomic_write_bytes(self.path, payload, PRIVATE_FILE_MODE)
        except OSError as exc:
            problem = _describe(exc, *data.values())
        if problem is not None:
            raise SecretStoreError(f"Could not write {self.path} ({problem}).")

    def get(self, name: str) -> str | None:
        """The secret called ``name`` or None. Raises SecretStoreError on failure."""
        return self._load().get(name)

    def set(self, name: str, value: str) -> None:
        """Store ``value`` as ``name``. Raises SecretStoreError on failure."""
        data = self._load()
        data[name] = value
        self._store(data)

    def delete(self, name: str) -> None:
        """Remove ``name``; a missing entry is fine. Raises SecretStoreError on failure."""
        data = self._load()
        if data.pop(name, None) is not None:
            self._store(data)


def _keyring_works(backend: Any) -> bool:
    if isinstance(backend, _keyring().backends.fail.Keyring):
        return False
    if isinstance(backend, _keyring().backends.chainer.ChainerBackend) and not backend.backends:
        return False
    try:
        if backend.priority < 1:
            return False
        backend.get_password(SERVICE_NAME, _PROBE_NAME)
    except Exception:  # any failure means "does not work"
        _log.info("keyring backend %r is not usable", type(backend).__name__, exc_info=True)
        return False
    return True


def open_secret_store(config_dir: Path, *, backend: Any | None = None) -> SecretStore:
    """The keyring store when a keyring works, else the file store with a warning.

    The keyring is rejected when its backend is keyring's ``fail`` backend, a chainer
    with nothing to chain, has a priority below 1, or a probe read raises. May block
    (see the module docstring).

    Args:
        config_dir: The app's config folder (home of the fallback ``secrets.json``).
        backend: The keyring backend to use; None means keyring's active backend.
    """
    chosen = backend if backend is not None else _keyring().get_keyring()
    if _keyring_works(chosen):
        return KeyringStore(backend)
    return FileStore(config_dir / SECRETS_FILE_NAME)
