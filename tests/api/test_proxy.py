"""Requests through real proxies and real TLS: HTTP and SOCKS5 proxies, the system
proxy from the environment, proxy failures, a custom CA bundle and the timeout.

Every server here is real and runs on 127.0.0.1 (tests/proxy_server.py, the MiMo
simulator). Note on NO_PROXY: httpx does not skip the proxy for 127.0.0.1 by itself,
so with HTTP_PROXY set and no NO_PROXY, requests to the simulator go through the proxy;
``NO_PROXY=127.0.0.1`` sends them direct.
"""

from __future__ import annotations

import gc
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import trustme

from app.api.client import MimoClient
from app.api.errors import (
    AuthError,
    CertificateError,
    MimoError,
    ProxyAuthRequired,
    ProxyFailed,
    Timeout,
)
from app.api.events import TextDelta
from app.api.openai_wire import ChatRequest
from app.api.retry import RetryPolicy
from app.core.connection import Connection, HttpClients
from app.core.network import NetworkSettings
from tests.proxy_server import (
    PROXY_VARIABLES,
    HttpProxy,
    SilentServer,
    Socks5Proxy,
    TlsModelsServer,
    closed_port,
)
from tests.sim import Plan, Simulator

KEY = "sk-test"
SECRET = "hunter2-s3cret"
REPLY = "Through the proxy: 你好, every byte intact. " * 20


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def http_proxy() -> Iterator[HttpProxy]:
    with HttpProxy() as proxy:
        yield proxy


@pytest.fixture
def socks_proxy() -> Iterator[Socks5Proxy]:
    with Socks5Proxy() as proxy:
        yield proxy


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(ca: trustme.CA) -> Iterator[TlsModelsServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with TlsModelsServer(context) as server:
        yield server


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "corporate-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def custom(proxy: str, **kwargs: object) -> NetworkSettings:
    return NetworkSettings("custom", proxy, **kwargs)  # type: ignore[arg-type]


@asynccontextmanager
async def client_for(
    network: NetworkSettings, base_url: str, *, key: str = KEY
) -> AsyncIterator[MimoClient]:
    clients = HttpClients.from_settings(network)
    try:
        yield MimoClient(clients, base_url=base_url, api_key=key, retry=RetryPolicy(0))
    finally:
        await clients.aclose()


async def chat_text(client: MimoClient) -> str:
    request = ChatRequest("mimo-v2-pro", [{"role": "user", "content": "hi"}])
    events = [event async for event in client.stream_chat(request)]
    return "".join(event.text for event in events if isinstance(event, TextDelta))


async def failure(client: MimoClient) -> MimoError:
    with pytest.raises(MimoError) as info:
        await client.list_models()
    return info.value


def collect_the_socket_httpcore_leaks() -> None:
    """httpcore 1.0.x leaves the socket to a SOCKS proxy open when the SOCKS handshake
    fails (``AsyncSocks5Connection.handle_async_request`` never closes ``stream``); the
    garbage collector closes it with a ResourceWarning. Collect it now, inside the test
    that made it (whose marks ignore that warning), not in some later test."""
    gc.collect()


LEAKS_A_SOCKET = pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)


def sim_target(sim: Simulator, path: str = "/v1/chat/completions") -> str:
    return f"http://127.0.0.1:{sim.port}{path}"


# -- replies through proxies -------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_chat_stream_comes_intact_through_an_http_proxy(
    sim: Simulator, http_proxy: HttpProxy
) -> None:
    sim.enqueue(Plan(content=REPLY))
    async with client_for(custom(http_proxy.url), sim.base_url) as client:
        assert await chat_text(client) == REPLY
    assert [(r.method, r.target) for r in http_proxy.requests] == [("POST", sim_target(sim))]
    assert sim.requests[-1].api_key == KEY


@pytest.mark.asyncio
async def test_a_chat_stream_comes_intact_through_a_socks5_proxy(
    sim: Simulator, socks_proxy: Socks5Proxy
) -> None:
    sim.enqueue(Plan(content=REPLY))
    async with client_for(custom(socks_proxy.url), sim.base_url) as client:
        assert await chat_text(client) == REPLY
    assert [(r.method, r.target) for r in socks_proxy.requests] == [
        ("CONNECT", f"127.0.0.1:{sim.port}")
    ]


@pytest.mark.asyncio
async def test_socks5h_with_a_user_and_password(sim: Simulator) -> None:
    sim.enqueue(Plan(content=REPLY))
    with Socks5Proxy(auth=("alice", SECRET)) as proxy:
        address = proxy.url_with("alice", SECRET).replace("socks5://", "socks5h://")
        async with client_for(custom(address), sim.base_url) as client:
            assert await chat_text(client) == REPLY
        assert [(r.username, r.accepted) for r in proxy.requests] == [("alice", True)]


@pytest.mark.asyncio
async def test_an_http_proxy_with_the_right_password(sim: Simulator) -> None:
    with HttpProxy(auth=("alice", SECRET)) as proxy:
        async with client_for(custom(proxy.url_with("alice", SECRET)), sim.base_url) as client:
            assert "mimo-v2-pro" in await client.list_models()
        assert [(r.username, r.accepted) for r in proxy.requests] == [("alice", True)]


# -- the system proxy and "no proxy" -------------------------------------------------------


@pytest.mark.asyncio
async def test_system_mode_uses_http_proxy_from_the_environment(
    sim: Simulator, http_proxy: HttpProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", http_proxy.url)
    sim.enqueue(Plan(content=REPLY))
    async with client_for(NetworkSettings("system"), sim.base_url) as client:
        assert await chat_text(client) == REPLY
    assert [r.target for r in http_proxy.requests] == [sim_target(sim)]


@pytest.mark.asyncio
async def test_system_mode_uses_a_socks_all_proxy_from_the_environment(
    sim: Simulator, socks_proxy: Socks5Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALL_PROXY", socks_proxy.url)
    sim.enqueue(Plan(content=REPLY))
    async with client_for(NetworkSettings("system"), sim.base_url) as client:
        assert await chat_text(client) == REPLY
    assert [r.target for r in socks_proxy.requests] == [f"127.0.0.1:{sim.port}"]


@pytest.mark.asyncio
async def test_no_proxy_sends_127_0_0_1_direct_in_system_mode(
    sim: Simulator, http_proxy: HttpProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", http_proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    sim.enqueue(Plan(content=REPLY))
    async with client_for(NetworkSettings("system"), sim.base_url) as client:
        assert await chat_text(client) == REPLY
    assert http_proxy.requests == []


@pytest.mark.asyncio
async def test_no_proxy_mode_ignores_the_environment(
    sim: Simulator,
    http_proxy: HttpProxy,
    socks_proxy: Socks5Proxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", http_proxy.url)
    monkeypatch.setenv("ALL_PROXY", socks_proxy.url)
    sim.enqueue(Plan(content=REPLY))
    async with client_for(NetworkSettings("none"), sim.base_url) as client:
        assert await chat_text(client) == REPLY
    assert http_proxy.requests == [] and socks_proxy.requests == []


# -- proxy failures --------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_407_from_a_forwarding_proxy_is_explained_without_the_password(
    sim: Simulator,
) -> None:
    with HttpProxy(auth=("alice", "right")) as proxy:
        address = proxy.url_with("alice", SECRET)
        async with client_for(custom(address), sim.base_url) as client:
            error = await failure(client)
    assert isinstance(error, ProxyAuthRequired) and not error.retryable
    assert error.message.startswith(
        f"The proxy server (http://alice:***@127.0.0.1:{proxy.port}) asked for a user name "
        "and password, or did not accept them."
    )
    assert SECRET not in error.message and SECRET not in str(error)
    assert sim.requests == []


@pytest.mark.asyncio
async def test_a_407_on_a_connect_tunnel_is_explained_too(tls_server: TlsModelsServer) -> None:
    with HttpProxy(auth=("alice", "right")) as proxy:
        async with client_for(custom(proxy.url), tls_server.base_url) as client:
            error = await failure(client)
        assert [(r.method, r.accepted) for r in proxy.requests] == [("CONNECT", False)]
    assert isinstance(error, ProxyAuthRequired)
    assert f"(http://127.0.0.1:{proxy.port}) asked for a user name and password" in error.message


@LEAKS_A_SOCKET
@pytest.mark.asyncio
async def test_a_socks_proxy_that_refuses_the_password(sim: Simulator) -> None:
    with Socks5Proxy(auth=("alice", "right")) as proxy:
        async with client_for(custom(proxy.url_with("alice", SECRET)), sim.base_url) as client:
            wrong = await failure(client)
        async with client_for(custom(proxy.url), sim.base_url) as client:
            missing = await failure(client)
    kinds = {type(wrong), type(missing)}
    messages = [wrong.message, missing.message]
    del wrong, missing
    collect_the_socket_httpcore_leaks()
    assert kinds == {ProxyAuthRequired}
    for message in messages:
        assert "asked for a user name and password" in message
        assert SECRET not in message
    assert f"(socks5://alice:***@127.0.0.1:{proxy.port})" in messages[0]
    assert f"(socks5://127.0.0.1:{proxy.port})" in messages[1]


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", ["http", "socks5"])
async def test_a_proxy_that_is_down_is_named(sim: Simulator, scheme: str) -> None:
    with closed_port() as port:
        address = f"{scheme}://bob:{SECRET}@127.0.0.1:{port}"
        async with client_for(custom(address), sim.base_url) as client:
            error = await failure(client)
    assert isinstance(error, ProxyFailed) and error.retryable
    assert error.message == (
        f"Could not connect to the proxy server ({scheme}://bob:***@127.0.0.1:{port}). "
        "Check that it is running and that the proxy settings are right."
    )


@LEAKS_A_SOCKET
@pytest.mark.asyncio
async def test_a_proxy_that_cannot_reach_the_server_says_so(
    http_proxy: HttpProxy, socks_proxy: Socks5Proxy
) -> None:
    with closed_port() as port:
        base = f"https://127.0.0.1:{port}/v1"
        async with client_for(custom(http_proxy.url), base) as client:
            tunnel = await failure(client)
        async with client_for(custom(socks_proxy.url), base) as client:
            socks = await failure(client)
    assert type(tunnel) is ProxyFailed and type(socks) is ProxyFailed
    assert tunnel.message == (
        f"The proxy server ({http_proxy.url}) would not connect to the server: 502 Bad Gateway."
    )
    assert socks.message == (
        f"The proxy server ({socks_proxy.url}) could not reach the server: "
        "Proxy Server could not connect: Connection refused."
    )
    del tunnel, socks
    collect_the_socket_httpcore_leaks()


# -- certificates ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_an_unknown_certificate_authority_fails_verification(
    tls_server: TlsModelsServer,
) -> None:
    async with client_for(NetworkSettings("none"), tls_server.base_url) as client:
        error = await failure(client)
    assert isinstance(error, CertificateError) and not error.retryable
    assert error.message == (
        "The server's TLS certificate could not be verified (unable to get local issuer "
        "certificate). If your network inspects secure connections, add its CA certificate "
        "in the network settings."
    )
    assert tls_server.paths == []


@pytest.mark.asyncio
async def test_the_ca_bundle_makes_the_server_trusted(
    tls_server: TlsModelsServer, ca_file: str
) -> None:
    async with client_for(NetworkSettings("none", ca_bundle=ca_file), tls_server.base_url) as c:
        assert await c.list_models() == ["mimo-v2-pro"]
    assert tls_server.paths == ["/v1/models"]


@pytest.mark.asyncio
async def test_the_ca_bundle_works_through_a_connect_tunnel(
    tls_server: TlsModelsServer, ca_file: str, http_proxy: HttpProxy
) -> None:
    network = custom(http_proxy.url, ca_bundle=ca_file)
    async with client_for(network, tls_server.base_url) as client:
        assert await client.list_models() == ["mimo-v2-pro"]
    port = tls_server.base_url.split(":")[2].split("/")[0]
    assert [(r.method, r.target) for r in http_proxy.requests] == [("CONNECT", f"127.0.0.1:{port}")]


@pytest.mark.asyncio
async def test_an_invalid_ca_file_is_a_clear_error_and_nothing_is_sent(
    sim: Simulator, tmp_path: Path
) -> None:
    bad = tmp_path / "not-a-bundle.pem"
    bad.write_text("hello\n")
    async with client_for(NetworkSettings("none", ca_bundle=str(bad)), sim.base_url) as client:
        error = await failure(client)
    assert error.message == (
        f"The network settings cannot be used: The CA bundle {bad} holds no PEM certificate "
        "(text starting with -----BEGIN CERTIFICATE-----)."
    )
    assert sim.requests == []


# -- the timeout ----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_server_that_never_answers_times_out_after_the_request_timeout() -> None:
    with SilentServer() as server:
        network = NetworkSettings("none", request_timeout=5.0)  # the smallest allowed
        async with client_for(network, f"http://127.0.0.1:{server.port}/v1") as client:
            started = time.monotonic()
            error = await failure(client)
            waited = time.monotonic() - started
    assert isinstance(error, Timeout)
    assert error.message == "The server did not answer in time"
    assert 4.5 <= waited < 9.0


# -- the Test button's probe ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_probe_leaves_the_current_settings_alone(
    sim: Simulator, socks_proxy: Socks5Proxy
) -> None:
    clients = HttpClients.from_settings(NetworkSettings("none"))
    connection = Connection(clients, base_url=sim.base_url, api_key=KEY)
    before = clients.current
    try:
        models = await connection.probe_network(custom(socks_proxy.url))
        assert "mimo-v2-pro" in models
        assert [r.target for r in socks_proxy.requests] == [f"127.0.0.1:{sim.port}"]
        assert clients.current is before and before is not None and not before.is_closed
        connection.api_key = "sk-wrong"
        with pytest.raises(AuthError):
            await connection.probe_network(NetworkSettings("none"))
    finally:
        await clients.aclose()
