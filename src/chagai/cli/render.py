"""Everything the command line prints: rich tables and panels of the results, JSON, messages and errors.

The commands ask the registry or a service and hand the answer to one function here; no other module of the
command line builds a table. Results go to standard output (:data:`out`), messages about the run (files written,
progress, errors) to standard error (:data:`err`), so a command's output can be piped.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chagai.formatting import claimed_text, format_value, own_basis

if TYPE_CHECKING:
    from pydantic import BaseModel, JsonValue

    from chagai.cases.currency import Presentation
    from chagai.cases.regimes import Regime
    from chagai.cases.schema import Case
    from chagai.registry.models import Change
    from chagai.registry.tokens import TokenInfo
    from chagai.results import CompareRow, Lenders, ProjectRow, RiskSettings, Sensitivity, Simulation
    from chagai.services import Appraisal
    from chagai.services.calibration import Calibration

err = Console(stderr=True)
"""Messages about the run: files written, progress, warnings and errors."""
out = Console()
"""The answers: tables, panels and JSON."""


# ---------------------------------------------------------------------------------------------------------
# pieces


def table(
    title: str,
    columns: Iterable[str],
    *,
    right: Collection[str] = (),
    fold: bool = False,
    show_lines: bool = False,
    whole: Collection[str] = (),
) -> Table:
    """An empty table with its title and columns.

    Parameters
    ----------
    title
        The title printed above the table.
    columns
        Column headers, left to right.
    right
        Headers of the columns aligned right (numbers); the others are aligned left.
    fold
        Wrap long cells onto several lines instead of cutting them short.
    show_lines
        Draw a line between rows.
    whole
        Headers of the columns never wrapped or cut (what a user types, such as ids).
    """
    shown = Table(title=title, show_lines=show_lines)
    for name in columns:
        shown.add_column(
            name,
            justify="right" if name in right else "left",
            overflow="fold" if fold else "ellipsis",
            no_wrap=name in whole,
            min_width=max((len(word) for word in name.split()), default=None) if name in whole else None,
        )
    return shown


def share_text(fraction: float) -> str:
    """A share as a percentage with two decimals, dropped when zero: ``50%``, ``15.25%``."""
    return f"{100 * fraction:.2f}%".replace(".00%", "%")


def timestamp_text(moment: dt.datetime) -> str:
    """A moment to the second: ``2026-01-31 14:05:09``."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def dim(text: str) -> None:
    """Print a line of secondary text (a basis, a legend)."""
    out.print(f"[dim]{escape(text)}[/dim]")


def note(text: str) -> None:
    """Print a note of the model or of the data."""
    out.print(f"[dim]note: {escape(text)}[/dim]")


def wrote(path: Path | str, detail: str = "") -> None:
    """Say that a file was written, with what it holds."""
    err.print(f"wrote {path}" + (f" ({detail})" if detail else ""))


def problem(label: str, exc: Exception) -> None:
    """Print an error of chagai's own (bad input, unknown project) as one line, never a traceback."""
    err.print(f"[red]{label}[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)


def print_json(data: JsonValue) -> None:
    """Print strict JSON (no NaN), indented, for other programs to read."""
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")


def print_model_json(result: BaseModel) -> None:
    """Print a typed result as its JSON form, indented (an undefined number is ``null``)."""
    sys.stdout.write(result.model_dump_json(indent=2) + "\n")


def print_json_text(text: str) -> None:
    """Print a JSON document through the console (highlighted on a terminal)."""
    out.print_json(text)


@contextmanager
def path_progress(total: int, hidden: bool) -> Iterator[Callable[[int, int], object]]:
    """A progress bar of Monte Carlo paths on standard error; yields the callback that moves it."""
    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} paths"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=hidden,
    ) as bar:
        task = bar.add_task("paths", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


# ---------------------------------------------------------------------------------------------------------
# the registry


def projects(rows: Sequence[ProjectRow], on: dt.date, hints: Sequence[str] = ()) -> None:
    """The projects table: Project | Id | Resource | Operator (or partner) | Status | Region.

    The status is its word; its note, dates and sources are in ``chagai show``. ``hints`` when nothing matches.
    """
    shown = table(
        f"Projects in the registry, {on.isoformat()}",
        ("Project", "Id", "Resource", "Operator", "Status", "Region"),
        fold=True,
        whole=("Id",),
    )
    for row in rows:
        region_text = f"{row.district}, {row.region}" if row.district else row.region
        status = row.status.capitalize() if row.status else "-"
        shown.add_row(row.project, row.id, row.resource, row.operator, status, region_text)
    out.print(shown)
    if rows:
        err.print("[dim]Status notes, owners, loans and sources: chagai show ID[/dim]")
    else:
        err.print("No project matches the filters" + (f" ({'; '.join(hints)})." if hints else "."))


def _owners(case: Case, on: dt.date) -> Table:
    """Who owns what on a date, proposed stakes included; each holder with the id a sale names it by."""
    shown = table(
        f"Owners on {on.isoformat()}",
        ("Holder", "Id", "Share", "Kind", "Since", "Sources"),
        fold=True,
        whole=("Id", "Share"),
    )
    for s in case.stakes_on(on, include_proposed=True):
        share = (
            share_text(s.share.exact)
            if s.share.exact is not None
            else f"{share_text(s.share.low)}-{share_text(s.share.high)}"
        )
        kind = s.kind.replace("-", " ") + (f" (from {case.party(s.from_party).label})" if s.from_party else "")
        if s.funded_by:
            kind = kind.replace("another party", case.party(s.funded_by).label)
        kind += f", until {s.end.isoformat()}" if s.end else ""
        shown.add_row(
            case.party(s.party).label,
            s.party,
            share,
            kind,
            s.start.isoformat(),
            "\n".join(s.source) or f"estimate: {s.estimate}",
        )
    return shown


def project(case: Case, on: dt.date) -> None:
    """One project: facts, status history, owners on a date, loans, fiscal regime, claims and sources."""
    from chagai.cases.regimes import all_regimes
    from chagai.registry.exporters import operator_label, resource_label
    from chagai.services import registry_views

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
    history = table("Status history", ("From", "Status", "Note"))
    for entry in case.statuses:
        history.add_row(entry.start.isoformat(), entry.status, entry.note or "")
    out.print(history)
    out.print(_owners(case, on))
    if case.financing:
        loans = table(
            "Loans and guarantees",
            ("Facility", "Lender", "Kind", "Amount", "Rate", "Grace + tenor", "Status"),
            fold=True,
            whole=("Facility", "Amount"),
        )
        for f in registry_views.facilities(case):
            loans.add_row(
                f.id,
                f.lender_label,
                f"{f.kind} {f.instrument}, {f.seniority}",
                f"{f.amount_usd_m:,.0f} US$m",
                share_text(f.rate),
                f"{f.grace_years:g} + {f.tenor_years:g} yr, {f.repayment}",
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
        claims = table("Claims", ("Claim", "Value", "Year", "Sources", "Conf."), fold=True)
        for c in case.claims:
            claims.add_row(
                escape(c.statement),
                f"{claimed_text(c.value, c.high, c.bound)} {c.unit}",
                str(c.year or ""),
                ", ".join(c.source),
                c.confidence or "",
            )
        out.print(claims)
    sources = table("Sources", ("Id", "Title", "Publisher", "Date", "Conf.", "Link"), fold=True)
    for s in case.sources:
        sources.add_row(s.id, s.title, s.publisher, s.date or "", s.confidence or "", s.url or "")
    out.print(sources)


def history(project_id: str, changes: Sequence[Change]) -> None:
    """Who changed what in a project, and when."""
    shown = table(f"History of {project_id}", ("When (UTC)", "Who", "Field", "Old", "New"), fold=True)
    for c in changes:
        values = [json.dumps(v)[:60] if v is not None else "" for v in (c.old, c.new)]
        if c.action in ("create", "delete"):
            values = ["", "(created)"] if c.action == "create" else ["(deleted)", ""]
        shown.add_row(timestamp_text(c.at), c.actor, c.path or "(whole project)", *values)
    out.print(shown)


def regimes(presets: Sequence[Regime]) -> None:
    """The fiscal regime presets with their legal instruments and effective dates."""
    shown = table("Fiscal regimes", ("Id", "Name", "Effective", "Ends", "Instrument"), fold=True)
    for r in presets:
        shown.add_row(r.id, r.name, r.effective.isoformat(), r.ends.isoformat() if r.ends else "", r.instrument)
    out.print(shown)


def tokens(stored: Sequence[TokenInfo]) -> None:
    """The API tokens (never their secrets)."""
    shown = table("Tokens", ("Id", "Name", "Role", "Created (UTC)", "Revoked (UTC)"))
    for t in stored:
        revoked = timestamp_text(t.revoked_at) if t.revoked_at else ""
        shown.add_row(t.id, escape(t.name), t.role, timestamp_text(t.created_at), revoked)
    out.print(shown)
    if not stored:
        err.print("No token yet: create one with `chagai token create --name NAME --role editor`.")


# ---------------------------------------------------------------------------------------------------------
# appraisal


def _answers(a: Appraisal) -> list[str]:
    """The four answers of an appraisal, a sentence or two each: governments, owners, lenders, how sure."""
    value = {f.key: f.value for f in a.figures}
    money = a.presented().unit("US$m")
    rate = f"{a.discount_rate:.0%}"
    answers = [
        "[bold]What each government gets:[/bold] federal "
        f"{format_value(value['government_federal_total'], money)} over the life "
        f"({format_value(value['government_federal_pv'], money)} today at {rate}); provincial "
        f"{format_value(value['government_provincial_total'], money)} "
        f"({format_value(value['government_provincial_pv'], money)} today). The province gets "
        f"{format_value(value['local_share'], 'fraction')} of the project's pre-tax cash flow "
        f"({format_value(value['local_share_pv'], 'fraction')} discounted); all governments "
        f"{format_value(value['aetr'], 'fraction')} discounted, their own stakes included."
    ]
    earns = [
        f"{s.label} {format_value(s.npv, money)}"
        + (f" (IRR {format_value(s.irr, 'fraction')})" if s.irr == s.irr else "")
        for s in a.stakeholders
    ]
    answers.append(f"[bold]What each owner earns[/bold] (NPV at {rate}): " + "; ".join(earns) + ".")
    lenders = a.lenders
    if lenders is None:
        answers.append("[bold]Can the loans be repaid?[/bold] The case has no loans.")
    elif lenders.default_year is None:
        answers.append(
            f"[bold]Can the loans be repaid?[/bold] Yes: {format_value(lenders.total_debt, money)} drawn; the "
            f"cash available covers debt service every year, at least {format_value(lenders.min_dscr, 'ratio')} "
            f"(in {lenders.min_dscr_year}); repaid by {lenders.final_maturity}."
        )
    else:
        answers.append(
            f"[bold]Can the loans be repaid?[/bold] No: the cash available falls short of debt service in "
            f"{lenders.default_year} (largest shortfall {format_value(lenders.max_shortfall, money)}; minimum "
            f"cover {format_value(lenders.min_dscr, 'ratio')})."
        )
    breakeven = next(f for f in a.figures if f.key == "breakeven_post_tax")
    commodity = a.compiled.commodities[0]
    deck = float(a.compiled.prices[0, 0]) * a.compiled.price_display_factor[0]
    if breakeven.value == breakeven.value:
        margin = 1 - breakeven.value / deck
        sure = (
            f"the project still pays back its capital at {rate} after tax down to a {commodity} price of "
            f"{format_value(breakeven.value, breakeven.unit)}, {format_value(margin, 'fraction')} below the "
            f"deck's {format_value(deck, breakeven.unit)}"
        )
    else:
        sign = "positive" if value["npv_post_tax"] > 0 else "negative"
        sure = f"the after-tax NPV at {rate} stays {sign} at any {commodity} price (the other products decide it)"
    answers.append(
        f"[bold]How sure?[/bold] This is one scenario: {sure}. For the odds under price, security and schedule "
        f"risk: chagai simulate {a.case.id}."
    )
    return answers


def appraisal(a: Appraisal, full: bool = False) -> None:
    """An appraisal: the four answers first, then the figures, stakeholders, governments and lenders.

    ``full`` adds each claim's statement and rule, the claims the model cannot check, the progressivity curve
    and the model's notes.
    """
    from chagai import services

    scenario = a.compiled.scenario
    head = f"[bold]{a.case.name}[/bold] ({a.case.id}); price deck {scenario.deck}; " + escape(
        ", ".join(scenario.changes()) or "no scenario changes"
    )
    basis = f"Every figure: {a.basis}, unless its row says otherwise."
    out.print(Panel(f"{head}\n[dim]{escape(basis)}[/dim]", title="Appraisal"))
    out.print(Panel("\n".join(_answers(a)), title="Answers"))
    summary = table("Figures", ("Figure", "Value", "Basis"), fold=True)
    previous = ""
    for f in a.figures:
        own = own_basis(f.basis, a.basis)
        summary.add_row(f.label, format_value(f.value, f.unit), "as above" if own and own == previous else escape(own))
        previous = own
    out.print(summary)
    money = a.presented().unit("US$m")
    owners = table(
        f"Stakeholders ({money}; NPV at {a.discount_rate:.0%})",
        ("Party", "Level", "NPV", "IRR", "Payback", "Paid in", "Received"),
        right=("NPV", "IRR", "Payback", "Paid in", "Received"),
        whole=("Level", "NPV", "IRR", "Payback", "Paid in", "Received"),
    )
    for s in a.stakeholders:
        owners.add_row(
            s.label,
            s.level,
            format_value(s.npv, "whole"),
            format_value(s.irr, "fraction"),
            format_value(s.payback_year, "year"),
            format_value(s.paid_in, "whole"),
            format_value(s.received, "whole"),
        )
    out.print(owners)
    if a.sales:
        _sales(a)
    governments = table(
        "Government receipts by government (US$m, undiscounted, and PV)",
        ("Item", "Federal", "Provincial"),
        right=("Federal", "Provincial"),
    )
    for item in services.government_items(a):
        governments.add_row(item.item, f"{item.federal:,.0f}", f"{item.provincial:,.0f}")
    out.print(governments)
    if a.lenders is not None:
        _lenders(a.lenders)
    if a.claims:
        _claim_checks(a, full)
    if not full:
        more = "each claim's statement and rule, the progressivity curve" + (
            " and the model's notes" if a.compiled.notes else ""
        )
        err.print(f"[dim]More: --full adds {more}; chagai cashflow {a.case.id} prints the annual table.[/dim]")
        return
    if a.progressivity:
        unit = a.compiled.price_units[0]
        columns = (f"Price ({unit})", "Pre-tax IRR", f"AETR at {a.discount_rate:.0%}")
        curve = table(
            f"Progressivity: government take as the {a.compiled.commodities[0]} price changes", columns, right=columns
        )
        for point in a.progressivity[::2]:
            price = point.price
            shown = f"{price:,.0f}" if price >= 100 else f"{price:.3g}"
            curve.add_row(shown, format_value(point.pre_tax_irr, "fraction"), format_value(point.aetr, "fraction"))
        out.print(curve)
    for text in a.compiled.notes:
        note(text)


def _sales(a: Appraisal) -> None:
    """What each side of a stake sale gets."""
    columns = (
        "Sale",
        "Price",
        "Buyer NPV",
        "Buyer IRR",
        "Buyer indifferent at",
        "Seller gain",
        "Seller indifferent at",
    )
    sales = table(f"Stake sales: what each side gets (NPV at {a.discount_rate:.0%})", columns, right=columns[1:])
    for v in a.sales:
        sales.add_row(
            escape(f"{v.share:.2%} {v.seller} -> {v.buyer} in {v.year}"),
            format_value(v.price, "US$m"),
            format_value(v.buyer_npv, "US$m"),
            format_value(v.buyer_irr, "fraction"),
            format_value(v.buyer_indifference_price, "US$m"),
            format_value(v.seller_gain, "US$m"),
            format_value(v.seller_indifference_price, "US$m"),
        )
    out.print(sales)
    dim(a.sales[0].basis)


def _lenders(ln: Lenders) -> None:
    """The lenders' measures: cover ratios, maturity and default."""
    lenders = table("Lenders", ("Measure", "Value"))
    rows = [
        ("Debt drawn", format_value(ln.total_debt, "US$m")),
        ("Average rate (real)", format_value(ln.debt_rate, "fraction")),
        ("Minimum DSCR", f"{format_value(ln.min_dscr, 'ratio')} in {ln.min_dscr_year}"),
        ("Average DSCR", format_value(ln.average_dscr, "ratio")),
        ("LLCR at first repayment", f"{format_value(ln.llcr, 'ratio')} ({ln.llcr_year})"),
        ("PLCR at first repayment", format_value(ln.plcr, "ratio")),
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


def _claim_checks(a: Appraisal, full: bool = False) -> None:
    """Each sourced claim against the model, with its verdict; ``full`` adds the statement, rule and basis.

    Without ``full``, a claim that cannot be checked is counted, not listed.
    """
    columns = ("Claim", "Claimed", "Model", "Diff.", "Tol.", "Verdict") + (("Rule and basis",) if full else ())
    claims = table("Claims against the model", columns, right=("Diff.", "Tol."), fold=True, whole=("Verdict",))
    colour = {"agree": "green", "disagree": "red", "cannot check": "yellow"}
    unchecked = 0
    for c in a.claims:
        if not full and c.status == "cannot check":
            unchecked += 1
            continue
        model = "n/a" if c.model_value is None else f"{c.model_text} {c.unit}"
        row = [
            escape(c.statement) if full else c.claim_id,
            f"{c.claimed} {c.unit}",
            model,
            c.difference_text,
            c.tolerance_text,
            f"[{colour[c.status]}]{c.status}[/{colour[c.status]}]",
        ]
        if full:
            row.append(
                escape(c.basis) if c.status == "cannot check" else f"[dim]{escape(c.rule)}.[/dim] {escape(c.basis)}"
            )
        claims.add_row(*row)
    out.print(claims)
    if unchecked:
        err.print(f"[dim]{unchecked} more claims the model cannot check (jobs, dates ...): see --full.[/dim]")


def comparison(appraisals: Sequence[Appraisal], rows: Sequence[CompareRow], discount_rate: float) -> None:
    """Projects side by side, one column each, with the basis below (once when the projects share it)."""
    names = [r.case.name for r in appraisals]
    shown = table(f"Comparison (NPV at {discount_rate:.0%}, real)", ("Measure", *names), right=names)
    for row in rows:
        if row.key == "basis":
            continue
        shown.add_row(row.label, *[format_value(v, row.unit) if not isinstance(v, str) else v for v in row.values])
    out.print(shown)
    basis = next(row for row in rows if row.key == "basis")
    if len(set(basis.values)) == 1:  # the usual case: one basis, stated once
        dim(f"Every project: {basis.values[0]}")
        return
    for r, text in zip(appraisals, basis.values, strict=True):
        dim(f"{r.case.name}: {text}")


CASHFLOW_LINES = {
    "gross_revenue": "gross\nrevenue",
    "opex": "opex",
    "initial_capex": "initial\ncapex",
    "pre_tax_ncf": "pre-tax\nNCF",
    "royalties_federal": "royalty\nfederal",
    "royalties_provincial": "royalty\nprovince",
    "income_tax": "income\ntax",
    "debt_service": "debt\nservice",
    "dscr": "DSCR",
    "equity_cash_flow": "equity\ncash",
    "government_federal": "govt\nfederal",
    "government_provincial": "govt\nprovince",
}
"""The lines of the annual table the terminal shows, with their headers (the CSV holds every line)."""


def cashflow(a: Appraisal, presentation: Presentation | None = None) -> None:
    """The annual cash-flow table, years with any flow only [money as presented; DSCR as a ratio].

    ``presentation`` (default: the model's basis) states the money in rupees or nominal terms and the years as
    July-June fiscal years; the basis of the conversion is printed under the table. A line that is zero (or
    empty) every year is left out and named below the table, so the rest fit a terminal.
    """
    import numpy as np

    from chagai.services.annual import LINE_UNITS

    years, columns = a.presented_table(presentation)
    by_line = {name.split(" [")[0]: (name, values) for name, values in columns.items()}
    view = a.presented(presentation)
    money = view.unit("US$m")
    terms = "nominal" if view.presentation.nominal else f"{a.case.money.basis} {a.case.money.base_year}"
    fiscal = view.presentation.fiscal_year == "jul"

    def has_values(name: str) -> bool:
        values = by_line[name][1]
        return bool(np.any(np.abs(values[np.isfinite(values)]) > 1e-9))

    kept = [name for name in CASHFLOW_LINES if has_values(name)]
    year_header = "FY" if fiscal else "Year"
    every = np.vstack([values for name, (_, values) in by_line.items() if name in LINE_UNITS])
    rows = [i for i in range(len(years)) if np.any(np.abs(every[:, i][np.isfinite(every[:, i])]) > 1e-9)]

    def cell(name: str, i: int) -> str:
        v = by_line[name][1][i]
        return "" if not np.isfinite(v) else (f"{v:.2f}" if name == "dscr" else f"{v:,.0f}")

    cells = {name: [cell(name, i) for i in rows] for name in kept}
    widths = {
        name: max([len(w) for w in CASHFLOW_LINES[name].split("\n")] + [len(c) for c in cells[name]]) for name in kept
    }
    # as many lines as fit the terminal in each table (one space between columns), the year repeated in each
    room = out.width - 2 - max(len(year_header), *(len(str(years[i])) for i in rows)) if rows else out.width
    parts: list[list[str]] = [[]]
    for name in kept:
        if parts[-1] and sum(widths[n] + 1 for n in [*parts[-1], name]) > room:
            parts.append([])
        parts[-1].append(name)
    title = f"{a.case.name}: annual cash flow ({money}, {terms}{', July-June fiscal years' if fiscal else ''})"
    for number, part in enumerate(parts, start=1):
        headers = [CASHFLOW_LINES[name] for name in part]
        shown = table(
            title if len(parts) == 1 else f"{title}, part {number} of {len(parts)}",
            (year_header, *headers),
            right=headers,
            whole=(year_header, *headers),
        )
        shown.box, shown.padding = box.SIMPLE_HEAD, (0, 0)  # the box puts one space between columns
        for k, i in enumerate(rows):
            shown.add_row(str(years[i]), *[cells[name][k] for name in part])
        out.print(shown)
    left_out = [CASHFLOW_LINES[name].replace("\n", " ") for name in CASHFLOW_LINES if name not in kept]
    if left_out:
        dim(f"Zero every year, not shown: {', '.join(left_out)}.")
    if presentation is not None and not presentation.is_model_basis:
        dim(a.presented_basis(presentation))
    dim(f"Every line of the model, as CSV: chagai cashflow {a.case.id} -o {a.case.id}-cashflow.csv")


# ---------------------------------------------------------------------------------------------------------
# risk


QUANTILES = ("Mean", "P10", "P50", "P90")
"""Headers of a distribution's summary columns."""


def simulation(sim: Simulation, settings: RiskSettings) -> None:
    """A Monte Carlo run: its settings and speed, distributions, stakeholders' NPVs and the loans' default."""
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
    measures = table("Distributions over the paths", ("Measure", "Mean", "P10", "P50", "P90"), right=QUANTILES)
    for d in sim.distributions:
        measures.add_row(d.label, *[format_value(v, d.unit) for v in (d.mean, d.p10, d.p50, d.p90)])
    out.print(measures)
    owners = table(
        f"NPV by stakeholder at {sim.compiled.scenario.discount_rate:.0%} (US$m)",
        ("Party", "Level", "Mean", "P10", "P50", "P90", "P(NPV < 0)", "IRR P10 / P50 / P90"),
        right=(*QUANTILES, "P(NPV < 0)", "IRR P10 / P50 / P90"),
        whole=("Level", *QUANTILES),
    )
    for s in sim.stakeholders:
        irr = s.irr
        irr_text = " / ".join(format_value(v, "fraction") for v in (irr.p10, irr.p50, irr.p90)) if irr else "n/a"
        owners.add_row(
            s.label,
            s.level,
            *[format_value(v, "whole") for v in (s.mean, s.p10, s.p50, s.p90)],
            f"{s.p_loss:.1%}",
            irr_text,
        )
    out.print(owners)
    if sim.case.financing:
        loans = table("Loan package", ("Measure", "Value"))
        loans.add_row("P(minimum DSCR < 1.0)", f"{sim.probabilities.min_dscr_below_1:.2%}")
        loans.add_row("P(default: CFADS short of debt service)", f"{sim.probabilities.default:.2%}")
        first = ", ".join(f"{y}: {c:,}" for y, c in list(sim.first_default_year.items())[:8]) or "none"
        loans.add_row("First default year (paths)", first)
        out.print(loans)
    out.print(f"P(project NPV after tax < 0): {sim.probabilities.npv_post_tax_below_zero:.2%}")
    for failure in sim.failures.examples[:5]:
        out.print(f"[yellow]failed path[/yellow] {failure.model_dump()}")


def calibration(calibrated: Calibration) -> None:
    """The fitted price models and the backtest's coverage of the later prices by the P10-P90 band."""
    columns: tuple[str, ...] = (
        "Commodity",
        "Model",
        "kappa /yr",
        "Half-life",
        "sigma",
        "Drift",
        "Long-run (real 2025)",
    )
    params = table(f"Price models ({escape(calibrated.models.basis)})", columns, right=columns[2:])
    for row in calibrated.model_rows():
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
    columns = ("Commodity", "Years", "Inside", "Coverage", "Target")
    fit_end = calibrated.fit_end
    cover = table(
        f"Backtest: fit to {fit_end}, share of {fit_end + 1}-2026 prices inside the P10-P90 band",
        columns,
        right=columns[1:],
    )
    for row in calibrated.coverage_rows():
        cover.add_row(row["commodity"], str(row["years"]), str(row["inside"]), f"{row['coverage']:.0%}", "80%")
    out.print(cover)
    for text in calibrated.backtest.notes:
        note(text)


def _input_text(value: float, unit: str) -> str:
    """A factor's value in its unit (sensitivity)."""
    if unit == "yr":
        return f"{value:.0f} yr"
    if unit in ("fraction", "1/yr"):
        return f"{100 * value:.1f}%"
    return f"{value:.3f}x"


def _price_text(value: float, unit: str, deck: float, bracket: tuple[float, float]) -> str:
    """A breakeven price; +-inf when it lies outside the prices searched (``bracket``, fractions of the deck)."""
    if value == -math.inf:
        return f"< {bracket[0] * deck:,.4g} {unit}"
    if value == math.inf:
        return f"> {bracket[1] * deck:,.4g} {unit}"
    return format_value(value, unit)


def sensitivity(report: Sensitivity, bracket: tuple[float, float], outputs: Mapping[str, tuple[str, str]]) -> None:
    """What drives the answer: inputs, tornado, Sobol indices, breakeven price distribution and information gap.

    ``bracket`` is the range of prices a breakeven is searched in, as fractions of the deck price; ``outputs``
    gives each output's label and unit by key.
    """
    from chagai.results import SobolRefusal

    factors_by_name = {f.name: f for f in report.factors}
    out.print(
        Panel(
            f"[bold]{report.project.name}[/bold] ({report.project.id}): {report.basis}\n"
            f"{report.runs:,} model runs in {report.seconds:.2f} s",
            title="Sensitivity",
        )
    )
    factors = table(
        "Uncertain inputs (base = the appraisal's value)",
        ("Factor", "Base", "Low", "High", "Range from"),
        right=("Base", "Low", "High"),
        fold=True,
    )
    for f in report.factors:
        factors.add_row(
            f.label,
            _input_text(f.base, f.unit),
            _input_text(f.low, f.unit),
            _input_text(f.high, f.unit),
            escape(f.source[:160] + ("..." if len(f.source) > 160 else "")),
        )
    out.print(factors)
    for output in dict.fromkeys(b.output for b in report.tornado):
        label, unit = outputs[output]
        bars = [b for b in report.tornado if b.output == output]
        columns: tuple[str, ...] = ("Factor", "Low .. high input", "At low", "At high", "Swing")
        shown = table(f"Tornado: {label} (base {format_value(bars[0].base, unit)})", columns, right=columns[1:])
        for b in bars:
            shown.add_row(
                b.label,
                f"{_input_text(b.low_value, b.unit)} .. {_input_text(b.high_value, b.unit)}",
                format_value(b.at_low, unit),
                format_value(b.at_high, unit),
                format_value(b.swing, unit),
            )
        out.print(shown)
    for output, result in report.sobol.items():
        label, _ = outputs[output]
        if isinstance(result, SobolRefusal):
            out.print(f"[yellow]Sobol indices of {label}: not computed[/yellow] ({escape(result.refused)})")
            continue
        columns = ("Factor", "S1 (first order)", "+-", "ST (total)", "+-")
        shown = table(
            f"Sobol indices: {label} ({escape(result.basis)}; {result.seconds:.2f} s)", columns, right=columns[1:]
        )
        for row in result.indices:
            shown.add_row(
                factors_by_name[row.factor].label,
                f"{row.S1:.3f}",
                f"{row.S1_conf:.3f}",
                f"{row.ST:.3f}",
                f"{row.ST_conf:.3f}",
            )
        out.print(shown)
    be = report.breakeven
    columns = ("Deck", "No risk", "P10", "P50", "P90", "Mean", "With a breakeven")
    shown = table(
        f"Breakeven {be.commodity} price after tax ({be.n:,} draws, {be.seconds:.2f} s)", columns, right=columns
    )
    shown.add_row(
        format_value(be.deck_price, be.unit),
        *[_price_text(v, be.unit, be.deck_price, bracket) for v in (be.deterministic, be.p10, be.p50, be.p90)],
        format_value(be.mean, be.unit),
        f"{be.defined:,} of {be.n:,}",
    )
    out.print(shown)
    dim(be.basis)
    for output in dict.fromkeys(g.output for g in report.information_gap):
        label, unit = outputs[output]
        rows = [g for g in report.information_gap if g.output == output]
        first = rows[0]
        columns = ("Rank", "Factor", "Horizon", "Side", "Input there", "Margin used", "Swing over range")
        shown = table(
            f"Information gap: {label} {first.criterion} ({format_value(first.critical, unit)}); "
            "robustness of each input, least robust first",
            columns,
            right=("Rank", "Horizon", "Input there", "Margin used", "Swing over range"),
        )
        for g in rows:
            crosses = math.isfinite(g.horizon)
            shown.add_row(
                str(g.rank),
                g.label,
                f"{g.horizon:.1%}" if crosses else "none in range",
                g.direction or "",
                _input_text(g.input_at_horizon, g.unit) if crosses else "",
                f"{g.margin_used:.0%}" if math.isfinite(g.margin_used) else "n/a",
                format_value(g.swing, unit),
            )
        out.print(shown)
    if "min_dscr" not in {g.output for g in report.information_gap}:
        out.print("[dim]Minimum DSCR: no debt service in the base case, no tornado or info-gap rows.[/dim]")
    out.print(
        "[dim]Info-gap (Ben-Haim), one input at a time: horizon = smallest fractional deviation of the input from "
        "its base at which the output crosses the critical level, within the input's range.[/dim]"
    )
    out.print(f"{report.runs:,} model runs in {report.seconds:.2f} s")
