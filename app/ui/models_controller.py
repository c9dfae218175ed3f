"""Keeps the model list fresh from ``GET /models``, falling back to the catalogue."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.api import errors
from app.core.catalogue import merge_remote
from app.core.connection import Connection, NoApiKey
from app.ui.tasks import TaskSet


class ModelsController(QObject):
    """Asks the endpoint which models it serves.

    Signals:
        modelsChanged(list): the models to offer, as ``ModelSpec``s.
        refreshFailed(str): the list could not be fetched (the catalogue stays).
        authFailed(str): the key was rejected.
    """

    modelsChanged = Signal(list)
    refreshFailed = Signal(str)
    authFailed = Signal(str)

    def __init__(self, connection: Connection, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._connection = connection
        self._tasks = TaskSet()

    def refresh(self) -> None:
        self._tasks.start(self._refresh(), name="refresh-models")

    async def _refresh(self) -> None:
        try:
            ids = await self._connection.client().list_models()
        except NoApiKey:
            return
        except errors.AuthError as error:
            self.authFailed.emit(error.message)
            return
        except errors.MimoError as error:
            self.refreshFailed.emit(
                self.tr("Could not refresh the model list: {error}").format(error=error.message)
            )
            return
        self.modelsChanged.emit(merge_remote(ids))
