"""A loopback HTTP server for fetching tests: saved pages, a feed, redirects and bad answers.

``serving()`` starts it on 127.0.0.1 on a free port in a thread and stops it on exit
(``summary_feed`` writes a feed whose entries link to its pages);
nothing it serves is fetched from anywhere else, and nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
PAGE = (DATA / "pages" / "orchard_no_canonical.html").read_bytes()
CANONICAL_PAGE = (DATA / "pages" / "news_page.html").read_bytes()
FEED = (DATA / "feeds" / "caucasus.rss").read_bytes()
# A page stating no outlet, date or author: a feed entry linking to it states them.
BARE_PAGE = (DATA / "pages" / "metro_no_metadata.html").read_bytes()


class _Handler(http.server.BaseHTTPRequestHandler):
    """One route per case; ``/redirect/N`` redirects N more times, then to ``/page``."""

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path.startswith("/redirect/"):
            left = int(path.rsplit("/", 1)[1])
            self._redirect(f"/redirect/{left - 1}" if left > 1 else "/page")
        elif path == "/page":
            self._send(200, "text/html; charset=utf-8", PAGE)
        elif path == "/page-again":  # the same article, the page's bytes changed a little
            self._send(200, "text/html", PAGE.replace(b"</body>", b"<!-- 09:15 --></body>"))
        elif path == "/bare":
            self._send(200, "text/html", BARE_PAGE)
        elif path == "/canonical":
            self._send(200, "text/html", CANONICAL_PAGE)
        elif path == "/feed":
            self._send(200, "application/rss+xml", FEED)
        elif path == "/feed-as-xml":
            self._send(200, "text/xml", FEED)
        elif path == "/untyped":
            self._send(200, "", PAGE)
        elif path == "/gzip":
            self._send(200, "text/html", gzip.compress(PAGE), encoding="gzip")
        elif path == "/gzip-bomb":
            self._send(200, "text/html", gzip.compress(b" " * 2_000_000), encoding="gzip")
        elif path == "/big":
            self._send(200, "text/html", b"<html>" + b"x" * 50_000)
        elif path == "/big-chunked":
            self._stream_unsized(b"<html>" + b"x" * 50_000)
        elif path == "/slow":
            time.sleep(2)
            self._send(200, "text/html", PAGE)
        elif path == "/drip":
            self._drip()
        elif path == "/drip-headers":
            self._drip_headers()
        elif path == "/image":
            self._send(200, "image/png", b"\x89PNG\r\n\x1a\n")
        elif path == "/not-a-page":
            self._send(200, "text/plain", b"just some words, no markup")
        elif path == "/to-private":
            self._redirect(f"http://127.0.0.2:{self.server.server_port}/page")
        elif path == "/to-ftp":
            self._redirect("ftp://127.0.0.1/page")
        elif path == "/host":
            self._send(200, "text/html", f"<html><p>{self.headers['Host']}</p>".encode())
        else:
            self._send(404, "text/html", b"<html><p>not here</p></html>")

    def _send(self, status: int, content_type: str, body: bytes, *, encoding: str = "") -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _stream_unsized(self, body: bytes) -> None:
        # HTTP/1.0 and no Content-Length: the body ends when the connection does.
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        for start in range(0, len(body), 4096):
            self.wfile.write(body[start : start + 4096])

    def _drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(100):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.05)

    def _drip_headers(self) -> None:
        # The status line and headers a byte at a time, each sooner than a read timeout.
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
        head += b"X-Padding: " + b"." * 60 + b"\r\n"
        head += b"Content-Length: %d\r\n\r\n" % len(PAGE)
        for byte in range(len(head)):
            self.wfile.write(head[byte : byte + 1])
            self.wfile.flush()
            time.sleep(0.1)
        self.wfile.write(PAGE)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # A TLS handshake that fails (a test's wrong certificate) must not hang the others.
    timeout = 5

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that stops reading (a body over its limit) is what some tests do.
        pass


@contextlib.contextmanager
def serving(*, tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """Serve the routes on 127.0.0.1; yields the base URL ("http://127.0.0.1:PORT").

    Args:
        tls: a server context to serve HTTPS with instead ("https://127.0.0.1:PORT").
    """
    server = _Server(("127.0.0.1", 0), _Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def summary_feed(base: str, folder: Path) -> Path:
    """A feed of three summary-only entries linking to the loopback server's pages."""
    items = [
        ("Apricot growers pick a record crop", "page", "02 Jul 2021", "A record apricot crop."),
        ("Yerevan's new metro station", "bare", "10 Jul 2021", "Ajapnyak station opens."),
        ("A story whose page is gone", "missing", "11 Jul 2021", "The page is gone."),
    ]
    entries = "".join(
        f"<item><title>{title}</title><link>{base}/{path}</link>"
        f"<pubDate>Sat, {date} 09:00:00 +0000</pubDate><dc:creator>Narek Sargsyan</dc:creator>"
        f"<description>{summary}</description></item>"
        for title, path, date, summary in items
    )
    feed = folder / "digest.rss"
    feed.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Regional Digest</title>'
        f"{entries}</channel></rss>",
        encoding="utf-8",
    )
    return feed
