"""Report commands: a self-contained HTML report, and the appraisal as an Excel workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chagai import services
from chagai.cli import render
from chagai.cli.appraise import appraisal_of
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
    presentation_of,
    scenario_of,
)


def report(
    projects: Annotated[list[str], typer.Argument(help="project id, name or alias (several with --compare)")],
    output: Annotated[Path, typer.Option("--output", "-o", callback=in_existing_folder, help="the HTML file to write")],
    compare_: Annotated[bool, typer.Option("--compare", help="compare the projects side by side")] = False,
    scenario: ScenarioOpt = None,
    sets: SetOpt = None,
    sells: SellOpt = None,
    rate: RateOpt = None,
    paths: Annotated[int, typer.Option("--paths", min=0, help="Monte Carlo paths (0: none)")] = 20_000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="random seed of the Monte Carlo")] = 7,
    currency: CurrencyOpt = "USD",
    nominal: NominalOpt = False,
) -> None:
    """Write one self-contained HTML report: answers, charts, claims and every assumption's source.

    --currency PKR and --nominal restate one project's figures and owners' values, as for chagai appraise; the
    charts stay in US$m by calendar year, as their axes say.
    """
    from chagai.report.html import build_compare_report, write_report
    from chagai.services.sensitivity import tornado
    from chagai.services.simulate import simulate as run

    shown = presentation_of(currency, nominal, "calendar")
    if compare_ or len(projects) > 1:
        if len(projects) < 2:
            msg = "--compare needs two or more projects"
            raise typer.BadParameter(msg)
        if not shown.is_model_basis:
            msg = "--currency and --nominal restate one project's report, not a comparison"
            raise typer.BadParameter(msg)
        chosen = scenario_of(scenario, sells, rate)
        cases = [case_of(p) for p in projects]
        announce_compiling()
        results = services.compare(cases, chosen)
        sims = [run(r.case, paths, seed, chosen) for r in results] if paths else None
        output.write_text(build_compare_report(results, sims), encoding="utf-8")
        render.wrote(output)
        return
    result = services.presented(appraisal_of(projects[0], scenario, sets, sells, rate), shown)
    simulation = run(result.case, paths, seed, result.compiled.scenario) if paths else None
    bars = tornado(result.compiled)
    render.wrote(write_report(result, output, simulation, bars))


def export_xlsx(
    project: Annotated[str, typer.Argument(help="project id, name or alias")],
    output: Annotated[
        Path, typer.Option("--output", "-o", callback=in_existing_folder, help="the workbook to write (.xlsx)")
    ],
    scenario: ScenarioOpt = None,
    sets: SetOpt = None,
    sells: SellOpt = None,
    rate: RateOpt = None,
    paths: Annotated[int, typer.Option("--paths", min=0, help="also a Monte Carlo sheet with this many paths")] = 0,
    seed: Annotated[int, typer.Option("--seed", min=0, help="random seed of the Monte Carlo")] = 7,
    currency: CurrencyOpt = "USD",
    nominal: NominalOpt = False,
    fiscal_year: FiscalYearOpt = "calendar",
) -> None:
    """Write the appraisal as an Excel workbook: assumptions with sources, cash flow, stakeholders, debt, claims.

    --currency PKR, --nominal and --fiscal-year jul restate the summary's money, the stakeholders and the cash
    flow sheet, as for chagai appraise; the other sheets stay in US$m, as their headers say.
    """
    from chagai.report.xlsx import write_workbook

    shown = presentation_of(currency, nominal, fiscal_year)
    result = services.presented(appraisal_of(project, scenario, sets, sells, rate), shown)
    simulation = None
    if paths:
        from chagai.services.simulate import simulate as run

        simulation = run(result.case, paths, seed, result.compiled.scenario)
    render.wrote(write_workbook(result, output, simulation))
