"""Putting a conversation's attachments into the request, off the GUI thread.

:meth:`Conversation.request_turns` gives the text of each turn; here every user turn
with attachments gets its ``content`` replaced by parts (media first, then the text),
each file read and base64-encoded in a worker thread, one file at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.api.content_parts import MediaPart, VideoOptions, openai_content
from app.api.translation import translate
from app.core.conversation import Attachment, Message
from app.core.media import MediaError, MediaKind
from app.core.media_encoding import encode_data_url_async

Progress = Callable[[Attachment, int, int], None]
"""Called with the attachment being encoded, the bytes done and its size."""


class AttachmentUnavailable(Exception):
    """An attached file could not be read or encoded; the text says which and why."""


async def with_media(
    turns: Sequence[tuple[Message | None, dict[str, Any]]],
    *,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """The ``messages`` of the request, with every attachment encoded into its turn.

    Raises:
        AttachmentUnavailable: A file is gone, unreadable or has changed since it was
            attached.
    """
    items: list[dict[str, Any]] = []
    for message, item in turns:
        if message is not None and message.attachments:
            parts = [await _part(attachment, progress) for attachment in message.attachments]
            item = {**item, "content": openai_content(message.content, parts)}
        items.append(item)
    return items


async def _part(attachment: Attachment, progress: Progress | None) -> MediaPart:
    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(attachment, done, total)

    try:
        url = await encode_data_url_async(attachment.path, attachment.mime, progress=report)
    except (OSError, MediaError, ValueError) as error:
        text = translate("RequestMedia", "The attached file {name} could not be sent: {error}")
        raise AttachmentUnavailable(text.format(name=attachment.name, error=error)) from error
    kind: MediaKind = attachment.kind  # type: ignore[assignment]
    options = None
    if kind == "video" and (attachment.fps is not None or attachment.resolution is not None):
        options = VideoOptions(attachment.fps, attachment.resolution)  # type: ignore[arg-type]
    return MediaPart(kind, url, options)
