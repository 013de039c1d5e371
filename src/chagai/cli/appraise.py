"""Appraisal commands: one project's answers, projects side by side, the annual cash-flow table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chagai import services
from chagai.cli import render
from chagai.cli.options import (
    CurrencyOpt,
    FiscalYearOpt,
    NominalOpt,
    RateOpt,
    ScenarioOpt,
    SellOpt,
    SetOpt,
    announce_compiling,
    case_of,
    in_existing_folder,
    overrides_of,
    presentation_of,
    scenario_of,
)

if TYPE_CHECKING:
    from chagai.services import Appraisal


def appraisal_of(
    project: str, scenario: str | None, sets: list[str] | None, sells: list[str] | None, rate: float | None
) -> Appraisal:
    """The appraisal of a project under the options ``--scenario``, ``--set``, ``--sell`` and ``--rate``."""
    from chagai.services.appraise import appraise

    case = case_of(project)
    announce_compiling()
    return appraise(case, scenario_of(scenario, sells, rate), overrides_of(sets))


def appraise(
    project: Annotated[str, typer.Argument(help="project id, name or alias")],
    scenario: ScenarioOpt = None,
    sets: SetOpt = None,
    sells: SellOpt = None,
    rate: RateOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the full result as JSON")] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="also each claim's statement and rule, the progressivity curve and the model's notes"
        ),
    ] = False,
    currency: CurrencyOpt = "USD",
    nominal: NominalOpt = False,
    fiscal_year: FiscalYearOpt = "calendar",
) -> None:
    """Appraise a project: what each government receives, what each owner earns, can the loans be repaid.

    With --currency PKR, --nominal or --fiscal-year jul, the money figures and the annual table (--json) are
    converted and the basis says how; NPVs stay present values at the valuation year.
    """
    shown = presentation_of(currency, nominal, fiscal_year)
    result = services.presented(appraisal_of(project, scenario, sets, sells, rate), shown)
    if as_json:
        render.print_json(result.result().model_dump(mode="json"))
        return
    render.appraisal(result, full=full)


def compare(
    projects: Annotated[list[str], typer.Argument(help="two or more project ids, names or aliases")],
    scenario: ScenarioOpt = None,
    rate: RateOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Compare projects side by side: local (provincial) share, government take, returns, lenders' cover."""
    chosen = scenario_of(scenario, None, rate)
    cases = [case_of(p) for p in projects]
    announce_compiling()
    results = services.compare(cases, chosen)
    rows = services.comparison_rows(results)
    if as_json:
        render.print_json([row.model_dump(mode="json") for row in rows])
        return
    render.comparison(results, rows, chosen.discount_rate)


def cashflow(
    project: Annotated[str, typer.Argument(help="project id, name or alias")],
    scenario: ScenarioOpt = None,
    sets: SetOpt = None,
    sells: SellOpt = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", callback=in_existing_folder, help="write every line as CSV to this file"),
    ] = None,
    currency: CurrencyOpt = "USD",
    nominal: NominalOpt = False,
    fiscal_year: FiscalYearOpt = "calendar",
) -> None:
    """The annual cash-flow table: production, revenue, costs, royalties, taxes, debt, dividends, governments.

    --currency PKR, --nominal and --fiscal-year jul state it in rupees, money of each year and July-June years.
    """
    shown = presentation_of(currency, nominal, fiscal_year)
    result = appraisal_of(project, scenario, sets, sells, None)
    if output is not None:
        frame = result.cashflow(shown.currency, shown.nominal, shown.fiscal_year)
        output.write_text(result.cashflow_csv(shown.currency, shown.nominal, shown.fiscal_year), encoding="utf-8")
        render.wrote(output, f"{len(frame)} years x {len(frame.columns)} columns")
        return
    render.cashflow(result, shown)
