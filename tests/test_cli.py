"""python -m gru_viz train, end to end in a subprocess."""

import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from gru_viz.core import GRUWeights
from gru_viz.tasks import get_task
from gru_viz.training import VAL_SEED, load_model

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"task", "steps", "seconds", "device", "metric", "value", "baseline", "out", "status"}
TINY = ["--task", "adding", "--seq-len", "12", "--hidden-size", "4", "--batch-size", "8", "--seed", "0",
        "--device", "cpu"]


def cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "gru_viz", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, check=False)


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_train_end_to_end(tmp_path):
    out = tmp_path / "model.npz"
    proc = cli("train", *TINY, "--steps", "30", "--eval-every", "10", "--out", out)
    assert proc.returncode == 0, proc.stderr
    summary = last_json(proc.stdout)
    assert KEYS <= summary.keys()
    assert summary["status"] == "done" and summary["task"] == "adding" and summary["steps"] == 30
    assert summary["device"] == "cpu" and summary["metric"] == "mse" and summary["out"] == str(out)
    task = get_task("adding")
    val = task.batch(512, 12, np.random.default_rng([VAL_SEED, 1]))  # the validation set of every run
    assert summary["baseline"] == pytest.approx(task.no_memory_score(val.x, val.y))
    assert 0 <= summary["value"] < 10 and summary["seconds"] > 0
    # not a TTY: one plain line per validation on stderr, no carriage-return progress bar
    assert "\r" not in proc.stderr and proc.stderr.count("val mse") == 4 and "Traceback" not in proc.stderr
    weights, readout_weight, _, meta = load_model(out)
    assert isinstance(GRUWeights.load(out), GRUWeights) and weights.hidden_size == 4 and weights.input_size == 2
    assert readout_weight.shape == (1, 4) and meta["value"] == summary["value"] and meta["steps"] == 30


@pytest.mark.parametrize("args, message", [
    ([], "required: COMMAND"),
    (["train", "--steps", "0"], "--steps: must be at least 1"),
    (["train", "--steps", "many"], "--steps: expected a whole number"),
    (["train", "--task", "nope"], "invalid choice: 'nope'"),
    (["train", "--lr", "-1"], "--lr: must be a positive finite number"),
    (["train", "--task", "adding", "--seq-len", "1"], "seq_len must be an integer from 2"),
    (["train", "--cell", "lstm", "--out", "m.npz"], "--out saves GRUs only"),
    (["train", "--out", "/no/such/folder/m.npz"], "does not exist"),
    (["fly"], "invalid choice: 'fly'"),
])
def test_bad_arguments_exit_with_a_message(args, message):
    proc = cli(*args)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_missing_cuda_is_an_argument_error():
    proc = cli("train", *TINY[:-2], "--device", "cuda", "--steps", "2")
    assert proc.returncode == 2 and "no CUDA GPU" in proc.stderr and "Traceback" not in proc.stderr


def test_divergence_exits_1_with_a_clear_message():
    proc = cli("train", *TINY, "--steps", "50", "--lr", "1e30")
    summary = last_json(proc.stdout)
    assert proc.returncode == 1 and summary["status"] == "error" and summary["value"] is None
    assert summary["out"] is None and summary["steps"] < 50
    assert "loss became" in summary["error"] and "error: training stopped" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_ctrl_c_stops_cleanly_and_saves(tmp_path):
    out = tmp_path / "partial.npz"
    proc = subprocess.Popen([sys.executable, "-m", "gru_viz", "train", *TINY, "--steps", "100000", "--eval-every",
                             "50", "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        first = proc.stderr.readline()  # the step-0 validation line: training has begun
        assert first.startswith("step 0/100000"), first
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    summary = last_json(stdout)
    assert proc.returncode == 130 and summary["status"] == "stopped" and 0 <= summary["steps"] < 100000
    assert "Traceback" not in stderr and "(interrupted)" in stderr
    assert np.isfinite(GRUWeights.load(out).W_u).all()
