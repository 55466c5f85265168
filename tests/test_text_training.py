"""The character-level text model: training finds a planted feature, the CLI, the job queue, CUDA, the shipped file."""

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from gru_viz import jobs, units
from gru_viz.charmodel import SHIPPED, CharModel
from gru_viz.text import encode, held_out_corpus
from gru_viz.text_training import TextConfig, train_text, unigram_bits
from gru_viz.training import train

ROOT = Path(__file__).resolve().parents[1]
# README's documented command for assets/text_gru.npz; every other setting is TextConfig's default
SHIPPED_COMMAND = ["train", "--task", "text", "--device", "cpu", "--threads", "1", "--seed", "0"]


def planted(n: int, seed: int) -> str:
    """Brackets and letters with a known depth: each depth has its own two letters, a line ends only at depth 0."""
    rng = np.random.default_rng(seed)
    out, depth = [], 0
    while len(out) < n:
        p = rng.random()
        if depth < 4 and p < 0.15:
            out.append("(")
            depth += 1
        elif depth > 0 and p < 0.15 + 0.06 * depth:
            out.append(")")
            depth -= 1
        elif depth == 0 and p < 0.3:
            out.append("\n")
        else:
            out.append("abcdefghij"[depth * 2 + rng.integers(0, 2)])
    return "".join(out)


def tiny(**changes) -> TextConfig:
    base = dict(hidden_size=16, embed_size=8, seq_len=64, batch_size=16, steps=150, lr=1e-2, eval_every=50,
                log_every=25, device="cpu", train_chars=40_000)
    return TextConfig(**{**base, **changes})


def run(config, texts, stop=None):
    events = list(train_text(config, stop, texts=texts))
    assert all(e.status == "running" for e in events[:-1]) and events[-1].finished, events[-1].message
    return events


def test_a_briefly_trained_model_tracks_a_planted_depth_better_than_an_untrained_one():
    held = planted(4_000, 1)
    events = run(tiny(), (planted(40_000, 0), held))
    result = events[-1].result
    assert result.metric == "bpc" and result.value < result.baseline < result.history.val[0]
    analysis = units.analyse(result.model, held)
    trained = abs(analysis.r_trained["bracket depth"]).max()
    untrained = analysis.r_untrained["bracket depth"]
    assert trained > untrained.max() + 0.1 and trained > 0.6, (trained, untrained)
    assert analysis.r_shifted["bracket depth"].max() < trained


def test_events_result_and_numpy_parity():
    held = planted(2_000, 3)
    events = run(tiny(steps=40, eval_every=20, log_every=10), (planted(20_000, 2), held))
    steps = [e.step for e in events]
    assert steps == [0, 10, 20, 30, 40] and all(e.metric == "bpc" for e in events)
    result = events[-1].result
    assert result.history.val_step == [0, 20, 40] and len(result.history.loss) == 40
    meta = result.model.metadata
    assert meta["numpy_vs_torch_max_abs_h"] < 1e-5 and meta["steps"] == 40
    assert meta["history"]["val"][-1] == result.value
    trace = result.model.trace(held)
    assert result.model.bits_per_character(encode(held), trace.h) == pytest.approx(result.value, abs=1e-4)
    assert meta["chance_untrained"]["hidden_size"] == 16 and set(meta["chance_untrained"]["best_abs"]) == set(
        units.FEATURES)


def test_same_config_same_model_on_cpu():
    texts = (planted(20_000, 4), planted(2_000, 5))
    a = run(tiny(steps=20), texts)[-1].result.model
    b = run(tiny(steps=20), texts)[-1].result.model
    assert a.digest == b.digest


def test_stop_ends_the_run_with_a_result():
    events = run(tiny(steps=500), (planted(20_000, 0), planted(2_000, 1)), stop=lambda: True)
    assert events[-1].status == "stopped" and events[-1].result.steps_done == 0
    assert events[-1].message == "stopped after 0 of 500 steps"


@pytest.mark.parametrize("change, message", [
    ({"hidden_size": 0}, "hidden_size"), ({"hidden_size": 1000}, "hidden_size"), ({"lr": float("nan")}, "lr"),
    ({"cell": "lstm"}, "GRU"), ({"device": "tpu"}, "device"), ({"train_chars": 10}, "train_chars"),
    ({"steps": 2.5}, "steps"),
])
def test_bad_configs_fail_at_once(change, message):
    with pytest.raises(ValueError, match=message):
        train_text(tiny(**change))


def test_text_too_short_for_the_streams():
    with pytest.raises(ValueError, match="too short"):
        train_text(tiny(batch_size=64, seq_len=200), texts=("ab" * 1000, "abc"))


def test_unigram_baseline_is_the_letter_frequency_entropy():
    train_codes = np.array([3, 3, 3, 4])
    held = np.array([3, 3, 4])
    counts = np.bincount(train_codes, minlength=98) + 1.0
    p = counts / counts.sum()
    assert unigram_bits(train_codes, held) == pytest.approx(-(np.log2(p[3]) + np.log2(p[4])) / 2)


def test_training_dispatches_text_configs():
    events = list(train(tiny(steps=2, eval_every=1, log_every=1, train_chars=20_000)))
    assert events[-1].status == "done" and events[-1].metric == "bpc"


def test_the_job_queue_trains_the_text_model_in_a_child_process():
    job = jobs.JobManager(1).submit(tiny(steps=30, eval_every=10, log_every=10, train_chars=50_000))
    deadline = time.monotonic() + 120
    while not job.finished and time.monotonic() < deadline:
        job.poll()
        time.sleep(0.1)
    assert job.status == "done", job.error
    assert isinstance(job.result.model, CharModel) and job.result.steps_done == 30
    assert [e.step for e in job.events][-1] == 30


def cli(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "gru_viz", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_cli_trains_and_saves_a_text_model(tmp_path):
    out = tmp_path / "text"
    proc = cli("train", "--task", "text", "--hidden-size", "8", "--embed-size", "4", "--steps", "4",
               "--batch-size", "4", "--seq-len", "16", "--eval-every", "2", "--device", "cpu", "--out", out)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["task"] == "text" and summary["metric"] == "bpc" and summary["status"] == "done"
    assert summary["out"] == str(out) + ".npz" and summary["embed_size"] == 4 and summary["hidden_size"] == 8
    assert summary["numpy_vs_torch_max_abs_h"] < 1e-5 and proc.stderr.count("val bpc") == 3
    model = CharModel.from_file(summary["out"])
    assert model.hidden_size == 8 and model.metadata["value"] == summary["value"]


@pytest.mark.parametrize("args, message", [
    (["--task", "adding", "--embed-size", "4"], "--embed-size is for --task text only"),
    (["--task", "text", "--hidden-size", "999"], "hidden_size must be an integer from 1 to 256"),
    (["--task", "text", "--cell", "lstm"], "the text model is a GRU"),
])
def test_cli_bad_text_arguments(args, message):
    proc = cli("train", *args)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_the_documented_command_reproduces_the_shipped_models_first_steps(tmp_path):
    """The first evaluation of the documented command matches the one recorded in the shipped model."""
    meta = CharModel.from_file(SHIPPED).metadata
    step = meta["history"]["val_step"][1]
    proc = cli(*SHIPPED_COMMAND, "--steps", step, "--out", tmp_path / "m.npz")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["value"] == pytest.approx(meta["history"]["val"][1], abs=0.02)


@pytest.mark.slow
def test_the_documented_command_reproduces_the_shipped_model(tmp_path):
    """The whole documented run (a few minutes on one CPU thread): the same held-out score and bracket unit."""
    shipped = CharModel.from_file(SHIPPED)
    proc = cli(*SHIPPED_COMMAND, "--out", tmp_path / "m.npz", timeout=1800)
    assert proc.returncode == 0, proc.stderr
    again = CharModel.from_file(tmp_path / "m.npz")
    assert again.metadata["value"] == pytest.approx(shipped.metadata["value"], abs=0.05)
    text = held_out_corpus().text
    depth = [abs(units.analyse(m, text).r_trained["bracket depth"]).max() for m in (shipped, again)]
    assert depth[1] == pytest.approx(depth[0], abs=0.1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_text_training_matches_the_numpy_core():
    held = planted(2_000, 1)
    result = run(tiny(device="cuda", steps=60), (planted(40_000, 0), held))[-1].result
    assert result.device == "cuda" and result.value < result.history.val[0]
    assert result.model.metadata["numpy_vs_torch_max_abs_h"] < 1e-4  # cuDNN, TF32 off, 2,000 steps of float32


def test_the_page_side_modules_do_not_load_torch():
    code = ("import sys, gru_viz.text, gru_viz.charmodel, gru_viz.units, gru_viz.unit_words, gru_viz.text_figures, "
            "gru_viz.text_training; assert 'torch' not in sys.modules, 'torch loaded'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
