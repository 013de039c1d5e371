"""The Excel workbook holds the appraisal's numbers exactly, with units in the headers and frozen panes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from chagai.cases.io import case_from_data
from chagai.cases.library import bundled_case
from chagai.report.xlsx import write_workbook
from chagai.services.appraise import appraise


def test_workbook_totals_equal_the_appraisal_to_the_cent(tmp_path: Path) -> None:
    result = appraise(bundled_case("reko-diq"))
    path = write_workbook(result, tmp_path / "reko.xlsx")
    book = load_workbook(path)
    assert {"Summary", "Assumptions", "Cash flow", "Stakeholders", "Governments", "Debt", "Claims", "Sources"} <= set(
        book.sheetnames
    )
    flows = book["Cash flow"]
    headers = [c.value for c in flows[1]]
    assert headers[0] == "Year"
    assert "gross_revenue [US$m]" in headers
    assert flows.freeze_panes == "B2"
    table = result.cashflow()
    for name in ("gross_revenue [US$m]", "government_provincial [US$m]", "equity_cash_flow [US$m]"):
        column = headers.index(name) + 1
        total = sum(row[0].value for row in flows.iter_rows(min_row=2, min_col=column, max_col=column))
        assert round(total, 2) == round(float(table[name].sum()), 2)
        assert flows.cell(row=2, column=column).number_format == "#,##0.00"
    summary = {row[0].value: row[1].value for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["Project NPV after tax (unlevered)"] == pytest.approx(result.figure("npv_post_tax").value, abs=0.005)
    governments = {row[0].value: (row[1].value, row[2].value) for row in book["Governments"].iter_rows(min_row=2)}
    assert round(governments["Total"][1], 2) == round(float(result.line("government_provincial").sum()), 2)
    assumptions = list(book["Assumptions"].iter_rows(min_row=2, values_only=True))
    assert any(row[0] == "production.ore_reserve" and row[2] == "Mt" for row in assumptions)
    assert all(row[3] or row[4] for row in assumptions), "every input has sources or an estimate"


def test_export_xlsx_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chagai.cli import app

    target = tmp_path / "saindak.xlsx"
    result = CliRunner().invoke(app, ["export-xlsx", "saindak", "-o", str(target), "--paths", "2000"])
    assert result.exit_code == 0, result.output
    book = load_workbook(target)
    assert "Monte Carlo" in book.sheetnames


def test_texts_that_look_like_formulas_are_written_as_text(tmp_path: Path, pocket_text: str) -> None:
    # formula injection: whoever edits a case must not be able to run a formula in a reader's spreadsheet
    doc = yaml.safe_load(pocket_text)
    payloads = ['=HYPERLINK("http://example.com/x", "open")', "+1+1", "-2+3", "@SUM(1)", "\t=1+1"]
    doc["name"] = payloads[0]
    for source, payload in zip(doc["sources"], payloads, strict=False):
        source["title"] = payload
    for claim, payload in zip(doc["claims"], reversed(payloads), strict=False):
        claim["statement"] = payload
    path = write_workbook(appraise(case_from_data(doc)), tmp_path / "pocket.xlsx")
    book = load_workbook(path)
    texts = {
        cell.value: cell.data_type
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.lstrip("\t")[:1] in ("=", "+", "-", "@")
    }
    written = set(payloads[: len(doc["sources"])]) | set(list(reversed(payloads))[: len(doc["claims"])])
    assert written <= set(texts), "every payload is in the workbook as written"
    assert f"{payloads[0]} (pocket-mine)" in texts
    assert set(texts.values()) == {"s"}, texts


def test_export_xlsx_in_rupees_by_fiscal_year(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chagai.cli import app

    target = tmp_path / "saindak-pkr.xlsx"
    args = ["export-xlsx", "saindak", "-o", str(target), "--currency", "PKR", "--nominal", "--fiscal-year", "jul"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    book = load_workbook(target)
    flows = book["Cash flow"]
    headers = [c.value for c in flows[1]]
    assert headers[0] == "Fiscal year (ends 30 June)"
    assert "gross_revenue [PKRm]" in headers
    dollars = appraise(bundled_case("saindak"))
    column = headers.index("throughput [t or MMscf]") + 1
    tonnes = sum(row[0].value for row in flows.iter_rows(min_row=2, min_col=column, max_col=column))
    assert tonnes == pytest.approx(float(dollars.line("throughput").sum()))  # flows keep their total
    summary = {row[0].value: (row[1].value, row[2].value) for row in book["Summary"].iter_rows(min_row=2)}
    assert "PKR per US$" in summary["Basis"][0]
    assert summary["Project NPV after tax (unlevered)"][1] == "PKRm"
    stakeholders = [c.value for c in book["Stakeholders"][1]]
    assert "Paid in [PKRm]" in stakeholders
