"""The command line as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from chagai.cli import app
from chagai.config import refresh_settings

FIXTURE = Path(__file__).parent / "fixtures" / "pocket-mine.yaml"


def run(*args: str, code: int = 0, stdout_only: bool = False) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.stdout if stdout_only else result.output


def run_json(*args: str) -> object:
    return json.loads(run(*args, stdout_only=True))


def test_projects_prints_the_founding_table() -> None:
    output = run("projects", "--at", "2026-03-31")
    for header in ("Project", "Id", "Resource", "Operator", "Status"):
        assert header in output
    lines = {line.split("│")[1].strip(): line for line in output.splitlines() if line.count("│") > 4}
    assert "Copper & Gold" in lines["Reko Diq"]
    assert "Barrick Gold (Canada)" in lines["Reko Diq"]
    assert "Development" in lines["Reko Diq"]
    assert "Copper & Gold" in lines["Saindak"]
    assert "MCC" in lines["Saindak"]
    assert "Operating" in lines["Saindak"]
    assert "Natural Gas" in lines["Sui"]
    assert "PPL" in lines["Sui"]
    assert "Depleting" in lines["Sui"]


def test_projects_filters() -> None:
    rows = run_json("projects", "--json", "--status", "depleting")
    assert [r["id"] for r in rows] == ["sui"]
    rows = run_json("projects", "--json", "--commodity", "natural gas")
    assert [r["id"] for r in rows] == ["sui"]
    rows = run_json("projects", "--json", "--commodity", "copper", "--region", "balochistan")
    assert {"reko-diq", "saindak"} <= {r["id"] for r in rows}
    assert "sui" not in {r["id"] for r in rows}
    assert "not a status" in run("projects", "--status", "active", code=2)


def test_show_resolves_aliases_and_dates_owners() -> None:
    output = run("show", "Reco Diq", "--at", "2026-01-01")
    assert "Reko Diq" in output
    assert "Barrick" in output
    assert "50%" in output
    assert "free carried" in output
    assert "funded by GoP" in output
    assert "US EXIM" in output or "us-exim" in output
    assert "Sources" in output
    before = run("show", "reko-diq", "--at", "2020-01-01")
    assert "50%" not in before.split("Owners on 2020-01-01")[1].split("Loans")[0]


def test_unknown_project_suggests_names() -> None:
    output = run("show", "Reko Dik Mine", code=1)
    assert "no project matches" in output


def test_validate_import_export_round_trip(tmp_path: Path) -> None:
    assert "valid" in run("validate", str(FIXTURE))
    assert "created: pocket-mine" in run("import", str(FIXTURE), "--by", "tester")
    assert "unchanged: pocket-mine" in run("import", str(FIXTURE))
    exported = tmp_path / "pocket.yaml"
    run("export", "Pocket Copper", "-o", str(exported))
    assert yaml.safe_load(exported.read_text())["id"] == "pocket-mine"
    assert "unchanged: pocket-mine" in run("import", str(exported))
    bods = run_json("export", "pocket-mine", "--format", "bods")
    assert any(s["recordType"] == "relationship" for s in bods)
    collection = run_json("export", "--all", "--format", "geojson")
    assert {"reko-diq", "saindak", "sui", "pocket-mine"} <= {f["id"] for f in collection["features"]}


def test_validate_reports_problems_with_paths(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(FIXTURE.read_text().replace("value: 10, unit: Mt,", "value: -10, unit: Mt,"))
    output = run("validate", str(bad), code=2)
    assert "production.ore_reserve" in output
    assert "-10.0 Mt" in output
    assert ">= 0.0" in output
    assert "a readable UTF-8 YAML file" in run("validate", str(tmp_path / "missing.yaml"), code=2)


def test_edit_and_history() -> None:
    run("import", str(FIXTURE))
    run("edit", "pocket-mine", "--set", "costs.opex_per_tonne_milled.value=11", "--by", "dana")
    output = run("history", "pocket-mine")
    assert "dana (edit)" in output
    assert "costs.opex_per_tonne_milled.value" in output
    output = run("edit", "pocket-mine", "--set", "location.lat=95", code=2)
    assert "location.lat" in output


def test_regimes_and_db_info() -> None:
    assert "reko-diq-2022" in run("regimes")
    run("db", "init")
    assert "reko-diq" in run("db", "info")


def test_console_script_runs_in_a_real_process(tmp_path: Path) -> None:
    script = shutil.which("chagai", path=str(Path(sys.executable).parent))
    assert script is not None
    env = {**os.environ, "CHAGAI_DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite'}", "COLUMNS": "160"}
    done = subprocess.run([script, "projects"], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "Reko Diq" in done.stdout
    assert "Sui" in done.stdout


@pytest.mark.postgres
def test_cli_on_postgres(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAGAI_DATABASE_URL", postgres_url)
    refresh_settings()
    run("db", "init")
    assert "Reko Diq" in run("projects")
    assert "Barrick" in run("show", "Reco Dig", "--at", "2026-01-01")


# ---------------------------------------------------------------------------------------------------------
# appraisal


def test_appraise_the_founding_projects() -> None:
    for project in ("reko-diq", "saindak", "sui"):
        output = run("appraise", project)
        for title in ("Answers", "Figures", "Stakeholders", "Government receipts", "Claims against the model"):
            assert title in output, (project, title)
        assert "Government take" in output
        assert "n/a" not in output.split("Government take (undiscounted)")[1][:40]
    assert "Lenders" in run("appraise", "reko-diq")


def test_appraise_json_reko_diq_revenue_near_the_claim() -> None:
    data = run_json("appraise", "reko-diq", "--json")
    assert isinstance(data, dict)
    figures = {f["key"]: f for f in data["figures"]}
    assert "year 0 = 2026" in figures["npv_pre_tax"]["basis"]
    claims = {c["claim_id"]: c for c in data["claims"]}
    annual = claims["exports-annual"]
    assert annual["status"] == "agree"
    # US$bn a year at the phase 1 nameplate, 2025 prices, at the early grade (0.60% Cu, 0.30 g/t Au)
    assert 2.4 < annual["model_value"] < 3.4
    assert data["lenders"]["min_dscr"] > 1.0
    assert {s["party"] for s in data["stakeholders"]} >= {"barrick", "pakistan-minerals", "bmrl"}
    assert len(data["annual"]["years"]) == len(data["annual"]["columns"]["gross_revenue [US$m]"])


def test_appraise_shows_each_claims_difference_tolerance_and_rule() -> None:
    output = run("appraise", "reko-diq", "--full")
    table = output.split("Claims against the model")[1]
    for header in ("Claimed", "Model", "Diff.", "Tol.", "Verdict", "Rule and basis"):
        assert header in table
    assert "±15%" in table
    assert "≥ 75 US$bn" in table  # the lower bound, shown as one
    assert "agree when the model is at least" in table
    data = run_json("appraise", "reko-diq", "--json")
    assert isinstance(data, dict)
    claims = {c["claim_id"]: c for c in data["claims"]}
    bound = claims["free-cash-flow-lom"]
    assert (bound["bound"], bound["tolerance"], bound["scale"]) == ("at-least", 0.0, "relative")
    assert bound["status"] == ("agree" if bound["model_value"] >= 75 else "disagree")
    assert claims["exports-annual"]["tolerance"] == 0.15
    assert claims["exports-annual"]["rule"] == "agree when the model is within 15% of 2.8-2.9 US$bn/yr"
    year = claims["article-production-by-2028"]
    assert (year["scale"], year["difference"], year["model_value"]) == ("years", 2, 2030)


def test_appraise_values_the_buyers_stake_against_the_reported_price() -> None:
    data = run_json("appraise", "reko-diq", "--sell", "15%:federal->manara@2027", "--json")
    assert isinstance(data, dict)
    manara = next(s for s in data["stakeholders"] if s["party"] == "manara")
    assert manara["npv"] > 0
    price = next(c for c in data["claims"] if c["claim_id"] == "manara-price-540")
    assert price["model_value"] is not None
    assert price["status"] in ("agree", "disagree")
    assert "manara" in price["basis"]


def test_scenario_and_set_move_the_answer() -> None:
    base = run_json("appraise", "reko-diq", "--json")
    worse = run_json("appraise", "reko-diq", "--json", "--scenario", "delay=2,overrun=1.2")
    richer = run_json("appraise", "reko-diq", "--json", "--set", "prices.copper=12000")
    assert isinstance(base, dict)
    assert isinstance(worse, dict)
    assert isinstance(richer, dict)

    def fig(d: dict, key: str) -> float:
        return next(f["value"] for f in d["figures"] if f["key"] == key)

    assert fig(worse, "npv_post_tax") < fig(base, "npv_post_tax") < fig(richer, "npv_post_tax")
    assert fig(worse, "first_production") == fig(base, "first_production") + 2


def test_a_named_fiscal_scenario_and_the_lenders_real_rates() -> None:
    reported = run_json("appraise", "reko-diq", "--json")
    statutory = run_json("appraise", "reko-diq", "--json", "--scenario", "regime=statutory")
    assert isinstance(reported, dict)
    assert isinstance(statutory, dict)

    def fig(d: dict, key: str) -> float:
        return next(f["value"] for f in d["figures"] if f["key"] == key)

    assert statutory["scenario"]["regime"] == "statutory"
    assert fig(statutory, "npv_post_tax") < fig(reported, "npv_post_tax")
    assert fig(statutory, "government_take") > fig(reported, "government_take")
    assert "8.00% -> 5.57%" in reported["lenders"]["rate_basis"]
    assert reported["lenders"]["debt_rate"] < 0.07  # real, not the quoted 8-9%
    output = run("appraise", "reko-diq", "--scenario", "regime=statutory")
    assert "fiscal terms statutory" in output
    assert "quoted nominal" in output
    unknown = run("appraise", "reko-diq", "--scenario", "regime=fippa", code=2)
    assert "--scenario regime: got 'fippa'" in unknown
    assert "base, statutory" in unknown


def test_a_scenario_the_model_cannot_run_is_a_clear_error() -> None:
    output = run("appraise", "reko-diq", "--scenario", "delay=-2,availability=1.5", code=2)
    assert "--scenario delay: got -2; expected whole years >= 0" in output
    assert "--scenario availability: got 1.5; expected a share from 0 to 1" in output


def test_compare_shows_local_share() -> None:
    output = run("compare", "saindak", "reko-diq")
    assert "Provincial (local) share" in output
    assert "Saindak" in output
    assert "Reko Diq" in output
    assert output.count("end-year cash flows") == 1  # the shared basis is stated once
    rows = run_json("compare", "saindak", "reko-diq", "sui", "--json")
    assert isinstance(rows, list)
    local = next(r for r in rows if r["key"] == "local_share")
    assert all(0 < v < 1 for v in local["values"])


def test_cashflow_prints_and_writes_csv(tmp_path: Path) -> None:
    shown = run("cashflow", "sui")
    assert "revenue" in shown
    assert "Zero every year, not shown: initial capex, royalty federal, debt service, DSCR." in shown
    assert "chagai cashflow sui -o sui-cashflow.csv" in shown
    target = tmp_path / "reko.csv"
    run("cashflow", "reko-diq", "-o", str(target))
    header = target.read_text().splitlines()[0]
    assert "gross_revenue [US$m]" in header
    assert "government_provincial [US$m]" in header


def test_appraisal_input_errors_are_clear() -> None:
    assert "registry-only entry" in run("appraise", "duddar", code=2)
    assert "SHARE:SELLER->BUYER@YEAR" in run("appraise", "reko-diq", "--sell", "lots", code=2)
    bad_buyer = run("appraise", "reko-diq", "--sell", "15%:federal->Bad Name@2027", code=2)
    assert "write the buyer as a party id" in bad_buyer
    assert "keys among" in run("appraise", "reko-diq", "--scenario", "speed=3", code=2)
    assert "prices.nickel" in run("appraise", "reko-diq", "--set", "prices.nickel=3", code=2)
    assert "add a price for natural-gas" in run("appraise", "sui", "--set", "prices=[]", code=2)


# ---------------------------------------------------------------------------------------------------------
# risk


def test_simulate_reports_loan_risk_and_owner_distributions() -> None:
    output = run("simulate", "reko-diq", "--paths", "20000", "--seed", "7")
    assert "seed 7" in output
    assert "P(minimum DSCR < 1.0)" in output
    assert "P(default" in output
    assert "Barrick Gold" in output
    assert "P(NPV < 0)" in output
    data = run_json("simulate", "reko-diq", "--paths", "5000", "--seed", "7", "--json")
    assert isinstance(data, dict)
    assert data["seed"] == 7
    assert data["paths"] == 5000
    assert 0 <= data["probabilities"]["default"] <= 1
    again = run_json("simulate", "reko-diq", "--paths", "5000", "--seed", "7", "--json", "--chunk-size", "1000")
    assert isinstance(again, dict)
    # per-path results are bit-identical whatever the chunk size; means are summed in chunk order (float64)
    for one, two in zip(again["distributions"], data["distributions"], strict=True):
        assert {k: v for k, v in one.items() if k != "mean"} == {k: v for k, v in two.items() if k != "mean"}
        assert one["mean"] == pytest.approx(two["mean"], rel=1e-12)


def test_simulate_saves_draws(tmp_path: Path) -> None:
    import pandas as pd

    target = tmp_path / "draws.parquet"
    run("simulate", "sui", "--paths", "3000", "--save-draws", str(target))
    frame = pd.read_parquet(target)
    assert len(frame) == 3000
    assert {"npv_post_tax", "delay_years", "status"} <= set(frame.columns)


def test_calibrate_prints_the_backtest_coverage() -> None:
    from .conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip("the third-party data folder is not here (set CHAGAI_SHARED_DATA)")
    output = run("calibrate", "--data", str(SHARED_DATA))
    assert "P10-P90" in output
    assert "copper" in output
    assert "all" in output


def test_version_prints_the_version() -> None:
    from chagai import __version__

    assert run("--version").strip() == __version__


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("--rate", "10"), ("--rate: got 10", "0.1 for 10%")),
        (("--scenario", "delay=two,year=x"), ("--scenario delay", "'two'", "whole years", "--scenario year")),
        (("--set", "prices.copper=abc"), ("prices.copper", "'abc'", "a number, the new value in US$/t")),
    ],
)
def test_bad_options_name_the_field_and_what_is_expected(args: tuple[str, ...], names: tuple[str, ...]) -> None:
    output = run("appraise", "reko-diq", *args, code=2)
    for name in names:
        assert name in output


def test_a_filter_that_matches_nothing_suggests_close_values() -> None:
    assert "did you mean copper" in run("projects", "--commodity", "coper").replace("\n", " ")
    assert "did you mean balochistan" in run("projects", "--region", "balochstan").replace("\n", " ")


def test_output_into_a_missing_folder_is_refused_not_created(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "cashflow.csv"
    output = run("cashflow", "reko-diq", "-o", str(target), code=2)
    assert "does not exist" in output
    assert not target.parent.exists()


def test_listing_and_showing_projects_do_not_load_the_model() -> None:
    """``projects`` and ``show`` answer without numpy, numba or the compiled model (the command line starts fast)."""
    script = (
        "import sys\n"
        "from chagai.cli import main\n"
        "for args in (['projects'], ['show', 'reko-diq'], ['--help']):\n"
        "    sys.argv = ['chagai', *args]\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as stop:\n"
        "        assert not stop.code, (args, stop.code)\n"
        "loaded = sorted(m for m in ('numpy', 'numba', 'scipy', 'pandas', 'chagai.core.kernel') if m in sys.modules)\n"
        "print('LOADED', loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=os.environ, check=True)
    assert "LOADED []" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]


def _command_paths() -> list[tuple[str, ...]]:
    from chagai.cli import COMMANDS, DB_COMMANDS, TOKEN_COMMANDS

    return [
        (),
        *((name,) for name, _ in COMMANDS),
        ("db",),
        *(("db", name) for name, _ in DB_COMMANDS),
        ("token",),
        *(("token", name) for name, _ in TOKEN_COMMANDS),
    ]


@pytest.mark.parametrize("command", _command_paths(), ids=lambda c: " ".join(c) or "chagai")
def test_help_fits_100_columns_whole_and_without_python_types(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "100"}, terminal_width=100)
    assert result.exit_code == 0, result.output
    assert "…" not in result.output  # nothing cut short
    for python_type in ("<bool>", "<str>", "<int>", "<float>", "<list"):
        assert python_type not in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 100


def test_projects_fits_a_screen_and_show_keeps_the_ids_a_user_types() -> None:
    result = CliRunner().invoke(app, ["projects"], env={"COLUMNS": "100"}, terminal_width=100)
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) <= 30  # the notes are in `show`, not in the list
    for project in ("reko-diq", "saindak", "sui", "gunga-barytes"):
        assert project in result.stdout
    shown = CliRunner().invoke(app, ["show", "reko-diq"], env={"COLUMNS": "100"}, terminal_width=100).stdout
    assert "…" not in shown
    for typed in ("barrick", "pakistan-minerals", "bmrl", "manara", "us-exim", "euler-hermes-kfw-ekn"):
        assert typed in shown


def test_appraise_answers_first_and_states_the_basis_once() -> None:
    result = CliRunner().invoke(app, ["appraise", "reko-diq"], env={"COLUMNS": "100"}, terminal_width=100)
    assert result.exit_code == 0, result.output
    text = result.stdout
    answers = text.split("Figures")[0]
    for question in ("What each government gets", "What each owner earns", "Can the loans be repaid", "How sure"):
        assert question in answers
    assert "Barrick Gold 7,180 US$m" in answers.replace("\n", " ").replace("│", "")
    assert text.count("flows before 2026 are sunk") == 1  # the basis, once, in the header
    assert "Progressivity" not in text
    assert len(text.splitlines()) < 250
    full = CliRunner().invoke(app, ["appraise", "reko-diq", "--full"], env={"COLUMNS": "100"}, terminal_width=100)
    assert "Progressivity" in full.stdout


def test_a_cold_compile_cache_is_announced_before_the_minute_starts(tmp_path: Path) -> None:
    script = (
        "import numba\n"
        "from chagai.services.warmup import model_compiled\n"
        "compiled = model_compiled()\n"
        "print(numba.config.CACHE_DIR, compiled)\n"
    )
    env = {**os.environ, "CHAGAI_NUMBA_CACHE": str(tmp_path)}

    def ask() -> tuple[str, str]:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
        folder, compiled = done.stdout.split()
        return folder, compiled

    folder, compiled = ask()
    assert compiled == "False"
    assert Path(folder).parent == tmp_path
    Path(folder, "chagai_core_kernel").mkdir(parents=True)
    Path(folder, "chagai_core_kernel", "kernel.run_block-1.py311.nbi").write_bytes(b"")
    assert ask()[1] == "True"


def test_cashflow_in_rupees_nominal_and_fiscal_years(tmp_path: Path) -> None:
    usd, pkr = tmp_path / "usd.csv", tmp_path / "pkr.csv"
    run("cashflow", "reko-diq", "-o", str(usd))
    run("cashflow", "reko-diq", "-o", str(pkr), "--currency", "pkr", "--nominal", "--fiscal-year", "jul")
    import pandas as pd

    dollars = pd.read_csv(usd, index_col=0)
    rupees = pd.read_csv(pkr, index_col=0)
    assert rupees.index.name == "fiscal_year"
    assert list(rupees.index) == [*dollars.index, dollars.index[-1] + 1]
    assert "gross_revenue [PKRm]" in rupees.columns
    assert "throughput [t or MMscf]" in rupees.columns
    # tonnes are summed by fiscal year: the same total as by calendar year
    assert rupees["throughput [t or MMscf]"].sum() == pytest.approx(dollars["throughput [t or MMscf]"].sum())
    # a 2025 dollar is 280.5 rupees in 2025, then 6% more a year by parity; FY2027 holds half of 2026 and 2027
    capex = dollars["initial_capex [US$m]"]
    assert rupees.loc[2027, "initial_capex [PKRm]"] == pytest.approx(
        0.5 * capex[2026] * 280.5 * 1.06 + 0.5 * capex[2027] * 280.5 * 1.06**2, rel=1e-6
    )
    shown = run("cashflow", "saindak", "--currency", "PKR", "--fiscal-year", "jul")
    assert "PKRm" in shown
    assert "real 2025 rupees" in " ".join(shown.split())


def test_appraise_in_rupees_states_the_rate_and_keeps_npvs_present_values() -> None:
    dollars = run_json("appraise", "saindak", "--json")
    rupees = run_json("appraise", "saindak", "--json", "--currency", "PKR", "--nominal")
    nominal_dollars = run_json("appraise", "saindak", "--json", "--nominal")
    assert isinstance(dollars, dict)
    assert isinstance(rupees, dict)
    assert isinstance(nominal_dollars, dict)
    usd = {f["key"]: f for f in dollars["figures"]}
    pkr = {f["key"]: f for f in rupees["figures"]}
    nominal = {f["key"]: f for f in nominal_dollars["figures"]}
    valuation = dollars["scenario"]["valuation_year"]
    assert f"converted at {valuation}'s rate" in rupees["basis"]
    assert "arynews-2025-09-24" in rupees["basis"]
    rate = pkr["npv_post_tax"]["value"] / usd["npv_post_tax"]["value"]
    assert pkr["npv_post_tax"]["unit"] == "PKRm"
    assert 280.0 < rate < 320.0
    assert nominal["npv_post_tax"]["value"] == usd["npv_post_tax"]["value"]  # nominal does not change an NPV
    assert nominal["revenue_total"]["value"] > usd["revenue_total"]["value"]  # it changes a sum of later years
    assert pkr["aetr"]["value"] == usd["aetr"]["value"]
    assert rupees["annual"]["columns"]["gross_revenue [PKRm]"]
    text = " ".join(run("appraise", "saindak", "--currency", "PKR").split())
    assert "PKRm" in text
    assert "real 2025 rupees" in text


def test_bad_money_options_are_refused_clearly() -> None:
    text = " ".join(run("cashflow", "saindak", "--currency", "EUR", code=2).split())
    for part in ("currency", "EUR", "USD, PKR"):
        assert part in text
    text = " ".join(run("appraise", "saindak", "--fiscal-year", "april", code=2).split())
    for part in ("fiscal_year", "april", "jul"):
        assert part in text
