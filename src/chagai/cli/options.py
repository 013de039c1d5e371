"""What the commands share: the options of a scenario, and the registry a project argument is looked up in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chagai.cli.render import err

if TYPE_CHECKING:  # the commands import what they use when they run, so the command line starts at once
    from chagai.cases.compile import Scenario
    from chagai.cases.currency import Presentation
    from chagai.cases.schema import Case
    from chagai.registry.db import Registry

By = Annotated[str | None, typer.Option("--by", help="who makes the change (default: CHAGAI_USER or login)")]
ScenarioOpt = Annotated[
    str | None,
    typer.Option(
        "--scenario",
        help="changes for this run, as key=value pairs joined by commas (e.g. delay=2,overrun=1.2): delay (years), "
        "overrun (capital cost factor), price (price factor), deck (price deck name), availability (share of "
        "capacity), rate (discount rate as a decimal), year (valuation year), regime (base, or one of the case's "
        "fiscal alternatives, e.g. statutory)",
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="PATH=VALUE", help="change a case input for this run: path=value (repeatable)"),
]
SellOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--sell",
        metavar="SALE",
        help="a stake sale: SHARE:SELLER->BUYER@YEAR[=PRICE_US$m], e.g. 15%:federal->manara@2027",
    ),
]
CurrencyOpt = Annotated[
    str,
    typer.Option(
        "--currency",
        metavar="USD|PKR",
        help="show money in US dollars (the model's) or Pakistani rupees, at sourced average rates",
    ),
]
NominalOpt = Annotated[
    bool,
    typer.Option("--nominal", help="money of each year (inflated), not real dollars of the case's base year"),
]
FiscalYearOpt = Annotated[
    str,
    typer.Option(
        "--fiscal-year",
        metavar="calendar|jul",
        help="calendar years, or July-June fiscal years (jul: FY N runs 1 July N-1 to 30 June N)",
    ),
]
RateOpt = Annotated[float | None, typer.Option("--rate", help="discount rate, real (default 0.10)")]


def in_existing_folder(path: Path | None) -> Path | None:
    """Check an output file's folder exists (a mistyped folder is refused, never created where it lands)."""
    if path is not None and not path.expanduser().parent.is_dir():
        msg = f"the folder {str(path.parent)!r} does not exist; create it first or write to an existing folder"
        raise typer.BadParameter(msg)
    return path


def announce_compiling() -> None:
    """Tell the user, before it starts, when the model must be compiled first (once a machine, about a minute)."""
    from chagai.services.warmup import model_compiled

    if not model_compiled():
        err.print(
            "[yellow]Compiling the model for this machine, once: about a minute (or two for a simulation). "
            "Later runs start at once.[/yellow]"
        )


def date_of(text: str | None) -> dt.date:
    """The date of a ``--at`` option (YYYY-MM-DD), today when it is not given."""
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        msg = f"{text!r} is not a date; expected YYYY-MM-DD, e.g. 2026-01-01"
        raise typer.BadParameter(msg) from None


def scenario_of(text: str | None, sells: list[str] | None, rate: float | None) -> Scenario:
    """The scenario of the ``--scenario``, ``--sell`` and ``--rate`` options (the sales add to the scenario's)."""
    from chagai.cases.compile import Scenario
    from chagai.errors import InputError, Issue

    scenario = Scenario.parse(text or "").with_sales(sells or (), rate)
    wrong = next((i for i in scenario.problems() if i.path == "--scenario rate"), None)
    if rate is not None and wrong is not None:
        # the rate came from --rate, not from --scenario: name the option the user typed
        raise InputError([Issue("--rate", rate, wrong.expected, wrong.fix)])
    return scenario


def presentation_of(currency: str, nominal: bool, fiscal_year: str) -> Presentation:
    """The money and years of ``--currency``, ``--nominal`` and ``--fiscal-year`` (bad values: an input error)."""
    from chagai.cases.currency import Presentation

    return Presentation.of(currency, nominal, fiscal_year)


def overrides_of(assignments: list[str] | None) -> dict[str, Any]:
    """The case inputs ``--set path=value`` options change, by path."""
    from chagai.cases.overrides import parse_assignment

    return dict(parse_assignment(a) for a in assignments or [])


def registry() -> Registry:
    """Open the registry, loading the bundled cases the first time it is used."""
    from chagai.registry import repo

    return repo.ready_registry(announce=lambda message: err.print(f"[dim]{message}[/dim]"))


def case_of(project: str) -> Case:
    """The case of a project named by its id, name or alias."""
    from chagai import services

    with registry() as opened:
        return services.case_of(project, opened)
