"""Short conversation titles written by MiMo-V2-Flash (an option, off by default).

The first question becomes the title at once (:func:`app.core.recorder.title_from`);
with the option on, Flash is then asked for a few words that name the conversation.
"""

from __future__ import annotations

from app.api.openai_wire import ChatRequest
from app.core.recorder import shorten_title

TITLE_MODEL = "mimo-v2-flash"
TITLE_PROMPT = (
    "Write a title of 2 to 6 words for a conversation that begins with the user's "
    "message below, in the language of that message. Answer with the title only: no "
    "quotes, no final full stop."
)
QUESTION_CHARS = 2000  # enough to know the topic; keeps the request cheap
_QUOTES = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb`*#"  # straight, curly and angle quotes


def title_request(question: str) -> ChatRequest:
    """The request that asks Flash to name a conversation starting with ``question``."""
    return ChatRequest(
        model=TITLE_MODEL,
        messages=[
            {"role": "system", "content": TITLE_PROMPT},
            {"role": "user", "content": question[:QUESTION_CHARS]},
        ],
        temperature=0.3,
        max_completion_tokens=32,
        thinking=False,
    )


def clean_title(text: str) -> str | None:
    """The model's answer as a title: one line, no quotes or "Title:", not too long."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    title = lines[0]
    if title.lower().startswith("title:"):
        title = title[len("title:") :]
    title = " ".join(title.strip().strip(_QUOTES).strip().rstrip(".。").split())
    return shorten_title(title) if title else None
