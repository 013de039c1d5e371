"""What every response of the server carries and what no request may exceed: two pure ASGI middlewares.

:class:`BodyLimit` refuses a request body larger than ``CHAGAI_MAX_BODY_BYTES`` (2 MB by default) with 413 and a
JSON error, before reading it when its ``Content-Length`` says so, and as soon as a streamed (chunked) body passes
the limit. Nothing past the limit is ever held in memory, parsed or echoed, so one client cannot keep the server
busy with a huge body.

:class:`SecurityHeaders` gives every response (JSON, HTML, files) the headers that stop a browser from sniffing
its type, framing it or leaking the address it came from, and a Content-Security-Policy: a response that set its
own keeps it; other HTML gets :data:`PAGE_POLICY` (the pages' scripts and styles are the server's own files), the
API documentation :data:`DOCS_POLICY`, and anything else (JSON, CSV, workbooks) :data:`DATA_POLICY`, under which
nothing runs.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chagai.config import MAX_BODY_BYTES, settings
from chagai.errors import Issue

DEFAULT_MAX_BODY_BYTES: Final = 2 * 1024 * 1024
"""Largest request body read when ``CHAGAI_MAX_BODY_BYTES`` is unset [bytes]."""

PAGE_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
"""Content-Security-Policy of the pages: scripts, styles and data only from the server itself."""
REPORT_POLICY: Final = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
    "font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""Content-Security-Policy of the self-contained HTML report: its own inline charts run, nothing is fetched."""
DOCS_POLICY: Final = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
"""Content-Security-Policy of the interactive API documentation, whose viewer is loaded from its CDN."""
DATA_POLICY: Final = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""Content-Security-Policy of JSON and files: a browser that opens one runs nothing and embeds nothing."""

HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
"""Headers every response carries (unless it set them itself)."""


def max_body_bytes() -> int:
    """The largest request body the server reads (``CHAGAI_MAX_BODY_BYTES``, else 2 MB) [bytes]."""
    return settings().max_body_bytes or DEFAULT_MAX_BODY_BYTES


class _TooLarge(Exception):
    """The body passed the limit while it was read (the 413 is already sent)."""


def _too_large(limit: int, size: int | None) -> JSONResponse:
    """The 413 reply: the body's size (when it was declared), the limit, and the setting that raises it."""
    from chagai.web.routes.errors import error_response  # the routes import this module's policies

    shown = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
    issue = Issue(
        "body",
        shown,
        f"a body of at most {limit:,} bytes",
        f"send a smaller body (split it into several requests), or ask the operator to raise {MAX_BODY_BYTES}",
    )
    return error_response(413, f"the request body is too large ({shown}; at most {limit:,} bytes)", [issue])


class BodyLimit:
    """Refuse request bodies larger than ``limit`` bytes (default: :func:`max_body_bytes`) with 413."""

    def __init__(self, app: ASGIApp, limit: int | None = None) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, refusing it with 413 once its body is known to pass the limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit or max_body_bytes()
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await _too_large(limit, int(length))(scope, receive, send)
            return

        received = 0
        started = refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not refused:
                    if started:  # the app answered before reading the body: too late for a 413
                        raise _TooLarge
                    refused = True
                    await _too_large(limit, None)(scope, receive, send)
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:  # the 413 is the answer: whatever the app makes of the interrupted body is dropped
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not refused:  # once refused, whatever the app raised on the interrupted body is answered by the 413
                raise


class SecurityHeaders:
    """Add :data:`HEADERS` and a Content-Security-Policy to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp, docs_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.docs_paths = docs_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and complete its response's headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = str(scope.get("path", "")).startswith(self.docs_paths) if self.docs_paths else False

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                html = headers.get("content-type", "").startswith("text/html")
                policy = DOCS_POLICY if docs else PAGE_POLICY if html else DATA_POLICY
                headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)
