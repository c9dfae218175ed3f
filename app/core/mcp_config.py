"""The MCP servers the user added in settings: how to start or reach each one.

Stored in ``settings.json`` under ``mcp_servers`` (a list of objects, see
:func:`servers_from_json`); entries of the wrong shape are dropped on load. The values
of ``env`` may hold secrets (a server's own token): they are written only to the
settings file and never logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from app.api.translation import translate

Transport = Literal["stdio", "http"]

DEFAULT_TIMEOUT = 30.0
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
TOOL_SEPARATOR = "__"


@dataclass(frozen=True)
class McpServerConfig:
    """One MCP server.

    Attributes:
        name: Unique, 1-32 of ``A-Z a-z 0-9 _ -``; prefixes its tools' names
            (``<name>__<tool>``) so two servers' tools never clash.
        transport: ``stdio`` (a command the app starts) or ``http`` (streamable HTTP).
        command: stdio: the program.
        args: stdio: its arguments.
        env: stdio: extra environment variables.
        url: http: the endpoint, e.g. ``http://127.0.0.1:8000/mcp``.
        enabled: Started (stdio) or connected (http) when tools are wanted.
        timeout: Seconds a single call may take before it is given up.
    """

    name: str
    transport: Transport = "stdio"
    command: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    url: str = ""
    enabled: bool = True
    timeout: float = DEFAULT_TIMEOUT

    def problems(self) -> list[str]:
        """What is wrong with this entry, in sentences for the user (in their language;
        empty: fine)."""
        found: list[str] = []
        if not _NAME.match(self.name):
            found.append(
                translate("McpServerConfig", "The name must be 1-32 letters, digits, '_' or '-'.")
            )
        if self.transport == "stdio" and not self.command.strip():
            found.append(translate("McpServerConfig", "A stdio server needs a command."))
        if self.transport == "http" and not self.url.startswith(("http://", "https://")):
            found.append(
                translate("McpServerConfig", "An HTTP server needs an http:// or https:// URL.")
            )
        if not 0 < self.timeout <= 3600:
            found.append(
                translate("McpServerConfig", "The timeout must be between 0 and 3600 seconds.")
            )
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "transport": self.transport,
            "command": self.command,
            "args": list(self.args),
            "env": dict(self.env),
            "url": self.url,
            "enabled": self.enabled,
            "timeout": self.timeout,
        }

    @classmethod
    def from_json(cls, raw: Any) -> McpServerConfig | None:
        """The entry, or None when it has the wrong shape."""
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
            return None
        transport = raw.get("transport", "stdio")
        args = raw.get("args", [])
        env = raw.get("env", {})
        timeout = raw.get("timeout", DEFAULT_TIMEOUT)
        if transport not in ("stdio", "http"):
            return None
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            return None
        if not isinstance(env, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in env.items()
        ):
            return None
        if isinstance(timeout, bool) or not isinstance(timeout, int | float):
            return None
        return cls(
            name=raw["name"],
            transport=transport,
            command=str(raw.get("command", "")),
            args=tuple(args),
            env=dict(env),
            url=str(raw.get("url", "")),
            enabled=bool(raw.get("enabled", True)),
            timeout=float(timeout),
        )


def servers_from_json(raw: Any) -> list[McpServerConfig]:
    """The valid entries of a stored list, first of each name kept."""
    if not isinstance(raw, list):
        return []
    servers: list[McpServerConfig] = []
    names: set[str] = set()
    for item in raw:
        server = McpServerConfig.from_json(item)
        if server is not None and server.name not in names:
            names.add(server.name)
            servers.append(server)
    return servers


def servers_to_json(servers: Iterable[McpServerConfig]) -> list[dict[str, Any]]:
    return [server.to_json() for server in servers]


def qualified_name(server: str, tool: str) -> str:
    """The name the model sees for ``tool`` of ``server``."""
    return f"{server}{TOOL_SEPARATOR}{tool}"
