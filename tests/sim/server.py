"""The MiMo simulator: a real HTTP/1.1 server on 127.0.0.1 in a background thread.

Stdlib only (``http.server.ThreadingHTTPServer``), so it runs beside any event loop
(qasync included). The request handling lives in :mod:`tests.sim.handler`.

Example::

    with Simulator() as sim:
        sim.enqueue(Plan(status=429, retry_after="2"), Plan(content="Hi"))
        ...  # point the client at sim.base_url with key "sk-test"
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable
from http.server import ThreadingHTTPServer
from socketserver import TCPServer
from types import TracebackType
from typing import Any

from tests.sim.handler import Handler, shutdown_socket
from tests.sim.plan import Plan, RecordedRequest

__all__ = ["DEFAULT_MODELS", "Simulator"]

DEFAULT_MODELS = ("mimo-v2-pro", "mimo-v2-flash", "mimo-v2-omni", "mimo-v2-tts")
_HOST = "127.0.0.1"


class Simulator:
    """A MiMo API simulator with per-request fault switches.

    Args:
        api_keys: Keys accepted via ``Authorization: Bearer`` or ``api-key``.
        models: Model ids listed by ``/v1/models`` (and ``/anthropic/v1/models``) and
            accepted by chat completions (and messages).
        port: The port to bind on 127.0.0.1; 0 picks a free one.

    Attributes:
        default_plan: The plan used when the queue is empty (settable at any time).
    """

    def __init__(
        self,
        api_keys: Iterable[str] = ("sk-test",),
        models: Iterable[str] = DEFAULT_MODELS,
        port: int = 0,
    ) -> None:
        self.api_keys: tuple[str, ...] = tuple(api_keys)
        self.models: tuple[str, ...] = tuple(models)
        self.default_plan: Plan = Plan()
        self._port = port
        self._cond = threading.Condition()
        self._plans: deque[Plan] = deque()
        self._requests: list[RecordedRequest] = []
        self._release_generation = 0
        self._chat_count = 0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> Simulator:
        """Binds the port and starts serving in a daemon thread; returns self."""
        if self._server is not None:
            raise RuntimeError("the simulator was already started")
        self._server = _Server((_HOST, self._port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"mimo-sim:{self._server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stops serving: unblocks hanging handlers, closes connections, joins threads.

        Idempotent. Handlers still waiting for :meth:`release` close their connection
        without a response.
        """
        server, thread = self._server, self._thread
        if server is None or self._stopping.is_set():
            return
        with self._cond:
            self._stopping.set()
            self._cond.notify_all()
            connections = list(self._connections)
        server.shutdown()
        server.server_close()
        for conn in connections:
            shutdown_socket(conn)
        deadline = time.monotonic() + timeout
        if thread is not None:
            thread.join(timeout)
        with self._cond:
            handlers = list(self._handler_threads)
        for handler in handlers:
            handler.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{_HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``: the OpenAI-compatible base URL."""
        return f"{self.root_url}/v1"

    @property
    def anthropic_url(self) -> str:
        """``http://127.0.0.1:<port>/anthropic``: the Anthropic-compatible base URL."""
        return f"{self.root_url}/anthropic"

    # -- test controls ----------------------------------------------------------

    def enqueue(self, *plans: Plan) -> None:
        """Queues plans for the next chat completion requests, one each, FIFO."""
        with self._cond:
            self._plans.extend(plans)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received (``/v1/models`` included), in arrival order."""
        return self._requests

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> bool:
        """Blocks until at least ``n`` requests arrived; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self._requests) >= n, timeout)

    def release(self) -> None:
        """Lets every waiting ``hang`` / ``pause_after`` plan go on.

        It releases the hangs of requests already received and the pauses whose
        pause event was already sent, even if their handler has not started to wait
        yet; later requests and later pauses wait for the next call.
        """
        with self._cond:
            self._release_generation += 1
            self._cond.notify_all()

    # -- used by the handler ----------------------------------------------------

    def _generation(self) -> int:
        with self._cond:
            return self._release_generation

    def _wait_release(self, since: int) -> bool:
        """Waits for a release after generation ``since``; False if stopping."""
        with self._cond:
            self._cond.wait_for(lambda: self._stopping.is_set() or self._release_generation > since)
            return not self._stopping.is_set()

    def _record(self, request: RecordedRequest) -> None:
        with self._cond:
            self._requests.append(request)
            self._cond.notify_all()

    def _take_plan(self) -> tuple[Plan, int]:
        with self._cond:
            self._chat_count += 1
            plan = self._plans.popleft() if self._plans else self.default_plan
            return plan, self._chat_count

    def _register(self, conn: socket.socket) -> None:
        with self._cond:
            if self._stopping.is_set():
                shutdown_socket(conn)
            self._connections.add(conn)
            self._handler_threads.add(threading.current_thread())

    def _unregister(self, conn: socket.socket) -> None:
        with self._cond:
            self._connections.discard(conn)
            self._handler_threads.discard(threading.current_thread())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sim: Simulator) -> None:
        self.sim = sim
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), which may hit DNS: skip it.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Client disconnects are part of the game; real bugs still get printed.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)
