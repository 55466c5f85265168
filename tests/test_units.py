"""Unit analysis: correlations against np.corrcoef, chance levels, hypotheses by selection, the char model."""

import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_viz import units
from gru_viz.charmodel import SHIPPED, CharModel, predict
from gru_viz.core import GRUWeights, run_gru
from gru_viz.text import FEATURES, V, VOCAB, code_features, encode, held_out_corpus

SNIPPET = 'def f(a, b=(1, [2])):\n    """doc (x)"""\n    return {"k": a}  # done (\n' * 30


def test_correlations_match_np_corrcoef():
    rng = np.random.default_rng(0)
    features = code_features(SNIPPET)
    h = np.tanh(rng.standard_normal((len(SNIPPET), 6)) + features["bracket depth"][:, None] * rng.standard_normal(6))
    r = units.correlations(h, features)
    for name, values in features.items():
        expected = [np.corrcoef(h[:, j], values)[0, 1] for j in range(6)]
        np.testing.assert_allclose(r[name], expected, atol=1e-12)


def test_constant_units_and_features_correlate_zero_not_nan():
    h = np.column_stack([np.ones(50), np.linspace(-1, 1, 50)])
    r = units.correlations(h, {"flat": np.zeros(50), "ramp": np.arange(50.0)})
    assert r["flat"].tolist() == [0.0, 0.0] and r["ramp"][0] == 0.0 and r["ramp"][1] == pytest.approx(1.0)


def test_correlations_reject_bad_shapes():
    with pytest.raises(ValueError, match="expected shape"):
        units.correlations(np.zeros((10, 3)), {"x": np.zeros(9)})
    with pytest.raises(ValueError, match="T ≥ 2"):
        units.correlations(np.zeros((1, 3)), {"x": np.zeros(1)})


def test_ranking_orders_by_strength_and_keeps_ties_stable():
    assert units.ranking(np.array([0.1, -0.9, 0.5, 0.9])).tolist() == [1, 3, 2, 0]


def test_shifted_chance_is_low_for_a_planted_unit_and_tracks_the_best_unit():
    rng = np.random.default_rng(1)
    depth = code_features(SNIPPET)["bracket depth"]
    h = np.column_stack([depth + 0.1 * rng.standard_normal(len(depth)), rng.standard_normal((len(depth), 3))])
    best = units.best_abs(h, {"bracket depth": depth})["bracket depth"]
    shifted = units.shifted_best(h, {"bracket depth": depth}, n=10)["bracket depth"]
    assert best > 0.95 and shifted.shape == (10,) and np.all(shifted < best)


def test_select_units_finds_a_planted_span_unit_and_its_other_places():
    T = 300
    h = np.full((T, 4), -0.5)
    h[:, 1] = h[:, 3] = 0.0
    for a, b in ((40, 50), (100, 120), (200, 203)):
        h[a:b, 2] = 0.9  # unit 2: on in three places
        h[a:b, 3] = -0.8  # unit 3: the mirror image (on when h < −threshold)
    h[150:160, 0] = 0.9  # unit 0 on elsewhere only
    hyp = units.select_units(h, 100, 120, threshold=0.3, margin=5)
    assert hyp.found and set(zip(hyp.units, hyp.signs)) == {(2, 1), (3, -1)}
    assert hyp.matches == ((40, 50), (100, 120), (200, 203))
    assert units.select_units(h, 95, 120, 0.3, margin=5).units == ()  # starts before the unit turns on
    assert units.select_units(h, 100, 120, 0.95).units == ()  # nothing that strong


def test_select_units_rejects_bad_selections():
    with pytest.raises(ValueError, match="within the text"):
        units.select_units(np.zeros((10, 2)), 5, 5, 0.3)
    with pytest.raises(ValueError, match="threshold"):
        units.select_units(np.zeros((10, 2)), 0, 5, 1.0)


def test_hypothesis_in_passage_and_span_clamping():
    h = np.zeros((100, 1))
    h[10:20, 0] = h[60:70, 0] = 1.0
    hyp, in_view = units.hypothesis_in_passage(h, (50, 100), (10, 20), 0.3, margin=3)
    assert hyp.units == (0,) and hyp.matches == ((10, 20), (60, 70)) and in_view == [(10, 20)]
    assert units.clamp_span((30, 5), 20) == (5, 20) and units.clamp_span((25, 25), 20) == (19, 20)
    assert units.runs(np.array([1, 1, 0, 1], bool)) == [(0, 2), (3, 4)] and units.runs(np.zeros(3, bool)) == []


# --- the character model -----------------------------------------------------------------------------------
def tiny_model(seed=0) -> CharModel:
    return CharModel.untrained(embed_size=4, hidden_size=6, seed=seed)


def test_char_model_runs_the_core_on_embedding_rows():
    model = tiny_model()
    text = "x = (1)\n"
    trace = model.trace(text)
    expected = run_gru(model.weights, model.embedding[encode(text)])
    np.testing.assert_array_equal(trace.h, expected.h)
    p = model.probabilities(trace.h)
    assert p.shape == (len(text), V) and np.allclose(p.sum(-1), 1)
    bits = model.bits_per_character(encode(text), trace.h)
    direct = -np.mean([np.log2(p[t, encode(text[t + 1])[0]]) for t in range(len(text) - 1)])
    assert bits == pytest.approx(direct, rel=1e-6)


def test_prediction_reports_guess_probability_and_rank():
    model = tiny_model(3)
    h = model.trace("ab").h[-1]
    probs = model.probabilities(h)
    guess = predict(model, h, "c", k=3)
    order = np.argsort(-probs)
    assert [c for c, _ in guess.top] == [VOCAB[i] for i in order[:3]]
    assert guess.p_actual == pytest.approx(probs[VOCAB.index("c")])
    assert guess.rank == int(np.where(order == VOCAB.index("c"))[0][0]) + 1
    assert predict(model, h, None).actual is None and predict(model, h, "é").p_actual == pytest.approx(probs[0])


def test_char_model_file_round_trip_without_pickles():
    model = CharModel(*(lambda m: (m.embedding, m.weights, m.readout_weight, m.readout_bias))(tiny_model()),
                      metadata={"value": 1.5})
    data = model.to_bytes()
    again = CharModel.from_file(data)
    assert again.digest == model.digest and again.metadata["value"] == 1.5 and again.metadata["vocab"] == VOCAB
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        assert npz["embedding"].dtype == np.float32


def _rewrite(data: bytes, **changes) -> bytes:
    """The archive with some members replaced (or removed, for None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            name = info.filename[:-4]
            if name in changes:
                if changes[name] is not None:
                    buffer = io.BytesIO()
                    np.save(buffer, changes[name], allow_pickle=True)
                    dst.writestr(info.filename, buffer.getvalue())
            else:
                dst.writestr(info, src.read(info))
    return out.getvalue()


@pytest.mark.parametrize("changes, message", [
    ({"embedding": None}, "not a character model"),
    ({"metadata": np.array(json.dumps({"format": "gru_viz"}))}, "format"),
    ({"metadata": np.array(json.dumps({"format": "gru_viz-char", "vocab": "abc"}))}, "another character set"),
    ({"embedding": np.array([{"evil": 1}], dtype=object)}, "pickled"),
    ({"readout_bias": np.full(V, np.nan, np.float32)}, "NaN"),
    ({"embedding": np.zeros((V, 5), np.float32)}, "expected shape"),
])
def test_damaged_or_hostile_files_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        CharModel.from_file(_rewrite(tiny_model().to_bytes(), **changes))


def test_not_an_archive_is_refused():
    for data in (b"", b"garbage", GRUWeights.random(2, 3).as_dict()["U_r"].tobytes()):
        with pytest.raises(ValueError):
            CharModel.from_file(data)


def test_the_shipped_model_loads_and_matches_its_record():
    model = CharModel.from_file(SHIPPED)
    meta = model.metadata
    assert SHIPPED.stat().st_size < 400_000 and model.hidden_size == meta["config"]["hidden_size"] == 128
    assert meta["numpy_vs_torch_max_abs_h"] < 1e-4 and meta["value"] < meta["baseline"] - 1.5
    held = held_out_corpus()
    analysis = units.analyse(model, held.text)
    if held.digest == meta["chance_untrained"]["held_out"]:  # the held-out text it was measured on
        assert analysis.bits_per_char == pytest.approx(meta["value"], abs=1e-3)  # NumPy core vs torch's record
    depth = analysis.r_trained["bracket depth"]
    assert abs(depth).max() > 0.6 > analysis.r_untrained["bracket depth"].max()
    assert set(analysis.r_trained) == set(FEATURES)


def test_match_profile_and_example_span():
    features = code_features("x = (abc) + 'de'\n" * 20)
    T = len(features["bracket depth"])
    profile = units.match_profile([(4, 8)], features)  # "(abc": inside brackets, outside strings
    assert profile["brackets"] == (1.0, pytest.approx(np.mean(features["bracket depth"] > 0)))
    assert profile["a string"][0] == 0.0 and units.match_profile([], features)["a comment"][0] == 0.0
    h = np.zeros((T, 2))
    h[:, 0] = np.where(features["bracket depth"] > 0, 0.9, -0.9)
    assert units.example_span(h, features, T) == (4, 8)  # the first bracketed stretch, and its unit is found
    assert units.example_span(np.zeros((T, 2)), features, T) == (4, 8)  # no unit found: still the first stretch
    assert units.example_span(h, {"bracket depth": np.zeros(T)}, T) == (0, 1)


@pytest.mark.parametrize("value, expected", [
    ({"cursor": 5}, ("cursor", 5)), ({"cursor": 10**30}, ("cursor", 99)), ({"cursor": -3}, ("cursor", 0)),
    ({"span": [9, 2]}, ("span", (2, 9))), ({"span": [7, 7]}, ("span", (7, 8))),
    ({"span": [0, 10**9]}, ("span", (0, 100))),
    ({"cursor": True}, None), ({"cursor": 1.5}, None), ({"span": [1]}, None), ({"span": ["1", "2"]}, None),
    ([1, 2], None), ("cursor", None), (None, None), ({}, None),
])
def test_a_pick_from_the_browser_is_checked(value, expected):
    assert units.parse_pick(value, 100) == expected


def _with_extract_version(data: bytes, version: int) -> bytes:
    """The archive with its first central-directory entry claiming a zip version Python cannot read."""
    at = data.index(b"PK\x01\x02") + 6
    return data[:at] + version.to_bytes(2, "little") + data[at + 2:]


def test_a_corrupt_zip_version_is_a_clear_error_for_both_loaders():
    # found by tests/test_hostile_files.py's random corruption: zipfile raised NotImplementedError, not ValueError
    from gru_viz.trained import TrainedModel

    buffer = io.BytesIO()
    GRUWeights.random(2, 3).save(buffer, task="adding", seq_len=20)
    for load, data in ((CharModel.from_file, tiny_model().to_bytes()), (TrainedModel.from_file, buffer.getvalue())):
        with pytest.raises(ValueError, match="not a .npz"):
            load(_with_extract_version(data, 64))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.binary(min_size=1, max_size=8))
def test_corrupted_char_model_files_never_crash(position, junk):
    data = bytearray(tiny_model().to_bytes())
    position %= len(data)
    data[position:position + len(junk)] = junk
    try:
        CharModel.from_file(bytes(data))
    except ValueError as exc:
        assert str(exc)
