"""Uploaded model files: wrong, truncated, oversized or hostile ones give a clear ValueError, never more.

Each hostile file is either refused at once or, if it is a model the app could have trained itself, shown; either way
it costs the server under 1 s of CPU and under 50 MB of memory (measured in a child process, pages included).
"""

import io
import json
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_viz import GRUWeights
from gru_viz.core import MAX_FILE_BYTES
from gru_viz.trained import MAX_HIDDEN, MAX_SEQ_LEN, TrainedModel

ROOT = Path(__file__).resolve().parents[1]
CPU_LIMIT_S = 1.0  # per file: loading it and, if accepted, drawing the Train page and Gates over time with it
MEMORY_LIMIT_MB = 50.0


def good_bytes(task="adding", D=2, H=3, dtype=np.float64, **meta) -> bytes:
    buffer = io.BytesIO()
    GRUWeights.random(D, H, seed=0, dtype=dtype).save(buffer, task=task, **{"seq_len": 20, **meta})
    return buffer.getvalue()


def npz_with(compressed=False, **arrays) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def layout(D: int, H: int, dtype) -> dict:
    """Zero weights of a GRU with input size D and hidden size H, in PyTorch's layout."""
    return {"weight_ih": np.zeros((3 * H, D), dtype), "weight_hh": np.zeros((3 * H, H), dtype),
            "bias_ih": np.zeros(3 * H, dtype), "bias_hh": np.zeros(3 * H, dtype)}


def with_meta(arrays: dict, compressed=False, **meta) -> bytes:
    return npz_with(compressed=compressed, **arrays, metadata=np.array(json.dumps(meta)))


class Boom:
    """Would run code if it were ever unpickled."""

    def __reduce__(self):
        return (print, ("pwned",))


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("weight_ih.npy", b"\0" * (200 * 2**20))  # 200 MB of zeros: a few hundred KB compressed
        z.writestr("weight_hh.npy", b"\0" * 10)
    return buffer.getvalue()


def small_bomb() -> bytes:
    """Just under the declared-size check: a 3000-unit float32 GRU of zeros, 27 MB inflated from a few KB."""
    return with_meta(layout(2, 1500, np.float32), compressed=True, task="adding", seq_len=20)


def pickled_npz() -> bytes:
    w = GRUWeights.random(1, 2)
    ih, hh, bi, bh = w.to_pytorch_layout()
    return npz_with(weight_ih=ih, weight_hh=hh, bias_ih=bi, bias_hh=bh, metadata=np.array([Boom()], dtype=object))


def bool_bomb() -> bytes:
    """The issue's file: 60 KB, all-zero bool arrays of a GRU with H = 3000, on the adding task at T = 500."""
    return with_meta(layout(2, 3000, bool), compressed=True, task="adding", seq_len=500)


def bad_meta(**meta) -> bytes:
    return good_bytes(**meta)


def encrypted_member() -> bytes:
    data = bytearray(good_bytes())
    # set the "encrypted" flag (bit 0) of every central directory entry (signature PK\1\2, flags at offset 8)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 8] |= 1
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def future_zip_version() -> bytes:
    """A zip whose entries need version 6.4 to extract: Python's zipfile raises NotImplementedError, not BadZipFile."""
    data = bytearray(good_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 6] = 64  # "version needed to extract"
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


HOSTILE = {
    "empty": (b"", "empty"),
    "text": (b"hello, this is not a model", "not a .npz"),
    "truncated": (good_bytes()[:300], "not a .npz|damaged|truncated"),
    "truncated at the end": (good_bytes()[:-40], "not a .npz|damaged|truncated"),
    "pickle file": (pickle.dumps(Boom()), "not a .npz"),
    "npz with a pickled object": (pickled_npz(), "pickled Python objects"),
    "zip bomb": (zip_bomb(), "far too large"),
    "27 MB of zeros inflated from a few KB": (small_bomb(), "hidden size is 1500"),
    "encrypted member": (encrypted_member(), "not an array this app wrote"),
    "zip of a future version": (future_zip_version(), "not a .npz"),
    "oversized": (b"PK" + b"\0" * (MAX_FILE_BYTES + 10), "larger than"),
    "missing arrays": (npz_with(a=np.zeros(3)), "missing arrays"),
    "extra entries": (npz_with(weight_ih=np.zeros((3, 1)), weight_hh=np.zeros((3, 1)), evil=np.zeros(1)),
                      "unexpected entries"),
    "wrong shapes": (npz_with(weight_ih=np.zeros((4, 2)), weight_hh=np.zeros((3, 1))), "weight_ih: expected shape"),
    "mismatched shapes": (npz_with(weight_ih=np.zeros((6, 2)), weight_hh=np.zeros((6, 3))), "weight_ih: expected"),
    "3-d weights": (npz_with(weight_ih=np.zeros((3, 1, 1)), weight_hh=np.zeros((3, 1))), "must be matrices"),
    "NaN weights": (npz_with(weight_ih=np.full((3, 1), np.nan), weight_hh=np.zeros((3, 1))), "NaN"),
    "infinite bias": (npz_with(**{**layout(1, 1, np.float32), "bias_hh": np.full(3, np.inf, np.float32)}), "infinite"),
    "strings": (npz_with(weight_ih=np.array([["a"]] * 3), weight_hh=np.zeros((3, 1))), "only float32 or float64"),
    "bool weights (H = 3000, 60 KB)": (bool_bomb(), "bool values; only float32 or float64"),
    "bool weights (H = 2)": (with_meta(layout(2, 2, bool), task="adding"), "bool values"),
    "int64 weights": (with_meta(layout(2, 2, np.int64), task="adding"), "int64 values"),
    "complex weights": (with_meta(layout(2, 2, np.complex128), task="adding"), "complex128 values"),
    "float16 weights": (with_meta(layout(2, 2, np.float16), task="adding"), "float16 values"),
    "structured weights": (npz_with(weight_ih=np.zeros((3, 1), [("a", "<f8")]), weight_hh=np.zeros((3, 1))),
                           "values; only float32"),
    "hidden size above the Train page's": (with_meta(layout(2, MAX_HIDDEN + 1, np.float32), task="adding"),
                                           f"hidden size is {MAX_HIDDEN + 1}"),
    "huge declared size": (npz_with(weight_ih=np.zeros((3 * 5000, 1), np.float32),
                                    weight_hh=np.zeros((3, 1), np.float32)), "weight_ih: expected|hidden size"),
    "input size of no task": (with_meta(layout(40, 4, np.float32), task="adding"), "input size is 40"),
    "no task": (with_meta(layout(2, 4, np.float32)), "does not say which task"),
    "task not a string": (with_meta(layout(2, 4, np.float32), task=["adding"]), "unknown task"),
    "bad metadata": (npz_with(weight_ih=np.zeros((3, 1)), weight_hh=np.zeros((3, 1)), metadata=np.array("{oops")),
                     "metadata is not valid JSON"),
    "metadata nested 100,000 deep": (npz_with(**layout(1, 1, np.float32), metadata=np.array("[" * 60_000)),
                                     "nested too deeply|not valid JSON"),
    "metadata of 100,000 characters": (npz_with(**layout(1, 1, np.float32),
                                                metadata=np.array(json.dumps({"pad": "x" * 100_000}))),
                                       "at most 65,536 characters"),
    "metadata as numbers": (npz_with(**layout(1, 1, np.float32), metadata=np.zeros(3)), "one JSON string"),
    "metadata not an object": (npz_with(weight_ih=np.zeros((3, 1)), weight_hh=np.zeros((3, 1)),
                                        metadata=np.array("[1, 2]")), "JSON object"),
    "unknown task": (good_bytes(task="<script>"), "unknown task"),
    "task of another size": (good_bytes(task="recall"), "input channels"),
    "other convention": (npz_with(weight_ih=np.zeros((3, 1)), weight_hh=np.zeros((3, 1)),
                                  metadata=np.array(json.dumps({"reset_after": False}))), "reset_after=True"),
    # the metadata a page reads, each field of the wrong type or out of range
    "value not a number": (bad_meta(metric="mse", value="abc", baseline=0.1), "value must be a finite number"),
    "baseline not a number": (bad_meta(metric="mse", value=0.1, baseline="x"), "baseline must be a finite number"),
    "NaN value": (bad_meta(metric="mse", value=float("nan"), baseline=0.1), "value must be a finite number"),
    "accuracy above 1": (bad_meta(task="recall", D=6, metric="accuracy", value=2.0, baseline=0.25),
                         "value must be a finite number from 0 to 1"),
    "metric of another task": (bad_meta(metric="accuracy", value=0.5, baseline=0.25), "metric must be one of mse"),
    "metric label with a link": (bad_meta(metric="[x](https://example.invalid)", value=0.1, baseline=0.2),
                                 "metric must be one of"),
    "value without its metric": (bad_meta(value=0.1), "come together"),
    "steps as an object": (bad_meta(steps={"a": 1}), "steps must be a whole number"),
    "steps negative": (bad_meta(steps=-5), "steps must be a whole number"),
    "stopped as text": (bad_meta(stopped="yes"), "stopped must be one of"),
    "device unknown": (bad_meta(device="<b>tpu</b>"), "device must be one of"),
    "seq_len as text": (bad_meta(seq_len="50"), "seq_len must be a whole number"),
    "seq_len above the Train page's": (bad_meta(seq_len=MAX_SEQ_LEN + 1), f"seq_len must be a whole number from 2 "
                                                                          f"to {MAX_SEQ_LEN}"),
    "seq_len of 10⁹": (bad_meta(seq_len=10**9), "seq_len"),
    "hidden size in metadata disagrees": (bad_meta(cell="lstm"), "cell must be 'gru'"),
    "read-out of the wrong size": (bad_meta(readout_weight=[[1.0, 2.0]], readout_bias=[0.0]), "read-out"),
    "read-out of another task": (bad_meta(readout_weight=[[0.0] * 3] * 4, readout_bias=[0.0] * 4), "4 outputs"),
    "read-out as text": (bad_meta(readout_weight="abc", readout_bias=[0.0]), "read-out"),
    "read-out without its bias": (bad_meta(readout_weight=[[0.0] * 3]), "read-out"),
}

# files the app could have written itself, at the largest sizes it trains: shown, within the same cost
VALID_BIG = {
    "recall, H = 64, T = 200, float64": good_bytes(task="recall", D=6, H=MAX_HIDDEN, seq_len=MAX_SEQ_LEN,
                                                   readout_weight=[[0.1] * MAX_HIDDEN] * 4, readout_bias=[0.0] * 4,
                                                   metric="accuracy", value=0.5, baseline=0.25, steps=1000),
    "adding, H = 64, T = 200, float32": good_bytes(task="adding", H=MAX_HIDDEN, dtype=np.float32,
                                                   seq_len=MAX_SEQ_LEN, metric="mse", value=0.01, baseline=0.17),
    "flip-flop, H = 64, big-endian floats": with_meta({k: v.astype(">f8") + 0.01 for k, v in
                                                       layout(2, MAX_HIDDEN, np.float64).items()}, task="flipflop",
                                                      seq_len=MAX_SEQ_LEN),
    "unknown fields dropped": good_bytes(task="sine", D=1, H=8, pad="x" * 60_000, note="[x](https://example.invalid)"),
}


def test_a_saved_model_loads():
    model = TrainedModel.from_file(good_bytes())
    assert model.task == "adding" and model.weights.hidden_size == 3


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused_with_a_reason(name, capsys):
    payload, message = HOSTILE[name]
    with pytest.raises(ValueError, match=message):
        TrainedModel.from_file(payload)
    assert "pwned" not in capsys.readouterr().out  # nothing was unpickled


@pytest.mark.parametrize("name", list(VALID_BIG))
def test_models_the_app_could_have_trained_load(name):
    model = TrainedModel.from_file(VALID_BIG[name])
    assert model.weights.hidden_size <= MAX_HIDDEN and model.seq_len <= MAX_SEQ_LEN
    assert set(model.metadata) <= {"metric", "value", "baseline", "steps", "seed", "batch_size", "lr", "seconds",
                                   "device", "stopped"}, "fields the app does not check never reach a page"


def test_a_file_cannot_claim_the_pytorch_check():
    """The NumPy-vs-PyTorch difference is measured by the training process; a file's own claim is not shown."""
    model = TrainedModel.from_file(good_bytes(numpy_vs_torch=0.0))
    assert "numpy_vs_torch" not in model.metadata


PROBE = r"""
import json, sys, time, tracemalloc
import streamlit as st
from streamlit.testing.v1 import AppTest
sys.path.insert(0, sys.argv[1])
from gru_viz.trained import TrainedModel

at = AppTest.from_file(sys.argv[1] + "/app.py", default_timeout=300).run()

def load_and_show(payload):
    try:
        model = TrainedModel.from_file(payload)
    except ValueError:
        return "refused"
    at.session_state["trained_model"] = model  # what the Train page's uploader does with it
    at.switch_page("pages/train.py").run()
    at.session_state["got_weights"] = "trained"  # "Open this model in Gates over time"
    at.switch_page("pages/gates-over-time.py").run()
    if at.exception:
        raise SystemExit(f"the pages raised: {[e.value for e in at.exception]}")
    return "shown"

payloads = json.load(sys.stdin)
load_and_show(bytes.fromhex(payloads["warm-up"]))  # imports and first figures are not the file's cost
for name, hex_payload in payloads.items():
    payload = bytes.fromhex(hex_payload)
    st.cache_data.clear(); st.cache_resource.clear()
    t = time.process_time()  # every thread of this process: AppTest runs the page in its own
    outcome = load_and_show(payload)
    cpu = time.process_time() - t
    st.cache_data.clear(); st.cache_resource.clear()
    tracemalloc.start()
    load_and_show(payload)
    peak = tracemalloc.get_traced_memory()[1] / 2**20  # NumPy reports its buffers to tracemalloc too
    tracemalloc.stop()
    print(json.dumps({"name": name, "outcome": outcome, "cpu_s": cpu, "peak_mb": peak}), flush=True)
"""


@pytest.mark.slow
def test_every_hostile_file_costs_under_a_second_and_50_MB():
    files = {"warm-up": good_bytes(task="adding", H=4, seq_len=20), **{k: v[0] for k, v in HOSTILE.items()},
             **VALID_BIG}
    proc = subprocess.run([sys.executable, "-c", PROBE, str(ROOT)], input=json.dumps({k: v.hex() for k, v in
                          files.items()}), capture_output=True, text=True, timeout=600, cwd=ROOT)
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {r["name"] for r in rows} == set(files)
    costly = [r for r in rows if r["cpu_s"] > CPU_LIMIT_S or r["peak_mb"] > MEMORY_LIMIT_MB]
    assert not costly, costly
    assert all(r["outcome"] == "shown" for r in rows if r["name"] in VALID_BIG)
    assert all(r["outcome"] == "refused" for r in rows if r["name"] in HOSTILE)


def test_sizes_match_the_train_page():
    """A file is accepted up to the sizes a student can train on the Train page, and no further."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/train.py").run()
    sliders = {s.key: s for s in at.slider}
    assert sliders["tr_T"].max == MAX_SEQ_LEN and sliders["tr_H"].max == MAX_HIDDEN


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data):
    try:
        TrainedModel.from_file(data)
    except ValueError as exc:
        assert str(exc)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.binary(min_size=1, max_size=8))
def test_corrupted_real_files_never_crash(position, junk):
    data = bytearray(good_bytes())
    position %= len(data)
    data[position:position + len(junk)] = junk
    try:
        TrainedModel.from_file(bytes(data))
    except ValueError as exc:
        assert str(exc)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from(["task", "seq_len", "metric", "value", "baseline", "steps", "seed", "lr",
                                        "device", "stopped", "seconds", "batch_size", "cell", "kind", "version"]),
                       st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3),
                                                                                                inner, max_size=3),
                                    max_leaves=6)))
def test_any_metadata_is_checked_or_refused(meta):
    """Whatever the metadata holds, loading gives a model whose facts a page can print, or a ValueError."""
    try:
        model = TrainedModel.from_file(with_meta(layout(2, 2, np.float32), **{"task": "adding", **meta}))
    except ValueError as exc:
        assert str(exc)
        return
    facts = model.metadata
    if "value" in facts:
        f"{facts['value']:.4g} {facts['baseline']:.3g} {facts['metric']}"  # what the Train page prints
    assert isinstance(facts.get("steps", 0), int) and model.task in ("", "adding", "flipflop")
