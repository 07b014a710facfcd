"""Fetching links: limits, redirects, content types and the private-address guard.

Every page comes from a loopback server this module starts (``tests/http_server.py``);
host names are resolved by a stand-in, so no lookup or request leaves the machine.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.corpus import addresses
from assistant.corpus.addresses import address_refusal
from assistant.corpus.fetching import FetchLimits, fetch
from assistant.errors import CorpusError, FetchError
from tests.http_server import FEED, PAGE, serving

# ``total`` holds the whole exchange, connecting and the headers included: generous,
# so that a loaded machine's slow scheduling is not taken for a slow server.
FAST = FetchLimits(timeout=0.5, total=30.0)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serving() as url:
        yield url


@pytest.fixture
def only_127_0_0_1_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the guard take the test server's 127.0.0.1 for a public address, and only it."""
    real = addresses.address_refusal
    server = ipaddress.ip_address("127.0.0.1")
    monkeypatch.setattr(addresses, "address_refusal", lambda a: "" if a == server else real(a))


def test_a_page_is_fetched_as_sent(base: str) -> None:
    page = fetch(f"{base}/page", allow_private=True, limits=FAST)
    assert page.body == PAGE
    assert (page.suffix, page.content_type) == (".html", "text/html")
    assert page.final_url == page.url == f"{base}/page" and page.redirects == ()


@pytest.mark.parametrize(
    ("route", "suffix"),
    [("feed", ".rss"), ("feed-as-xml", ".xml"), ("untyped", ".html"), ("gzip", ".html")],
)
def test_the_content_type_or_the_first_tag_says_page_or_feed(
    base: str, route: str, suffix: str
) -> None:
    page = fetch(f"{base}/{route}", allow_private=True, limits=FAST)
    assert page.suffix == suffix
    assert page.body == (FEED if "feed" in route else PAGE)


def test_a_chain_of_redirects_is_followed_and_recorded(base: str) -> None:
    page = fetch(f"{base}/redirect/3", allow_private=True, limits=FAST)
    assert page.body == PAGE
    assert page.redirects == (f"{base}/redirect/2", f"{base}/redirect/1", f"{base}/page")
    assert page.final_url == f"{base}/page"


def test_too_many_redirects_are_refused(base: str) -> None:
    limits = FetchLimits(timeout=0.5, max_redirects=2)
    with pytest.raises(
        FetchError, match=r"more than 2 redirects \(the next to http://.*/redirect/2\)"
    ):
        fetch(f"{base}/redirect/5", allow_private=True, limits=limits)


def test_loopback_is_refused_unless_allowed(base: str) -> None:
    with pytest.raises(FetchError, match="127.0.0.1 is a loopback address.*--allow-private"):
        fetch(f"{base}/page", limits=FAST)


@pytest.mark.usefixtures("only_127_0_0_1_is_public")
def test_a_redirect_to_a_private_address_is_refused_at_its_hop(base: str) -> None:
    assert fetch(f"{base}/page", limits=FAST).body == PAGE  # the first hop passes
    with pytest.raises(FetchError, match="127.0.0.2 is a loopback address"):
        fetch(f"{base}/to-private", limits=FAST)


@pytest.mark.usefixtures("only_127_0_0_1_is_public")
def test_a_host_with_any_private_address_is_refused(
    base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A name that resolves to a public and a private address could connect to either.
    both = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("10.0.0.7")]
    monkeypatch.setattr(addresses, "resolve_host", lambda host, port: both)
    port = base.rsplit(":", 1)[1]
    with pytest.raises(FetchError, match=r"news.example \(10.0.0.7\) is a private address"):
        fetch(f"http://news.example:{port}/page", limits=FAST)


def test_the_request_goes_to_the_checked_address_with_the_host_name_kept(
    base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = []

    def resolve(host: str, port: int) -> list:
        asked.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(addresses, "resolve_host", resolve)
    port = base.rsplit(":", 1)[1]
    page = fetch(f"http://news.example:{port}/host", allow_private=True, limits=FAST)
    assert page.body == f"<html><p>news.example:{port}</p>".encode()
    assert asked == ["news.example"]  # resolved once, by the guard, and connected to that


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("192.168.0.1", "a private address"),
        ("169.254.169.254", "a link-local address"),  # the cloud metadata address
        ("fe80::1", "a link-local address"),
        ("224.0.0.1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
        ("93.184.215.14", ""),
        ("2606:4700::1111", ""),
    ],
)
def test_every_non_public_address_is_refused(address: str, kind: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("2002:7f00:1::1", "a loopback address (127.0.0.1, inside a 6to4 address)"),
        ("2002:a9fe:a9fe::1", "a link-local address (169.254.169.254, inside a 6to4 address)"),
        ("2002:a00:1::", "a private address (10.0.0.1, inside a 6to4 address)"),
        # Teredo: the client is the last 32 bits inverted (0x80fffffe is 127.0.0.1).
        (
            "2001:0:5db8:d70e:0:0:80ff:fffe",
            "a loopback address (127.0.0.1, inside a Teredo address)",
        ),
        (
            "2001:0:5db8:d70e::5601:56f1",
            "a link-local address (169.254.169.14, inside a Teredo address)",
        ),
        ("2001:0:a00:1::f5ff:fffe", "a private address (10.0.0.1, inside a Teredo address)"),
        ("2002:5db8:d70e::1", ""),  # 6to4 of a public address: a relay's, fetched as any
    ],
)
def test_tunnelled_ipv4_addresses_are_judged_by_the_address_they_carry(
    address: str, kind: str
) -> None:
    # Only the guard is asked: nothing connects to these addresses.
    assert address_refusal(ipaddress.ip_address(address)) == kind


def test_a_host_resolving_to_a_6to4_loopback_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tunnelled = [ipaddress.ip_address("2002:7f00:1::1")]
    monkeypatch.setattr(addresses, "resolve_host", lambda host, port: tunnelled)
    with pytest.raises(FetchError, match=r"news.example \(2002:7f00:1::1\) is a loopback"):
        addresses.checked_addresses("news.example", 80, allow_private=False)


def test_a_name_that_does_not_resolve_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(FetchError, match="'news.invalid' cannot be resolved \\(Name or service"):
        fetch("https://news.invalid/a", limits=FAST)


def test_a_refused_connection_says_so() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, not listening: nothing answers there
        with pytest.raises(FetchError, match=f"127.0.0.1:{port} refused the connection"):
            fetch(f"http://127.0.0.1:{port}/", allow_private=True, limits=FAST)


def test_a_slow_server_times_out_quickly(base: str) -> None:
    # The message names the read timeout that stopped it (no timed assertion: CI's load varies).
    with pytest.raises(FetchError, match=r"sent nothing for 0.3 s \(read timeout\)"):
        fetch(f"{base}/slow", allow_private=True, limits=FetchLimits(timeout=0.3))


def test_a_server_dripping_its_headers_is_stopped_by_the_total_time(base: str) -> None:
    # A byte every 0.1 s never trips the 1 s read timeout; the headers would take 11 s.
    limits = FetchLimits(timeout=1.0, total=0.5)
    with pytest.raises(FetchError, match=r"took longer than 0.5 s \(127.0.0.1:\d+ was still"):
        fetch(f"{base}/drip-headers", allow_private=True, limits=limits)


def test_a_server_dripping_bytes_is_stopped_by_the_total_time(base: str) -> None:
    with pytest.raises(FetchError, match="the fetch took longer than 0.5 s"):
        fetch(f"{base}/drip", allow_private=True, limits=FetchLimits(timeout=1.0, total=0.5))


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("big", r"it is too big \(50,006 bytes\): the limit is 10,000 bytes"),
        ("big-chunked", r"it is too big: the limit is 10,000 bytes"),
        ("gzip-bomb", r"it is too big: the limit is 10,000 bytes"),
    ],
)
def test_a_body_over_the_limit_is_refused_while_streaming(
    base: str, route: str, message: str
) -> None:
    limits = FetchLimits(timeout=1.0, max_page_bytes=10_000, max_feed_bytes=10_000)
    with pytest.raises(FetchError, match=message):
        fetch(f"{base}/{route}", allow_private=True, limits=limits)


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("missing", "the server answered 404 Not Found"),
        ("image", r"its content type is image/png: only web pages \(text/html\) and feeds"),
        ("not-a-page", "text/plain, and it is neither a web page nor a feed"),
        ("to-ftp", "only http and https links are fetched, not 'ftp' links"),
    ],
)
def test_each_failure_has_its_one_line_message(base: str, route: str, message: str) -> None:
    with pytest.raises(FetchError, match=message) as caught:
        fetch(f"{base}/{route}", allow_private=True, limits=FAST)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "not 'file' links"),
        ("ftp://news.example/a", "not 'ftp' links"),
        ("news.example/a", "not links without a scheme"),
        ("http:///a", "the link has no host name"),
    ],
)
def test_only_http_and_https_links_are_fetched(url: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        fetch(url, limits=FAST)


def test_a_fetch_error_is_a_corpus_error() -> None:
    assert issubclass(FetchError, CorpusError)


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``name``, and its key, written as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.mark.parametrize(
    ("served_as", "error"), [("news.example", ""), ("other.example", "Hostname mismatch")]
)
def test_https_goes_to_the_checked_address_and_checks_the_host_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served_as: str, error: str
) -> None:
    cert_file, key_file = _certificate(tmp_path, served_as)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    trusted = ssl.create_default_context(cafile=str(cert_file))
    monkeypatch.setattr(addresses, "resolve_host", lambda h, p: [ipaddress.ip_address("127.0.0.1")])
    with serving(tls=server) as base:
        url = f"https://news.example:{base.rsplit(':', 1)[1]}/host"
        if not error:
            page = fetch(url, allow_private=True, limits=FAST, verify=trusted)
            assert page.body.startswith(b"<html><p>news.example:")
            return
        with pytest.raises(FetchError, match=f"the TLS connection to news.example.*{error}"):
            fetch(url, allow_private=True, limits=FAST, verify=trusted)
