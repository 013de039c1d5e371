"""Screenshots of what a new user sees first: the report (desktop, phone, print) and the command line's first screen.

Run with ``make screenshots``; the pictures go to ``docs/screenshots/``. It needs Chromium (Debian's package
``chromium``) and tmux, and the bundled registry (filled at first use in a registry of its own).

The terminal screenshot is what a 100 x 30 tmux window shows at the top of ``chagai appraise "Reco Diq"``:
tmux captures the pane with its colours, and Chromium draws that text in a terminal-like page.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHAGAI_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
BIN = Path(sys.executable).parent / "chagai"
COLUMNS, ROWS = 100, 30


def terminal_capture(env: dict[str, str], command: str, work: Path) -> str:
    """The scrollback of ``command`` run in a 100 x 30 tmux window, with its colours (ANSI)."""
    session = f"chagai-{uuid.uuid4().hex[:8]}"
    done = work / "done"
    tmux = ["tmux", "-L", session]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", str(COLUMNS), "-y", str(ROWS), f"{command}; touch {done}"],
        env=env,
        check=True,
    )
    try:
        subprocess.run([*tmux, "set-option", "-t", session, "remain-on-exit", "on"], check=False)
        subprocess.run([*tmux, "set-option", "-t", session, "history-limit", "5000"], check=False)
        while not done.exists():
            time.sleep(0.2)
        return subprocess.run(
            [*tmux, "capture-pane", "-e", "-p", "-S", "-", "-t", session], capture_output=True, text=True, check=True
        ).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)


def terminal_page(ansi: str, title: str) -> str:
    """An SVG picture of ANSI-coloured terminal text, drawn as a terminal window (rich's own SVG export)."""
    from rich.console import Console
    from rich.text import Text

    console = Console(record=True, width=COLUMNS, force_terminal=True, color_system="truecolor", file=io.StringIO())
    console.print(Text.from_ansi(ansi), soft_wrap=True)
    return console.export_svg(title=title)


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        env = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "LINES", "NO_COLOR"}}
        env.update(TERM="xterm-256color", CHAGAI_DATABASE_URL=f"sqlite:///{work / 'registry.sqlite'}")
        command = f"{BIN} appraise 'Reco Diq'"
        captured = terminal_capture(env, command, work)
        lines = captured.splitlines()
        start = next(i for i, line in enumerate(lines) if "Appraisal" in line)
        first_screen = "\n".join(lines[start : start + ROWS])
        (work / "terminal.svg").write_text(
            terminal_page(first_screen, '$ chagai appraise "Reco Diq"   (100 x 30 terminal, first screen)'),
            encoding="utf-8",
        )
        report = work / "reko-diq.html"
        subprocess.run([str(BIN), "report", "reko-diq", "-o", str(report), "--paths", "20000"], env=env, check=True)

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            shell = browser.new_page(viewport={"width": 1300, "height": 800})
            shell.goto((work / "terminal.svg").as_uri())
            shell.locator("svg").screenshot(path=str(OUT / "cli-first-screen.png"))
            desktop = browser.new_page(viewport={"width": 1280, "height": 1000})
            desktop.goto(report.as_uri())
            desktop.wait_for_function("() => window.Plotly !== undefined")
            desktop.wait_for_timeout(800)
            desktop.screenshot(path=str(OUT / "report-desktop.png"))
            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            phone.goto(report.as_uri())
            phone.wait_for_function("() => window.Plotly !== undefined")
            phone.wait_for_timeout(800)
            phone.screenshot(path=str(OUT / "report-phone.png"))
            paper = browser.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
            paper.goto(report.as_uri())
            paper.wait_for_function("() => window.Plotly !== undefined")
            paper.emulate_media(media="print")
            paper.wait_for_timeout(800)
            paper.screenshot(path=str(OUT / "report-print.png"))
            browser.close()
    for name in ("cli-first-screen", "report-desktop", "report-phone", "report-print"):
        print(f"wrote docs/screenshots/{name}.png")


if __name__ == "__main__":
    main()
