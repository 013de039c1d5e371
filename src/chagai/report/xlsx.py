"""An Excel workbook of an appraisal, for negotiators who audit numbers in a spreadsheet.

Sheets: Summary (every headline figure with its basis), Assumptions (every input with its unit and sources),
Cash flow (the annual table, one row per year), Stakeholders, Governments, Debt, Claims, Sources and, when a
simulation is given, Monte Carlo. Units are in the headers, numbers are formatted, panes are frozen. Values are
written as numbers (not text), exactly as the appraisal computed them; texts are written as text, never as
formulas.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from chagai import __version__
from chagai.cases.checks import quantities, source_references
from chagai.cases.io import case_hash
from chagai.results import Simulation
from chagai.services.appraise import Appraisal, government_items

HEADER = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="2F4F6F")
NUMBER_FORMATS = {
    "US$m": "#,##0.00",
    "PKRm": "#,##0.00",
    "US$m/yr": "#,##0.00",
    "fraction": "0.0%",
    "ratio": "0.00",
    "year": "0",
    "yr": "0",
}


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        # characters the file format cannot hold (control characters) would make the workbook unreadable
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def _as_text(cells: Any) -> None:
    """Store every text of ``cells`` as text: a text starting with ``=`` is never a live formula.

    A source's title or a claim is written by whoever edits the case; in a spreadsheet, text that starts with
    ``=`` (or ``+``, ``-``, ``@`` in some programs) would otherwise run as a formula when the workbook is opened
    (formula injection). Cells typed as text are shown as written and never evaluated.
    """
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _sheet(book: Workbook, title: str, headers: list[str], rows: list[list[Any]], formats: dict[int, str]) -> Worksheet:
    sheet = book.create_sheet(title)
    sheet.append(headers)
    _as_text(sheet[1])
    for cell in sheet[1]:
        cell.font = HEADER
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for number, row in enumerate(rows, start=2):
        _as_text(sheet.cell(row=number, column=column, value=_clean(v)) for column, v in enumerate(row, start=1))
    for column, number_format in formats.items():
        for cells in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            for cell in cells:
                cell.number_format = number_format
    for i, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[i - 1])) for r in rows[:200] if i - 1 < len(r)])
        sheet.column_dimensions[get_column_letter(i)].width = min(max(10, width + 2), 60)
    sheet.freeze_panes = "B2"
    return sheet


def write_workbook(appraisal: Appraisal, path: Path, simulation: Simulation | None = None) -> Path:
    """Write the appraisal (and optionally a simulation's summary) to ``path`` (.xlsx)."""
    a = appraisal
    case = a.case
    book = Workbook()
    book.remove(book.active)

    summary_rows: list[list[Any]] = [
        ["Project", f"{case.name} ({case.id})", "", ""],
        ["Basis", a.basis, "", ""],
        ["Scenario", "; ".join(a.compiled.scenario.changes()) or "the case as it is", "", ""],
        ["chagai version", __version__, "", ""],
        ["Inputs hash", case_hash(case), "", ""],
    ]
    summary_rows += [[f.label, f.value, f.unit, f.basis] for f in a.figures]
    summary = _sheet(book, "Summary", ["Figure", "Value", "Unit", "Basis"], summary_rows, {})
    for row in range(7, len(summary_rows) + 2):
        unit = summary.cell(row=row, column=3).value
        summary.cell(row=row, column=2).number_format = NUMBER_FORMATS.get(str(unit), "#,##0.####")

    assumptions = [[path, q.value, q.unit, ", ".join(q.source), q.estimate or ""] for path, q in quantities(case)]
    _sheet(book, "Assumptions", ["Input", "Value", "Unit", "Sources", "Estimate (reasoning)"], assumptions, {})

    table = a.cashflow()
    headers = ["Fiscal year (ends 30 June)" if table.index.name == "fiscal_year" else "Year", *table.columns]
    rows = [[int(year), *[float(v) for v in table.loc[year]]] for year in table.index]
    formats = {i + 2: ("0.00" if "[ratio]" in c else "#,##0.00") for i, c in enumerate(table.columns)}
    _sheet(book, "Cash flow", headers, rows, formats)

    money = a.presented().unit("US$m")  # the stakeholders' money as presented (the tables below stay in US$m)
    stakeholder_rows = [
        [s.label, s.level, s.kind, s.npv, s.irr, s.payback_year, s.paid_in, s.received, s.irr_note]
        for s in a.stakeholders
    ]
    _sheet(
        book,
        "Stakeholders",
        [
            "Party",
            "Level",
            "Kind",
            f"NPV at {a.discount_rate:.0%} [{money}]",
            "IRR [fraction]",
            "Payback [year]",
            f"Paid in [{money}]",
            f"Received [{money}]",
            "IRR note",
        ],
        stakeholder_rows,
        {4: "#,##0.00", 5: "0.0%", 6: "0", 7: "#,##0.00", 8: "#,##0.00"},
    )
    government_rows = [[row.item, row.federal, row.provincial] for row in government_items(a)]
    _sheet(
        book,
        "Governments",
        ["Item", "Federal [US$m]", "Provincial [US$m]"],
        government_rows,
        {2: "#,##0.00", 3: "#,##0.00"},
    )

    if a.lenders is not None:
        ln = a.lenders
        debt_rows: list[list[Any]] = [
            ["Debt drawn [US$m]", ln.total_debt],
            ["Average rate [fraction]", ln.debt_rate],
            ["Minimum DSCR [ratio]", ln.min_dscr],
            ["Year of minimum DSCR", ln.min_dscr_year],
            ["Average DSCR [ratio]", ln.average_dscr],
            ["LLCR at first repayment [ratio]", ln.llcr],
            ["PLCR at first repayment [ratio]", ln.plcr],
            ["Final maturity [year]", ln.final_maturity],
            ["First default year", ln.default_year],
        ]
        debt_rows += [
            [f"Facility {f.id} ({f.lender}, {f.kind}, {f.repayment}) [US$m]", f.amount] for f in ln.facilities
        ]
        _sheet(book, "Debt", ["Measure", "Value"], debt_rows, {2: "#,##0.00"})

    claim_rows = [
        [
            c.statement,
            c.claimed,
            c.unit,
            c.model_value,
            c.difference_text,
            c.tolerance_text,
            c.status,
            c.rule,
            c.period,
            c.basis,
            ", ".join(c.source),
        ]
        for c in a.claims
    ]
    _sheet(
        book,
        "Claims",
        [
            "Claim",
            "Claimed",
            "Unit",
            "Model",
            "Difference",
            "Tolerance",
            "Verdict",
            "Rule",
            "Read on",
            "Basis",
            "Sources",
        ],
        claim_rows,
        {},
    )

    cited = {ident for _, ids in source_references(case) for ident in ids}
    source_rows = [
        [s.id, s.title, s.publisher, s.date or "", s.confidence or "", s.url or "", "yes" if s.id in cited else ""]
        for s in case.sources
    ]
    _sheet(
        book, "Sources", ["Id", "Title", "Publisher", "Date", "Confidence", "Link", "Cited by inputs"], source_rows, {}
    )

    if simulation is not None:
        sim_rows: list[list[Any]] = [[d.label, d.unit, d.mean, d.p10, d.p50, d.p90] for d in simulation.distributions]
        sim_rows += [[f"NPV of {s.label}", "US$m", s.mean, s.p10, s.p50, s.p90] for s in simulation.stakeholders]
        sim_rows += [
            [name.replace("_", " "), "probability", value, None, None, None] for name, value in simulation.probabilities
        ]
        sim_rows.append([simulation.basis, "", None, None, None, None])
        _sheet(
            book,
            "Monte Carlo",
            ["Measure", "Unit", "Mean", "P10", "P50", "P90"],
            sim_rows,
            {3: "#,##0.00", 4: "#,##0.00", 5: "#,##0.00", 6: "#,##0.00"},
        )

    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
