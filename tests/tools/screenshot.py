"""Take a screenshot of the window with a streamed, markdown-rendered reply.

    python -m tests.tools.screenshot resources/screenshots/chat.png

A second shot, ``chat-speech.png`` beside it, shows the speech panel while it plays
(into a fake sound device, so it works without a sound card).

Runs offscreen (or under Xvfb with QT_QPA_PLATFORM=xcb) against the simulator; used
for README's screenshot and for looking at the window after a change.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter
from PySide6.QtWidgets import QApplication

import tests.tools.harness as harness
from app.assembly import build
from app.audio.backend import OutputDevice
from app.ui.event_loop import AppEventLoop
from app.ui.wiring import AppParts
from tests import media_samples as samples
from tests.audio.fakes import RecordingSink
from tests.sim import Plan, Simulator
from tests.tools.harness import ask_and_wait, simulated_app

QUESTION = "How do I read a file line by line in Python?"
REASONING = (
    "The user wants idiomatic Python. A with-block closes the file; iterating the file "
    "object streams lines without loading the whole file."
)
ANSWER = """Use a `with` block and iterate over the file object: it reads **one line at a time**,
so even a huge file never sits in memory at once.

```python
with open("notes.txt", encoding="utf-8") as f:
    for number, line in enumerate(f, start=1):
        print(number, line.rstrip())
```

| approach | memory | closes the file |
|---|---|---|
| `for line in f` | one line | yes, with `with` |
| `f.readlines()` | whole file | yes, with `with` |

- Pass `encoding=` explicitly: the default depends on the platform.
- `line.rstrip("\\n")` keeps trailing spaces but drops the newline.
"""


async def scenario(app: QApplication, out: Path) -> None:
    plan = Plan(reasoning=REASONING, content=ANSWER)
    async with simulated_app(plan, size=(1200, 800)) as (parts, sim):
        for earlier in ("Plan a weekend in Lisbon", "Explain Rust lifetimes simply"):
            await ask_and_wait(parts, earlier)
            parts.window.new_chat_action.trigger()
        parts.window.model_picker.select("mimo-v2-pro")
        await ask_and_wait(parts, QUESTION)
        main_chat = parts.chat.conversation.id or ""
        parts.chat.regenerate(1)  # a second version: the reply shows "2 / 2"
        while parts.chat.busy:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # let the last layout and paint happen before the grab
        parts.window.grab().save(str(out))
        await speech_shot(parts, out.with_name(f"{out.stem}-speech{out.suffix}"))
        await attachments_shot(parts, out.with_name(f"{out.stem}-attachments{out.suffix}"))
        await tools_shot(parts, sim, out.with_name(f"{out.stem}-tools{out.suffix}"))
        await look_shots(parts, sim, out, main_chat)


SPOKEN = (
    "Use a with block and iterate over the file object: it reads one line at a time, "
    "so even a huge file never sits in memory at once."
)


async def speech_shot(parts: AppParts, out: Path) -> None:
    """The speech panel, half-way through speaking."""
    parts.window.speech_panel_action.trigger()
    panel = parts.window.tts_panel
    panel.text.setPlainText(SPOKEN)
    panel.style_preset.setCurrentIndex(panel.style_preset.findData("Calm"))
    panel.instruction.setText("warmly, not too fast")
    panel.speak_button.click()
    while parts.speech.player.player.elapsed_ms < 1500:
        await asyncio.sleep(0.05)
    parts.window.grab().save(str(out))
    panel.stop_button.click()


async def attachments_shot(parts: AppParts, out: Path) -> None:
    """Omni asked about a photo, a voice clip and a video; three more files in the draft."""
    parts.window.tts_panel.hide()
    parts.window.new_chat_action.trigger()
    parts.window.model_picker.select("mimo-v2-omni")
    folder = Path(tempfile.mkdtemp())
    photo = QImage(640, 427, QImage.Format.Format_RGB32)
    painter = QPainter(photo)
    gradient = QLinearGradient(0, 0, 640, 427)
    gradient.setColorAt(0, QColor("#f59e0b"))
    gradient.setColorAt(1, QColor("#1d4ed8"))
    painter.fillRect(photo.rect(), gradient)
    painter.end()
    photo.save(str(folder / "sunset.png"))
    files = [
        folder / "sunset.png",
        samples.write(folder, "question.wav", samples.audio("WAV", seconds=4.2)),
        samples.write(folder, "harbour.mp4", samples.iso_media(b"isom", 12.0)),
    ]
    attachments = parts.attachments
    attachments.add_paths(files)
    while attachments.count < 3 or attachments.busy():
        await asyncio.sleep(0.02)
    parts.chat.send("What do these show?", attachments.attachments())
    attachments.clear()
    while parts.chat.busy:
        await asyncio.sleep(0.05)
    attachments.add_paths(files)  # the next draft: the chips by the composer
    while attachments.count < 3 or attachments.busy():
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # thumbnails and layout settle
    parts.window.grab().save(str(out))


async def tools_shot(parts: AppParts, sim: Simulator, out: Path) -> None:
    """A reply that called two tools: one ran, the other waits for the user's consent."""
    parts.attachments.clear()
    parts.window.new_chat_action.trigger()
    parts.window.model_picker.select("mimo-v2-pro")
    chat = parts.chat
    chat.apply_settings(replace(chat.settings, tools=("calculate", "current_time")))
    parts.tools.always_allowed = {"calculate"}
    sim.enqueue(
        Plan(
            reasoning="Compute the compound interest, then check today's date.",
            content="Let me work that out.",
            tool_calls=[
                {"name": "calculate", "arguments": '{"expression": "1000 * 1.05 ** 10"}'},
                {"name": "current_time", "arguments": '{"timezone": "Asia/Shanghai"}'},
            ],
        )
    )
    chat.send("What will 1000 at 5% be worth in 10 years, and what is the date in Beijing?")
    while not parts.tools.waiting():
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # the cards settle
    parts.window.grab().save(str(out))
    chat.stop()
    while chat.busy:
        await asyncio.sleep(0.05)


ZH_QUESTION = "用三句话解释什么是向量数据库。"
ZH_ANSWER = """**向量数据库**把文本、图片等数据转换成高维向量来存储。

1. 查询时按向量之间的距离找出*最相似*的内容，而不是逐字匹配。
2. 它常用于语义搜索和检索增强生成（RAG）。

```python
hits = index.search(embed("今天天气怎么样"), k=3)
```
"""


async def look_shots(parts: AppParts, sim: Simulator, out: Path, main_chat: str) -> None:
    """The first chat in the dark theme; a Chinese chat in Chinese, light and dark."""
    window = parts.window
    parts.history.open(main_chat)
    while parts.chat.conversation.id != main_chat:
        await asyncio.sleep(0.05)
    window.theme_actions["dark"].trigger()
    await _settle(parts)
    window.grab().save(str(out.with_name(f"{out.stem}-dark{out.suffix}")))
    window.theme_actions["light"].trigger()
    window.language_actions["zh_CN"].trigger()
    window.new_chat_action.trigger()
    sim.enqueue(Plan(reasoning="先给出定义，再说用途。", content=ZH_ANSWER))
    await ask_and_wait(parts, ZH_QUESTION)
    await _settle(parts)
    window.grab().save(str(out.with_name(f"{out.stem}-zh{out.suffix}")))
    window.theme_actions["dark"].trigger()
    await _settle(parts)
    window.grab().save(str(out.with_name(f"{out.stem}-zh-dark{out.suffix}")))
    window.language_actions["system"].trigger()
    window.theme_actions["system"].trigger()


async def _settle(parts: AppParts) -> None:
    while parts.chat.busy:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # layout and paint


def main() -> int:
    # Sound goes to a fake device that pulls in real time: no sound card needed.
    speakers = [OutputDevice(0, "Speakers", True), OutputDevice(1, "Headphones", False)]
    harness.build = functools.partial(  # type: ignore[assignment]
        build, audio_output=RecordingSink(realtime=True), audio_devices=lambda: speakers
    )
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshot.png")
    out.parent.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    loop = AppEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(scenario(app, out))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
