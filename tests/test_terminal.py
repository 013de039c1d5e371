"""The command line in a real terminal, as a new user meets it: a pseudo-terminal of 100 x 30 (pexpect) and tmux.

The other CLI tests call the commands in-process with a wide, colourless console. These start ``chagai`` as a
user does, in a terminal that has a size, colours and a pager-less scrollback, and read what the screen shows.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pexpect
import pytest

COLUMNS, ROWS = 100, 30
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
BIN = Path(sys.executable).parent / "chagai"
"""The command a user types (installed beside this interpreter by ``pip install``)."""


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    """A user's environment: a terminal, their own registry, no width forced (the terminal's size rules)."""
    env = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "LINES", "NO_COLOR"}}
    env.update(TERM="xterm-256color", CHAGAI_DATABASE_URL=f"sqlite:///{tmp_path / 'registry.sqlite'}")
    return env


def terminal(env: dict[str, str], *args: str, timeout: float = 600) -> tuple[list[str], int]:
    """Run ``chagai ARGS`` in a 100 x 30 pseudo-terminal: the lines it shows (colours removed) and its exit code."""
    assert BIN.exists(), f"chagai is not installed beside {sys.executable}"
    child = pexpect.spawn(str(BIN), list(args), env=env, dimensions=(ROWS, COLUMNS), encoding="utf-8", timeout=timeout)
    child.expect(pexpect.EOF)
    child.close()
    text = ANSI.sub("", child.before or "").replace("\r\n", "\n")
    return text.splitlines(), int(child.exitstatus if child.exitstatus is not None else -1)


def test_help_fits_the_terminal_and_lists_the_first_commands(user_env: dict[str, str]) -> None:
    lines, code = terminal(user_env, "--help")
    assert code == 0
    assert all(len(line) <= COLUMNS for line in lines), max(lines, key=len)
    text = "\n".join(lines)
    for command in ("projects", "show", "appraise", "simulate", "report", "export-xlsx", "serve"):
        assert re.search(rf"│ {re.escape(command)}\s", text), command
    assert "<bool>" not in text
    assert "…" not in text


def test_the_first_commands_fit_one_screen_and_answer_first(user_env: dict[str, str]) -> None:
    lines, code = terminal(user_env, "projects")
    assert code == 0
    shown = [line for line in lines if line.strip()]
    body = [line for line in shown if "registry is empty" not in line and "loading" not in line]
    assert len(body) <= ROWS, f"projects takes {len(body)} lines on a {ROWS}-line terminal"
    assert all(len(line) <= COLUMNS for line in lines)
    assert any("Reko Diq" in line and "reko-diq" in line for line in body)
    assert "chagai show" in body[-1]

    lines, code = terminal(user_env, "appraise", "Reco Diq")
    assert code == 0
    first_screen = "\n".join(lines[:ROWS])
    for answer in ("What each government gets", "What each owner earns", "Can the loans be repaid", "How sure"):
        assert answer in first_screen, f"{answer!r} is not on the first screen"
    assert all(len(line) <= COLUMNS for line in lines), max(lines, key=len)
    assert not any(re.search(r"\d\.\d+e[+-]\d", line) for line in lines), "a number in e-notation"
    assert not any(re.search(r"(?<![\w.])-0(?![\d.,])", line) for line in lines), "a negative zero"
    assert "--full" in "\n".join(lines[-4:]), "the last lines say how to see more"


def test_a_mistyped_rate_is_refused_with_the_option_named(user_env: dict[str, str]) -> None:
    lines, code = terminal(user_env, "appraise", "reko-diq", "--rate", "10")
    assert code == 2
    text = " ".join(lines)
    assert "--rate: got 10" in text
    assert "0.1 for 10%" in text
    assert "Traceback" not in text


def test_a_project_that_does_not_exist_gets_close_names(user_env: dict[str, str]) -> None:
    lines, code = terminal(user_env, "show", "saindk")
    assert code == 1  # not found (2 is kept for input that is malformed)
    assert "saindak" in " ".join(lines).lower()
    assert "Traceback" not in " ".join(lines)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (Debian package tmux)")
def test_appraise_in_tmux_shows_the_answers_at_the_top_of_its_output(user_env: dict[str, str]) -> None:
    """A tmux window of 100 x 30: the screen and scrollback the user scrolls through, captured as shown."""
    session = f"chagai-{uuid.uuid4().hex[:8]}"
    done = Path(user_env["CHAGAI_DATABASE_URL"].removeprefix("sqlite:///")).with_name("done")
    command = f"{BIN} appraise reko-diq; echo $? > {done}"
    tmux = ["tmux", "-L", session]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", str(COLUMNS), "-y", str(ROWS), command],
        env=user_env,
        check=True,
    )
    try:
        subprocess.run([*tmux, "set-option", "-t", session, "remain-on-exit", "on"], check=False)
        subprocess.run([*tmux, "set-option", "-t", session, "history-limit", "5000"], check=False)
        deadline = time.monotonic() + 600
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert done.exists(), "appraise did not finish in tmux"
        assert done.read_text().strip() == "0"
        captured = subprocess.run(
            [*tmux, "capture-pane", "-p", "-S", "-", "-t", session], capture_output=True, text=True, check=True
        ).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)
    lines = [line for line in captured.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if "Appraisal" in line)
    top = "\n".join(lines[start : start + ROWS])
    for answer in ("What each government gets", "Can the loans be repaid", "How sure"):
        assert answer in top
    assert all(len(line) <= COLUMNS for line in lines)


def test_the_annual_table_fits_the_terminal_without_cutting_a_number(user_env: dict[str, str]) -> None:
    lines, code = terminal(user_env, "cashflow", "reko-diq")
    assert code == 0
    assert all(len(line) <= COLUMNS for line in lines), max(lines, key=len)
    text = "\n".join(lines)
    assert "…" not in text
    header = next(line for line in lines if line.lstrip().startswith("Year"))
    assert header.split()[-2:] == ["federal", "province"]  # the last column, the province's receipts, is shown
    row_2032 = next(line for line in lines if line.lstrip().startswith("2032"))
    assert len(row_2032.split()) == len(header.split())  # a figure in every column


def test_a_wide_table_in_rupees_is_split_into_parts_that_fit(user_env: dict[str, str]) -> None:
    lines, code = terminal(user_env, "cashflow", "reko-diq", "--currency", "PKR", "--nominal", "--fiscal-year", "jul")
    assert code == 0
    assert all(len(line) <= COLUMNS for line in lines), max(lines, key=len)
    text = "\n".join(lines)
    assert "…" not in text
    assert "part 1 of" in text
    assert "PKR" in text
