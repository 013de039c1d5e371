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
    for header in ("Project", "Resource", "Operator/Partner", "Status"):
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
    assert "free-carried" in output
    assert "funded-by-another-party" in output
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
    run("db", "init")
    assert "Reko Diq" in run("projects")
    assert "Barrick" in run("show", "Reco Dig", "--at", "2026-01-01")
