"""chagai benchmarks: each section times peers side by side in one run and prints the ratios.

Run with ``make bench``. Sections need no data beyond what the package ships; the PostgreSQL column is filled
when the server on 127.0.0.1:5432 answers (``CHAGAI_BENCH_POSTGRES_URL`` overrides).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from chagai.cases.io import dump_case, load_case_text
from chagai.cases.library import bundled_case_files, bundled_cases
from chagai.registry import repo
from chagai.registry.db import open_registry

POSTGRES_ADMIN = os.environ.get("CHAGAI_BENCH_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres")


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``repeat`` calls [s]."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _postgres_database() -> str | None:
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"chagai_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        return None
    finally:
        admin.dispose()
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def _drop(url: str) -> None:
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def registry_section() -> None:
    texts = [(f.name, f.read_text(encoding="utf-8")) for f in bundled_case_files()]
    cases = bundled_cases()
    n = len(cases)
    print(f"\n## Registry ({n} bundled cases)")
    parse = best_of(lambda: [load_case_text(t, name) for name, t in texts])
    dump = best_of(lambda: [dump_case(c) for c in cases])
    print(f"validate all case files: {parse * 1e3:8.1f} ms ({parse / n * 1e3:.1f} ms a case)")
    print(f"write all as YAML:       {dump * 1e3:8.1f} ms")

    backends: dict[str, str] = {}
    folder = Path(tempfile.mkdtemp(prefix="chagai-bench-"))
    backends["SQLite"] = f"sqlite:///{folder / 'bench.sqlite'}"
    pg = _postgres_database()
    if pg:
        backends["PostgreSQL"] = pg
    rows: dict[str, dict[str, float]] = {}
    for label, url in backends.items():
        with open_registry(url) as registry:
            timings: dict[str, float] = {}
            timings["init (import all, empty registry)"] = best_of(
                lambda r=registry: repo.init_registry(r, reset=True), repeat=3
            )
            timings["re-import unchanged (no-op)"] = best_of(lambda r=registry: repo.import_cases(r, cases), repeat=3)

            def export_all(r=registry) -> None:
                with r.session() as s:
                    repo.all_cases(s)

            def resolve_many(r=registry) -> None:
                with r.session() as s:
                    for _ in range(100):
                        repo.resolve(s, "Reco Dig")

            timings["export all cases"] = best_of(export_all)
            timings["resolve an alias x100"] = best_of(resolve_many)
            rows[label] = timings
        if label == "PostgreSQL":
            _drop(url)
    names = list(next(iter(rows.values())))
    header = f"{'operation':38s}" + "".join(f"{b:>14s}" for b in rows)
    if "PostgreSQL" in rows:
        header += f"{'PG / SQLite':>14s}"
    print(header)
    for name in names:
        line = f"{name:38s}" + "".join(f"{rows[b][name] * 1e3:11.1f} ms" for b in rows)
        if "PostgreSQL" in rows:
            line += f"{rows['PostgreSQL'][name] / rows['SQLite'][name]:13.2f}x"
        print(line)
    if "PostgreSQL" not in rows:
        print("(PostgreSQL not reachable: its column is left out)")


KERNEL_TIMER = """
import json, sys, time
from chagai.cases.compile import compile_case
from chagai.cases.library import bundled_case
from chagai.core.model import run_single
compiled = compile_case(bundled_case(sys.argv[1]))
run_single(compiled, compiled.prices)  # compile (or load from cache) outside the timing
n = int(sys.argv[2])
start = time.perf_counter()
for _ in range(n):
    run_single(compiled, compiled.prices)
print(json.dumps({"per_run": (time.perf_counter() - start) / n, "years": len(compiled.years)}))
"""


def _time_kernel(project: str, runs: int, compiled: bool) -> dict[str, float]:
    env = dict(os.environ)
    if not compiled:
        env["NUMBA_DISABLE_JIT"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", KERNEL_TIMER, project, str(runs)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def appraisal_section() -> None:
    from chagai.cases.library import bundled_case
    from chagai.services import appraise

    print("\n## Deterministic appraisal")
    print(
        f"{'project':10s}{'years':>7s}{'kernel, compiled':>19s}{'kernel, Python':>17s}{'ratio':>9s}"
        f"{'appraise (no solves)':>23s}{'appraise (all)':>17s}"
    )
    for project in ("reko-diq", "saindak", "sui"):
        fast = _time_kernel(project, 2000, compiled=True)
        slow = _time_kernel(project, 20, compiled=False)
        case = bundled_case(project)
        appraise(case, solve=False)
        quick = best_of(lambda c=case: appraise(c, solve=False))
        full = best_of(lambda c=case: appraise(c), repeat=3)
        print(
            f"{project:10s}{fast['years']:7.0f}{fast['per_run'] * 1e6:16.1f} us{slow['per_run'] * 1e3:14.2f} ms"
            f"{slow['per_run'] / fast['per_run']:8.0f}x{quick * 1e3:20.1f} ms{full * 1e3:14.1f} ms"
        )
    print("(appraise (all) adds breakeven prices, METR and the progressivity curve: about 60 more model runs)")


def main() -> int:
    print(f"chagai benchmarks, Python {sys.version.split()[0]}")
    appraisal_section()
    registry_section()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
