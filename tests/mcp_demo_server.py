"""A tiny MCP server for the tests, written with the official SDK's ``MCPServer``.

Run it as ``python tests/mcp_demo_server.py`` (stdio) or ``python
tests/mcp_demo_server.py --http PORT`` (streamable HTTP on 127.0.0.1, path ``/mcp``;
it prints ``PORT <n>`` once it listens, so ``--http 0`` picks a free port and tells it).

Flags that make it misbehave on purpose:
    ``--garbage``: write lines that are not JSON-RPC to stdout first, then serve.
    ``--garbage-only``: write such lines and never speak JSON-RPC (it reads its stdin
    until the end, then exits).

Tools: ``echo(text)``, ``add(a, b)``, ``sleep(seconds)`` (writes ``sleeping`` to stderr
first), ``crash()`` (the process exits with code 3 in the middle of the call),
``fail()`` (raises, so the result has ``isError``), ``whoami()`` (the ``DEMO_TOKEN``
environment variable) and ``pid()`` (the server's process id).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys

GARBAGE = "Hello! This banner is not JSON-RPC.\n{not json either\n"

if __name__ == "__main__" and "--garbage-only" in sys.argv:
    # Before the SDK is imported (half a second), so the garbage comes out at once.
    sys.stdout.write(GARBAGE)
    sys.stdout.flush()
    sys.stdin.buffer.read()  # until the client closes our stdin
    sys.exit(0)

import anyio  # noqa: E402 - after the quick exit above
from mcp.server.mcpserver import MCPServer  # noqa: E402

server: MCPServer = MCPServer(
    "demo", instructions="A server for testing MiMo Desktop.", log_level="WARNING"
)


@server.tool(description="Give the text back unchanged.")
def echo(text: str) -> str:
    return text


@server.tool(description="Add two numbers.")
def add(a: float, b: float) -> float:
    return a + b


@server.tool(description="Wait a number of seconds, then say so.")
async def sleep(seconds: float) -> str:
    sys.stderr.write(f"sleeping {seconds}\n")
    sys.stderr.flush()
    await anyio.sleep(seconds)
    return f"slept {seconds}"


@server.tool(description="Exit the server process in the middle of the call.")
def crash() -> str:
    sys.stderr.write("demo server: crashing on purpose\n")
    sys.stderr.flush()
    os._exit(3)


@server.tool(description="Always fail.")
def fail() -> str:
    raise RuntimeError("this tool always fails")


@server.tool(description="The DEMO_TOKEN environment variable.")
def whoami() -> str:
    return os.environ.get("DEMO_TOKEN", "<unset>")


@server.tool(description="The server's process id.")
def pid() -> int:
    return os.getpid()


def _serve_http(port: int) -> None:
    """Serve streamable HTTP on 127.0.0.1:``port``; print the port once listening."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(16)  # connections wait in the backlog until uvicorn accepts them
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(server.streamable_http_app(), log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])


def _write_garbage() -> None:
    sys.stdout.write(GARBAGE)
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--http", type=int, metavar="PORT", help="serve streamable HTTP")
    parser.add_argument("--garbage", action="store_true", help="garbage on stdout, then serve")
    parser.add_argument("--garbage-only", action="store_true", help="garbage and nothing else")
    options = parser.parse_args()
    if options.garbage:
        _write_garbage()
    if options.http is not None:
        _serve_http(options.http)
    else:
        server.run()


if __name__ == "__main__":
    main()
