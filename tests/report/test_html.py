"""The HTML report: self-contained, every section present, user text escaped, reproducible for a seed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chagai.cases.library import bundled_case
from chagai.cases.overrides import apply_overrides
from chagai.report.html import build_report
from chagai.services.appraise import appraise
from chagai.services.sensitivity import tornado
from chagai.services.simulate import simulate


def _report(case, paths: int = 2_000, seed: int = 7) -> str:  # type: ignore[no-untyped-def]
    result = appraise(case)
    sim = simulate(case, paths, seed)
    return build_report(result, sim, tornado(result.compiled))


def test_report_is_self_contained_with_every_section() -> None:
    html = _report(bundled_case("reko-diq"))
    for section in (
        "answers",
        "facts",
        "summary",
        "charts",
        "stakeholders",
        "montecarlo",
        "claims",
        "assumptions",
        "sources",
    ):
        assert f'id="{section}"' in html
    for chart in (
        "ownership",
        "waterfall",
        "annual",
        "governments",
        "dscr",
        "progressivity",
        "npv-by-owner",
        "tornado-npv_post_tax",
    ):
        assert f'id="chart-{chart}"' in html, chart
    assert "<script src=" not in html  # plotly is embedded, nothing is fetched
    assert not re.search(r"<link[^>]+href=\"https?://", html)
    assert "inputs hash" in html
    assert "seed 7" in html


def test_claims_show_difference_tolerance_and_rule() -> None:
    html = build_report(appraise(bundled_case("reko-diq"), solve=False))
    claims = html.split('id="claims"')[1].split("</section>")[0]
    for header in ("<th>Model</th>", "<th>Difference</th>", "<th>Tolerance</th>", "<th>Rule and basis</th>"):
        assert header in claims
    assert "±15%" in claims
    assert "agree when the model is at least 75 US$bn" in claims
    assert "+2 yr" in claims  # production by 2028, compared in years


def test_user_text_is_escaped() -> None:
    case = apply_overrides(bundled_case("reko-diq"), {"claims[0].statement": "<script>alert(1)</script>"})
    html = build_report(appraise(case, solve=False))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_same_seed_same_numbers(tmp_path: Path) -> None:
    case = bundled_case("sui")

    def numbers(html: str) -> list[str]:
        body = html.split('id="montecarlo"')[1].split("</section>")[0]
        return re.findall(r"-?[\d,]+(?:\.\d+)?", body)

    assert numbers(_report(case, 1_000, 3)) == numbers(_report(case, 1_000, 3))


def test_the_header_states_the_run_and_an_override_is_never_credited_to_a_source() -> None:
    import datetime as dt

    a = appraise(bundled_case("reko-diq"), None, {"prices.copper": 8000})
    page = build_report(a)
    assert "Scenario: override prices.copper = 8000" in page
    assert f"Facts as of {a.case.as_of}; generated {dt.date.today().isoformat()}" in page
    row = re.search(r'<tr><td title="prices\[0\]\.price [^"]*">Price, copper</td>.*?</tr>', page)
    assert row is not None
    assert "<strong>override</strong> in this run: prices.copper = 8000" in row.group(0)
    assert "<a href" not in row.group(0)  # not credited to the Pink Sheet it replaced


def test_assumptions_are_labelled_in_words_with_the_field_path_as_a_tooltip() -> None:
    page = build_report(appraise(bundled_case("reko-diq")))
    assumptions = page.split('id="assumptions"')[1]
    assert '<td title="financing[0].rate (the field --set changes)">Loan interest rate, US EXIM</td>' in assumptions
    assert ">Ore grade, copper</td>" in assumptions
    assert "<td>financing[0].rate</td>" not in assumptions


def test_a_take_above_100_percent_and_the_effective_royalty_rate_are_explained() -> None:
    from chagai.cases.compile import Scenario

    usual = build_report(appraise(bundled_case("reko-diq")))
    assert 'id="effective-royalty"' in usual
    assert 'id="take-above-100"' not in usual  # 61%: nothing to explain
    cheap = appraise(bundled_case("reko-diq"), Scenario(price_factor=0.5))
    assert cheap.figure("aetr").value > 1
    assert "Government take above 100%" in build_report(cheap)


def test_charts_by_year_end_with_the_last_year_that_has_a_flow() -> None:
    from chagai.report.html import appraisal_figures

    a = appraise(bundled_case("saindak"))
    last = max(int(y) for line in ("gross_revenue", "closure") for y in a.years[abs(a.line(line)) > 1e-9])
    for _, _, fig in appraisal_figures(a, None, None):
        for trace in fig.data:
            if trace.type in ("bar", "scatter") and trace.x is not None and len(trace.x) > 3:
                assert max(int(x) for x in trace.x) <= last + 1, (fig.layout.title.text, trace.name)


def test_each_government_keeps_its_colour_in_every_chart() -> None:
    from chagai.report.html import GOVERNMENT_COLOURS, appraisal_figures, compare_figures, styled

    reko = appraise(bundled_case("reko-diq"))
    figures = appraisal_figures(reko, None, None) + compare_figures([reko, appraise(bundled_case("sui"))])
    seen = 0
    for _, _, fig in figures:
        styled(fig)
        for level, shades in GOVERNMENT_COLOURS.items():
            traces = [t for t in fig.data if level in (t.name or "").lower() and t.type in ("bar", "scatter")]
            colours = [t.marker.color if t.type == "bar" else t.line.color for t in traces]
            assert colours == list(shades[: len(colours)])  # the first in its colour, a second in the next shade
            seen += len(colours)
    assert seen >= 6


@pytest.mark.parametrize("project", ["reko-diq", "saindak", "sui"])
def test_where_the_revenue_goes_adds_up_to_nothing_left_without_loan_drawdowns(project: str) -> None:
    from chagai.report.html import _waterfall

    steps = _waterfall(appraise(bundled_case(project))).data[0]
    assert steps.x[0] == "Revenue"
    assert steps.x[1].startswith("Costs")
    assert abs(sum(steps.y)) < 1e-6 * steps.y[0]  # every dollar of revenue goes to someone
    assert not any("drawdown" in name.lower() or "principal" in name.lower() for name in steps.x)
    assert all(text for text in steps.text)  # each step shows its value


def test_a_chart_left_out_says_why() -> None:
    page = build_report(appraise(bundled_case("saindak")))
    note = page.split('id="not-drawn">')[1].split("</p>")[0]
    assert "Debt service cover (the case has no loans" in note
    assert "Monte Carlo (no simulation was run" in note


def test_each_owners_npv_has_its_own_panel() -> None:
    from chagai.report.html import appraisal_figures

    a = appraise(bundled_case("reko-diq"))
    sim = simulate(a.case, 2_000, 7)
    (fig,) = [fig for chart_id, _, fig in appraisal_figures(a, sim) if chart_id == "npv-by-owner"]
    owners = [t for t in fig.data if t.type == "histogram"]
    assert len(owners) >= 3
    assert len({t.xaxis for t in owners}) == len(owners)  # small multiples, each on its own axis
    titles = [annotation.text for annotation in fig.layout.annotations]
    assert "Barrick Gold" in titles


def test_the_figures_state_their_shared_basis_once() -> None:
    a = appraise(bundled_case("reko-diq"))
    figures = build_report(a).split('<section id="summary">')[1].split("</section>")[0]
    assert figures.count(a.basis) == 1  # above the table, not on every row
    assert "pre-tax net cash flow (revenue - selling costs - opex - capex - closure)</td>" in figures


def test_report_in_rupees_states_its_money_and_basis(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chagai.cli import app

    target = tmp_path / "saindak.html"
    args = ["report", "saindak", "-o", str(target), "--paths", "0", "--currency", "PKR", "--nominal"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert "PKRm" in html
    assert "PKR per US$" in html
    refused = CliRunner().invoke(app, ["report", "saindak", "sui", "-o", str(target), "--currency", "PKR"])
    assert refused.exit_code == 2
    assert "not a comparison" in " ".join(refused.output.split())
