"""The ``chagai`` command line: a thin layer of tables and options over the registry and the services."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from pydantic import JsonValue
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from typer.core import TyperGroup

from chagai import __version__, services
from chagai.cases.compile import Scenario, StakeSale
from chagai.cases.io import dump_case, load_case_file
from chagai.cases.overrides import parse_assignment
from chagai.cases.regimes import all_regimes
from chagai.cases.schema import STATUSES, Case
from chagai.errors import ChagaiError, InputError
from chagai.formatting import format_value
from chagai.registry import repo
from chagai.registry.db import Registry, open_registry
from chagai.registry.exporters import bods_statements, geojson, operator_label, resource_label
from chagai.services import Appraisal, registry_views
from chagai.services.claims import claimed_text

err = Console(stderr=True)
out = Console()


class _Commands(TyperGroup):
    """Command group that turns chagai's own errors into a clear message and an exit code, never a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except ChagaiError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Commands,
    help="Economics, fiscal terms, financing and risk of extractive projects.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Create and inspect the registry database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
token_app = typer.Typer(
    help="Create, list and revoke the tokens that may write through the web API.", no_args_is_help=True
)
app.add_typer(token_app, name="token")

By = Annotated[str | None, typer.Option("--by", help="who makes the change (default: CHAGAI_USER or login)")]


def _registry() -> Registry:
    """Open the registry, loading the bundled cases the first time it is used."""
    registry = open_registry()
    try:
        if registry.is_empty():
            err.print("[dim]The registry is empty: loading the bundled cases (chagai db init).[/dim]")
            repo.init_registry(registry)
    except BaseException:
        registry.close()
        raise
    return registry


def _date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        msg = f"{text!r} is not a date; expected YYYY-MM-DD, e.g. 2026-01-01"
        raise typer.BadParameter(msg) from None


def _pct(value: float) -> str:
    return f"{100 * value:.2f}%".replace(".00%", "%")


# ---------------------------------------------------------------------------------------------------------
# registry views


@app.command()
def projects(
    status: Annotated[str | None, typer.Option(help=f"only this status ({', '.join(STATUSES)})")] = None,
    commodity: Annotated[str | None, typer.Option(help="only projects producing this commodity, e.g. copper")] = None,
    region: Annotated[str | None, typer.Option(help="only this region or province, e.g. Balochistan")] = None,
    at: Annotated[str | None, typer.Option(help="status and operator on this date (YYYY-MM-DD)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """List the projects in the registry: Project | Resource | Operator/Partner | Status."""
    on = _date(at)
    if status is not None and status not in STATUSES:
        msg = f"{status!r} is not a status; expected one of {', '.join(STATUSES)}"
        raise typer.BadParameter(msg)
    with _registry() as registry, registry.session() as session:
        cases = repo.all_cases(session)
    rows = registry_views.project_rows(cases, on, status=status, commodity=commodity, region=region)
    if as_json:
        out.print_json(json.dumps([row.model_dump(mode="json") for row in rows]))
        return
    table = Table(title=f"Projects in the registry, {on.isoformat()}", show_lines=True)
    for name in ("Project", "Resource", "Operator/Partner", "Status", "Region"):
        table.add_column(name, overflow="fold")
    for row in rows:
        region_text = f"{row.district}, {row.region}" if row.district else row.region
        table.add_row(row.project, row.resource, row.operator, row.status_text, region_text)
    out.print(table)
    if not rows:
        err.print("No project matches the filters.")


def _owners_table(case: Case, on: dt.date) -> Table:
    table = Table(title=f"Owners on {on.isoformat()}")
    for name in ("Holder", "Share", "Kind", "Funded by", "Since", "Until", "Sources"):
        table.add_column(name)
    for s in case.stakes_on(on, include_proposed=True):
        share = _pct(s.share.exact) if s.share.exact is not None else f"{_pct(s.share.low)}-{_pct(s.share.high)}"
        kind = s.kind + (f" (from {case.party(s.from_party).label})" if s.from_party else "")
        table.add_row(
            case.party(s.party).label,
            share,
            kind,
            case.party(s.funded_by).label if s.funded_by else "",
            s.start.isoformat(),
            s.end.isoformat() if s.end else "",
            ", ".join(s.source) or f"estimate: {s.estimate}",
        )
    return table


@app.command()
def show(
    project: Annotated[str, typer.Argument(help="project id, name or alias, e.g. 'Reco Diq'")],
    at: Annotated[str | None, typer.Option(help="owners on this date (YYYY-MM-DD); default today")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the case as JSON")] = False,
) -> None:
    """Show one project: facts, owners on a date, loans, fiscal regime, claims and sources."""
    on = _date(at)
    case = _load(project)
    if as_json:
        out.print_json(case.model_dump_json(exclude_none=True))
        return
    status = case.status_on(on)
    facts = [
        f"[bold]{case.name}[/bold] ({case.id})"
        + (f"  also known as: {', '.join(case.aliases)}" if case.aliases else ""),
        f"Resource: {resource_label(case)}   Kind: {case.kind}   Operator: {operator_label(case, on)}",
        f"Location: {case.location.district or ''} {case.location.region}, {case.location.country} "
        f"({case.location.lat:.3f}, {case.location.lon:.3f}, {case.location.precision})",
        f"Status on {on}: {registry_views.status_text(case, on)}" + (f" (since {status.start})" if status else ""),
        f"Money: {case.money.currency} {case.money.unit}, {case.money.basis} {case.money.base_year}"
        f"   Facts as of {case.as_of}",
    ]
    if case.description:
        facts.append(case.description)
    out.print(Panel("\n".join(facts), title="Project"))
    history = Table(title="Status history")
    for name in ("From", "Status", "Note"):
        history.add_column(name)
    for entry in case.statuses:
        history.add_row(entry.start.isoformat(), entry.status, entry.note or "")
    out.print(history)
    out.print(_owners_table(case, on))
    if case.financing:
        loans = Table(title="Loans and guarantees")
        for name in ("Facility", "Lender", "Kind", "Amount", "Rate", "Grace", "Tenor", "Repayment", "Status"):
            loans.add_column(name)
        for f in registry_views.facilities(case):
            loans.add_row(
                f.id,
                f.lender_label,
                f"{f.kind} {f.instrument}, {f.seniority}",
                f"{f.amount_usd_m:,.0f} US$m",
                _pct(f.rate),
                f"{f.grace_years:g} yr",
                f"{f.tenor_years:g} yr",
                f.repayment,
                f.status,
            )
        total = sum(f.amount.to("US$m") for f in case.financing if f.instrument == "loan")
        out.print(loans)
        out.print(f"Loans total: {total:,.0f} US$m")
    if case.fiscal:
        regime = next(r for r in all_regimes() if r.id == case.fiscal.regime)
        overrides = f"; overrides: {', '.join(sorted(case.fiscal.overrides))}" if case.fiscal.overrides else ""
        out.print(
            Panel(
                f"{regime.name} ({regime.id}), effective {regime.effective}{overrides}\n{regime.instrument}"
                + "".join(
                    f"\nAlternative {name!r} (--scenario regime={name}): {escape(alt.description)}"
                    for name, alt in sorted(case.fiscal.alternatives.items())
                ),
                title="Fiscal regime",
            )
        )
    if case.claims:
        claims = Table(title="Claims")
        for name in ("Claim", "Value", "Year", "Sources", "Conf."):
            claims.add_column(name, overflow="fold")
        for c in case.claims:
            claims.add_row(
                escape(c.statement),
                f"{claimed_text(c)} {c.unit}",
                str(c.year or ""),
                ", ".join(c.source),
                c.confidence or "",
            )
        out.print(claims)
    sources = Table(title="Sources")
    for name in ("Id", "Title", "Publisher", "Date", "Conf.", "Link"):
        sources.add_column(name, overflow="fold")
    for s in case.sources:
        sources.add_row(s.id, s.title, s.publisher, s.date or "", s.confidence or "", s.url or "")
    out.print(sources)


# ---------------------------------------------------------------------------------------------------------
# appraisal


ScenarioOpt = Annotated[
    str | None,
    typer.Option(
        "--scenario",
        help="delay=YEARS,overrun=FACTOR,price=FACTOR,deck=NAME,availability=F,rate=R,year=Y,regime=NAME "
        "(regime: base or a name under the case's fiscal.alternatives, e.g. statutory)",
    ),
]
SetOpt = Annotated[
    list[str] | None, typer.Option("--set", help="change a case input for this run: path=value (repeatable)")
]
SellOpt = Annotated[
    list[str] | None,
    typer.Option("--sell", help="a stake sale: SHARE:SELLER->BUYER@YEAR[=PRICE_US$m], e.g. 15%:federal->manara@2027"),
]
RateOpt = Annotated[float | None, typer.Option("--rate", help="discount rate, real (default 0.10)")]


_fmt = format_value


def _scenario(text: str | None, sells: list[str] | None, rate: float | None) -> Scenario:
    scenario = Scenario.parse(text or "")
    sales = tuple(StakeSale.parse(s) for s in sells or [])
    changes: dict[str, Any] = {"sales": scenario.sales + sales}
    if rate is not None:
        changes["discount_rate"] = rate
    return dataclasses.replace(scenario, **changes)


def _print_json(data: JsonValue) -> None:
    """Print strict JSON (no NaN), indented."""
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")


def _load(project: str) -> Case:
    with _registry() as registry:
        return services.case_of(project, registry)


def _appraisal(
    project: str, scenario: str | None, sets: list[str] | None, sells: list[str] | None, rate: float | None
) -> Appraisal:
    overrides = dict(parse_assignment(a) for a in sets or [])
    return services.appraise(_load(project), _scenario(scenario, sells, rate), overrides)


def _print_appraisal(a: Appraisal) -> None:
    scenario = a.compiled.scenario
    head = f"[bold]{a.case.name}[/bold] ({a.case.id}); price deck {scenario.deck}; " + escape(
        ", ".join(scenario.changes()) or "no scenario changes"
    )
    out.print(Panel(f"{head}\n[dim]{escape(a.basis)}[/dim]", title="Appraisal"))
    summary = Table(title="Summary")
    for name in ("Figure", "Value", "Basis"):
        summary.add_column(name, overflow="fold")
    for f in a.figures:
        summary.add_row(f.label, _fmt(f.value, f.unit), escape(f.basis))
    out.print(summary)
    owners = Table(title=f"Stakeholders (NPV at {a.discount_rate:.0%})")
    for name in ("Party", "Level", "NPV", "IRR", "Payback", "Paid in", "Received"):
        owners.add_column(name, justify="right" if name not in ("Party", "Level") else "left")
    for s in a.stakeholders:
        owners.add_row(
            s.label,
            s.level,
            _fmt(s.npv, "US$m"),
            _fmt(s.irr, "fraction"),
            _fmt(s.payback_year, "year"),
            _fmt(s.paid_in, "US$m"),
            _fmt(s.received, "US$m"),
        )
    out.print(owners)
    if a.sales:
        sales = Table(title=f"Stake sales: what each side gets (NPV at {a.discount_rate:.0%})")
        for name in (
            "Sale",
            "Price",
            "Buyer NPV",
            "Buyer IRR",
            "Buyer indifferent at",
            "Seller gain",
            "Seller indifferent at",
        ):
            sales.add_column(name, justify="left" if name == "Sale" else "right")
        for v in a.sales:
            sales.add_row(
                escape(f"{v.share:.2%} {v.seller} -> {v.buyer} in {v.year}"),
                _fmt(v.price, "US$m"),
                _fmt(v.buyer_npv, "US$m"),
                _fmt(v.buyer_irr, "fraction"),
                _fmt(v.buyer_indifference_price, "US$m"),
                _fmt(v.seller_gain, "US$m"),
                _fmt(v.seller_indifference_price, "US$m"),
            )
        out.print(sales)
        out.print(f"[dim]{escape(a.sales[0].basis)}[/dim]")
    governments = Table(title="Government receipts by government (US$m, undiscounted, and PV)")
    for name in ("Item", "Federal", "Provincial"):
        governments.add_column(name, justify="left" if name == "Item" else "right")
    for item in services.government_items(a):
        governments.add_row(item.item, f"{item.federal:,.0f}", f"{item.provincial:,.0f}")
    out.print(governments)
    if a.lenders is not None:
        ln = a.lenders
        lenders = Table(title="Lenders")
        for name in ("Measure", "Value"):
            lenders.add_column(name)
        rows = [
            ("Debt drawn", _fmt(ln.total_debt, "US$m")),
            ("Average rate (real)", _fmt(ln.debt_rate, "fraction")),
            ("Minimum DSCR", f"{_fmt(ln.min_dscr, 'ratio')} in {ln.min_dscr_year}"),
            ("Average DSCR", _fmt(ln.average_dscr, "ratio")),
            ("LLCR at first repayment", f"{_fmt(ln.llcr, 'ratio')} ({ln.llcr_year})"),
            ("PLCR at first repayment", _fmt(ln.plcr, "ratio")),
            ("Final maturity", str(ln.final_maturity)),
            (
                "Default",
                f"in {ln.default_year} (shortfall up to {ln.max_shortfall:,.0f} US$m)"
                if ln.default_year
                else "none: CFADS covers debt service every year",
            ),
        ]
        for row in rows:
            lenders.add_row(*row)
        if ln.rate_basis:
            lenders.caption = escape(ln.rate_basis)
        out.print(lenders)
    if a.progressivity:
        unit = a.compiled.price_units[0]
        curve = Table(title=f"Progressivity: government take as the {a.compiled.commodities[0]} price changes")
        for name in (f"Price ({unit})", "Pre-tax IRR", f"AETR at {a.discount_rate:.0%}"):
            curve.add_column(name, justify="right")
        for point in a.progressivity[::2]:
            price = point.price
            shown = f"{price:,.0f}" if price >= 100 else f"{price:.3g}"
            curve.add_row(shown, _fmt(point.pre_tax_irr, "fraction"), _fmt(point.aetr, "fraction"))
        out.print(curve)
    if a.claims:
        claims = Table(title="Claims against the model")
        for name in ("Claim", "Claimed", "Model", "Diff.", "Tol.", "Verdict", "Rule and basis"):
            claims.add_column(name, overflow="fold", justify="right" if name in ("Diff.", "Tol.") else "left")
        colour = {"agree": "green", "disagree": "red", "cannot check": "yellow"}
        for c in a.claims:
            model = "n/a" if c.model_value is None else f"{c.model_text} {c.unit}"
            claims.add_row(
                escape(c.statement),
                f"{c.claimed} {c.unit}",
                model,
                c.difference_text,
                c.tolerance_text,
                f"[{colour[c.status]}]{c.status}[/{colour[c.status]}]",
                escape(c.basis) if c.status == "cannot check" else f"[dim]{escape(c.rule)}.[/dim] {escape(c.basis)}",
            )
        out.print(claims)
    for note in a.compiled.notes:
        out.print(f"[dim]note: {escape(note)}[/dim]")


@app.command()
def appraise(
    project: Annotated[str, typer.Argument(help="project id, name or alias")],
    scenario: ScenarioOpt = None,
    sets: SetOpt = None,
    sells: SellOpt = None,
    rate: RateOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the full result as JSON")] = False,
) -> None:
    """Appraise a project: what each government receives, what each owner earns, can the loans be repaid."""
    result = _appraisal(project, scenario, sets, sells, rate)
    if as_json:
        _print_json(result.result().model_dump(mode="json"))
        return
    _print_appraisal(result)


@app.command()
def compare(
    projects: Annotated[list[str], typer.Argument(help="two or more project ids, names or aliases")],
    scenario: ScenarioOpt = None,
    rate: RateOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Compare projects side by side: local (provincial) share, government take, returns, lenders' cover."""
    chosen = _scenario(scenario, None, rate)
    results = services.compare([_load(p) for p in projects], chosen)
    rows = services.comparison_rows(results)
    if as_json:
        _print_json([row.model_dump(mode="json") for row in rows])
        return
    table = Table(title=f"Comparison (NPV at {chosen.discount_rate:.0%}, real)")
    table.add_column("Measure")
    for r in results:
        table.add_column(r.case.name, justify="right")
    for row in rows:
        if row.key == "basis":
            continue
        table.add_row(row.label, *[_fmt(v, row.unit) if not isinstance(v, str) else v for v in row.values])
    out.print(table)
    basis = next(row for row in rows if row.key == "basis")
    for r, text in zip(results, basis.values, strict=True):
        out.print(f"[dim]{escape(r.case.name)}: {escape(str(text))}[/dim]")


@app.command()
def cashflow(
    project: Annotated[str, typer.Argument(help="project id, name or alias")],
    scenario: ScenarioOpt = None,
    sets: SetOpt = None,
    sells: SellOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write every line as CSV to this file")] = None,
) -> None:
    """The annual cash-flow table: production, revenue, costs, royalties, taxes, debt, dividends, governments."""
    result = _appraisal(project, scenario, sets, sells, None)
    frame = result.table()
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(result.table_csv(), encoding="utf-8")
        err.print(f"wrote {output} ({len(frame)} years x {len(frame.columns)} columns)")
        return
    shown = [
        "gross_revenue",
        "opex",
        "initial_capex",
        "pre_tax_ncf",
        "royalties_federal",
        "royalties_provincial",
        "income_tax",
        "debt_service",
        "dscr",
        "equity_cash_flow",
        "government_federal",
        "government_provincial",
    ]
    table = Table(
        title=f"{result.case.name}: annual cash flow (US$m, {result.case.money.basis} {result.case.money.base_year})"
    )
    table.add_column("Year")
    for name in shown:
        table.add_column(name.replace("_", " "), justify="right")
    for i, year in enumerate(result.years):
        if not np.any(np.abs(result.lines[:, i][np.isfinite(result.lines[:, i])]) > 1e-9):
            continue
        cells = []
        for name in shown:
            v = result.line(name)[i]
            cells.append("" if not np.isfinite(v) else (f"{v:.2f}" if name == "dscr" else f"{v:,.0f}"))
        table.add_row(str(year), *cells)
    out.print(table)


@app.command()
def simulate(
    project: Annotated[str, typer.Argument(help="project id, name or alias")],
    paths: Annotated[int, typer.Option("--paths", min=1, help="number of Monte Carlo paths")] = 100_000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="random seed (the same seed gives the same result)")] = 7,
    scenario: ScenarioOpt = None,
    sets: SetOpt = None,
    sells: SellOpt = None,
    rate: RateOpt = None,
    risk: Annotated[
        str | None,
        typer.Option(
            "--risk",
            help="prices=on|off,security=on|off,schedule=on|off,trend=deck|calibrated,volatility=F; trend deck keeps "
            "the mean price at the deck, calibrated reverts the median price to the calibrated long-run level",
        ),
    ] = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, help="paths per chunk (memory)")] = 100_000,
    threads: Annotated[int | None, typer.Option("--threads", min=1, help="threads (default: all cores)")] = None,
    save_draws: Annotated[Path | None, typer.Option("--save-draws", help="write every path to a parquet file")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Monte Carlo of the whole model: distributions per stakeholder and the loans' chance of default.

    Each path draws price paths, security outages, delay and capital overrun, and runs the full annual model.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from chagai.results import RiskSettings
    from chagai.services.simulate import save_draws as write_draws
    from chagai.services.simulate import simulate as run

    overrides = dict(parse_assignment(a) for a in sets or [])
    case = _load(project)
    settings = RiskSettings.parse(risk or "")
    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} paths"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json or paths < 200_000,
    ) as bar:
        task = bar.add_task("paths", total=paths)
        sim = run(
            case,
            paths,
            seed,
            _scenario(scenario, sells, rate),
            settings,
            chunk_size=chunk_size,
            threads=threads,
            progress=lambda done, _total: bar.update(task, completed=done),
            overrides=overrides,
        )
    if save_draws is not None:
        err.print(f"wrote {write_draws(sim, save_draws)}")
    if as_json:
        sys.stdout.write(sim.model_dump_json(indent=2) + "\n")
        return
    a = sim.arrays
    speed = a.n_paths / a.wall_seconds if a.wall_seconds > 0 else math.nan
    profile = sim.profile.id if sim.profile else "none"
    out.print(
        Panel(
            f"[bold]{sim.case.name}[/bold]: {escape(sim.basis)}\n"
            f"risks: prices {'on' if settings.prices else 'off'} (trend {settings.price_trend}), security "
            f"{'on' if settings.security else 'off'}, schedule {'on' if settings.schedule else 'off'}; "
            f"profile {profile}\n"
            f"{a.wall_seconds:.2f} s on {a.threads} thread(s), {speed:,.0f} paths/s, {a.chunks} chunk(s) of "
            f"{a.chunk_size:,}; failed paths: {int((~sim.valid).sum())}",
            title="Monte Carlo",
        )
    )
    table = Table(title="Distributions over the paths")
    for name in ("Measure", "Mean", "P10", "P50", "P90"):
        table.add_column(name, justify="left" if name == "Measure" else "right")
    for d in sim.distributions:
        table.add_row(d.label, *[_fmt(v, d.unit) for v in (d.mean, d.p10, d.p50, d.p90)])
    out.print(table)
    owners = Table(title=f"NPV by stakeholder at {sim.compiled.scenario.discount_rate:.0%}")
    for name in ("Party", "Level", "Mean", "P10", "P50", "P90", "P(NPV < 0)", "IRR P10 / P50 / P90"):
        owners.add_column(name, justify="left" if name in ("Party", "Level") else "right")
    for s in sim.stakeholders:
        irr = s.irr
        irr_text = " / ".join(_fmt(v, "fraction") for v in (irr.p10, irr.p50, irr.p90)) if irr else "n/a"
        owners.add_row(
            s.label,
            s.level,
            *[_fmt(v, "US$m") for v in (s.mean, s.p10, s.p50, s.p90)],
            f"{s.p_loss:.1%}",
            irr_text,
        )
    out.print(owners)
    if sim.case.financing:
        loans = Table(title="Loan package")
        loans.add_column("Measure")
        loans.add_column("Value", justify="right")
        loans.add_row("P(minimum DSCR < 1.0)", f"{sim.probabilities.min_dscr_below_1:.2%}")
        loans.add_row("P(default: CFADS short of debt service)", f"{sim.probabilities.default:.2%}")
        first = ", ".join(f"{y}: {c:,}" for y, c in list(sim.first_default_year.items())[:8]) or "none"
        loans.add_row("First default year (paths)", first)
        out.print(loans)
    out.print(f"P(project NPV after tax < 0): {sim.probabilities.npv_post_tax_below_zero:.2%}")
    for failure in sim.failures.examples[:5]:
        out.print(f"[yellow]failed path[/yellow] {failure.model_dump()}")


@app.command()
def calibrate(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="folder with the World Bank Pink Sheet CSVs (default: CHAGAI_DATA_DIR)"),
    ] = None,
    fit_end: Annotated[int, typer.Option("--fit-end", help="last year of the backtest's fit")] = 2015,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write the calibrated parameters (YAML)")
    ] = None,
) -> None:
    """Fit the price models to the Pink Sheet and backtest them: share of later prices inside the P10-P90 band."""
    from chagai.risk.calibrate import backtest, coverage_report, report, write_parameters
    from chagai.risk.calibrate import calibrate as fit

    models = fit(data)
    params = Table(title=f"Price models ({escape(models.basis)})")
    for name in ("Commodity", "Model", "kappa /yr", "Half-life", "sigma", "Drift", "Long-run (real 2025)"):
        params.add_column(name, justify="left" if name in ("Commodity", "Model") else "right")
    for row in report(models):
        long_run = f"{row['long_run']:,.4g} {row['unit']}" if row["long_run"] else "-"
        half = f"{row['half_life']:.1f} yr" if math.isfinite(row["half_life"]) else "-"
        params.add_row(
            row["commodity"],
            row["kind"],
            f"{row['kappa']:.3f}",
            half,
            f"{row['sigma']:.3f}",
            f"{row['drift']:.3f}",
            long_run,
        )
    out.print(params)
    result = backtest(data, fit_end=fit_end)
    cover = Table(title=f"Backtest: fit to {fit_end}, share of {fit_end + 1}-2026 prices inside the P10-P90 band")
    for name in ("Commodity", "Years", "Inside", "Coverage", "Target"):
        cover.add_column(name, justify="left" if name == "Commodity" else "right")
    for row in coverage_report(result):
        cover.add_row(row["commodity"], str(row["years"]), str(row["inside"]), f"{row['coverage']:.0%}", "80%")
    out.print(cover)
    for note in result.notes:
        out.print(f"[dim]note: {escape(note)}[/dim]")
    if output is not None:
        write_parameters(models, output)
        err.print(f"wrote {output}")


def _input_text(value: float, unit: str) -> str:
    """A factor's value in its unit (sensitivity)."""
    if unit == "yr":
        return f"{value:.0f} yr"
    if unit in ("fraction", "1/yr"):
        return f"{100 * value:.1f}%"
    return f"{value:.3f}x"


def _price_text(value: float, unit: str, deck: float) -> str:
    """A breakeven price; +-inf when it lies outside the prices searched (sensitivity)."""
    from chagai.services.sensitivity import BREAKEVEN_BRACKET

    if value == -math.inf:
        return f"< {BREAKEVEN_BRACKET[0] * deck:,.4g} {unit}"
    if value == math.inf:
        return f"> {BREAKEVEN_BRACKET[1] * deck:,.4g} {unit}"
    return _fmt(value, unit)


@app.command()
def sensitivity(
    project: Annotated[str, typer.Argument(help="project id, name or alias")],
    scenario: ScenarioOpt = None,
    sets: SetOpt = None,
    rate: RateOpt = None,
    sobol_n: Annotated[
        int, typer.Option("--sobol-n", min=2, help="Sobol base sample size, a power of two (runs: N x (factors + 2))")
    ] = 512,
    seed: Annotated[int, typer.Option("--seed", min=0, help="seed of the Sobol sample and of the risk draws")] = 7,
    draws: Annotated[
        int, typer.Option("--draws", min=1, help="draws of the non-price risks for the breakeven distribution")
    ] = 500,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """What drives the answer: tornado, Sobol indices, breakeven price distribution and info-gap robustness.

    Every input is varied over its own range of uncertainty (price models, security profile, stated estimates).
    """
    from chagai.results import SobolResult
    from chagai.services.sensitivity import sensitivity as analyse

    overrides = dict(parse_assignment(a) for a in sets or [])
    report = analyse(
        _load(project), _scenario(scenario, None, rate), overrides, sobol_n=sobol_n, seed=seed, breakeven_draws=draws
    )
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        return
    ev = report.evaluator
    compiled = ev.compiled
    case = compiled.case
    r = ev.rate
    out.print(
        Panel(
            f"[bold]{case.name}[/bold] ({case.id}): US$ million, {case.money.basis} {case.money.base_year} dollars; "
            f"NPV at {r:.0%}, year 0 = {compiled.valuation_year}, end-year flows\n"
            f"{report.runs:,} model runs in {report.seconds:.2f} s",
            title="Sensitivity",
        )
    )
    factors = Table(title="Uncertain inputs (base = the appraisal's value)")
    for name in ("Factor", "Base", "Low", "High", "Range from"):
        factors.add_column(name, justify="right" if name in ("Base", "Low", "High") else "left", overflow="fold")
    for f in ev.factors.values():
        factors.add_row(
            f.label,
            _input_text(f.base, f.unit),
            _input_text(f.low, f.unit),
            _input_text(f.high, f.unit),
            escape(f.source[:160] + ("..." if len(f.source) > 160 else "")),
        )
    out.print(factors)
    for output in dict.fromkeys(b.output for b in report.tornado):
        label, unit = ev.output_label(output)
        bars = [b for b in report.tornado if b.output == output]
        table = Table(title=f"Tornado: {label} (base {_fmt(bars[0].base, unit)})")
        for name in ("Factor", "Low .. high input", "At low", "At high", "Swing"):
            table.add_column(name, justify="left" if name == "Factor" else "right")
        for b in bars:
            table.add_row(
                b.label,
                f"{_input_text(b.low_value, b.unit)} .. {_input_text(b.high_value, b.unit)}",
                _fmt(b.at_low, unit),
                _fmt(b.at_high, unit),
                _fmt(b.swing, unit),
            )
        out.print(table)
    for output, result in report.sobol.items():
        label, _ = ev.output_label(output)
        if not isinstance(result, SobolResult):
            out.print(f"[yellow]Sobol indices of {label}: not computed[/yellow] ({escape(result.refused)})")
            continue
        table = Table(title=f"Sobol indices: {label} ({escape(result.basis)}; {result.seconds:.2f} s)")
        for name in ("Factor", "S1 (first order)", "+-", "ST (total)", "+-"):
            table.add_column(name, justify="left" if name == "Factor" else "right")
        for row in result.indices:
            table.add_row(
                ev.factors[row.factor].label,
                f"{row.S1:.3f}",
                f"{row.S1_conf:.3f}",
                f"{row.ST:.3f}",
                f"{row.ST_conf:.3f}",
            )
        out.print(table)
    be = report.breakeven
    table = Table(title=f"Breakeven {be.commodity} price after tax ({be.n:,} draws, {be.seconds:.2f} s)")
    for name in ("Deck", "No risk", "P10", "P50", "P90", "Mean", "With a breakeven"):
        table.add_column(name, justify="right")
    table.add_row(
        _fmt(be.deck_price, be.unit),
        *[_price_text(v, be.unit, be.deck_price) for v in (be.deterministic, be.p10, be.p50, be.p90)],
        _fmt(be.mean, be.unit),
        f"{be.defined:,} of {be.n:,}",
    )
    out.print(table)
    out.print(f"[dim]{escape(be.basis)}[/dim]")
    for output in dict.fromkeys(g.output for g in report.information_gap):
        label, unit = ev.output_label(output)
        rows = [g for g in report.information_gap if g.output == output]
        first = rows[0]
        table = Table(
            title=f"Information gap: {label} {first.criterion} ({_fmt(first.critical, unit)}); "
            "robustness of each input, least robust first"
        )
        for name in ("Rank", "Factor", "Horizon", "Side", "Input there", "Margin used", "Swing over range"):
            table.add_column(name, justify="left" if name in ("Factor", "Side") else "right")
        for g in rows:
            crosses = math.isfinite(g.horizon)
            table.add_row(
                str(g.rank),
                g.label,
                f"{g.horizon:.1%}" if crosses else "none in range",
                g.direction or "",
                _input_text(g.input_at_horizon, g.unit) if crosses else "",
                f"{g.margin_used:.0%}" if math.isfinite(g.margin_used) else "n/a",
                _fmt(g.swing, unit),
            )
        out.print(table)
    if "min_dscr" not in {g.output for g in report.information_gap}:
        out.print("[dim]Minimum DSCR: no debt service in the base case, no tornado or info-gap rows.[/dim]")
    out.print(
        "[dim]Info-gap (Ben-Haim), one input at a time: horizon = smallest fractional deviation of the input from "
        "its base at which the output crosses the critical level, within the input's range.[/dim]"
    )
    out.print(f"{report.runs:,} model runs in {report.seconds:.2f} s")


@app.command()
def report(
    projects: Annotated[list[str], typer.Argument(help="project id, name or alias (several with --compare)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="the HTML file to write")],
    compare_: Annotated[bool, typer.Option("--compare", help="compare the projects side by side")] = False,
    scenario: ScenarioOpt = None,
    sets: SetOpt = None,
    sells: SellOpt = None,
    rate: RateOpt = None,
    paths: Annotated[int, typer.Option("--paths", min=0, help="Monte Carlo paths (0: none)")] = 20_000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="random seed of the Monte Carlo")] = 7,
) -> None:
    """Write one self-contained HTML report: answers, charts, claims and every assumption's source."""
    from chagai.report.html import build_compare_report, write_report
    from chagai.services.sensitivity import tornado
    from chagai.services.simulate import simulate as run

    if compare_ or len(projects) > 1:
        if len(projects) < 2:
            msg = "--compare needs two or more projects"
            raise typer.BadParameter(msg)
        chosen = _scenario(scenario, sells, rate)
        results = services.compare([_load(p) for p in projects], chosen)
        sims = [run(r.case, paths, seed, chosen) for r in results] if paths else None
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(build_compare_report(results, sims), encoding="utf-8")
        err.print(f"wrote {output}")
        return
    result = _appraisal(projects[0], scenario, sets, sells, rate)
    simulation = run(result.case, paths, seed, result.compiled.scenario) if paths else None
    bars = tornado(result.compiled)
    err.print(f"wrote {write_report(result, output, simulation, bars)}")


@app.command("export-xlsx")
def export_xlsx(
    project: Annotated[str, typer.Argument(help="project id, name or alias")],
    output: Annotated[Path, typer.Option("--output", "-o", help="the workbook to write (.xlsx)")],
    scenario: ScenarioOpt = None,
    sets: SetOpt = None,
    sells: SellOpt = None,
    rate: RateOpt = None,
    paths: Annotated[int, typer.Option("--paths", min=0, help="also a Monte Carlo sheet with this many paths")] = 0,
    seed: Annotated[int, typer.Option("--seed", min=0, help="random seed of the Monte Carlo")] = 7,
) -> None:
    """Write the appraisal as an Excel workbook: assumptions with sources, cash flow, stakeholders, debt, claims."""
    from chagai.report.xlsx import write_workbook

    result = _appraisal(project, scenario, sets, sells, rate)
    simulation = None
    if paths:
        from chagai.services.simulate import simulate as run

        simulation = run(result.case, paths, seed, result.compiled.scenario)
    err.print(f"wrote {write_workbook(result, output, simulation)}")


# ---------------------------------------------------------------------------------------------------------
# files in and out


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="case files (YAML)")]) -> None:
    """Check case files without writing anything; every problem is listed with its field path."""
    failed = 0
    for path in files:
        try:
            case = load_case_file(path)
        except InputError as exc:
            failed += 1
            err.print(f"[red]invalid[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        else:
            out.print(f"[green]valid[/green] {path}: {case.id} ({case.name})")
    if failed:
        raise typer.Exit(2)


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="case files (YAML); all are written or none")],
    by: By = None,
) -> None:
    """Import case files into the registry in one transaction (a bad file writes nothing)."""
    cases = [load_case_file(p) for p in files]
    with _registry() as registry:
        result = repo.import_cases(registry, cases, by)
    for label, ids in (("created", result.created), ("updated", result.updated), ("unchanged", result.unchanged)):
        if ids:
            out.print(f"{label}: {', '.join(ids)}")
    out.print(f"{result.changes} change(s) recorded")


@app.command()
def export(
    project: Annotated[str | None, typer.Argument(help="project id, name or alias (omit with --all)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="yaml, json, bods or geojson")] = "yaml",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file to write (default: print)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="every project (json, bods or geojson)")] = False,
) -> None:
    """Export a project as a case file (YAML or JSON), its ownership as BODS JSON, or projects as GeoJSON."""
    formats = ("yaml", "json", "bods", "geojson")
    if fmt not in formats:
        msg = f"--format {fmt!r}: expected one of {', '.join(formats)}"
        raise typer.BadParameter(msg)
    if (project is None) == (not all_):
        msg = "name one project, or give --all"
        raise typer.BadParameter(msg)
    if all_ and fmt == "yaml":
        msg = "--all writes one document: use --format json, bods or geojson"
        raise typer.BadParameter(msg)
    with _registry() as registry, registry.session() as session:
        cases = repo.all_cases(session) if all_ else [repo.get_case(session, repo.resolve(session, project or ""))]
    data: Any
    if fmt == "yaml":
        text = dump_case(cases[0])
    else:
        if fmt == "json":
            docs = [c.model_dump(mode="json", exclude_none=True) for c in cases]
            data = docs if all_ else docs[0]
        elif fmt == "bods":
            data = [st for c in cases for st in bods_statements(c)]
        else:
            data = geojson(cases)
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


@app.command()
def edit(
    project: Annotated[str, typer.Argument(help="project id, name or alias")],
    assignments: Annotated[
        list[str], typer.Option("--set", help="path=value, e.g. statuses[2].note='slowed' (repeatable)")
    ],
    by: By = None,
) -> None:
    """Change fields of a stored project; the change is validated and recorded in its history."""
    parsed = dict(parse_assignment(a) for a in assignments)
    with _registry() as registry:
        with registry.session() as session:
            pid = repo.resolve(session, project)
        repo.edit_case(registry, pid, parsed, by)
    out.print(f"updated {pid}: {', '.join(parsed)}")


@app.command()
def history(project: Annotated[str, typer.Argument(help="project id, name or alias")]) -> None:
    """Show who changed what in a project, and when."""
    with _registry() as registry, registry.session() as session:
        pid = repo.resolve(session, project)
        changes = repo.history(session, pid)
    table = Table(title=f"History of {pid}")
    for name in ("When (UTC)", "Who", "Field", "Old", "New"):
        table.add_column(name, overflow="fold")
    for c in changes:
        shown = [json.dumps(v)[:60] if v is not None else "" for v in (c.old, c.new)]
        if c.action in ("create", "delete"):
            shown = ["", "(created)"] if c.action == "create" else ["(deleted)", ""]
        table.add_row(c.at.strftime("%Y-%m-%d %H:%M:%S"), c.actor, c.path or "(whole project)", *shown)
    out.print(table)


@app.command()
def regimes() -> None:
    """List the fiscal regime presets with their legal instruments and effective dates."""
    table = Table(title="Fiscal regimes")
    for name in ("Id", "Name", "Effective", "Ends", "Instrument"):
        table.add_column(name, overflow="fold")
    for r in all_regimes():
        table.add_row(r.id, r.name, r.effective.isoformat(), r.ends.isoformat() if r.ends else "", r.instrument)
    out.print(table)


# ---------------------------------------------------------------------------------------------------------
# database


@db_app.command("init")
def db_init(
    reset: Annotated[bool, typer.Option(help="remove every stored project and its history first")] = False,
) -> None:
    """Create the registry (if needed) and load the bundled cases and fiscal regimes."""
    with open_registry() as registry:
        result = repo.init_registry(registry, reset=reset)
        where = registry.engine.url.render_as_string(hide_password=True)
    out.print(
        f"registry {where}: {len(result.created)} created, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged"
    )


@db_app.command("info")
def db_info() -> None:
    """Show where the registry is and what it holds."""
    with open_registry() as registry, registry.session() as session:
        ids = repo.project_ids(session)
        where = registry.engine.url.render_as_string(hide_password=True)
    out.print(f"url: {where}")
    out.print(f"projects ({len(ids)}): {', '.join(ids)}")


# ---------------------------------------------------------------------------------------------------------
# web app and tokens


@app.command()
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

    levels = ("critical", "error", "warning", "info", "debug")
    if log_level not in levels:
        msg = f"--log-level {log_level!r}: expected one of {', '.join(levels)}"
        raise typer.BadParameter(msg)
    with _registry() as registry:  # migrated and filled once, before the server processes start
        where = registry.engine.url.render_as_string(hide_password=True)
    shown = f"[{host}]" if ":" in host else host
    err.print(f"chagai {__version__}: registry {where}")
    err.print(f"serving http://{shown}:{port}/ (API documentation: http://{shown}:{port}/api/docs); Ctrl-C stops")
    uvicorn.run(
        "chagai.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=log_level in ("info", "debug"),
    )


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option("--name", help="who or what the token is for, e.g. 'alice' or 'newsroom-bot'")],
    role: Annotated[str, typer.Option("--role", help="viewer, editor or admin (admins may also delete projects)")],
) -> None:
    """Create a token and print it once: only its hash is kept, so it cannot be shown again."""
    from chagai.registry.tokens import create_token

    with _registry() as registry:
        token_id, plaintext = create_token(registry, name, role)
    err.print(f"token {token_id} for {name!r}, role {role}. Keep it secret: it is shown only now.")
    err.print("Send it as 'Authorization: Bearer <token>'; revoke it with `chagai token revoke " + token_id + "`.")
    sys.stdout.write(plaintext + "\n")


@token_app.command("list")
def token_list() -> None:
    """List the tokens (never their secrets): id, name, role, created, revoked."""
    from chagai.registry.tokens import list_tokens

    with _registry() as registry:
        tokens = list_tokens(registry)
    table = Table(title="Tokens")
    for name in ("Id", "Name", "Role", "Created (UTC)", "Revoked (UTC)"):
        table.add_column(name)
    for t in tokens:
        revoked = t.revoked_at.strftime("%Y-%m-%d %H:%M:%S") if t.revoked_at else ""
        table.add_row(t.id, escape(t.name), t.role, t.created_at.strftime("%Y-%m-%d %H:%M:%S"), revoked)
    out.print(table)
    if not tokens:
        err.print("No token yet: create one with `chagai token create --name NAME --role editor`.")


@token_app.command("revoke")
def token_revoke(token_id: Annotated[str, typer.Argument(help="the token's id (see `chagai token list`)")]) -> None:
    """Revoke a token: it is refused from the next request on."""
    from chagai.registry.tokens import revoke_token

    with _registry() as registry:
        revoke_token(registry, token_id)
    out.print(f"revoked token {token_id}")


@app.command()
def version() -> None:
    """Print the chagai version."""
    out.print(__version__)


def main() -> None:
    """Entry point of the ``chagai`` command."""
    app()
