"""The command line refuses the inputs the web API refuses, with a clear error and exit code 2, never a traceback."""

from __future__ import annotations

from typer.testing import CliRunner

from chagai.cli import app


def refused(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_a_deep_override_path_is_refused_on_the_command_line() -> None:
    deep = ".".join(["a"] * 5_000)
    assert "at most 32" in refused("appraise", "saindak", "--set", f"{deep}=1")
    assert "at most 32" in refused("edit", "saindak", "--set", f"{deep}=1")


def test_overriding_the_project_id_is_refused_on_the_command_line() -> None:
    output = refused("appraise", "saindak", "--set", "id=reko-diq")
    assert "--set id" in output
    assert "project's id" in output


def test_a_valuation_year_far_from_any_case_is_refused() -> None:
    for year in ("9999", "-5", "99999999999999999999"):
        assert "1950 to 2100" in refused("appraise", "reko-diq", "--scenario", f"year={year}")
    assert "--sell year" in refused("appraise", "reko-diq", "--sell", "15%:federal->new:manara@9999")


def test_a_number_too_long_to_read_is_refused() -> None:
    output = refused("appraise", "saindak", "--set", f"costs.opex_per_tonne_milled={'9' * 5_000}")
    assert "at most 300 digits" in output


def test_a_stake_held_to_the_last_day_of_the_calendar_is_a_date_like_any_other() -> None:
    result = CliRunner().invoke(app, ["appraise", "reko-diq", "--set", "stakes[0].end=9999-12-31"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
