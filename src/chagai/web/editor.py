"""The pages that write: claims and sources (editors only), and logging in and out.

An editor logs in with a token; every form here carries a CSRF token (:mod:`chagai.web.session`), and the
writes go through :mod:`chagai.registry.edits`, which validates the whole case and keeps the history. Invalid
input is shown again in the form with every problem, escaped like all text users enter.
"""

from __future__ import annotations

from typing import Any, get_args

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from chagai.cases.schema import CLAIM_TOLERANCE, Case, ClaimBasis, ClaimBound, ClaimInclude
from chagai.cases.units import all_units
from chagai.errors import ChagaiError, InputError, NotFoundError, RegistryError
from chagai.registry import edits
from chagai.registry.db import Registry
from chagai.registry.tokens import open_session
from chagai.services.claims import CHECKERS, claimed_text
from chagai.web import session
from chagai.web.cache import ModelCache
from chagai.web.deps import ModelCacheDep, RegistryDep, cached_appraisal, stored_case
from chagai.web.forms import CLAIM_FIELDS, SOURCE_FIELDS, claim_from_form, source_from_form
from chagai.web.views import error_page, redirect, render

router = APIRouter(include_in_schema=False)


def _recorded(case: Case, record_id: str) -> str:
    """``record_id`` when the case has a claim or source of that id (so a link cannot make the page say more)."""
    return record_id if record_id in {c.id for c in case.claims} | {s.id for s in case.sources} else ""


def _safe_next(target: str | None) -> str:
    """A local path to go to after logging in (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _claims_context(
    request: Request, registry: Registry, cache: ModelCache, case: Case, **extra: Any
) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    if case.has_economics:
        try:
            checks = {c.claim_id: c for c in cached_appraisal(cache, registry, case).claims}
        except ChagaiError:
            checks = {}
    context: dict[str, Any] = {
        "title": f"{case.name}: claims and sources",
        "case": case,
        "checks": checks,
        "sources_by_id": {s.id: s for s in case.sources},
        "metrics": sorted(CHECKERS),
        "claimed": claimed_text,
        "bases": get_args(ClaimBasis),
        "bounds": get_args(ClaimBound),
        "include_options": get_args(ClaimInclude),
        "default_tolerance": CLAIM_TOLERANCE,
        "units": all_units(),
        "claim_form": {},
        "source_form": {},
        "claim_sources": [],
        "claim_issues": [],
        "source_issues": [],
        "added": _recorded(case, request.query_params.get("added", "")),
    }
    context.update(extra)
    return context


@router.get("/projects/{project}/claims", response_class=HTMLResponse)
def claims_page(request: Request, project: str, registry: RegistryDep, cache: ModelCacheDep) -> Response:
    """Claims with the model's verdict, and sources; editors add both here."""
    try:
        case = stored_case(cache, registry, project)
    except NotFoundError as exc:
        return error_page(request, 404, "No such project", str(exc))
    if case.id != project:
        return redirect(request, f"/projects/{case.id}/claims")
    preselect = request.query_params.get("source", "")
    context = _claims_context(request, registry, cache, case, claim_sources=[preselect])
    return render(request, "claims.html", **context)


def _write(
    request: Request, project: str, form: FormData, kind: str, registry: Registry, cache: ModelCache
) -> Response:
    """Add a claim or a source for an editor (after the CSRF check), or show why not."""
    refusal = session.csrf_refusal(request, form)
    if refusal:
        return error_page(request, 403, "Form refused", f"The form was refused: {refusal}.")
    user = session.principal(request)
    if user is None:
        return error_page(request, 401, "Log in first", "Adding claims and sources needs an editor's login.")
    if not user.can_edit:
        return error_page(request, 403, "Not an editor", f"{user.name} may read but not edit (role {user.role}).")
    try:
        case = stored_case(cache, registry, project)
    except NotFoundError as exc:
        return error_page(request, 404, "No such project", str(exc))
    values = {name: str(form.get(name) or "") for name in (CLAIM_FIELDS if kind == "claim" else SOURCE_FIELDS)}
    sources = [str(s) for s in form.getlist("source")]
    values["includes"] = ",".join(str(i) for i in form.getlist("includes"))
    try:
        if kind == "claim":
            claim = claim_from_form(form, sources, case)
            edits.add_claim(registry, case.id, claim, actor=user.name)
            return redirect(request, f"/projects/{case.id}/claims?added={claim['id']}#claim-{claim['id']}")
        source = source_from_form(form, case)
        edits.add_source(registry, case.id, source, actor=user.name)
        return redirect(request, f"/projects/{case.id}/claims?source={source['id']}&added={source['id']}#add-claim")
    except NotFoundError as exc:
        return error_page(request, 404, "No such project", str(exc))
    except RegistryError as exc:
        return error_page(request, 409, "Not saved", f"Nothing was saved: {exc}")
    except InputError as exc:
        extra: dict[str, Any] = (
            {"claim_form": values, "claim_sources": sources, "claim_issues": exc.issues}
            if kind == "claim"
            else {"source_form": values, "source_issues": exc.issues}
        )
        return render(request, "claims.html", 422, **_claims_context(request, registry, cache, case, **extra))


@router.post("/projects/{project}/claims", response_class=HTMLResponse)
async def add_claim(request: Request, project: str, registry: RegistryDep, cache: ModelCacheDep) -> Response:
    """Add a claim (editors only; CSRF-checked)."""
    form = await request.form()
    return await run_in_threadpool(_write, request, project, form, "claim", registry, cache)


@router.post("/projects/{project}/sources", response_class=HTMLResponse)
async def add_source(request: Request, project: str, registry: RegistryDep, cache: ModelCacheDep) -> Response:
    """Add a source (editors only; CSRF-checked)."""
    form = await request.form()
    return await run_in_threadpool(_write, request, project, form, "source", registry, cache)


# ---------------------------------------------------------------------------------------------------------
# login


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    """The login form: an editor pastes the token they were given."""
    return render(request, "login.html", title="Log in", next=_safe_next(next), message="")


def _login(request: Request, form: FormData, registry: Registry) -> Response:
    target = _safe_next(str(form.get("next") or "/"))
    refusal = session.csrf_refusal(request, form)
    if refusal:
        return error_page(request, 403, "Form refused", f"The form was refused: {refusal}.")
    token = str(form.get("token") or "").strip()
    opened = open_session(registry, token) if token else None
    if opened is None:
        message = "That token is unknown or has been revoked. Ask an administrator for a new one."
        return render(request, "login.html", 401, title="Log in", next=target, message=message)
    response = RedirectResponse(target, status_code=303)
    session.log_in(request, response, opened)
    session.finish(request, response)
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, registry: RegistryDep) -> Response:
    """Check the token and start a session (CSRF-checked)."""
    form = await request.form()
    return await run_in_threadpool(_login, request, form, registry)


@router.get("/logout", response_class=HTMLResponse)
def logout_page(request: Request) -> Response:
    """A button that ends the session."""
    return render(request, "logout.html", title="Log out")


def _logout(request: Request, form: FormData) -> Response:
    refusal = session.csrf_refusal(request, form)
    if refusal:
        return error_page(request, 403, "Form refused", f"The form was refused: {refusal}.")
    session.log_out(request)
    return redirect(request, "/")


@router.post("/logout", response_class=HTMLResponse)
async def logout(request: Request) -> Response:
    """End the session (CSRF-checked)."""
    form = await request.form()
    return await run_in_threadpool(_logout, request, form)
