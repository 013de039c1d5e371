"""Risk commands: the Monte Carlo of a project, what drives its answer, and the calibration of the price models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chagai.cli import render
from chagai.cli.options import (
    RateOpt,
    ScenarioOpt,
    SellOpt,
    SetOpt,
    announce_compiling,
    case_of,
    in_existing_folder,
    overrides_of,
    scenario_of,
)


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
            help="which risks to draw, as key=value pairs joined by commas (e.g. security=off,volatility=1.5): "
            "prices, security, schedule (on or off), trend (deck keeps the mean price at the deck; calibrated "
            "reverts the median price to the calibrated long-run level), volatility (a factor on the price "
            "volatilities), profile (a security profile, e.g. balochistan-mine)",
        ),
    ] = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, help="paths per chunk (memory)")] = 100_000,
    threads: Annotated[int | None, typer.Option("--threads", min=1, help="threads (default: all cores)")] = None,
    save_draws: Annotated[
        Path | None,
        typer.Option("--save-draws", callback=in_existing_folder, help="write every path to a parquet file"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Monte Carlo of the whole model: distributions per stakeholder and the loans' chance of default.

    Each path draws price paths, security outages, delay and capital overrun, and runs the full annual model.
    """
    from chagai.results import RiskSettings
    from chagai.services.simulate import save_draws as write_draws
    from chagai.services.simulate import simulate as run_simulation

    overrides = overrides_of(sets)
    case = case_of(project)
    announce_compiling()
    settings = RiskSettings.parse(risk or "")
    with render.path_progress(paths, hidden=as_json or paths < 200_000) as progress:
        sim = run_simulation(
            case,
            paths,
            seed,
            scenario_of(scenario, sells, rate),
            settings,
            chunk_size=chunk_size,
            threads=threads,
            progress=progress,
            overrides=overrides,
        )
    if save_draws is not None:
        render.wrote(write_draws(sim, save_draws))
    if as_json:
        render.print_model_json(sim)
        return
    render.simulation(sim, settings)


def calibrate(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="folder with the World Bank Pink Sheet CSVs (default: CHAGAI_DATA_DIR)"),
    ] = None,
    fit_end: Annotated[int, typer.Option("--fit-end", help="last year of the backtest's fit")] = 2015,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", callback=in_existing_folder, help="write the calibrated parameters (YAML)"),
    ] = None,
) -> None:
    """Fit the price models to the Pink Sheet and backtest them: share of later prices inside the P10-P90 band."""
    from chagai.services.calibration import calibrate_prices, write_price_models

    calibrated = calibrate_prices(data, fit_end)
    render.calibration(calibrated)
    if output is not None:
        write_price_models(calibrated, output)
        render.wrote(output)


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
    from chagai.services.sensitivity import BREAKEVEN_BRACKET, OUTPUT_LABELS
    from chagai.services.sensitivity import sensitivity as analyse

    case = case_of(project)
    announce_compiling()
    report = analyse(
        case,
        scenario_of(scenario, None, rate),
        overrides_of(sets),
        sobol_n=sobol_n,
        seed=seed,
        breakeven_draws=draws,
    )
    if as_json:
        render.print_model_json(report)
        return
    render.sensitivity(report, BREAKEVEN_BRACKET, OUTPUT_LABELS)
