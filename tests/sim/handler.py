"""The request handler of the simulator: routing, auth, replies and fault injection.

Routes: ``/v1/models`` and ``/v1/chat/completions`` (OpenAI-compatible), and
``/anthropic/v1/models`` and ``/anthropic/v1/messages`` (Anthropic-compatible, see
:mod:`tests.sim.anthropic`). Both accept the key as ``Authorization: Bearer`` or
``api-key`` only (``x-api-key`` alone is a 401, as on MiMo).

Streams are written with hand-made ``Transfer-Encoding: chunked`` framing
(:class:`ChunkedWriter`) so a plan controls every HTTP chunk boundary.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlsplit

from tests.sim.anthropic import (
    ANTHROPIC_AUTH_ERROR_BODY,
    ANTHROPIC_ERROR_EVENT,
    PING_PAYLOAD,
    MessagesReply,
    anthropic_error_body,
    messages_problem,
    models_body,
    openai_view,
)
from tests.sim.media import media_problem
from tests.sim.plan import (
    AUTH_ERROR_BODY,
    ERROR_EVENT_PAYLOAD,
    MALFORMED_PAYLOAD,
    Plan,
    RecordedRequest,
    SentEvent,
    dumps,
    error_body,
)
from tests.sim.reply import Reply, StreamEvent
from tests.sim.tts import SpeechReply, is_speech_request, speech_problem

if TYPE_CHECKING:
    from tests.sim.server import Simulator

__all__ = ["ChunkedWriter", "Handler", "shutdown_socket"]


class _Writable(Protocol):
    def write(self, data: bytes, /) -> Any: ...


class _Closed(Exception):
    """The handler must close the connection without (further) response."""


@dataclass(frozen=True)
class _Dialect:
    """The SSE lines of the injected events of one wire format."""

    malformed: tuple[str, ...]
    error: tuple[str, ...]
    ping: tuple[str, ...]


_OPENAI = _Dialect(
    malformed=(f"data: {MALFORMED_PAYLOAD}",),
    error=(f"data: {ERROR_EVENT_PAYLOAD}",),
    ping=(": ping",),
)
_ANTHROPIC = _Dialect(
    malformed=("event: content_block_delta", f"data: {MALFORMED_PAYLOAD}"),
    error=("event: error", f"data: {ANTHROPIC_ERROR_EVENT}"),
    ping=("event: ping", f"data: {PING_PAYLOAD}"),
)


def _frame(lines: tuple[str, ...] | list[str], line_ending: str) -> bytes:
    """One SSE event: its lines, each ended, then the blank line that dispatches it."""
    return (line_ending.join(lines) + line_ending * 2).encode()


def shutdown_socket(conn: socket.socket) -> None:
    """Shuts both directions of ``conn`` down (the peer sees EOF); never raises."""
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)


class ChunkedWriter:
    """Writes HTTP/1.1 chunks; in split mode every chunk holds 1-3 bytes."""

    def __init__(self, wfile: _Writable, split: bool) -> None:
        self._wfile = wfile
        self._split = split
        self._sizes = itertools.cycle((1, 2, 3))

    def write(self, data: bytes) -> None:
        if not self._split:
            self._chunk(data)
            return
        pos = 0
        while pos < len(data):
            size = next(self._sizes)
            self._chunk(data[pos : pos + size])
            pos += size

    def _chunk(self, data: bytes) -> None:
        if data:
            self._wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def finish(self) -> None:
        self._wfile.write(b"0\r\n\r\n")


class Handler(BaseHTTPRequestHandler):
    """Serves one connection of the simulator (``server.sim`` is the Simulator)."""

    protocol_version = "HTTP/1.1"
    server_version = "mimo-sim/1.0"
    sys_version = ""

    @property
    def sim(self) -> Simulator:
        return cast("Simulator", self.server.sim)  # type: ignore[attr-defined]

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sim._register(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.sim._unregister(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        try:
            self._route()
        except (_Closed, OSError):
            self.close_connection = True

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    # -- request ----------------------------------------------------------------

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _route(self) -> None:
        sim = self.sim
        generation = sim._generation()
        path = urlsplit(self.path).path
        raw = self._read_body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = RecordedRequest(self.command, path, headers, body)
        sim._record(request)
        if path == "/anthropic" or path.startswith("/anthropic/"):
            self._anthropic(request, path.removeprefix("/anthropic").rstrip("/"), generation)
            return
        if path == "/v1" or path.startswith("/v1/"):
            key = request.api_key
            if key is None or key not in sim.api_keys:
                self._send_json(401, AUTH_ERROR_BODY)
                return
        if self.command == "GET" and path.rstrip("/") == "/v1/models":
            data = [{"id": m, "object": "model", "owned_by": "xiaomi"} for m in sim.models]
            self._send_json(200, dumps({"object": "list", "data": data}).encode())
        elif self.command == "POST" and path.rstrip("/") == "/v1/chat/completions":
            self._chat(body, generation)
        else:
            self._send_json(404, error_body(404))

    def _send_json(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    # -- chat completions -------------------------------------------------------

    def _chat(self, body: Any, generation: int) -> None:
        sim = self.sim
        plan, ordinal = sim._take_plan()
        if plan.hang and not sim._wait_release(generation):
            raise _Closed
        if plan.status is not None:
            extra = {"Retry-After": plan.retry_after} if plan.retry_after is not None else {}
            payload = plan.error_body if plan.error_body is not None else error_body(plan.status)
            self._send_json(plan.status, payload, extra)
            return
        problem = _validate(body, sim.models)
        speech = problem is None and is_speech_request(body)
        if speech:
            problem = speech_problem(body)
        elif problem is None:
            problem = media_problem(body)
        if problem is not None:
            self._send_json(400, error_body(400, problem))
            return
        reply_type = SpeechReply if speech else Reply
        reply = reply_type(plan, body, ordinal, int(time.time()))
        if body.get("stream") is True:
            delay = reply.delay if isinstance(reply, SpeechReply) else _token_delay(plan)
            self._stream(reply.events(), plan, delay, _OPENAI)
        else:
            self._send_json(200, dumps(reply.completion()).encode())

    # -- Anthropic-compatible messages --------------------------------------------

    def _anthropic(self, request: RecordedRequest, route: str, generation: int) -> None:
        sim = self.sim
        key = request.api_key  # Bearer or api-key; x-api-key is not accepted
        if key is None or key not in sim.api_keys:
            self._send_json(401, ANTHROPIC_AUTH_ERROR_BODY)
        elif self.command == "GET" and route == "/v1/models":
            self._send_json(200, models_body(sim.models))
        elif self.command == "POST" and route == "/v1/messages":
            self._messages(request.body, generation)
        else:
            self._send_json(404, anthropic_error_body(404))

    def _messages(self, body: Any, generation: int) -> None:
        sim = self.sim
        plan, ordinal = sim._take_plan()
        if plan.hang and not sim._wait_release(generation):
            raise _Closed
        if plan.status is not None:
            extra = {"Retry-After": plan.retry_after} if plan.retry_after is not None else {}
            payload = plan.error_body
            self._send_json(plan.status, payload or anthropic_error_body(plan.status), extra)
            return
        problem = messages_problem(body, sim.models)
        if problem is None:
            problem = media_problem(openai_view(body))
        if problem is not None:
            self._send_json(400, anthropic_error_body(400, problem))
            return
        reply = MessagesReply(plan, body, ordinal, int(time.time()))
        if body.get("stream") is True:
            self._stream(reply.events(), plan, _token_delay(plan), _ANTHROPIC)
        else:
            self._send_json(200, dumps(reply.message()).encode())

    # -- streaming ----------------------------------------------------------------

    def _stream(
        self, events: list[StreamEvent], plan: Plan, delay: float | None, dialect: _Dialect
    ) -> None:
        sim = self.sim
        pause_generation = sim._generation()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        out = ChunkedWriter(self.wfile, plan.split_utf8)
        if self._fault_after(0, plan, out, pause_generation, dialect):
            return
        for number, event in enumerate(events, start=1):
            if event.paced and delay is not None and sim._stopping.wait(delay):
                raise _Closed
            if number == plan.pause_after:
                pause_generation = sim._generation()
            if plan.event_log is not None:  # before the write: a reader finds it logged
                plan.event_log.append(SentEvent(number, time.monotonic(), event.data))
            lines = [f"event: {event.event}"] if event.event else []
            out.write(_frame([*lines, f"data: {event.data}"], plan.line_ending))
            if self._fault_after(number, plan, out, pause_generation, dialect):
                return
        out.finish()

    def _fault_after(
        self, number: int, plan: Plan, out: ChunkedWriter, generation: int, dialect: _Dialect
    ) -> bool:
        """Applies the faults due after ``number`` events; True when the response ended."""
        if number == plan.ping_after:
            out.write(_frame(dialect.ping, plan.line_ending))
        if number == plan.drop_after:
            shutdown_socket(self.connection)
            raise _Closed
        if number == plan.malformed_after:
            out.write(_frame(dialect.malformed, plan.line_ending))
            out.finish()
            return True
        if number == plan.error_event_after:
            out.write(_frame(dialect.error, plan.line_ending))
            out.finish()
            return True
        if number == plan.pause_after and not self.sim._wait_release(generation):
            raise _Closed
        return False


def _token_delay(plan: Plan) -> float | None:
    return 1.0 / plan.tokens_per_second if plan.tokens_per_second else None


def _validate(body: Any, models: tuple[str, ...]) -> str | None:
    """The 400 message for an invalid chat request, or None when it is valid."""
    if not isinstance(body, dict):
        return "Request body must be a JSON object"
    model = body.get("model")
    if not isinstance(model, str) or model not in models:
        return f"Not supported model {model}"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "Missing required parameter: messages"
    return None
