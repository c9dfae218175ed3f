"""Small real servers for the network tests, all on 127.0.0.1 in background threads.

- :class:`HttpProxy`: an HTTP proxy that tunnels ``CONNECT host:port`` and forwards
  absolute-URI requests (``GET http://host:port/path``), optionally asking for
  ``Proxy-Authorization: Basic`` (407 otherwise);
- :class:`Socks5Proxy`: a SOCKS5 proxy (CONNECT only), with no authentication or with
  a user name and password (RFC 1929);
- :class:`TlsModelsServer`: an HTTPS server whose ``GET /v1/models`` answers like MiMo,
  with any certificate (a trustme CA's, in the tests);
- :class:`SilentServer`: accepts connections and never answers (timeouts).

Each proxy records what passed through it (:attr:`ProxyServer.requests`). ``stop()``
closes every socket and joins every thread, so no ResourceWarning outlives a test.
"""

from __future__ import annotations

import base64
import contextlib
import json
import selectors
import socket
import ssl
import struct
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

HOST = "127.0.0.1"
_HEAD_LIMIT = 65536


@dataclass(frozen=True)
class ProxiedRequest:
    """One request a proxy saw.

    Attributes:
        method: ``CONNECT`` for a tunnel (HTTP or SOCKS), else the HTTP method.
        target: ``host:port`` for a tunnel, the absolute URL for a forwarded request.
        username: The user name the client gave, or None.
        accepted: Whether the proxy let it through (credentials right, target reachable).
    """

    method: str
    target: str
    username: str | None
    accepted: bool


class ProxyServer:
    """The common part: a listening socket, one thread per connection, a record."""

    scheme = "http"

    def __init__(self, auth: tuple[str, str] | None = None) -> None:
        self.auth = auth
        self._lock = threading.Lock()
        self._requests: list[ProxiedRequest] = []
        self._sockets: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._stopping = threading.Event()
        self._listener = socket.create_server((HOST, 0))
        self._port = int(self._listener.getsockname()[1])
        self._accepter = threading.Thread(target=self._accept_loop, daemon=True)

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> Self:
        self._accepter.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._accepter.join(5)
        with self._lock:
            sockets = list(self._sockets)
            threads = list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the tests read ----------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"{self.scheme}://{HOST}:{self.port}"

    def url_with(self, username: str, password: str) -> str:
        user = urllib.parse.quote(username, safe="")
        secret = urllib.parse.quote(password, safe="")
        return f"{self.scheme}://{user}:{secret}@{HOST}:{self.port}"

    @property
    def requests(self) -> list[ProxiedRequest]:
        with self._lock:
            return list(self._requests)

    # -- internals ---------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self._lock:
                self._threads.add(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        upstream: socket.socket | None = None
        self._track(conn)
        try:
            upstream = self.handle(conn)
            if upstream is not None:
                self._relay(conn, upstream)
        except (OSError, ValueError, struct.error):
            pass
        finally:
            for sock in (conn, upstream):
                if sock is not None:
                    self._untrack(sock)
                    sock.close()
            with self._lock:
                self._threads.discard(threading.current_thread())

    def handle(self, conn: socket.socket) -> socket.socket | None:
        """Speak the proxy protocol; return the connected upstream to relay to, or None."""
        raise NotImplementedError

    def _record(self, request: ProxiedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)
        if self._stopping.is_set():
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)

    def _connect(self, host: str, port: int) -> socket.socket | None:
        try:
            upstream = socket.create_connection((host, port), timeout=5)
        except OSError:
            return None
        upstream.settimeout(None)
        self._track(upstream)
        return upstream

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        """Copy bytes both ways until either side closes."""
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, client)
            while not self._stopping.is_set():
                for key, _ in selector.select(timeout=0.2):
                    source: Any = key.fileobj
                    data = source.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)


def _recv_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        piece = conn.recv(size - len(data))
        if not piece:
            raise OSError("closed")
        data += piece
    return data


def _read_head(conn: socket.socket) -> tuple[bytes, bytes]:
    """The request head (up to the blank line) and whatever followed it."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(4096)
        if not piece or len(data) > _HEAD_LIMIT:
            raise OSError("no request head")
        data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


class HttpProxy(ProxyServer):
    """An HTTP proxy: CONNECT tunnels and absolute-URI forwarding.

    Args:
        auth: ``(user, password)`` the client must send as ``Proxy-Authorization:
            Basic``; None: anyone may use it.
    """

    def handle(self, conn: socket.socket) -> socket.socket | None:
        head, rest = _read_head(conn)
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        username, authorized = self._check_auth(dict((n.lower(), v) for n, v in headers))
        if not authorized:
            self._record(ProxiedRequest(method, target, username, False))
            conn.sendall(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b'Proxy-Authenticate: Basic realm="test"\r\n'
                b"Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
            return None
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream = self._connect(host.strip("[]"), int(port))
            self._record(ProxiedRequest(method, target, username, upstream is not None))
            if upstream is None:
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return None
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            return upstream
        url = urllib.parse.urlsplit(target)
        upstream = self._connect(url.hostname or "", url.port or 80)
        self._record(ProxiedRequest(method, target, username, upstream is not None))
        if upstream is None:
            conn.sendall(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            return None
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        skip = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}
        out = [f"{method} {path} {version}"]
        out += [f"{name}: {value}" for name, value in headers if name.lower() not in skip]
        out.append("Connection: close")
        upstream.sendall("\r\n".join(out).encode("latin-1") + b"\r\n\r\n" + rest)
        return upstream

    def _check_auth(self, headers: dict[str, str]) -> tuple[str | None, bool]:
        given = headers.get("proxy-authorization", "")
        username: str | None = None
        if given.lower().startswith("basic "):
            with contextlib.suppress(ValueError):
                username = base64.b64decode(given[6:]).decode().partition(":")[0]
        if self.auth is None:
            return username, True
        expected = "Basic " + base64.b64encode(":".join(self.auth).encode()).decode()
        return username, given == expected


class Socks5Proxy(ProxyServer):
    """A SOCKS5 proxy (CONNECT only).

    Args:
        auth: ``(user, password)`` required by RFC 1929; None: no authentication.
    """

    scheme = "socks5"

    def handle(self, conn: socket.socket) -> socket.socket | None:
        version, count = _recv_exact(conn, 2)
        if version != 5:
            return None
        methods = _recv_exact(conn, count)
        wanted = 2 if self.auth is not None else 0
        if wanted not in methods:
            self._record(ProxiedRequest("CONNECT", "?", None, False))
            conn.sendall(b"\x05\xff")
            return None
        conn.sendall(bytes((5, wanted)))
        username: str | None = None
        if self.auth is not None:
            _, size = _recv_exact(conn, 2)
            username = _recv_exact(conn, size).decode()
            (size,) = _recv_exact(conn, 1)
            password = _recv_exact(conn, size).decode()
            if (username, password) != self.auth:
                self._record(ProxiedRequest("CONNECT", "?", username, False))
                conn.sendall(b"\x01\x01")
                return None
            conn.sendall(b"\x01\x00")
        _, command, _, kind = _recv_exact(conn, 4)
        if kind == 1:
            host = socket.inet_ntoa(_recv_exact(conn, 4))
        elif kind == 3:
            (size,) = _recv_exact(conn, 1)
            host = _recv_exact(conn, size).decode()
        else:
            host = socket.inet_ntop(socket.AF_INET6, _recv_exact(conn, 16))
        (port,) = struct.unpack(">H", _recv_exact(conn, 2))
        upstream = self._connect(host, port) if command == 1 else None
        self._record(ProxiedRequest("CONNECT", f"{host}:{port}", username, upstream is not None))
        if upstream is None:
            conn.sendall(b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00")  # connection refused
            return None
        conn.sendall(b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        return upstream


class SilentServer(ProxyServer):
    """Accepts connections, reads whatever comes, and never answers."""

    def handle(self, conn: socket.socket) -> socket.socket | None:
        self._record(ProxiedRequest("OPEN", "", None, True))
        while not self._stopping.is_set() and conn.recv(65536):
            pass
        return None


class _ModelsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        server: Any = self.server
        server.paths.append(self.path)
        if self.path.rstrip("/") == "/v1/models":
            data = [{"id": "mimo-v2-pro", "object": "model", "owned_by": "xiaomi"}]
            body = json.dumps({"object": "list", "data": data}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
        else:
            body = b'{"error": {"message": "not found", "code": "404"}}'
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _TlsHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__((HOST, 0), _ModelsHandler)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.paths: list[str] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that rejects the certificate is what some tests want


class TlsModelsServer:
    """HTTPS on 127.0.0.1: ``GET /v1/models`` lists one model.

    Args:
        context: The server's TLS context (its certificate chain loaded).
    """

    def __init__(self, context: ssl.SSLContext) -> None:
        self._server = _TlsHttpServer(context)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> TlsModelsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    @property
    def base_url(self) -> str:
        return f"https://{HOST}:{self._server.server_address[1]}/v1"

    @property
    def paths(self) -> list[str]:
        return list(self._server.paths)


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = int(probe.getsockname()[1])
    yield port


#: Every variable httpx (through urllib) reads a proxy from, in both spellings.
PROXY_VARIABLES = (
    *(
        name
        for base in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
        for name in (base, base.upper())
    ),
    "REQUEST_METHOD",  # set, it makes urllib ignore HTTP_PROXY (CGI)
)
