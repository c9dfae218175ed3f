"""Network settings: proxy addresses, timeouts, certificates, and swapping the client."""

from __future__ import annotations

import os
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import trustme

from app.api.client import MimoClient
from app.api.errors import ConnectionFailed
from app.api.events import TextDelta
from app.api.openai_wire import ChatRequest
from app.api.retry import RetryPolicy
from app.core.connection import Connection, HttpClients
from app.core.network import (
    CONNECT_TIMEOUT_CAP,
    CaBundleError,
    NetworkSettings,
    NetworkSettingsError,
    ProxyUrl,
    ProxyUrlError,
    client_options,
    environment_proxies,
    make_http_client,
    mask_proxy_url,
    parse_proxy_url,
    proxy_url_problem,
    ssl_context,
    timeout_for,
)
from app.core.settings import DEFAULT_REQUEST_TIMEOUT, Settings, settings_to_json
from tests.proxy_server import PROXY_VARIABLES
from tests.sim import Plan, Simulator

SECRET = "s3cret-pa55"


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "corporate-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


# -- proxy addresses -----------------------------------------------------------------------


def test_a_proxy_address_is_split_and_its_password_masked() -> None:
    proxy = parse_proxy_url(f"  socks5://alice:{SECRET}@127.0.0.1:1080/  ")
    assert proxy == ProxyUrl("socks5", "127.0.0.1", 1080, "alice", SECRET)
    assert proxy.url == f"socks5://alice:{SECRET}@127.0.0.1:1080"
    assert proxy.masked == "socks5://alice:***@127.0.0.1:1080"
    assert str(proxy) == proxy.masked
    assert SECRET not in repr(proxy) and SECRET not in f"{proxy}"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("http://proxy.example.com:3128", "http://proxy.example.com:3128"),
        ("HTTPS://Proxy.Example.com:443", "https://Proxy.Example.com:443"),
        ("socks5h://[::1]:1080", "socks5h://[::1]:1080"),
        ("http://bob@10.0.0.1:8080", "http://bob@10.0.0.1:8080"),
        ("http://bob:p%40ss%2Fword@10.0.0.1:8080", "http://bob:***@10.0.0.1:8080"),
        ("http://:only-a-password@10.0.0.1:8080", "http://:***@10.0.0.1:8080"),
    ],
)
def test_valid_proxy_addresses(text: str, masked: str) -> None:
    assert parse_proxy_url(text).masked == masked
    assert proxy_url_problem(text) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "Enter the proxy address"),
        ("   ", "Enter the proxy address"),
        ("proxy.example.com:8080", "Start the proxy address with http://"),
        (f"ftp://me:{SECRET}@proxy.example.com:21", "ftp:// proxies are not supported"),
        ("socks4://proxy.example.com:1080", "socks4:// proxies are not supported"),
        (f"http://me:{SECRET}@proxy.example.com", "Add the proxy's port number"),
        ("http://proxy.example.com:", "Add the proxy's port number"),
        ("http://proxy.example.com:0", "Add the proxy's port number"),
        (f"http://me:{SECRET}@:8080", "Add the proxy's host name"),
        ("http://proxy.example.com:99999", "The port must be a number from 1 to 65535"),
        ("http://proxy.example.com:80a", "The port must be a number from 1 to 65535"),
        ("http://proxy.example.com:8080/path", "A proxy address has no path"),
        ("http://proxy.example.com:8080?x=1", "A proxy address has no path"),
        ("http://pro xy.example.com:8080", "must not contain spaces"),
        (f"http://me:{SECRET} @proxy:8080", "must not contain spaces"),
        ("http://me:pa/ss@proxy.example.com:8080", "Percent-encode the special characters"),
    ],
)
def test_bad_proxy_addresses_say_what_is_wrong_without_the_password(text: str, words: str) -> None:
    with pytest.raises(ProxyUrlError) as info:
        parse_proxy_url(text)
    assert words in info.value.message
    assert SECRET not in info.value.message and SECRET not in str(info.value)
    assert proxy_url_problem(text) == info.value.message


def test_masking_works_on_any_text() -> None:
    text = f"via http://u:{SECRET}@h:1 and socks5://v:{SECRET}@k:2, not http://h:3"
    assert mask_proxy_url(text) == "via http://u:***@h:1 and socks5://v:***@k:2, not http://h:3"


# -- timeouts -----------------------------------------------------------------------------


def test_the_timeout_applies_to_each_read_and_connecting_is_capped() -> None:
    timeout = timeout_for(DEFAULT_REQUEST_TIMEOUT)
    assert timeout.read == timeout.write == 120.0
    assert timeout.connect == timeout.pool == CONNECT_TIMEOUT_CAP == 30.0
    short = timeout_for(5)
    assert (short.connect, short.read, short.write, short.pool) == (5.0, 5.0, 5.0, 5.0)


@pytest.mark.parametrize(("given", "read"), [(1.0, 5.0), (10_000.0, 600.0), (float("nan"), 120.0)])
def test_the_timeout_stays_within_the_settings_range(given: float, read: float) -> None:
    assert timeout_for(given).read == read


# -- certificates -------------------------------------------------------------------------


def test_tls_is_verified_against_certifi_by_default() -> None:
    context = ssl_context(None)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 50


def test_a_ca_bundle_is_trusted_in_addition_to_the_defaults(ca_file: Path) -> None:
    default = ssl_context(None).cert_store_stats()["x509_ca"]
    context = ssl_context(str(ca_file))
    assert context.cert_store_stats()["x509_ca"] == default + 1
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_a_ca_bundle_path_may_start_with_the_home_folder(
    ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(ca_file.parent))
    assert ssl_context(f"~/{ca_file.name}").cert_store_stats()["x509_ca"] > 50


def test_a_missing_ca_bundle_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CaBundleError) as info:
        ssl_context(str(tmp_path / "nope.pem"))
    assert info.value.message == f"The CA bundle {tmp_path / 'nope.pem'} does not exist."


def test_a_folder_is_not_a_ca_bundle(tmp_path: Path) -> None:
    with pytest.raises(CaBundleError, match="is a folder; choose a PEM file"):
        ssl_context(str(tmp_path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_ca_bundle_is_an_error(ca_file: Path) -> None:
    ca_file.chmod(0)
    with pytest.raises(CaBundleError, match="cannot be read: permission denied"):
        ssl_context(str(ca_file))


def test_a_file_without_certificates_is_not_a_ca_bundle(ca: trustme.CA, tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    ca.private_key_pem.write_to_path(str(path))  # a PEM file, but a key
    with pytest.raises(CaBundleError, match="holds no PEM certificate"):
        ssl_context(str(path))
    path.write_bytes(bytes(range(256)))
    with pytest.raises(CaBundleError, match="holds no PEM certificate"):
        ssl_context(str(path))


def test_a_damaged_certificate_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
    with pytest.raises(CaBundleError, match="holds a certificate that cannot be used"):
        ssl_context(str(path))


# -- client options -----------------------------------------------------------------------


def test_the_dialog_values_round_trip_through_the_settings() -> None:
    settings = Settings(proxy_mode="custom", proxy_url="http://h:1", request_timeout=30.0)
    values = NetworkSettings.of(settings)
    assert values == NetworkSettings("custom", "http://h:1", 30.0, None)
    assert set(values.changes()) <= set(settings_to_json(settings))
    assert NetworkSettings.of(Settings()) == NetworkSettings()


def test_a_custom_proxy_replaces_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://elsewhere:3128")
    options = client_options(
        NetworkSettings("custom", f"http://alice:{SECRET}@127.0.0.1:3128", 60.0)
    )
    assert options.proxy is not None
    assert str(options.proxy.url) == "http://127.0.0.1:3128"
    assert options.proxy.auth == ("alice", SECRET)
    assert options.trust_env is False
    assert options.timeout.read == 60.0
    assert options.route.proxy_for("https://api.example.test/v1") == (
        "http://alice:***@127.0.0.1:3128"
    )


def test_percent_encoded_credentials_reach_the_proxy_decoded() -> None:
    options = client_options(NetworkSettings("custom", "socks5://a%40b:p%3Aw@127.0.0.1:1080"))
    assert options.proxy is not None and options.proxy.auth == ("a@b", "p:w")


def test_custom_mode_needs_an_address() -> None:
    with pytest.raises(ProxyUrlError, match="no proxy address is set"):
        client_options(NetworkSettings("custom", None))


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(NetworkSettingsError, match="Unknown proxy setting"):
        client_options(NetworkSettings("pac"))


def test_system_mode_reads_the_environment_like_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://carol:{SECRET}@corp-proxy:8080")
    monkeypatch.setenv("http_proxy", "socks5://127.0.0.1:1080")
    monkeypatch.setenv("NO_PROXY", "localhost,.internal.example,10.1.2.3")
    options = client_options(NetworkSettings("system"))
    assert options.trust_env is True and options.proxy is None
    route = options.route
    assert route.proxy_for("https://api.xiaomimimo.com/v1") == "http://carol:***@corp-proxy:8080"
    assert route.proxy_for("http://127.0.0.1:8000/v1") == "socks5://127.0.0.1:1080"
    assert route.proxy_for("https://api.internal.example/v1") is None
    assert route.proxy_for("https://10.1.2.3/v1") is None
    assert route.proxy_for("http://localhost:8000/v1") is None
    assert sorted(environment_proxies()) == [
        "http://carol:***@corp-proxy:8080",
        "socks5://127.0.0.1:1080",
    ]


def test_an_unsupported_system_proxy_is_an_error_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALL_PROXY", f"socks4://dave:{SECRET}@127.0.0.1:1080")
    with pytest.raises(ProxyUrlError) as info:
        client_options(NetworkSettings("system"))
    assert "socks4://dave:***@127.0.0.1:1080" in info.value.message
    assert SECRET not in info.value.message


def test_no_proxy_mode_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    options = client_options(NetworkSettings("none"))
    assert options.trust_env is False and options.proxy is None
    assert options.route.proxy_for("https://api.xiaomimimo.com/v1") is None


@pytest.mark.asyncio
async def test_make_http_client_applies_the_timeout(ca_file: Path) -> None:
    client = make_http_client(NetworkSettings("none", None, 45.0, str(ca_file)))
    async with client:
        assert client.timeout == httpx.Timeout(connect=30.0, read=45.0, write=45.0, pool=30.0)
        assert client.trust_env is False


def test_make_http_client_refuses_a_bad_ca_bundle(tmp_path: Path) -> None:
    with pytest.raises(CaBundleError):
        make_http_client(NetworkSettings(ca_bundle=str(tmp_path / "gone.pem")))


# -- swapping the client ------------------------------------------------------------------


def ask() -> ChatRequest:
    return ChatRequest("mimo-v2-pro", [{"role": "user", "content": "hi"}])


@pytest_asyncio.fixture
async def clients() -> AsyncIterator[HttpClients]:
    holder = HttpClients.from_settings(NetworkSettings("none", None, 10.0))
    yield holder
    await holder.aclose()


@pytest.mark.asyncio
async def test_settings_that_cannot_be_used_fail_every_request_with_the_reason(
    tmp_path: Path,
) -> None:
    holder = HttpClients.from_settings(NetworkSettings(ca_bundle=str(tmp_path / "gone.pem")))
    assert holder.current is None and holder.problem is not None
    with pytest.raises(ConnectionFailed) as info:
        async with holder.lease():
            pass
    assert info.value.message == (
        f"The network settings cannot be used: The CA bundle {tmp_path / 'gone.pem'} "
        "does not exist."
    )
    assert info.value.retryable is False


@pytest.mark.asyncio
async def test_an_idle_client_is_closed_when_replaced(clients: HttpClients) -> None:
    old = clients.current
    assert old is not None
    assert await clients.apply(NetworkSettings("none", None, 20.0)) is None
    assert old.is_closed
    assert clients.current is not None and clients.current.timeout.read == 20.0


@pytest.mark.asyncio
async def test_a_running_reply_finishes_on_the_old_client_and_then_it_closes(
    clients: HttpClients, sim: Simulator
) -> None:
    sim.enqueue(Plan(content="one two three four", pause_after=2), Plan(content="second"))
    client = MimoClient(clients, base_url=sim.base_url, api_key="sk-test")
    old = clients.current
    assert old is not None
    stream = client.stream_chat(ask())
    first = await anext(stream)
    assert await clients.apply(NetworkSettings("none", None, 30.0)) is None
    assert not old.is_closed  # the reply is still coming on it
    sim.release()
    rest = [event async for event in stream]
    text = "".join(e.text for e in (first, *rest) if isinstance(e, TextDelta))
    assert text == "one two three four"
    assert old.is_closed
    second = MimoClient(clients, base_url=sim.base_url, api_key="sk-test")
    events = [event async for event in second.stream_chat(ask())]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "second"


@pytest.mark.asyncio
async def test_bad_settings_stop_requests_until_good_ones_come(
    clients: HttpClients, sim: Simulator, tmp_path: Path
) -> None:
    connection = Connection(clients, base_url=sim.base_url, api_key="sk-test")
    missing = str(tmp_path / "gone.pem")
    problem = await connection.apply_network(NetworkSettings(ca_bundle=missing))
    assert problem == f"The CA bundle {missing} does not exist."
    failing = Connection(clients, base_url=sim.base_url, api_key="sk-test", retry=RetryPolicy(0))
    with pytest.raises(ConnectionFailed, match="does not exist"):
        await failing.client().list_models()
    assert await connection.apply_network(NetworkSettings("none")) is None
    assert "mimo-v2-pro" in await connection.client().list_models()


@pytest.mark.asyncio
async def test_only_the_last_of_two_quick_changes_wins(clients: HttpClients) -> None:
    import asyncio

    first = asyncio.ensure_future(clients.apply(NetworkSettings("none", None, 11.0)))
    second = asyncio.ensure_future(clients.apply(NetworkSettings("none", None, 22.0)))
    await asyncio.gather(first, second)
    assert clients.current is not None and clients.current.timeout.read == 22.0


@pytest.mark.asyncio
async def test_closing_the_holder_closes_every_client(clients: HttpClients) -> None:
    old = clients.current
    await clients.apply(NetworkSettings("none", None, 9.0))
    current = clients.current
    await clients.aclose()
    assert old is not None and old.is_closed
    assert current is not None and current.is_closed
    with pytest.raises(ConnectionFailed):
        async with clients.lease():
            pass


@pytest.mark.asyncio
async def test_a_bare_client_given_to_connection_still_works(sim: Simulator) -> None:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as http:
        connection = Connection(http, base_url=sim.base_url, api_key="sk-test")
        assert connection.http.current is http
        assert "mimo-v2-pro" in await connection.client().list_models()
