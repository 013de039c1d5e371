"""The pages over HTTP: each page answers, search resolves aliases, scenarios re-appraise, user text is escaped,
forms that write need an editor's session and a matching CSRF token, and a revoked token ends the session."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from markupsafe import escape

from chagai.registry.db import open_registry
from chagai.registry.edits import edit_fields
from chagai.registry.tokens import create_token, revoke_token
from chagai.web import pages

from .conftest import form_token, running_server

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def client(shared_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shared_server, timeout=60, follow_redirects=False) as c:
        yield c


def _token(database_url: str, role: str = "editor", name: str = "Page Editor") -> tuple[str, str]:
    with open_registry(database_url) as registry:
        return create_token(registry, name, role)


def _log_in(client: httpx.Client, token: str) -> None:
    csrf = form_token(client, "/login")
    answer = client.post("/login", data={"token": token, "csrf_token": csrf, "next": "/projects/reko-diq/claims"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/projects/reko-diq/claims"


def _card(page: str, key: str) -> str:
    found = re.search(rf'data-key="{key}">\s*<div class="q">[^<]*</div>\s*<div class="v">([^<]+)</div>', page)
    assert found is not None, key
    return found.group(1)


def _claim_form(csrf: str, statement: str, source: str = "dunya-2025-10", **extra: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf,
        "statement": statement,
        "metric": "exports-annual",
        "value": "2.8",
        "unit": "US$bn/yr",
        "source": source,
    }
    data.update(extra)
    return data


# ---------------------------------------------------------------------------------------------------------
# reading


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/projects/reko-diq",
        "/projects/saindak",
        "/projects/sui",
        "/projects/tang-kaur",
        "/projects/reko-diq/risk",
        "/projects/reko-diq/claims",
        "/compare",
        "/login",
        "/logout",
    ],
)
def test_every_page_answers_with_its_security_headers(client: httpx.Client, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    cookie = page.headers.get("set-cookie", "")
    if cookie:
        assert "HttpOnly" in cookie
        assert "samesite=strict" in cookie.lower()
    # every script, style sheet and icon comes from this server
    for tag, url in re.findall(r'<(script|link)[^>]*?(?:src|href)="([^"]+)"', page.text):
        assert url.startswith("/"), (tag, url)


def test_plotly_is_served_from_the_package_with_long_caching(client: httpx.Client) -> None:
    page = client.get("/projects/reko-diq")
    src = re.search(r'<script src="(/static/plotly\.min\.js\?v=[0-9a-f]+)"', page.text)
    assert src is not None
    js = client.get(src.group(1), headers={"accept-encoding": "gzip"})
    assert js.status_code == 200
    assert js.headers["content-encoding"] == "gzip"
    assert "immutable" in js.headers["cache-control"]
    assert js.headers["content-type"].startswith("text/javascript")
    assert len(js.content) > 1_000_000
    again = client.get(src.group(1), headers={"if-none-match": js.headers["etag"]})
    assert again.status_code == 304


def test_the_registry_is_the_founding_articles_table(client: httpx.Client) -> None:
    page = client.get("/").text
    assert re.search(r"<th[^>]*>Project</th><th[^>]*>Resource</th><th[^>]*>Operator/Partner</th><th[^>]*>Status", page)
    assert "7 of 7 projects" in page
    for name, operator in (("Saindak", "MCC (China)"), ("Reko Diq", "Barrick Gold (Canada)"), ("Sui", "PPL")):
        row = re.search(rf">{name}</a>.*?</tr>", page, re.S)
        assert row is not None, name
        assert operator in row.group(0)
    assert 'id="chart-map"' in page


def test_search_resolves_an_alias_and_filters_narrow_the_table(client: httpx.Client) -> None:
    page = client.get("/", params={"q": "Reco Diq"}).text
    assert "1 of 7 projects" in page
    assert 'data-project="reko-diq"' in page
    assert "is another name of Reko Diq" in page
    partial = client.get("/", params={"q": "diq"}).text
    assert 'data-project="reko-diq"' in partial
    assert 'data-project="saindak"' not in partial
    missing = client.get("/", params={"q": "Rekko Dik"}).text
    assert "Did you mean: reko-diq?" in missing
    depleting = client.get("/", params={"status": "depleting"}).text
    assert re.findall(r'data-project="([^"]+)"', depleting) == ["sui"]
    gas = client.get("/", params={"commodity": "natural-gas"}).text
    assert re.findall(r'data-project="([^"]+)"', gas) == ["sui"]
    fragment = client.get("/", params={"q": "Reco Diq"}, headers={"X-Chagai-Fragment": "registry-results"})
    assert fragment.text.lstrip().startswith('<div id="registry-results"')
    assert "<html" not in fragment.text


def test_a_project_named_by_an_alias_redirects_and_an_unknown_one_is_404(client: httpx.Client) -> None:
    moved = client.get("/projects/Reco Diq", params={"price-copper": "9000"})
    assert moved.status_code == 303
    assert moved.headers["location"] == "/projects/reko-diq?price-copper=9000"
    missing = client.get("/projects/no-such-mine")
    assert missing.status_code == 404
    assert "no project matches" in missing.text


def test_the_project_page_shows_facts_sources_and_answers(client: httpx.Client) -> None:
    page = client.get("/projects/reko-diq").text
    for section in ("answers", "charts", "stakeholders", "government-receipts", "lenders", "claims-check", "stakes"):
        assert f'id="{section}"' in page, section
    assert 'href="https://www.thenews.com.pk/print/1020555-govt-signs-deal-to-settle-11bn-reko-diq-dispute"' in page
    charts = re.findall(r'id="chart-([a-z-]+)" data-figure=', page)
    assert charts == ["ownership", "waterfall", "annual", "governments", "dscr", "progressivity"]
    assert "as recorded:" not in page  # nothing changed yet
    no_model = client.get("/projects/tang-kaur").text
    assert "no economic model yet" in no_model


def test_changing_the_copper_price_changes_the_answers(client: httpx.Client) -> None:
    base = client.get("/projects/reko-diq").text
    cheap = client.get("/projects/reko-diq", params={"price-copper": "6000"}).text
    assert _card(cheap, "npv-barrick") != _card(base, "npv-barrick")
    assert _card(cheap, "provincial") != _card(base, "provincial")
    assert f"as recorded: {_card(base, 'npv-barrick')}" in cheap
    assert "copper 6,000 US$/t (deck 9,947)" in cheap
    dear = client.get("/projects/reko-diq", params={"price-copper": "12000"}).text
    value = {p: float(_card(p, "npv-barrick").split()[0].replace(",", "")) for p in (cheap, base, dear)}
    assert value[cheap] < value[base] < value[dear]
    fragment = client.get("/projects/reko-diq", params={"price-copper": "6000"}, headers={"X-Chagai-Fragment": "1"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="appraisal"')
    assert _card(fragment.text, "npv-barrick") == _card(cheap, "npv-barrick")


def test_a_stake_sale_delay_and_overrun_use_the_command_line_syntax(client: httpx.Client) -> None:
    page = client.get(
        "/projects/reko-diq",
        params={"sell": "15%:federal->manara@2027", "delay": "2", "overrun": "1.2", "set": "costs.closure=600"},
    ).text
    assert "sale of 15% federal -&gt; manara in 2027" in page
    assert "delay 2 yr" in page
    assert "capital x1.2" in page
    assert "costs.closure = 600" in page
    assert re.search(r'<th scope="row">Manara</th>', page)


def test_bad_scenario_input_is_a_clear_escaped_422(client: httpx.Client) -> None:
    answer = client.get(
        "/projects/reko-diq",
        params={"price-copper": "lots", "delay": "-1", "sell": SCRIPT, "set": "no.such.path=1"},
    )
    assert answer.status_code == 422
    page = answer.text
    assert "Copper price [US$/t]" in page
    assert "Delay [yr]" in page
    assert "SHARE:SELLER-&gt;BUYER@YEAR" in page
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    not_a_price = client.get("/projects/reko-diq", params={"set": "prices.copper=cheap"})
    assert not_a_price.status_code == 422
    assert "cheap" in not_a_price.text
    unknown_seller = client.get("/projects/reko-diq", params={"sell": "15%:nobody->manara@2027"})
    assert unknown_seller.status_code == 422
    assert re.search(r'<span class="field">Stake sale</span>: got <code>nobody</code>', unknown_seller.text)


def test_the_comparison_shows_the_three_projects(client: httpx.Client) -> None:
    page = client.get("/compare").text
    heads = re.findall(r'<th scope="col" class="num"><a href="/projects/([a-z-]+)">', page)
    assert heads == ["saindak", "reko-diq", "sui"]
    assert 'data-key="local_share"' in page
    assert re.findall(r'id="chart-([a-z]+)" data-figure=', page) == ["shares", "receipts"]
    one = client.get("/compare", params={"ids": ["sui", "no-such"]})
    assert one.status_code == 200
    assert "Not compared" in one.text


def _figures(page: str) -> list[str]:
    return re.findall(r'data-figure="([^"]*)"', page)


def test_charts_are_drawn_once_per_content_and_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []

    def counted(name: str, draw: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            drawn.append(name)
            return draw(*args, **kwargs)

        return call

    for name in ("appraisal_charts", "compare_figures", "registry_map"):
        monkeypatch.setattr(pages, name, counted(name, getattr(pages, name)))
    url = f"sqlite:///{tmp_path / 'charts.sqlite'}"
    with running_server(url, run_jobs=False) as base, httpx.Client(base_url=base, timeout=60) as client:
        first = _figures(client.get("/projects/reko-diq").text)
        assert len(first) == 6
        assert _figures(client.get("/projects/reko-diq").text) == first
        assert drawn.count("appraisal_charts") == 1
        cheap = _figures(client.get("/projects/reko-diq", params={"price-copper": "6000"}).text)
        assert drawn.count("appraisal_charts") == 2
        assert cheap != first
        with open_registry(url) as registry:
            edit_fields(registry, "reko-diq", {"costs.closure": 900})
        edited = _figures(client.get("/projects/reko-diq").text)
        assert drawn.count("appraisal_charts") == 3  # an edited project is drawn again
        assert edited != first

        assert _figures(client.get("/compare").text) == _figures(client.get("/compare").text)
        assert drawn.count("compare_figures") == 1
        client.get("/compare", params={"ids": ["sui", "saindak"]})
        assert drawn.count("compare_figures") == 2

        every = _figures(client.get("/").text)
        assert _figures(client.get("/").text) == every
        assert drawn.count("registry_map") == 1
        depleting = _figures(client.get("/", params={"status": "depleting"}).text)
        assert drawn.count("registry_map") == 2
        assert depleting != every


def test_a_monte_carlo_runs_without_javascript(client: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    csrf = form_token(client, "/projects/reko-diq/risk")
    refused = client.post("/projects/reko-diq/risk", data={"paths": "500", "seed": "3"})
    assert refused.status_code == 403
    bad = client.post("/projects/reko-diq/risk", data={"paths": "many", "seed": "3", "csrf_token": csrf})
    assert bad.status_code == 422
    assert "Paths" in bad.text
    started = client.post("/projects/reko-diq/risk", data={"paths": "500", "seed": "3", "csrf_token": csrf})
    assert started.status_code == 303
    location = started.headers["location"]
    assert re.fullmatch(r"/projects/reko-diq/risk\?job=[0-9a-f]+", location)
    deadline = time.monotonic() + 60
    page = client.get(location).text
    while 'data-status="done"' not in page:
        assert 'data-status="failed"' not in page
        assert time.monotonic() < deadline, "the job did not finish"
        assert '<meta http-equiv="refresh"' in page
        time.sleep(0.3)
        page = client.get(location).text
    assert 'id="mc-owners"' in page
    assert "Barrick Gold" in page
    assert 'id="chart-mc-owners"' in page
    drawn: list[int] = []
    monkeypatch.setattr(pages, "owner_ranges", lambda *args: drawn.append(1))
    assert _figures(client.get(location).text) == _figures(page)  # a finished run's charts are drawn once
    assert not drawn
    other = client.get("/projects/sui/risk", params={"job": location.rsplit("=", 1)[1]})
    assert other.status_code == 404


# ---------------------------------------------------------------------------------------------------------
# writing


def test_claims_need_a_csrf_token(client: httpx.Client, shared_database_url: str) -> None:
    _, token = _token(shared_database_url)
    _log_in(client, token)
    csrf = form_token(client, "/projects/reko-diq/claims")
    before = client.get("/projects/reko-diq/claims").text.count('<tr id="claim-')
    missing = client.post("/projects/reko-diq/claims", data=_claim_form("", "Without a token"))
    assert missing.status_code == 403
    assert "carries no form token" in missing.text
    wrong = client.post("/projects/reko-diq/claims", data=_claim_form("x" * len(csrf), "With a wrong token"))
    assert wrong.status_code == 403
    assert "does not match" in wrong.text
    foreign = client.post(
        "/projects/reko-diq/claims",
        data=_claim_form(csrf, "From another site"),
        headers={"origin": "https://attacker.example"},
    )
    assert foreign.status_code == 403
    assert "another site" in foreign.text
    with httpx.Client(base_url=str(client.base_url), cookies={"chagai_session": token}) as no_cookie:
        no_csrf_cookie = no_cookie.post("/projects/reko-diq/claims", data=_claim_form(csrf, "No CSRF cookie"))
    assert no_csrf_cookie.status_code == 403
    after = client.get("/projects/reko-diq/claims").text
    assert after.count('<tr id="claim-') == before
    for statement in ("Without a token", "With a wrong token", "From another site", "No CSRF cookie"):
        assert statement not in after


def test_an_editor_adds_a_source_and_a_claim_that_shows_as_text(client: httpx.Client, shared_database_url: str) -> None:
    _, token = _token(shared_database_url)
    anonymous = client.get("/projects/saindak/claims").text
    assert 'id="add-claim"' not in anonymous
    assert "Log in as an editor" in anonymous
    _log_in(client, token)
    csrf = form_token(client, "/projects/saindak/claims")
    source = {
        "csrf_token": csrf,
        "title": f"Saindak's share {SCRIPT}",
        "publisher": "Quetta Test Weekly",
        "date": "2026-02",
        "url": "https://example.org/saindak-share",
    }
    added = client.post("/projects/saindak/sources", data=source)
    assert added.status_code == 303
    source_id = re.search(r"source=([a-z0-9-]+)", added.headers["location"])
    assert source_id is not None
    statement = f"Balochistan gets 2% of Saindak's profit {SCRIPT}"
    claim = _claim_form(csrf, statement, source=source_id.group(1), metric="provincial-share-of-revenue")
    claim.update(value="2", unit="%", year="2025", confidence="M")
    answer = client.post("/projects/saindak/claims", data=claim)
    assert answer.status_code == 303
    claim_id = re.search(r"added=([a-z0-9-]+)", answer.headers["location"])
    assert claim_id is not None
    page = client.get(answer.headers["location"]).text
    row = re.search(rf'<tr id="claim-{claim_id.group(1)}" class="added">.*?</tr>', page, re.S)
    assert row is not None
    assert str(escape(statement)) in row.group(0)
    assert "Quetta Test Weekly (2026-02)" in row.group(0)
    assert "verdict-" in row.group(0)
    assert SCRIPT not in page
    for path in ("/projects/saindak", "/projects/saindak/claims"):
        assert SCRIPT not in client.get(path).text


def test_an_editor_states_a_claims_bound_and_tolerance(client: httpx.Client, shared_database_url: str) -> None:
    _, token = _token(shared_database_url)
    _log_in(client, token)
    csrf = form_token(client, "/projects/reko-diq/claims")
    page = client.get("/projects/reko-diq/claims").text
    for field in ('name="basis"', 'name="bound"', 'name="tolerance"', 'name="includes"', 'name="phase"'):
        assert field in page
    claim = _claim_form(csrf, "Exports of over US$2bn a year", value="2", bound="at-least", tolerance="0.05")
    answer = client.post("/projects/reko-diq/claims", data=claim)
    assert answer.status_code == 303
    claim_id = re.search(r"added=([a-z0-9-]+)", answer.headers["location"])
    assert claim_id is not None
    page = client.get(answer.headers["location"]).text
    row = re.search(rf'<tr id="claim-{claim_id.group(1)}" class="added">.*?</tr>', page, re.S)
    assert row is not None
    assert "≥ 2 US$bn/yr" in row.group(0)
    assert ">5%<" in row.group(0)
    assert "agree when the model is at least 2 US$bn/yr, less 5%" in row.group(0)
    assert "verdict-agree" in row.group(0)
    refused = client.post("/projects/reko-diq/claims", data={**claim, "tolerance": "15", "statement": "Too loose"})
    assert refused.status_code == 422
    assert "0.15 for 15%" in refused.text


def test_an_invalid_claim_is_shown_again_with_every_problem(client: httpx.Client, shared_database_url: str) -> None:
    _, token = _token(shared_database_url)
    _log_in(client, token)
    csrf = form_token(client, "/projects/sui/claims")
    bad = _claim_form(csrf, f"Sui makes 900 {SCRIPT}", source="no-such-source", unit="furlongs", value="lots")
    answer = client.post("/projects/sui/claims", data=bad)
    assert answer.status_code == 422
    assert "value" in answer.text
    assert SCRIPT not in answer.text
    assert "Sui makes 900 &lt;script&gt;" in answer.text  # the form keeps what was typed
    bad["value"] = "900"
    answer = client.post("/projects/sui/claims", data=bad)
    assert answer.status_code == 422
    assert "furlongs" in answer.text
    assert "problem" in answer.text


def test_a_viewer_cannot_write_and_a_revoked_token_ends_the_session(
    client: httpx.Client, shared_database_url: str
) -> None:
    _, viewer = _token(shared_database_url, role="viewer", name="Reader")
    _log_in(client, viewer)
    csrf = form_token(client, "/projects/reko-diq/claims")
    refused = client.post("/projects/reko-diq/claims", data=_claim_form(csrf, "A viewer's claim"))
    assert refused.status_code == 403
    assert "may read but not edit" in refused.text

    token_id, editor = _token(shared_database_url, name="Soon Revoked")
    _log_in(client, editor)
    assert "Soon Revoked" in client.get("/projects/reko-diq/claims").text
    with open_registry(shared_database_url) as registry:
        revoke_token(registry, token_id)
    page = client.get("/projects/reko-diq/claims")
    assert "Soon Revoked" not in page.text
    assert 'id="add-claim"' not in page.text
    assert "chagai_session=" in page.headers.get("set-cookie", "")  # the dead session cookie is dropped
    csrf = form_token(client, "/login")
    client.cookies.set("chagai_session", editor)
    late = client.post("/projects/reko-diq/claims", data=_claim_form(csrf, "After revocation"))
    assert late.status_code == 401


def test_login_checks_the_token_and_the_form_and_logout_ends_the_session(
    client: httpx.Client, shared_database_url: str
) -> None:
    csrf = form_token(client, "/login")
    wrong = client.post("/login", data={"token": "chg_not-a-token", "csrf_token": csrf})
    assert wrong.status_code == 401
    assert "unknown or has been revoked" in wrong.text
    _, token = _token(shared_database_url, name="Logging Out")
    forged = client.post("/login", data={"token": token})
    assert forged.status_code == 403
    outside = client.post("/login", data={"token": token, "csrf_token": csrf, "next": "https://elsewhere.example/"})
    assert outside.status_code == 303
    assert outside.headers["location"] == "/"
    cookie = outside.headers.get_list("set-cookie")
    session = next(c for c in cookie if c.startswith("chagai_session="))
    assert "HttpOnly" in session
    assert "samesite=strict" in session.lower()
    assert "Logging Out" in client.get("/").text
    csrf = form_token(client, "/logout")
    assert client.post("/logout", data={}).status_code == 403
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert "Logging Out" not in client.get("/").text


def test_the_simulation_form_is_rate_limited_like_the_api(tmp_path: Path) -> None:
    """The form counts against the same per-client limit as ``POST /api/simulations``: a 429 page, not a 500."""
    url = f"sqlite:///{tmp_path / 'rate.sqlite'}"
    with running_server(url, run_jobs=False) as base, httpx.Client(base_url=base, timeout=60) as client:
        csrf = form_token(client, "/projects/saindak/risk")
        codes = []
        for _ in range(12):
            answer = client.post("/projects/saindak/risk", data={"paths": "500", "seed": "3", "csrf_token": csrf})
            codes.append(answer.status_code)
            if answer.status_code == 429:
                assert "Too many simulations" in answer.text
                break
        assert codes[-1] == 429, codes
        assert set(codes[:-1]) <= {200, 303}, codes
