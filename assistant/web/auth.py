"""The web chat's login: the accounts of an auth file, for Gradio's ``launch(auth=...)``.

An auth file holds one ``user:password`` a line; blank lines and lines starting with
``#`` are skipped, and so is the whitespace around a line. The password is everything
after the first colon (it may hold colons itself); the user name may hold neither a
colon nor whitespace. With accounts,
Gradio asks for a login before it serves the page or answers any request of the
app, and the Add articles tab may be used off loopback without the add token
(``policy.AddPolicy``). Messages name the file, the line and the user, never a
password. Read before Gradio loads, so that a bad file stops ``app.py`` at once.
"""

from __future__ import annotations

from pathlib import Path

from ..files import read_bounded

# An auth file lists a team's accounts; anything bigger is the wrong file.
MAX_AUTH_FILE_BYTES = 64_000


def read_auth_file(path: str | Path) -> list[tuple[str, str]]:
    """The (user, password) accounts of an auth file, in file order.

    Raises:
        ValueError: the file cannot be read, is not UTF-8 text, has a line that
            is not ``user:password``, lists a user twice, or lists no account.

    Example:
        >>> read_auth_file("secrets/chat-users.txt")  # doctest: +SKIP
        [('editor', 'correct horse battery staple')]
    """
    shown = repr(str(path))
    try:
        raw = read_bounded(Path(path), MAX_AUTH_FILE_BYTES)
    except OSError as error:
        raise ValueError(
            f"the auth file {shown} cannot be read ({error.strerror or error}): check the "
            "path given to --auth-file (or $ASSISTANT_AUTH_FILE)"
        ) from error
    if len(raw) > MAX_AUTH_FILE_BYTES:
        raise ValueError(
            f"the auth file {shown} is over {MAX_AUTH_FILE_BYTES:,} bytes: it is not a list "
            "of user:password lines"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"the auth file {shown} is not UTF-8 text (byte {error.start}): save it as UTF-8"
        ) from error
    accounts: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, colon, password = line.partition(":")
        user = user.strip()
        if not colon or not user or not password or any(c.isspace() for c in user):
            # The line itself is never shown: it may be a password without its user.
            raise ValueError(
                f"line {number} of the auth file {shown} is not user:password (a user name "
                "without spaces, a colon, a password that is not empty)"
            )
        if user in accounts:
            raise ValueError(
                f"the auth file {shown} lists the user {user!r} twice (lines "
                f"{accounts[user][0]} and {number}): keep one"
            )
        accounts[user] = (number, password)
    if not accounts:
        raise ValueError(f"the auth file {shown} lists no user:password line")
    return [(user, password) for user, (_, password) in accounts.items()]
