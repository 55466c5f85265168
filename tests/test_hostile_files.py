"""Uploaded model files: wrong, truncated, oversized or hostile ones give a clear ValueError, never more."""

import io
import json
import pickle
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_viz import GRUWeights
from gru_viz.core import MAX_FILE_BYTES
from gru_viz.trained import TrainedModel


def good_bytes(task="adding", **meta) -> bytes:
    buffer = io.BytesIO()
    GRUWeights.random(2, 3, seed=0).save(buffer, task=task, seq_len=20, **meta)
    return buffer.getvalue()


def npz_with(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_a_saved_model_loads():
    model = TrainedModel.from_file(good_bytes())
    assert model.task == "adding" and model.weights.hidden_size == 3


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


def pickled_npz() -> bytes:
    w = GRUWeights.random(1, 2)
    ih, hh, bi, bh = w.to_pytorch_layout()
    return npz_with(weight_ih=ih, weight_hh=hh, bias_ih=bi, bias_hh=bh, metadata=np.array([Boom()], dtype=object))


HOSTILE = {
    "empty": (b"", "empty"),
    "text": (b"hello, this is not a model", "not a .npz"),
    "truncated": (good_bytes()[:300], "not a .npz|damaged|truncated"),
    "truncated at the end": (good_bytes()[:-40], "not a .npz|damaged|truncated"),
    "pickle file": (pickle.dumps(Boom()), "not a .npz"),
    "npz with a pickled object": (pickled_npz(), "pickled Python objects"),
    "zip bomb": (zip_bomb(), "far too large"),
    "oversized": (b"PK" + b"\0" * (MAX_FILE_BYTES + 10), "larger than"),
    "missing arrays": (npz_with(a=np.zeros(3)), "missing arrays"),
    "extra entries": (npz_with(weight_ih=np.zeros((3, 1)), weight_hh=np.zeros((3, 1)), evil=np.zeros(1)),
                      "unexpected entries"),
    "wrong shapes": (npz_with(weight_ih=np.zeros((4, 2)), weight_hh=np.zeros((3, 1))), "weight_ih: expected shape"),
    "mismatched shapes": (npz_with(weight_ih=np.zeros((6, 2)), weight_hh=np.zeros((6, 3))), "weight_hh: expected"),
    "NaN weights": (npz_with(weight_ih=np.full((3, 1), np.nan), weight_hh=np.zeros((3, 1))), "NaN"),
    "strings": (npz_with(weight_ih=np.array([["a"]] * 3), weight_hh=np.zeros((3, 1))), "expected numbers"),
    "huge declared size": (npz_with(weight_ih=np.zeros((3 * 5000, 1), np.float32),
                                    weight_hh=np.zeros((3, 1), np.float32)), "weight_hh: expected|sizes above"),
    "bad metadata": (npz_with(weight_ih=np.zeros((3, 1)), weight_hh=np.zeros((3, 1)), metadata=np.array("{oops")),
                     "metadata is not valid JSON"),
    "metadata not an object": (npz_with(weight_ih=np.zeros((3, 1)), weight_hh=np.zeros((3, 1)),
                                        metadata=np.array("[1, 2]")), "JSON object"),
    "unknown task": (good_bytes(task="<script>"), "unknown task"),
    "task of another size": (good_bytes(task="recall"), "input channels"),
    "other convention": (npz_with(weight_ih=np.zeros((3, 1)), weight_hh=np.zeros((3, 1)),
                                  metadata=np.array(json.dumps({"reset_after": False}))), "reset_after=True"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused_with_a_reason(name, capsys):
    payload, message = HOSTILE[name]
    with pytest.raises(ValueError, match=message):
        TrainedModel.from_file(payload)
    assert "pwned" not in capsys.readouterr().out  # nothing was unpickled


def test_bad_read_out_and_seq_len_in_metadata():
    with pytest.raises(ValueError, match="read-out"):
        TrainedModel.from_file(good_bytes(readout_weight=[[1.0, 2.0]], readout_bias=[0.0]))
    with pytest.raises(ValueError, match="seq_len"):
        buffer = io.BytesIO()
        GRUWeights.random(2, 3).save(buffer, task="adding", seq_len=10**9)
        TrainedModel.from_file(buffer.getvalue())


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
