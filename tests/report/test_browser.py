"""The reports in a real browser (Debian's Chromium driven by playwright): every chart draws, no console error,
no network request."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from chagai.cli import app
from tests.chromium import ARGS, CHROMIUM, needs_chromium

pytestmark = needs_chromium


def _render(path: Path, shots: Path) -> tuple[int, int, list[str], list[str]]:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.resolve().as_uri())
        page.wait_for_function("() => window.Plotly !== undefined")
        page.wait_for_timeout(500)
        drawn = page.evaluate(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".filter(d => d.querySelector('.main-svg') && d._fullData && d._fullData.length > 0).length"
        )
        total = page.evaluate("() => document.querySelectorAll('.js-plotly-plot').length")
        for section in page.query_selector_all("section, .chart"):
            name = section.get_attribute("id") or "section"
            section.screenshot(path=str(shots / f"{name}.png"))
        browser.close()
    outside = [r for r in requests if not r.startswith(("file:", "data:", "blob:"))]
    return drawn, total, errors, outside


def test_report_draws_every_chart_offline(tmp_path: Path) -> None:
    report = tmp_path / "reko.html"
    result = CliRunner().invoke(app, ["report", "reko-diq", "-o", str(report), "--paths", "3000"])
    assert result.exit_code == 0, result.output
    shots = tmp_path / "shots"
    shots.mkdir()
    drawn, total, errors, outside = _render(report, shots)
    assert total >= 8
    assert drawn == total
    assert errors == []
    assert outside == []
    assert all(p.stat().st_size > 1000 for p in shots.glob("*.png"))


def test_compare_report_draws_offline(tmp_path: Path) -> None:
    report = tmp_path / "compare.html"
    args = ["report", "--compare", "saindak", "reko-diq", "sui", "-o", str(report), "--paths", "2000"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    shots = tmp_path / "shots"
    shots.mkdir()
    drawn, total, errors, outside = _render(report, shots)
    assert drawn == total == 2
    assert errors == []
    assert outside == []


def test_report_fits_a_phone_and_prints_on_a4(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    report = tmp_path / "reko.html"
    result = CliRunner().invoke(app, ["report", "reko-diq", "-o", str(report), "--paths", "2000"])
    assert result.exit_code == 0, result.output
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto(report.resolve().as_uri())
        phone.wait_for_function("() => window.Plotly !== undefined")
        phone.wait_for_timeout(500)
        width, viewport = phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        phone.screenshot(path=str(tmp_path / "phone.png"))
        paper = browser.new_page(viewport={"width": 1200, "height": 900})
        paper.goto(report.resolve().as_uri())
        paper.wait_for_function("() => window.Plotly !== undefined")
        paper.emulate_media(media="print")
        paper.screenshot(path=str(tmp_path / "print.png"))
        paper.pdf(path=str(tmp_path / "reko.pdf"), format="A4")
        browser.close()
    assert width <= viewport  # the page never scrolls sideways on a 390 px phone
    pdf = (tmp_path / "reko.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"/MediaBox [0 0 595" in pdf  # A4 pages (595 x 842 pt)
    assert (tmp_path / "phone.png").stat().st_size > 10_000
