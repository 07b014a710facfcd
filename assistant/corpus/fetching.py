"""Fetch a web page or a feed over HTTP(S), with limits, and never from a private address.

Every hop (the link and each redirect, followed here by hand, at most
``FetchLimits.max_redirects``) is checked before it is requested: only ``http`` and
``https``; the host is resolved here and refused when any of its addresses is
loopback, private, link-local, multicast, reserved, unspecified or otherwise not
public (SSRF: a link must not reach this machine's or its network's services),
unless the caller allows private addresses (``addresses.py``). The request then
goes to the address that was checked (the host name stays in ``Host`` and in TLS's
SNI and certificate check), so a second DNS answer cannot swap in another address
between check and connection. No proxy from the environment is used.

The whole exchange keeps to ``FetchLimits.total``, headers included: every connect,
handshake, read and write gets at most the time left (``deadline.py``), so a server
dripping its headers a byte at a time is cut off at the deadline like a slow body.
The body is read as it streams and the read stops one byte past the limit; a
compressed body (gzip, deflate) is decompressed here with the same bound, so a
small compressed bomb cannot fill memory. Content types decide what the body is:
a web page (``.html``) or a feed (``.rss``, ``.atom``, ``.xml``); ``text/xml``,
``application/xml``, ``text/plain``, ``application/octet-stream`` or none are
decided by the body's first tag. Every failure is a :class:`FetchError` with a
one-line message.
"""

from __future__ import annotations

import contextlib
import re
import ssl
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from ..errors import FetchError
from .addresses import checked_addresses, is_literal
from .deadline import DeadlinePassed, deadline_transport
from .feed import MAX_FEED_BYTES
from .loading import MAX_ARTICLE_BYTES

# What each content type is saved as; the suffix picks the source that reads it.
PAGE_TYPES = {"text/html": ".html", "application/xhtml+xml": ".html"}
FEED_TYPES = {"application/rss+xml": ".rss", "application/atom+xml": ".atom"}
FEED_TYPES["application/rdf+xml"] = ".xml"
# Types servers give pages and feeds alike (or anything): the body decides.
SNIFFED_TYPES = frozenset(
    {"", "text/xml", "application/xml", "text/plain", "application/octet-stream"}
)
_FEED_TAG = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_PAGE_TAG = re.compile(rb"<(!doctype\s+html|html)[\s>]", re.IGNORECASE)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PORTS = {"http": 80, "https": 443}
# zlib's header detection: gzip or zlib-wrapped deflate alike.
_GZIP_OR_ZLIB = 32 + zlib.MAX_WBITS
USER_AGENT = "news-assistant (python -m assistant add)"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How long, how big and how far a fetch may go.

    Attributes:
        timeout: seconds to connect, and between two reads of the body.
        total: seconds for the whole fetch, redirects, headers and body included
            (a server that sends a byte a second never trips ``timeout``); the name
            lookup of each hop comes before and is the system resolver's.
        max_redirects: redirects followed before giving up.
        max_page_bytes: the biggest web page, decompressed (the loader's limit
            for one article).
        max_feed_bytes: the biggest feed, decompressed (the feed source's limit).

    Example:
        >>> fetch("https://example.com/news/1", limits=FetchLimits(timeout=5.0))  # doctest: +SKIP
    """

    timeout: float = 10.0
    total: float = 60.0
    max_redirects: int = 5
    max_page_bytes: int = MAX_ARTICLE_BYTES
    max_feed_bytes: int = MAX_FEED_BYTES


DEFAULT_LIMITS = FetchLimits()


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """What a link gave.

    Attributes:
        url: the link given.
        final_url: where the body came from, after redirects.
        redirects: the URLs redirected to, in order (``final_url`` last); empty when none.
        content_type: the media type the server stated, lower case; '' when none.
        suffix: what the body is saved as: ``.html``, ``.rss``, ``.atom`` or ``.xml``.
        body: the bytes, decompressed, as the server sent them otherwise.
    """

    url: str
    final_url: str
    redirects: tuple[str, ...]
    content_type: str
    suffix: str
    body: bytes


def fetch(
    url: str,
    *,
    limits: FetchLimits = DEFAULT_LIMITS,
    allow_private: bool = False,
    verify: ssl.SSLContext | bool = True,
) -> FetchedPage:
    """GET a web page or a feed, following redirects by hand and checking every hop.

    Args:
        url: an ``http`` or ``https`` link.
        limits: timeouts, redirect and size limits.
        allow_private: let links reach loopback and private addresses (tests
            serving pages from 127.0.0.1; an intranet the operator trusts).
        verify: how TLS certificates are checked: the system's CAs by default,
            or an ``ssl.SSLContext`` trusting others (an intranet's own CA).

    Raises:
        FetchError: a bad scheme or host, a refused address, a DNS, connection,
            TLS or timeout failure, an HTTP error status, too many redirects, an
            unsupported content type, or a body over the limit.

    Example:
        >>> page = fetch("https://example.com/2021/02/story.html")  # doctest: +SKIP
        >>> page.suffix, len(page.body)  # doctest: +SKIP
        ('.html', 48213)
    """
    deadline = time.monotonic() + limits.total
    current = _parse(url)
    redirects: list[str] = []
    timeout = httpx.Timeout(limits.timeout)
    # No connection is kept (deadline_transport): one made for a host (its TLS name
    # checked) must not carry a request for another host that resolved to the same address.
    transport = deadline_transport(deadline, verify=verify)
    with httpx.Client(timeout=timeout, transport=transport, trust_env=False) as client:
        while True:
            with _opened(client, current, allow_private, limits) as response:
                if response.status_code not in _REDIRECTS:
                    _check_status(response)
                    content_type, suffix, limit = _kind(response, limits)
                    body = _read_body(response, current, limit, deadline, limits)
                    suffix = suffix or _sniff(body, content_type)
                    if suffix == ".html" and len(body) > limits.max_page_bytes:
                        raise FetchError(_too_big(limits.max_page_bytes))
                    return FetchedPage(
                        url, str(current), tuple(redirects), content_type, suffix, body
                    )
                location = response.headers.get("location", "").strip()
            if not location:
                raise FetchError(f"the server answered {response.status_code} with no Location")
            target = current.join(location)
            if len(redirects) >= limits.max_redirects:
                raise FetchError(
                    f"more than {limits.max_redirects} redirects (the next to {target})"
                )
            current = _parse(str(target))
            redirects.append(str(current))
            if time.monotonic() > deadline:
                raise FetchError(f"the fetch took longer than {limits.total:g} s")


def _parse(url: str) -> httpx.URL:
    """The link as a URL, if it is http(s) with a host."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as error:
        raise FetchError(f"it is not a valid link ({error})") from error
    if parsed.scheme not in ("http", "https"):
        shown = f"{parsed.scheme!r} links" if parsed.scheme else "links without a scheme"
        raise FetchError(f"only http and https links are fetched, not {shown}")
    if not parsed.host:
        raise FetchError("the link has no host name")
    return parsed.copy_with(fragment=None)


@contextlib.contextmanager
def _opened(
    client: httpx.Client, url: httpx.URL, allow_private: bool, limits: FetchLimits
) -> Iterator[httpx.Response]:
    """A streamed GET of ``url``, sent to an address of its host that passed the guard."""
    addresses = checked_addresses(url.host, url.port or _PORTS[url.scheme], allow_private)
    headers = {"Host": url.netloc.decode("ascii"), "User-Agent": USER_AGENT}
    headers["Accept-Encoding"] = "gzip, deflate"
    # A host name (not an address literal) stays the name TLS sends and checks.
    named = not is_literal(url.host)
    extensions = {"sni_hostname": url.host} if named and url.scheme == "https" else {}
    for number, address in enumerate(addresses):
        pinned = url.copy_with(host=str(address))
        request = client.build_request("GET", pinned, headers=headers, extensions=extensions)
        try:
            response = client.send(request, stream=True)
        except httpx.ConnectError as error:
            # Another address of the host may answer (IPv6 first, no IPv6 route).
            if number + 1 < len(addresses) and not _is_tls(error):
                continue
            raise FetchError(_transport_message(error, url, limits)) from error
        except httpx.TransportError as error:
            raise FetchError(_transport_message(error, url, limits)) from error
        try:
            yield response
        finally:
            response.close()
        return


def _check_status(response: httpx.Response) -> None:
    if response.status_code >= 400 or response.status_code < 200:
        raise FetchError(
            f"the server answered {response.status_code} {response.reason_phrase}".rstrip()
        )


def _kind(response: httpx.Response, limits: FetchLimits) -> tuple[str, str, int]:
    """The stated media type, the suffix it gives ('' for one the body decides), the limit."""
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in PAGE_TYPES:
        return content_type, PAGE_TYPES[content_type], limits.max_page_bytes
    if content_type in FEED_TYPES:
        return content_type, FEED_TYPES[content_type], limits.max_feed_bytes
    if content_type in SNIFFED_TYPES:
        return content_type, "", max(limits.max_page_bytes, limits.max_feed_bytes)
    raise FetchError(
        f"its content type is {content_type}: only web pages (text/html) and feeds "
        "(RSS, Atom) are read"
    )


def _sniff(body: bytes, content_type: str) -> str:
    """``.xml`` for a feed, ``.html`` for a page, by the body's first tags."""
    head = body[:4096]
    page, feed = _PAGE_TAG.search(head), _FEED_TAG.search(head)
    if feed and (not page or feed.start() < page.start()):
        return ".xml"
    if page:
        return ".html"
    stated = f"its content type is {content_type}, and it" if content_type else "it"
    raise FetchError(f"{stated} is neither a web page nor a feed (no <html>, <rss> or <feed>)")


def _read_body(
    response: httpx.Response, url: httpx.URL, limit: int, deadline: float, limits: FetchLimits
) -> bytes:
    """The body, decompressed, read until one byte past ``limit``."""
    length = response.headers.get("content-length", "")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity") and length.isdigit() and int(length) > limit:
        raise FetchError(_too_big(limit, int(length)))
    body = bytearray()
    try:
        for chunk in _decoded(response, encoding, limit):
            body += chunk
            if len(body) > limit:
                raise FetchError(_too_big(limit))
            if time.monotonic() > deadline:
                raise FetchError(f"the fetch took longer than {limits.total:g} s")
    except httpx.TransportError as error:
        raise FetchError(_transport_message(error, url, limits)) from error
    return bytes(body)


def _decoded(response: httpx.Response, encoding: str, limit: int) -> Iterator[bytes]:
    """The body's chunks, decompressed by at most ``limit + 1`` bytes at a time."""
    if encoding in ("", "identity"):
        yield from response.iter_raw()
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(f"the server sent the body {encoding}-encoded, which is not supported")
    decoder = zlib.decompressobj(_GZIP_OR_ZLIB)
    try:
        for chunk in response.iter_raw():
            data = decoder.decompress(chunk, limit + 1)
            while True:
                yield data
                if not decoder.unconsumed_tail:
                    break
                data = decoder.decompress(decoder.unconsumed_tail, limit + 1)
        yield decoder.flush()
    except zlib.error as error:
        raise FetchError(f"the {encoding} body is damaged ({error})") from error


def _too_big(limit: int, size: int | None = None) -> str:
    stated = f" ({size:,} bytes)" if size is not None else ""
    return f"it is too big{stated}: the limit is {limit:,} bytes"


def _is_tls(error: BaseException) -> bool:
    return any(isinstance(cause, ssl.SSLError) for cause in _causes(error))


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _transport_message(error: httpx.TransportError, url: httpx.URL, limits: FetchLimits) -> str:
    """One line for a network failure: what failed, where."""
    where = f"{url.host}:{url.port or _PORTS.get(url.scheme, '')}"
    causes = list(_causes(error))
    timeout = limits.timeout
    if any(isinstance(cause, DeadlinePassed) for cause in causes):
        return f"the fetch took longer than {limits.total:g} s ({where} was still sending)"
    if isinstance(error, httpx.ConnectTimeout):
        return f"{where} did not accept a connection within {timeout:g} s"
    if isinstance(error, httpx.ReadTimeout):
        return f"{where} sent nothing for {timeout:g} s (read timeout)"
    if isinstance(error, httpx.TimeoutException):
        return f"{where} timed out"
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return f"{where} refused the connection (no server listens there?)"
    tls = next((cause for cause in causes if isinstance(cause, ssl.SSLError)), None)
    if tls is not None:
        reason = getattr(tls, "verify_message", None) or getattr(tls, "reason", None) or tls
        return f"the TLS connection to {where} failed ({reason})"
    return f"the connection to {where} failed ({error or type(error).__name__})"
