"""chagai benchmarks: each section times peers side by side in one run and prints the ratios.

Run with ``make bench``; ``benchmarks/run.py web`` (or any of the section names appraisal, montecarlo,
exponential, registry, pages, web) runs only those sections. Sections need no data beyond what the package ships; the
PostgreSQL column is filled when the server on 127.0.0.1:5432 answers (``CHAGAI_BENCH_POSTGRES_URL`` overrides).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
run_single(compiled.model_inputs, compiled.prices)  # compile (or load from cache) outside the timing
n = int(sys.argv[2])
start = time.perf_counter()
for _ in range(n):
    run_single(compiled.model_inputs, compiled.prices)
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
    from chagai.services.appraise import appraise

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


MC_TIMER = """
import json, resource, sys, time
import numpy as np
from chagai.cases.library import bundled_case
from chagai.services.simulate import simulate
mode, paths = sys.argv[1], int(sys.argv[2])
case = bundled_case("reko-diq")
simulate(case, 2_000, seed=1)  # compile (or load the cache) outside the timing
if mode == "full":
    start = time.perf_counter()
    sim = simulate(case, paths, seed=7, chunk_size=100_000)
    wall = time.perf_counter() - start
    years = len(sim.compiled.years)
    failed = int((sim.arrays.status != 0).sum())
elif mode == "floor":
    from chagai.risk import montecarlo
    from chagai.results import RiskSettings
    from chagai.risk.inputs import risk_inputs
    from chagai.cases.compile import compile_case
    from chagai.risk.prices import bundled_price_models
    from chagai.risk.security import profile_for_case_kind
    compiled = compile_case(case)
    ri = risk_inputs(compiled, RiskSettings(), bundled_price_models(), profile_for_case_kind(case.kind))
    args = (compiled.params, ri.arrays(compiled.prices), 7)
    montecarlo.draw_only_chunk(*args, 0, np.empty(1000))
    start = time.perf_counter()
    for first in range(0, paths, 100_000):
        montecarlo.draw_only_chunk(*args, first, np.empty(min(100_000, paths - first)))
    wall = time.perf_counter() - start
    years = len(compiled.years)
    failed = 0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall": wall, "years": years, "peak_mb": peak, "failed": failed}))
"""

UNCOMPILED_TIMER = """
import json, sys, time
import numpy as np
from chagai.cases.library import bundled_case
from chagai.services.simulate import simulate
case = bundled_case("reko-diq")
paths = int(sys.argv[1])
start = time.perf_counter()
simulate(case, paths, seed=7, chunk_size=paths, threads=1)
print(json.dumps({"per_path": (time.perf_counter() - start) / paths}))
"""


def _run_json(script: str, *args: str, env: dict[str, str] | None = None) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env or dict(os.environ), check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


MONACO_TIMER = """
import json, sys, time
import monaco
import numpy as np
from scipy.stats import uniform
from chagai.cases.compile import compile_case
from chagai.cases.library import bundled_case
from chagai.core import measures
from chagai.risk import montecarlo
from chagai.risk.prices import bundled_price_models
from chagai.risk.security import profile_for_case_kind
from chagai.results import RiskSettings
from chagai.risk.inputs import risk_inputs

cases = int(sys.argv[1])
case = bundled_case("reko-diq")
compiled = compile_case(case)
ri = risk_inputs(compiled, RiskSettings(), bundled_price_models(), profile_for_case_kind(case.kind))
arrays = ri.arrays(compiled.prices)
n = len(compiled.years)
discount = 1.1 ** -np.arange(n, dtype=np.float64)
parties = np.arange(compiled.params.stakes.party_level.shape[0])


def preprocess(c):
    return (c.ncase, c.invals["u"].val)


def run(ncase, _u):
    metrics = np.empty((1, measures.N_MEASURES))
    montecarlo.simulate_chunk(
        compiled.params, arrays, 7, ncase, discount, int(compiled.years[0]), parties, metrics,
        np.empty((1, parties.size)), np.empty(1, dtype=np.int8), np.empty(1, dtype=np.int64),
        np.empty((1, montecarlo.N_FIXED_INPUTS)),
    )
    return (float(metrics[0, measures.M_NPV_POST]),)


def postprocess(c, npv):
    c.addOutVal("npv_post_tax", npv)


fcns = {"preprocess": preprocess, "run": run, "postprocess": postprocess}
sim = monaco.Sim("chagai", ndraws=cases, fcns=fcns, seed=7, singlethreaded=True, verbose=False)
sim.addInVar("u", dist=uniform, distkwargs={"loc": 0, "scale": 1})
run(0, 0.0)
start = time.perf_counter()
sim.runSim()
print(json.dumps({"per_case": (time.perf_counter() - start) / cases}))
"""


def _monaco_per_case(cases: int, compiled: bool) -> float:
    """Seconds per case when monaco drives the model one case at a time (compiled, or as plain Python)."""
    env = dict(os.environ)
    if not compiled:
        env["NUMBA_DISABLE_JIT"] = "1"
    return _run_json(MONACO_TIMER, str(cases), env=env)["per_case"]


def montecarlo_section() -> None:
    print("\n## Monte Carlo of the full Reko Diq model (prices, security regime, outages, delay, overrun)")
    sizes = [10_000, 100_000, 1_000_000]
    if os.environ.get("CHAGAI_BENCH_BIG"):
        sizes.append(10_000_000)
    header = f"{'paths':>11s}{'wall':>10s}{'paths/s':>13s}{'path-years/s':>15s}"
    header += f"{'peak memory':>14s}{'floor':>10s}{'run/floor':>11s}"
    print(header)
    full_1e6 = math.nan
    ratios: list[float] = []
    for paths in sizes:
        runs = [(_run_json(MC_TIMER, "full", str(paths)), _run_json(MC_TIMER, "floor", str(paths))) for _ in range(3)]
        full = {**runs[0][0], "wall": statistics.median(r[0]["wall"] for r in runs)}
        full["peak_mb"] = max(r[0]["peak_mb"] for r in runs)
        floor = {"wall": statistics.median(r[1]["wall"] for r in runs)}
        if paths == 1_000_000:
            ratios = sorted(r[0]["wall"] / r[1]["wall"] for r in runs)
            full_1e6 = full["wall"]
        print(
            f"{paths:11,d}{full['wall']:9.2f}s{paths / full['wall']:13,.0f}"
            f"{paths * full['years'] / full['wall']:15,.0f}"
            f"{full['peak_mb']:11,.0f} MB{floor['wall']:9.2f}s{full['wall'] / floor['wall']:10.1f}x"
        )
    print("(median of 3 runs, each in a fresh process; peak memory is the largest of the 3)")
    if ratios:
        print(f"run / floor of each of the three 10^6 runs: {', '.join(f'{r:.2f}x' for r in ratios)}")
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    uncompiled = _run_json(UNCOMPILED_TIMER, "200", env=env)["per_path"]
    monaco_python = _monaco_per_case(100, compiled=False)
    monaco_compiled = _monaco_per_case(2_000, compiled=True)
    print(f"\n{'peer (10^6 paths, extrapolated)':52s}{'wall':>12s}{'chagai is':>14s}")
    print(f"{'chagai compiled, parallel, blocks of paths':52s}{full_1e6:11.1f}s{'':>14s}")
    for label, per_path in (
        ("same code uncompiled, path by path", uncompiled),
        ("monaco, the model as a Python function per case", monaco_python),
        ("monaco, chagai's compiled model called per case", monaco_compiled),
    ):
        print(f"{label:52s}{per_path * 1e6:11.0f}s{per_path * 1e6 / full_1e6:12.0f}x faster")
    print(
        "(uncompiled: 200 paths timed; monaco: 100 cases as Python and 2,000 compiled, single-threaded, as monaco "
        "runs a Python function per case)"
    )


EXP_TIMER = """
import json, math, sys, time
import numba
import numpy as np
from chagai.core.vecmath import EXP_LIMIT, exp_arith
from chagai.risk.rng import exp_row


@numba.njit(cache=False)
def exp_row_math(x, out):
    for b in range(out.shape[0]):
        out[b] = math.exp(x[b])


@numba.njit(cache=False)
def rows(fn, x, out):
    for r in range(x.shape[0]):
        fn(x[r], out[r])


n_rows = int(sys.argv[1])
x = np.random.default_rng(7).normal(0.0, 0.4, (n_rows, 128))  # log price ratios of a block of paths
out = np.empty_like(x)
result = {}
for name, fn in (("vecmath", exp_row), ("math", exp_row_math)):
    rows(fn, x[:2], out[:2])
    best = math.inf
    for _ in range(7):
        start = time.perf_counter()
        rows(fn, x, out)
        best = min(best, time.perf_counter() - start)
    result[name] = best / x.size
print(json.dumps(result))
"""


def exponential_section() -> None:
    print("\n## Exponential of a block's log prices (the draws' inner loop): chagai.core.vecmath against math.exp")
    times = _run_json(EXP_TIMER, "20000")
    print(f"{'exp of 128 paths at a time':34s}{'per value':>12s}{'ratio':>16s}")
    print(f"{'math.exp (one C call a value)':34s}{times['math'] * 1e9:9.2f} ns{'1.00x':>16s}")
    ratio = times["math"] / times["vecmath"]
    print(f"{'vecmath.exp_arith (vectorised)':34s}{times['vecmath'] * 1e9:9.2f} ns{ratio:9.2f}x faster")
    print("(2.56 million values, best of 7; the Monte Carlo draws take one exponential per commodity, year and path)")


CLI_COMMANDS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("chagai --version", ("--version",), 0.5),
    ("chagai --help", ("--help",), 0.5),
    ("chagai projects", ("projects",), 0.5),
    ("chagai show reko-diq", ("show", "reko-diq"), 0.5),
    ("chagai appraise reko-diq (warm)", ("appraise", "reko-diq"), 1.0),
)
"""Commands timed from a new process each, with the goal each should answer within [s]."""


def _command_seconds(args: tuple[str, ...], env: dict[str, str], runs: int = 5) -> float:
    """Median wall time of ``python ARGS`` in a new process [s] (``-m chagai ...`` for a command)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cli_section() -> None:
    print("\n## The command line: each command in a new process, against the interpreter's own start-up")
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "CHAGAI_DATABASE_URL": f"sqlite:///{folder}/registry.sqlite", "COLUMNS": "100"}
        subprocess.run([sys.executable, "-m", "chagai", "db", "init"], capture_output=True, env=env, check=True)
        subprocess.run(  # the compiled model in the cache, as after the first appraisal
            [sys.executable, "-m", "chagai", "appraise", "reko-diq"], capture_output=True, env=env, check=True
        )
        floor = _command_seconds(("-c", "pass"), env)
        print(f"{'command':34s}{'wall':>9s}{'x python':>10s}{'goal':>8s}")
        print(f"{'python -c pass (the floor)':34s}{floor:8.2f}s{1.0:9.1f}x")
        for label, args, goal in CLI_COMMANDS:
            wall = _command_seconds(("-m", "chagai", *args), env)
            met = "met" if wall <= goal else "MISSED"
            print(f"{label:34s}{wall:8.2f}s{wall / floor:9.1f}x{goal:6.1f}s {met}")
    print("(median of 5 runs each; the goal is the answer's wall time on this machine)")


# ---------------------------------------------------------------------------------------------------------
# web: the API under load, and pages beside a long simulation job

WEB_SECONDS = float(os.environ.get("CHAGAI_BENCH_WEB_SECONDS", "30"))
"""How long each load run lasts [s] (30 by default; shorten for a quick trial)."""
WEB_CLIENTS = int(os.environ.get("CHAGAI_BENCH_WEB_CLIENTS", "30"))
"""Concurrent clients of the load run."""
WEB_WORKERS = int(os.environ.get("CHAGAI_BENCH_WEB_WORKERS", "2"))
"""Server processes (``chagai serve --workers``)."""
MIXED_PAGES = ["/", "/projects/reko-diq", "/projects/saindak", "/projects/sui", "/compare"]
"""The pages of the mixed load run, asked in turn."""

APPRAISALS = [
    {"project": project, "scenario": scenario, "sell": sell}
    for project, sell in (("reko-diq", ["15%:federal->manara@2027"]), ("saindak", []), ("sui", []))
    for scenario in ({}, {"delay": 2}, {"overrun": 1.3}, {"discount_rate": 0.08, "price_factor": 0.9})
]
"""The requests of the load run: three projects under four scenarios."""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(database_url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    port = _free_port()
    env = {**os.environ, "CHAGAI_DATABASE_URL": database_url}
    command = [sys.executable, "-c", "from chagai.cli import main; main()", "serve", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            msg = f"chagai serve stopped: {server.stderr.read().decode() if server.stderr else ''}"
            raise RuntimeError(msg)
        try:
            if httpx.get(f"{base}/api/projects", timeout=5).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.kill()
    msg = "chagai serve did not start in 180 s"
    raise RuntimeError(msg)


async def _http(reader: Any, writer: Any, request: bytes) -> int:
    """Send one HTTP/1.1 request on a kept-alive connection; read the whole answer; return its status."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


def _request(method: str, base: str, path: str, body: bytes = b"") -> bytes:
    host = base.split("//", 1)[1]
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


async def _load(base: str, requests: list[bytes], clients: int, seconds: float) -> tuple[list[float], int, float]:
    """``clients`` connections sending ``requests`` in turn for ``seconds``: latencies [s], errors, wall [s]."""
    import asyncio

    host, port = base.split("//", 1)[1].split(":")
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def client(k: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        i = k
        while time.perf_counter() < stop:
            request = requests[i % len(requests)]
            i += clients
            start = time.perf_counter()
            try:
                status = await _http(reader, writer, request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, int(port))
                continue
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors += 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    return latencies, errors, time.perf_counter() - started


def _quantiles(latencies: list[float]) -> tuple[float, float, float]:
    if len(latencies) < 2:
        return (math.nan,) * 3
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def _print_load(label: str, latencies: list[float], errors: int, wall: float) -> None:
    p50, p95, p99 = _quantiles(latencies)
    print(
        f"{label:44s}{len(latencies) / wall:9.0f}{p50 * 1e3:9.1f}{p95 * 1e3:9.1f}{p99 * 1e3:9.1f}"
        f"{errors:8d}   {'yes' if p95 < 0.3 and errors == 0 else 'no'}"
    )


def _mixed(base: str) -> list[bytes]:
    """The mixed load: a page, the project list and an appraisal in turn (a third each), every page and scenario."""
    requests = []
    for i in range(len(MIXED_PAGES) * len(APPRAISALS)):
        requests.append(_request("GET", base, MIXED_PAGES[i % len(MIXED_PAGES)]))
        requests.append(_request("GET", base, "/api/projects"))
        requests.append(_request("POST", base, "/api/appraisals", json.dumps(APPRAISALS[i % len(APPRAISALS)]).encode()))
    return requests


def _page_latency(base: str, paths: list[str], seconds: float, clients: int = 4) -> list[float]:
    import asyncio

    requests = [_request("GET", base, p) for p in paths]
    latencies, errors, _ = asyncio.run(_load(base, requests, clients, seconds))
    if errors:
        print(f"  ({errors} page request(s) failed)")
    return latencies


PAGES = [
    "/",
    "/projects/reko-diq",
    "/projects/saindak",
    "/projects/sui",
    "/projects/reko-diq/claims",
    "/projects/reko-diq/risk",
    "/compare",
    "/api/projects",
    "/api/projects/reko-diq",
]
"""The pages whose CPU time is measured, each warm (seen before)."""


def pages_section() -> None:
    import asyncio

    import httpx

    from chagai.web.app import create_app

    runs = 50
    print(f"\n## CPU per request, warm (median of {runs}; in process, the client's share included)")
    folder = Path(tempfile.mkdtemp(prefix="chagai-bench-pages-"))
    app = create_app(f"sqlite:///{folder / 'pages.sqlite'}", run_jobs=False)

    async def measure() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            print(f"{'request':34s}{'CPU ms':>9s}{'kB':>9s}")
            body = {"project": "reko-diq", "scenario": {"delay": 2}}
            asks = [(page, client.get, {}) for page in PAGES] + [("/api/appraisals", client.post, {"json": body})]
            for path, ask, extra in asks:
                for _ in range(3):
                    answer = await ask(path, **extra)
                    answer.raise_for_status()
                times = []
                for _ in range(runs):
                    start = time.process_time()
                    answer = await ask(path, **extra)
                    times.append(time.process_time() - start)
                label = f"POST {path} (kept)" if extra else f"GET {path}"
                print(f"{label:34s}{statistics.median(times) * 1e3:9.1f}{len(answer.content) / 1e3:9.1f}")

    asyncio.run(measure())
    app.state.registry.close()


def web_section() -> None:
    import asyncio

    import httpx

    print(f"\n## Web API on loopback (chagai serve --workers {WEB_WORKERS}, SQLite registry, {os.cpu_count()} cores)")
    folder = Path(tempfile.mkdtemp(prefix="chagai-bench-web-"))
    server, base = _start_server(f"sqlite:///{folder / 'web.sqlite'}", WEB_WORKERS)
    try:
        mixed = _mixed(base)
        asyncio.run(_load(base, mixed, WEB_WORKERS * 4, 3.0))  # every worker has computed (and kept) each answer
        print(f"{WEB_CLIENTS} concurrent clients for {WEB_SECONDS:g} s each (keep-alive); load average before")
        print(f"the run {', '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min)")
        print(f"{'requests':44s}{'req/s':>9s}{'p50 ms':>9s}{'p95 ms':>9s}{'p99 ms':>9s}{'errors':>8s}   p95<300ms")
        _print_load(
            "mixed: pages, /api/projects, POST appraisals", *asyncio.run(_load(base, mixed, WEB_CLIENTS, WEB_SECONDS))
        )
        post = [_request("POST", base, "/api/appraisals", json.dumps(b).encode()) for b in APPRAISALS]
        _print_load(
            f"POST /api/appraisals, {len(APPRAISALS)} scenarios repeated",
            *asyncio.run(_load(base, post, WEB_CLIENTS, WEB_SECONDS)),
        )
        for solve, label in (
            (True, "every request new (full model run each)"),
            (False, "every request new, solve=false (no breakevens)"),
        ):
            distinct = [
                _request(
                    "POST",
                    base,
                    "/api/appraisals",
                    json.dumps(
                        {
                            **APPRAISALS[i % len(APPRAISALS)],
                            "scenario": {"discount_rate": 0.05 + i * 1e-7},
                            "solve": solve,
                        }
                    ).encode(),
                )
                for i in range(200_000)
            ]
            _print_load(label, *asyncio.run(_load(base, distinct, WEB_CLIENTS, WEB_SECONDS)))
        print("(the load client runs on the same machine and shares its cores with the server)")

        candidates = ["/", "/projects/reko-diq", "/api/projects", "/api/projects/reko-diq"]
        pages = [p for p in candidates if httpx.get(base + p, timeout=60).status_code == 200]
        seconds = min(WEB_SECONDS, 5.0)
        idle = {}
        for page in pages:
            _page_latency(base, [page], 1.0, clients=2)  # every worker has served the page once
            idle[page] = _page_latency(base, [page], seconds, clients=2)
        job = httpx.post(f"{base}/api/simulations", json={"project": "reko-diq", "paths": 1_000_000}, timeout=30).json()
        while httpx.get(base + job["status_url"], timeout=30).json()["status"] == "queued":
            time.sleep(0.1)
        started = time.perf_counter()
        busy = {page: _page_latency(base, [page], seconds, clients=2) for page in pages}
        measured = time.perf_counter() - started
        while (state := httpx.get(base + job["status_url"], timeout=30).json())["status"] in ("queued", "running"):
            time.sleep(0.5)
        job_wall = time.perf_counter() - started
        print(f"\nGET each page for {seconds:g} s (2 clients), server idle and beside a 10^6-path simulation job")
        print(
            f"{'page':24s}{'idle p50':>11s}{'p95':>11s}{'job p50':>11s}{'p95':>11s}{'p50 ratio':>11s}{'p95 ratio':>11s}"
        )
        for page in pages:
            (i50, i95, _), (b50, b95, _) = _quantiles(idle[page]), _quantiles(busy[page])
            print(
                f"{page:24s}{i50 * 1e3:9.1f}ms{i95 * 1e3:9.1f}ms{b50 * 1e3:9.1f}ms{b95 * 1e3:9.1f}ms"
                f"{b50 / i50:10.2f}x{b95 / i95:10.2f}x"
            )
        running = "the job ran throughout" if measured < job_wall else "the job ended before the last page was timed"
        print(f"job: {state['status']} in {job_wall:.1f} s ({state.get('error') or 'results stored'}); {running}")
    finally:
        server.terminate()
        server.wait(60)


SECTIONS = {
    "appraisal": appraisal_section,
    "montecarlo": montecarlo_section,
    "exponential": exponential_section,
    "cli": cli_section,
    "registry": registry_section,
    "pages": pages_section,
    "web": web_section,
}
"""The sections by name, in the order they run."""


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        print(f"no section {', '.join(unknown)}; expected some of: {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    print(f"chagai benchmarks, Python {sys.version.split()[0]}")
    for name, section in SECTIONS.items():
        if not names or name in names:
            section()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
