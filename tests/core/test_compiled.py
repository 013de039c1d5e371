"""The compiled kernel and the same code run as plain Python give the same numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from chagai.cases.compile import Scenario, StakeSale, compile_case
from chagai.cases.library import bundled_case
from chagai.core.model import run_single
from chagai.services.appraise import appraise

SCRIPT = """
import json, sys
import numpy as np
from chagai.cases.compile import Scenario, StakeSale, compile_case
from chagai.cases.library import bundled_case
from chagai.core.model import run_single
scenario = Scenario(delay=1, overrun=1.1, sales=(StakeSale(0.15, "federal", "manara", 2028),))
out = {}
for project in ("reko-diq", "saindak", "sui"):
    compiled = compile_case(bundled_case(project), scenario if project == "reko-diq" else Scenario())
    lines, parties = run_single(compiled.model_inputs, compiled.prices)
    out[project] = [np.nan_to_num(lines).tolist(), parties.tolist()]
print(json.dumps(out))
"""


def test_plain_python_equals_compiled() -> None:
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    plain = json.loads(done.stdout)
    scenario = Scenario(delay=1, overrun=1.1, sales=(StakeSale(0.15, "federal", "manara", 2028),))
    for project in ("reko-diq", "saindak", "sui"):
        compiled = compile_case(bundled_case(project), scenario if project == "reko-diq" else Scenario())
        lines, parties = run_single(compiled.model_inputs, compiled.prices)
        np.testing.assert_allclose(np.nan_to_num(lines), plain[project][0], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(parties, plain[project][1], rtol=1e-12, atol=1e-9)


SOLVE_SCRIPT = """
import json
from chagai.cases.compile import Scenario, StakeSale
from chagai.cases.library import bundled_case
from chagai.services.appraise import appraise
scenario = Scenario(delay=1, sales=(StakeSale(0.15, "federal", "manara", 2028),))
out = {}
for project in ("reko-diq", "saindak", "sui"):
    a = appraise(bundled_case(project), scenario if project == "reko-diq" else Scenario())
    out[project] = [[f.key, f.value] for f in a.figures] + [[p.model_dump() for p in a.progressivity]]
print(json.dumps(out))
"""


def test_plain_python_searches_equal_compiled() -> None:
    """Breakevens, METR, the progressivity curve and the IRRs: the compiled searches give the plain numbers."""
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run([sys.executable, "-c", SOLVE_SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    plain = json.loads(done.stdout)
    scenario = Scenario(delay=1, sales=(StakeSale(0.15, "federal", "manara", 2028),))
    for project in ("reko-diq", "saindak", "sui"):
        a = appraise(bundled_case(project), scenario if project == "reko-diq" else Scenario())
        compiled = [[f.key, f.value] for f in a.figures] + [[p.model_dump() for p in a.progressivity]]
        assert json.dumps(compiled) == json.dumps(plain[project])
