"""A new user's journey through the pages in a real browser (Debian's Chromium driven by playwright).

Open the registry, search "Reco Diq", open Reko Diq, change the copper price and see the answers change, run a
Monte Carlo and watch it finish, log in as an editor, add a source and a claim (one with ``<script>`` in it,
which must show as text), and compare the three projects. Every page: no console error, no uncaught exception,
no dialog, and no request to any host but the server. A screenshot of each page is kept (``CHAGAI_SCREENSHOTS``
names the folder; a temporary one otherwise).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from chagai.registry.db import open_registry
from chagai.registry.tokens import create_token
from tests.chromium import ARGS, CHROMIUM, needs_chromium

SCRIPT_CLAIM = "Exports will reach US$3bn a year <script>alert(1)</script> (a test claim)"

pytestmark = needs_chromium


def _shots(tmp_path: Path, backend: str) -> Path:
    folder = Path(os.environ.get("CHAGAI_SCREENSHOTS") or tmp_path / "shots") / backend
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _drawn(page: Any) -> int:
    return int(
        page.evaluate(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".filter(d => d.querySelector('.main-svg') && d._fullData && d._fullData.length > 0).length"
        )
    )


def _charts_drawn(page: Any) -> int:
    """Wait until every embedded chart is drawn; return how many there are."""
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-figure]'))"
        ".every(d => d.classList.contains('js-plotly-plot') && d.querySelector('.main-svg'))"
    )
    total = int(page.evaluate("() => document.querySelectorAll('[data-figure]').length"))
    assert _drawn(page) == total
    return total


def test_a_new_users_journey(live_server: str, web_database_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import FloatRect, expect, sync_playwright

    base = live_server
    backend = web_database_url.split(":", 1)[0].split("+", 1)[0]
    shots = _shots(tmp_path, backend)
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
        page.on("request", lambda r: requests.append(r.url))

        def on_dialog(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)

        def shot(name: str) -> None:
            """The page from the top, down to at most five screens (whole pages of tables are slow to take)."""
            size = page.viewport_size or {"width": 1280, "height": 900}
            height = min(int(page.evaluate("() => document.documentElement.scrollHeight")), 5 * size["height"])
            clip = FloatRect(x=0, y=0, width=size["width"], height=height)
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True, clip=clip)

        # the registry, as the founding article's table, with its map
        page.goto(base + "/")
        expect(page.locator("table.registry caption")).to_contain_text("7 of 7 projects")
        headers = page.locator("table.registry thead th").all_inner_texts()
        assert headers == ["Project", "Resource", "Operator/Partner", "Status"]
        assert _charts_drawn(page) == 1
        shot("1-registry")

        # search by an alias: the fragment is swapped in place
        page.fill("#q", "Reco Diq")
        page.press("#q", "Enter")
        expect(page.locator("table.registry caption")).to_contain_text("1 of 7 projects")
        expect(page.locator("#registry-results .message.info")).to_contain_text("another name of Reko Diq")
        assert "q=Reco+Diq" in page.url
        _charts_drawn(page)
        shot("2-search")

        # the project page: facts, answers and charts
        page.click("table.registry a:text('Reko Diq')")
        page.wait_for_url(re.compile(r"/projects/reko-diq$"))
        expect(page.locator("h1")).to_have_text("Reko Diq")
        assert _charts_drawn(page) >= 5
        barrick = page.locator("[data-key='npv-barrick'] .v")
        province = page.locator("[data-key='provincial'] .v")
        before = (barrick.inner_text(), province.inner_text())
        assert page.locator("#stakes tbody tr").count() >= 4
        assert page.locator("#sources li").count() > 10
        shot("3-project")

        # change the copper price: the answers change in place
        page.fill("#price-copper", "6000")
        page.click("#scenario button[type=submit]")
        expect(page.locator(".scenario-line")).to_contain_text("copper 6,000 US$/t")
        after = (barrick.inner_text(), province.inner_text())
        assert after[0] != before[0]
        assert after[1] != before[1]
        expect(page.locator("[data-key='npv-barrick'] .was")).to_contain_text(before[0])
        assert "price-copper=6000" in page.url
        assert _charts_drawn(page) >= 5
        shot("4-copper-6000")

        # a Monte Carlo of 20,000 paths: progress, then the distributions
        page.click("nav.tabs a:text('Monte Carlo')")
        page.wait_for_url(re.compile(r"/projects/reko-diq/risk$"))
        page.fill("#paths", "20000")
        page.fill("#seed", "11")
        page.click("#mc-start")
        expect(page.locator("#mc-progress-box")).to_be_visible()
        page.wait_for_selector("#mc-results[data-status='done']", timeout=300_000)  # a cold cache compiles first
        expect(page.locator("#mc-status")).to_contain_text("Done: 100%")
        expect(page.locator("[data-key='p-default'] .v")).to_have_text(re.compile(r"^\d+\.\d%$"))
        owners = page.locator("#mc-owners tbody th").all_inner_texts()
        assert "Barrick Gold" in owners
        assert "20,000 paths" in page.locator("#mc-distributions").inner_text()
        assert _charts_drawn(page) >= 1
        assert "job=" in page.url
        monte_carlo = page.url
        shot("5-monte-carlo")

        # an editor logs in with a token and adds a source, then a claim citing it
        with open_registry(web_database_url) as registry:
            _, token = create_token(registry, "Journalist Editor", "editor")
        page.goto(base + "/projects/reko-diq/claims")
        assert page.locator("#add-claim").count() == 0
        page.click("text=Log in as an editor")
        page.fill("#token", token)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(re.compile(r"/projects/reko-diq/claims$"))
        expect(page.locator("header.site .who")).to_contain_text("Journalist Editor")
        shot("6-editor")

        page.fill("#source-title", "Exports outlook for Reko Diq")
        page.fill("#source-publisher", "Test Gazette")
        page.fill("#source-date", "2026-01-15")
        page.fill("#source-url", "https://example.org/reko-diq-exports")
        page.click("#add-source button[type=submit]")
        expect(page.locator("#sources-table")).to_contain_text("Exports outlook for Reko Diq")
        selected = page.eval_on_selector("#claim-source", "s => Array.from(s.selectedOptions).map(o => o.value)")
        assert len(selected) == 1
        assert selected[0].startswith("test-gazette")

        page.fill("#claim-statement", SCRIPT_CLAIM)
        page.fill("#claim-metric", "exports-annual")
        page.fill("#claim-value", "3")
        page.fill("#claim-unit", "US$bn/yr")
        page.fill("#claim-year", "2031")
        page.click("#add-claim button[type=submit]")
        row = page.locator("#claims-table tr.added")
        expect(row).to_contain_text(SCRIPT_CLAIM)
        expect(row).to_contain_text("Test Gazette")
        expect(row.locator(".verdict")).to_have_text(re.compile(r"agree|disagree"))
        assert page.locator("#claims-table script").count() == 0
        shot("7-claim-added")

        # the comparison of the founding article's three projects
        page.click("header.site a:text('Compare')")
        expect(page.locator("#comparison thead")).to_contain_text("Saindak")
        assert _charts_drawn(page) == 2
        shot("8-compare")

        # log out: the editor's forms are gone
        page.click("header.site button:text('Log out')")
        page.goto(base + "/projects/reko-diq/claims")
        assert page.locator("#add-claim").count() == 0
        expect(page.locator("#claims-table")).to_contain_text(SCRIPT_CLAIM)
        risk_url = base + "/projects/reko-diq/risk?" + monte_carlo.split("?", 1)[1]

        # on a phone: nothing wider than the screen, every chart drawn
        page.set_viewport_size({"width": 390, "height": 844})
        for name, url in (
            ("9-phone-registry", base + "/"),
            ("10-phone-project", base + "/projects/reko-diq?price-copper=6000"),
            ("11-phone-monte-carlo", risk_url),
            ("12-phone-claims", base + "/projects/reko-diq/claims"),
            ("13-phone-compare", base + "/compare"),
        ):
            page.goto(url)
            _charts_drawn(page)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, name
            shot(name)
        browser.close()

    assert errors == []
    assert dialogs == []
    outside = [r for r in requests if not r.startswith(base + "/")]
    assert outside == []
    assert len(list(shots.glob("*.png"))) == 13
