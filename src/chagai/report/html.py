"""One self-contained HTML page of an appraisal: answers first, then the charts and every assumption's source.

plotly's JavaScript is embedded once (no network needed to open the page). Every chart takes its title and the
unit of its axis from the results it plots (line names and units of :data:`chagai.services.annual.LINE_UNITS`,
figure units), never from a string typed here; user text (claims, sources, names) is escaped by jinja2.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from chagai import __version__
from chagai.cases.checks import quantities
from chagai.cases.io import case_hash
from chagai.cases.labels import field_label
from chagai.cases.overrides import is_override
from chagai.cases.schema import CLAIM_TOLERANCE
from chagai.formatting import format_value, own_basis, percent_text
from chagai.registry.exporters import operator_label, resource_label
from chagai.results import Simulation, TornadoBar
from chagai.services import Appraisal, government_items
from chagai.services.annual import LINE_UNITS
from chagai.services.appraise import fiscal_receipts_by_level
from chagai.services.simulate import path_values


def _label(line: str) -> str:
    return line.replace("_", " ")


def _axis(line: str) -> str:
    return f"{_label(line)} [{LINE_UNITS[line]}]"


GOVERNMENT_COLOURS = {"federal": ("#1f4e79", "#6b9bd1", "#a9c7e8"), "provincial": ("#2e7d32", "#81c784", "#c5e1a5")}
"""The colours of each government in every chart of the report and the pages: a bar or line named after it takes
the first, a second one in the same chart the next shade."""


def styled(fig: go.Figure) -> go.Figure:
    """The house layout of every chart (margins, height, template, the governments' colours); returns ``fig``."""
    fig.update_layout(margin={"l": 70, "r": 30, "t": 60, "b": 60}, height=fig.layout.height or 420)
    fig.update_layout(template="plotly_white")
    used = dict.fromkeys(GOVERNMENT_COLOURS, 0)
    for trace in fig.data:
        name = (trace.name or "").lower()
        level = next((level for level in GOVERNMENT_COLOURS if level in name), None)
        if level is None:
            continue
        shades = GOVERNMENT_COLOURS[level]
        colour = shades[min(used[level], len(shades) - 1)]
        used[level] += 1
        if trace.type == "bar":
            trace.marker.color = colour
        elif trace.type == "scatter":
            trace.line.color = colour
    return fig


def _html(fig: go.Figure, chart_id: str) -> str:
    styled(fig)
    return str(pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=chart_id, config={"responsive": True}))


PAGE_TITLE_WIDTH = 58
"""Characters per line of a chart title on a page, where charts stand two abreast."""


def figure_json(fig: go.Figure) -> str:
    """A chart in the house layout as plotly JSON (``{"data": ..., "layout": ...}``), for pages that draw it.

    On a page a chart may be half as wide as in the report: long titles wrap, and a legend goes under the plot.
    """
    styled(fig)
    title = fig.layout.title.text or ""
    if len(title) > PAGE_TITLE_WIDTH:
        fig.update_layout(title_text="<br>".join(textwrap.wrap(title, PAGE_TITLE_WIDTH)), margin_t=90)
    if fig.layout.showlegend is not False and len(fig.data) > 1:
        fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0}, margin_b=40, height=480)
    return str(fig.to_json())


def _years_with_flows(a: Appraisal) -> int:
    """How many years, from the first, the charts by year show: up to the last year with any flow (no empty tail)."""
    moving = np.any(np.abs(a.lines) > 1e-9, axis=0) | np.any(np.abs(a.party_net) > 1e-9, axis=0)
    found = np.flatnonzero(moving)
    return int(found[-1]) + 1 if found.size else len(a.years)


def _ownership(a: Appraisal) -> go.Figure:
    params, years = a.compiled.params, a.years[: _years_with_flows(a)]
    fig = go.Figure()
    shares: dict[str, np.ndarray] = {}
    for line in range(params.stakes.share.shape[0]):
        party = a.compiled.parties[int(params.stakes.holder[line])].label
        shares[party] = shares.get(party, np.zeros(len(years))) + params.stakes.share[line, : len(years)]
    for party, share in shares.items():
        fig.add_trace(go.Scatter(x=years, y=100 * share, name=party, stackgroup="one", mode="lines"))
    fig.update_layout(title="Ownership over time (stakes in force each year)", yaxis_title="share [%]")
    fig.update_xaxes(title="year")
    return fig


def _waterfall(a: Appraisal) -> go.Figure:
    """Where the revenue goes over the life, left to right: costs, then each receiver, down to nothing left.

    The receivers are grouped by who they are: each government's fiscal receipts (royalties, taxes, withholding,
    rent, profit share; its companies' dividends go to them as owners), the community, the lenders (interest and
    fees, net of what they lent and got back) and each owner's net equity flow. Loan drawdowns are not revenue, so
    they are not among the steps. The steps add up to the revenue exactly (the model's cash identity).
    """
    federal, provincial = fiscal_receipts_by_level(a)
    costs = sum(float(a.line(line).sum()) for line in _COST_LINES)
    steps = [
        ("Revenue", float(a.line("gross_revenue").sum())),
        ("Costs: operating, capital, closure", -costs),
        ("Federal government: royalties, taxes, levies", -federal),
        ("Provincial government: royalties, taxes, levies", -provincial),
        ("Community", -float(a.line("community").sum())),
        ("Lenders: interest and fees", -float(a.line("lenders_net").sum())),
    ]
    steps += [(f"{party.label} (owner)", -float(a.party_net[p].sum())) for p, party in enumerate(a.compiled.parties)]
    shown = [(name, value) for name, value in steps if abs(value) > 1e-6]
    fig = go.Figure(
        go.Waterfall(
            x=[name for name, _ in shown],
            y=[value for _, value in shown],
            measure=["relative"] * len(shown),
            text=[f"{value:,.0f}" for _, value in shown],
            textposition="outside",
            connector={"line": {"color": "#999"}},
        )
    )
    unit = LINE_UNITS["gross_revenue"]
    fig.update_layout(
        title=f"Where the revenue goes, life of project ({unit}, undiscounted, {a.case.money.basis} "
        f"{a.case.money.base_year})",
        yaxis_title=unit,
        showlegend=False,
    )
    return fig


_COST_LINES = ("selling_costs", "opex", "sustaining_capex", "initial_capex", "closure")
"""The lines that pay suppliers and workers: what the revenue pays before anyone else is paid."""


def _stacked(a: Appraisal, lines: list[str], title: str, outflows: tuple[str, ...] = ()) -> go.Figure:
    """Bars by year; lines named in ``outflows`` are drawn below zero."""
    fig = go.Figure()
    shown = _years_with_flows(a)
    for line in lines:
        sign = -1.0 if line in outflows else 1.0
        name = f"- {_label(line)}" if line in outflows else _label(line)
        fig.add_trace(go.Bar(x=a.years[:shown], y=sign * a.line(line)[:shown], name=name))
    units = {LINE_UNITS[line] for line in lines}
    fig.update_layout(barmode="relative", title=title, yaxis_title=" / ".join(sorted(units)))
    fig.update_xaxes(title="year")
    return fig


def _dscr(a: Appraisal) -> go.Figure:
    service = a.line("debt_service") > 1e-9
    fig = go.Figure(go.Scatter(x=a.years[service], y=a.line("dscr")[service], name=_axis("dscr"), mode="lines+markers"))
    targets = [f.target_dscr for f in a.case.financing if f.target_dscr]
    for level, label in [(1.0, "DSCR = 1.0 (default)")] + [(t, f"target {t:g}") for t in sorted(set(targets))]:
        fig.add_hline(y=level, line_dash="dash", annotation_text=label)
    fig.update_layout(title="Debt service cover ratio by year", yaxis_title=_axis("dscr"))
    fig.update_xaxes(title="year")
    return fig


def _progressivity(a: Appraisal) -> go.Figure:
    points = [p for p in a.progressivity if math.isfinite(p.aetr) and math.isfinite(p.pre_tax_irr)]
    unit = a.compiled.price_units[0]
    commodity = a.compiled.commodities[0]
    fig = go.Figure(
        go.Scatter(
            x=[100 * p.pre_tax_irr for p in points],
            y=[100 * p.aetr for p in points],
            text=[f"{commodity} {p.price:,.0f} {unit}" for p in points],
            mode="lines+markers",
            name="AETR",
        )
    )
    fig.update_layout(
        title=f"Progressivity: government take (AETR at {a.discount_rate:.0%}) against the pre-tax IRR, "
        f"{commodity} price varied",
        xaxis_title="pre-tax IRR [%]",
        yaxis_title="AETR [%]",
    )
    return fig


def _histograms(simulation: Simulation) -> list[tuple[str, go.Figure]]:
    charts = []
    a = simulation.arrays
    owners = []
    for column, p in enumerate(a.parties):
        values = a.party_npv[simulation.valid, column]
        if np.any(np.abs(np.nan_to_num(values)) > 1e-9):
            owners.append((simulation.compiled.parties[p].label, values))
    if owners:  # one panel an owner, each on its own scale: overlaid, a small owner's NPV would be a spike
        fig = make_subplots(
            rows=len(owners), cols=1, subplot_titles=[label for label, _ in owners], vertical_spacing=0.5 / len(owners)
        )
        for row, (label, values) in enumerate(owners, start=1):
            fig.add_trace(go.Histogram(x=values, name=label, nbinsx=80, showlegend=False), row=row, col=1)
            fig.update_yaxes(title_text="paths", row=row, col=1)
        fig.update_xaxes(title_text="NPV [US$m]", row=len(owners), col=1)
        fig.update_layout(
            title=f"NPV of each owner over {a.n_paths:,} paths (seed {a.seed})", height=200 + 180 * len(owners)
        )
        charts.append(("npv-by-owner", fig))
    values = path_values(simulation.arrays, "min_dscr")
    values = values[np.isfinite(values)]
    if values.size:
        label, unit = simulation.distribution("min_dscr").label, simulation.distribution("min_dscr").unit
        hist = go.Figure(go.Histogram(x=np.clip(values, 0, 8), nbinsx=80, name=label))
        hist.add_vline(x=1.0, line_dash="dash", annotation_text="1.0")
        hist.update_layout(title=f"{label} over the paths (clipped at 8)", xaxis_title=f"{label} [{unit}]")
        hist.update_yaxes(title="paths")
        charts.append(("min-dscr", hist))
    return charts


def _tornado(bars: list[TornadoBar], output: str) -> go.Figure:
    from chagai.services.sensitivity import OUTPUT_LABELS

    chosen = [b for b in bars if b.output == output][::-1]
    base = chosen[0].base if chosen else 0.0
    label, unit = OUTPUT_LABELS.get(output, (_label(output), ""))
    fig = go.Figure()
    for name, values in (("input at low", [b.at_low for b in chosen]), ("input at high", [b.at_high for b in chosen])):
        fig.add_trace(
            go.Bar(
                y=[b.label for b in chosen],
                x=[v - base for v in values],
                base=base,
                orientation="h",
                name=name,
            )
        )
    fig.update_layout(
        barmode="overlay", title=f"Tornado: {label} (base {base:,.4g} {unit})", xaxis_title=f"{label} [{unit}]"
    )
    return fig


def appraisal_figures(
    appraisal: Appraisal, simulation: Simulation | None = None, sensitivity_bars: list[TornadoBar] | None = None
) -> list[tuple[str, str, go.Figure]]:
    """The charts of an appraisal (and of its simulation and sensitivity when given) as (id, heading, figure)."""
    a = appraisal
    figures: list[tuple[str, str, go.Figure]] = [
        ("ownership", "Ownership over time", _ownership(a)),
        ("waterfall", "Cash-flow waterfall", _waterfall(a)),
        (
            "annual",
            "Annual cash flow",
            _stacked(
                a,
                ["gross_revenue", "opex", "initial_capex", "sustaining_capex", "income_tax", "debt_service"],
                f"Revenue (up) against costs, tax and debt service (down) by year [{LINE_UNITS['gross_revenue']}]",
                outflows=("opex", "initial_capex", "sustaining_capex", "income_tax", "debt_service"),
            ),
        ),
        (
            "governments",
            "Government receipts",
            _stacked(
                a,
                ["government_federal", "government_provincial"],
                f"Receipts of each government by year [{LINE_UNITS['government_federal']}]",
            ),
        ),
    ]
    if a.lenders is not None:
        figures.append(("dscr", "Debt service cover", _dscr(a)))
    if a.progressivity:
        figures.append(("progressivity", "Progressivity", _progressivity(a)))
    if simulation is not None:
        for chart_id, fig in _histograms(simulation):
            figures.append((chart_id, "Monte Carlo", fig))
    if sensitivity_bars:
        for output in ("npv_post_tax", "aetr"):
            if any(b.output == output for b in sensitivity_bars):
                figures.append((f"tornado-{output}", "Sensitivity", _tornado(sensitivity_bars, output)))
    return figures


def charts_not_drawn(
    appraisal: Appraisal, simulation: Simulation | None = None, sensitivity_bars: list[TornadoBar] | None = None
) -> list[tuple[str, str]]:
    """The charts :func:`appraisal_figures` leaves out, each with why, as (heading, reason)."""
    missing = []
    if appraisal.lenders is None:
        missing.append(("Debt service cover", "the case has no loans, so there is no debt service to cover"))
    if not appraisal.progressivity:
        missing.append(("Progressivity", "the price scan was not run (an appraisal without its solves)"))
    if simulation is None:
        missing.append(("Monte Carlo", "no simulation was run with this report (give --paths to run one)"))
    if not sensitivity_bars:
        missing.append(("Sensitivity", "no tornado was computed for this report"))
    return missing


def appraisal_charts(appraisal: Appraisal) -> list[tuple[str, str, str]]:
    """The charts of an appraisal as (id, heading, plotly JSON), for pages that draw them in the browser."""
    return [(chart_id, heading, figure_json(fig)) for chart_id, heading, fig in appraisal_figures(appraisal)]


def build_report(
    appraisal: Appraisal, simulation: Simulation | None = None, sensitivity_bars: list[TornadoBar] | None = None
) -> str:
    """The report as one HTML string."""
    a = appraisal
    case = a.case
    charts = [
        (chart_id, heading, _html(fig, f"chart-{chart_id}"))
        for chart_id, heading, fig in appraisal_figures(a, simulation, sensitivity_bars)
    ]

    env = Environment(loader=PackageLoader("chagai.report", "templates"), autoescape=select_autoescape(["html"]))
    template = env.get_template("report.html")

    return template.render(
        case=case,
        a=a,
        resource=resource_label(case),
        operator=operator_label(case),
        status=case.current_status,
        figures={f.key: f for f in a.figures},
        government_rows=government_items(a),
        simulation=simulation,
        charts=charts,
        not_drawn=charts_not_drawn(a, simulation, sensitivity_bars),
        fmt=format_value,
        percent=percent_text,
        money=a.presented().unit("US$m"),  # the figures' and stakeholders' money (the charts stay in US$m)
        own_basis=own_basis,
        version=__version__,
        inputs_hash=case_hash(case),
        assumptions=list(quantities(case)),
        is_override=is_override,
        label=field_label,
        generated=dt.date.today().isoformat(),
        sources_by_id={src.id: src for src in case.sources},
        claim_tolerance=CLAIM_TOLERANCE,
        plotly_js=get_plotlyjs(),
    )


def compare_figures(appraisals: list[Appraisal]) -> list[tuple[str, str, go.Figure]]:
    """The charts of a side-by-side comparison as (id, heading, figure)."""
    from chagai.services.appraise import comparison_rows

    rows = comparison_rows(appraisals)
    names = [a.case.name for a in appraisals]
    by_key = {row.key: row for row in rows}
    share = go.Figure()
    for key in ("local_share", "local_share_pv", "aetr", "fiscal_take_pv"):
        row = by_key[key]
        share.add_trace(
            go.Bar(x=names, y=[100 * v if isinstance(v, float) else None for v in row.values], name=row.label)
        )
    share.update_layout(
        barmode="group",
        title="Provincial share and government take by project",
        yaxis_title="share of pre-tax cash flow [%]",
    )
    receipts = go.Figure()
    for key in ("government_provincial_pv", "government_federal_pv"):
        row = by_key[key]
        receipts.add_trace(go.Bar(x=names, y=row.values, name=row.label))
    receipts.update_layout(
        barmode="group",
        title=f"Present value of government receipts by project [{by_key['government_federal_pv'].unit}]",
        yaxis_title=by_key["government_federal_pv"].unit,
    )
    return [("shares", "Who gets what", share), ("receipts", "Government receipts", receipts)]


def build_compare_report(appraisals: list[Appraisal], simulations: list[Simulation] | None = None) -> str:
    """A side-by-side report of several projects: local share, government take, status and risks."""
    from chagai.services.appraise import comparison_rows

    rows = comparison_rows(appraisals)
    charts = [
        (chart_id, heading, _html(fig, f"chart-{chart_id}")) for chart_id, heading, fig in compare_figures(appraisals)
    ]
    env = Environment(loader=PackageLoader("chagai.report", "templates"), autoescape=select_autoescape(["html"]))

    risks = []
    for i, a in enumerate(appraisals):
        sim = simulations[i] if simulations else None
        risks.append(
            {
                "name": a.case.name,
                "resource": resource_label(a.case),
                "operator": operator_label(a.case),
                "status": a.case.current_status,
                "p_loss": sim.probabilities.npv_post_tax_below_zero if sim else None,
                "p_default": sim.probabilities.default if sim and a.case.financing else None,
                "basis": sim.basis if sim else "",
                "profile": sim.security_profile or "" if sim else "",
            }
        )
    return env.get_template("compare.html").render(
        appraisals=appraisals,
        rows=rows,
        risks=risks,
        charts=charts,
        fmt=format_value,
        version=__version__,
        basis=appraisals[0].basis,
        plotly_js=get_plotlyjs(),
    )


def write_report(
    appraisal: Appraisal,
    path: Path,
    simulation: Simulation | None = None,
    sensitivity_bars: list[TornadoBar] | None = None,
) -> Path:
    """Write the report to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_report(appraisal, simulation, sensitivity_bars), encoding="utf-8")
    return path
