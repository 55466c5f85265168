"""Server settings that bound what one student can cost or see: error details, message sizes, CI for the deploy."""

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np

from gru_viz import GRUWeights, run_gru
from gru_viz.gates_chart import gates_chart
from gru_viz.tasks import TASKS

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())


def test_students_see_no_error_details():
    """'none': an uncaught error shows a generic message, no type, message or trace (tests/browser/
    test_error_details.py checks it in Chromium); the traceback goes to the server log."""
    assert CONFIG["client"]["showErrorDetails"] == "none"


def test_websocket_messages_are_capped_well_above_the_largest_the_app_sends():
    """server.maxMessageSize caps every websocket message, incoming too; the largest figure must fit 4 times over."""
    cap = CONFIG["server"]["maxMessageSize"] * 10**6
    x = TASKS["recall"].batch(1, 200, 7).x[0]  # the Train page's largest: H = 64, T = 200, 20 training snapshots
    trace = run_gru(GRUWeights.random(6, 64, seed=1), x)
    snapshots = [(str(i), run_gru(GRUWeights.random(6, 64, seed=i), x)) for i in range(20)]
    size = len(json.dumps(gates_chart(trace, snapshots=snapshots)))  # what the chart element sends
    assert 4 * size < cap <= 20 * 10**6, (size, cap)
    assert np.isfinite(size)


def run_deploy_test(env_changes: dict) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_changes}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_deploy.py"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_the_deploy_test_fails_under_ci_without_nginx_and_skips_elsewhere():
    no_nginx = {"PATH": str(Path(sys.executable).parent)}  # python, and no nginx
    under_ci = run_deploy_test({**no_nginx, "CI": "true"})
    assert under_ci.returncode != 0 and "nginx is not installed" in under_ci.stdout, under_ci.stdout[-2000:]
    local = run_deploy_test({**no_nginx, "CI": ""})
    assert local.returncode in (0, 5) and "1 skipped" in local.stdout, local.stdout[-2000:]  # 5: nothing ran


def test_ci_installs_nginx_as_it_installs_chromium():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "missing+=(nginx)" in ci and "missing+=(chromium" in ci and 'apt-get install' in ci
