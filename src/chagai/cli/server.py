"""The web app's commands: serve it, and manage the tokens that may write through its API."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from chagai import __version__
from chagai.cli import render
from chagai.cli.options import registry

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
WORKER_HEALTHCHECK = 120
"""How long a server process may take to answer the parent's health check [s] before it is replaced.

Uvicorn's default, 5 s, is shorter than a process's start (imports, the compiled model loaded and warmed) on a
busy machine: the parent then killed and restarted a process that was only starting, over and over.
"""


def serve(
    host: Annotated[str, typer.Option(help="address to listen on (0.0.0.0: every interface)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="server processes (each runs its own simulation jobs)")] = 1,
    log_level: Annotated[str, typer.Option(help="critical, error, warning, info or debug")] = "info",
) -> None:
    """Start the web app and the JSON API (documentation at /api/docs) over the registry.

    The registry is the one every command uses (CHAGAI_DATABASE_URL, else the user's SQLite file): set
    CHAGAI_DATABASE_URL=postgresql+psycopg://user@host:5432/db for a team server.
    """
    import uvicorn

    if log_level not in LOG_LEVELS:
        msg = f"--log-level {log_level!r}: expected one of {', '.join(LOG_LEVELS)}"
        raise typer.BadParameter(msg)
    with registry() as opened:  # migrated and filled once, before the server processes start
        where = opened.engine.url.render_as_string(hide_password=True)
    shown = f"[{host}]" if ":" in host else host
    render.err.print(f"chagai {__version__}: registry {where}")
    render.err.print(
        f"serving http://{shown}:{port}/ (API documentation: http://{shown}:{port}/api/docs); Ctrl-C stops"
    )
    uvicorn.run(
        "chagai.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=log_level in ("info", "debug"),
        timeout_worker_healthcheck=WORKER_HEALTHCHECK,
    )


def token_create(
    name: Annotated[str, typer.Option("--name", help="who or what the token is for, e.g. 'alice' or 'newsroom-bot'")],
    role: Annotated[str, typer.Option("--role", help="viewer, editor or admin (admins may also delete projects)")],
) -> None:
    """Create a token and print it once: only its hash is kept, so it cannot be shown again."""
    from chagai.registry.tokens import create_token

    with registry() as opened:
        token_id, plaintext = create_token(opened, name, role)
    render.err.print(f"token {token_id} for {name!r}, role {role}. Keep it secret: it is shown only now.")
    render.err.print(
        "Send it as 'Authorization: Bearer <token>'; revoke it with `chagai token revoke " + token_id + "`."
    )
    sys.stdout.write(plaintext + "\n")


def token_list() -> None:
    """List the tokens (never their secrets): id, name, role, created, revoked."""
    from chagai.registry.tokens import list_tokens

    with registry() as opened:
        tokens = list_tokens(opened)
    render.tokens(tokens)


def token_revoke(token_id: Annotated[str, typer.Argument(help="the token's id (see `chagai token list`)")]) -> None:
    """Revoke a token: it is refused from the next request on."""
    from chagai.registry.tokens import revoke_token

    with registry() as opened:
        revoke_token(opened, token_id)
    render.out.print(f"revoked token {token_id}")
