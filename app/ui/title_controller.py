"""Asks MiMo-V2-Flash for a conversation's title, in the background."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from app.api import errors
from app.core.connection import Connection, NoApiKey
from app.core.titles import clean_title, title_request
from app.ui.tasks import TaskSet

log = logging.getLogger(__name__)


class TitleController(QObject):
    """Names conversations with Flash; a failure keeps the title made from the question.

    Signals:
        titleSuggested(str, str): a title for the conversation with this id.
    """

    titleSuggested = Signal(str, str)

    def __init__(self, connection: Connection, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._connection = connection
        self._tasks = TaskSet()

    def suggest(self, conv_id: str, question: str) -> None:
        self._tasks.start(self._suggest(conv_id, question), name="title")

    def shutdown(self) -> None:
        self._tasks.cancel_all()

    async def _suggest(self, conv_id: str, question: str) -> None:
        try:
            result = await self._connection.client().complete(title_request(question))
        except (errors.MimoError, NoApiKey) as error:
            log.info("No title from the model: %s", type(error).__name__)
            return
        title = clean_title(result.content)
        if title:
            self.titleSuggested.emit(conv_id, title)
