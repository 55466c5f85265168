"""The app server never imports torch (~330 MB per process): training, the device probe and the NumPy-vs-PyTorch check
run in child processes. Every page is used in a fresh interpreter under AppTest, then its sys.modules is read."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

USE_EVERY_PAGE = r"""
import io, sys, time
root = sys.argv[1]
sys.path.insert(0, root)
from streamlit.testing.v1 import AppTest
from gru_viz import GRUWeights
from gru_viz.trained import TrainedModel

def check(at):
    assert not at.exception, [e.value for e in at.exception]
    return at

def wait(at, done, limit=180):
    deadline = time.monotonic() + limit
    while not done(at):
        assert time.monotonic() < deadline, "a run did not finish"
        time.sleep(0.3)
        check(at.run())

at = check(AppTest.from_file(root + "/app.py", default_timeout=120).run())
for page in ("pages/home.py", "pages/one-step.py", "pages/gates-over-time.py", "pages/compare.py", "pages/memory.py",
             "pages/units-in-text.py"):
    check(at.switch_page(page).run())

# Train a GRU: the device caption (asked of a child), a short run, its results and the NumPy-vs-PyTorch check
check(at.switch_page("pages/train.py").run())
at.session_state["tr_T"], at.session_state["tr_H"], at.session_state["tr_steps"] = 10, 4, 20
check(next(b for b in at.button if b.label == "Train").click().run())
wait(at, lambda at: "trained_model" in at.session_state)
check(at.run())
metrics = {m.label: m.value for m in at.metric}
assert float(metrics["NumPy core vs PyTorch"]) <= 1e-5, metrics
# a loaded file, and the trained model in Gates over time
buffer = io.BytesIO()
GRUWeights.random(2, 4, seed=1).save(buffer, task="adding", seq_len=20)
at.session_state["trained_model"] = TrainedModel.from_file(buffer.getvalue())
check(at.run())
at.session_state["got_weights"] = "trained"
check(at.switch_page("pages/gates-over-time.py").run())

# GRU vs LSTM vs RNN: a short comparison and its results
check(at.switch_page("pages/compare.py").run())
at.session_state["cmp_T"], at.session_state["cmp_H"], at.session_state["cmp_steps"] = 10, 4, 20
check(next(b for b in at.button if b.label == "Compare").click().run())
wait(at, lambda at: at.session_state["cmp__run"] is not None and at.session_state["cmp__run"].status != "running")
check(at.run())
print("TORCH BEFORE MEMORY RESULTS", "torch" in sys.modules, flush=True)

if "--memory" in sys.argv:  # Memory's results: the influence |dy/dx_t| by autograd
    check(at.switch_page("pages/memory.py").run())
    at.session_state["mem_T"], at.session_state["mem_H"], at.session_state["mem_steps"] = 10, 4, 20
    check(next(b for b in at.button if b.label == "Train both").click().run())
    wait(at, lambda at: at.session_state["mem__run"] is not None and at.session_state["mem__run"].status != "running")
    check(at.run())
    print("TORCH AFTER MEMORY RESULTS", "torch" in sys.modules, flush=True)
"""


def use_every_page(*flags: str) -> str:
    done = subprocess.run([sys.executable, "-c", USE_EVERY_PAGE, str(ROOT), *flags], capture_output=True, text=True,
                          timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


@pytest.mark.slow
def test_using_every_page_never_loads_torch_into_the_server():
    out = use_every_page()
    assert "TORCH BEFORE MEMORY RESULTS False" in out, out


@pytest.mark.slow
def test_the_memory_page_results_never_load_torch_into_the_server():
    out = use_every_page("--memory")
    assert "TORCH AFTER MEMORY RESULTS False" in out, out
