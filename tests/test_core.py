"""The NumPy GRU against torch.nn.GRU / GRUCell (the oracle), and against its own equations."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_viz.core import GRUWeights, explain_step, run_gru, sigmoid
from gru_viz.torch_bridge import weights_from_torch, weights_to_torch

TOL = {np.float32: 1e-5, np.float64: 1e-10}
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


def torch_gru(D, H, seed, dtype):
    torch.manual_seed(seed)
    return torch.nn.GRU(D, H, batch_first=True, dtype=TORCH_DTYPE[dtype])


@settings(max_examples=40, deadline=None)
@given(D=st.integers(1, 6), H=st.integers(1, 12), T=st.integers(1, 30), B=st.integers(1, 20),
       seed=st.integers(0, 2**16), dtype=st.sampled_from([np.float32, np.float64]),
       batched=st.booleans(), with_h0=st.booleans())
def test_matches_torch_gru(D, H, T, B, seed, dtype, batched, with_h0):
    gru = torch_gru(D, H, seed, dtype)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, T, D)).astype(dtype) * 2
    h0 = rng.standard_normal((B, H)).astype(dtype) if with_h0 else None
    with torch.no_grad():
        h0_t = None if h0 is None else torch.from_numpy(h0)[None]
        out, h_n = gru(torch.from_numpy(x), h0_t)
    weights = weights_from_torch(gru)
    if batched:
        trace = run_gru(weights, x, h0)
        expected = out.numpy()
    else:
        trace = run_gru(weights, x[0], None if h0 is None else h0[0])
        expected = out.numpy()[0]
    assert trace.h.dtype == dtype and trace.r.dtype == dtype
    assert trace.h.shape == trace.r.shape == trace.u.shape == trace.candidate.shape == expected.shape
    np.testing.assert_allclose(trace.h, expected, atol=TOL[dtype], rtol=0)
    np.testing.assert_allclose(trace.h[..., -1, :], h_n.numpy()[0] if batched else h_n.numpy()[0, 0],
                               atol=TOL[dtype], rtol=0)


@settings(max_examples=25, deadline=None)
@given(D=st.integers(1, 5), H=st.integers(1, 10), seed=st.integers(0, 2**16),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_matches_torch_grucell_step_by_step(D, H, seed, dtype):
    torch.manual_seed(seed)
    cell = torch.nn.GRUCell(D, H, dtype=TORCH_DTYPE[dtype])
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((9, D)).astype(dtype)
    h = torch.zeros(1, H, dtype=TORCH_DTYPE[dtype])
    expected = []
    with torch.no_grad():
        for x_t in x:
            h = cell(torch.from_numpy(x_t)[None], h)
            expected.append(h[0].numpy())
    trace = run_gru(weights_from_torch(cell), x)
    np.testing.assert_allclose(trace.h, np.array(expected), atol=TOL[dtype], rtol=0)


def reference_reset_before(weights, x, h0):
    """Cho et al. (2014) as published, one step at a time, written independently of the core."""
    w = weights
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731  (fine here: test inputs are small)
    h, out = h0.copy(), []
    for x_t in x:
        r = sig(x_t @ w.U_r + w.b_r + h @ w.W_r + w.c_r)
        u = sig(x_t @ w.U_u + w.b_u + h @ w.W_u + w.c_u)
        cand = np.tanh(x_t @ w.U_g + w.b_g + (r * h) @ w.W_g + w.c_g)
        h = u * h + (1 - u) * cand
        out.append((r, u, cand, h))
    return [np.array(z) for z in zip(*out)]


@settings(max_examples=25, deadline=None)
@given(D=st.integers(1, 5), H=st.integers(1, 8), seed=st.integers(0, 2**16))
def test_reset_before_matches_step_by_step_reference(D, H, seed):
    weights = GRUWeights.random(D, H, seed)
    rng = np.random.default_rng(seed)
    x, h0 = rng.standard_normal((12, D)), rng.standard_normal(H)
    trace = run_gru(weights, x, h0, reset_after=False)
    r, u, cand, h = reference_reset_before(weights, x, h0)
    for ours, ref in ((trace.r, r), (trace.u, u), (trace.candidate, cand), (trace.h, h)):
        np.testing.assert_allclose(ours, ref, atol=1e-12, rtol=0)


def test_conventions_differ_when_recurrent_weights_matter():
    weights = GRUWeights.random(2, 4, seed=3)
    x = np.random.default_rng(0).standard_normal((5, 2))
    after = run_gru(weights, x, np.ones(4), reset_after=True)
    before = run_gru(weights, x, np.ones(4), reset_after=False)
    assert np.abs(after.h - before.h).max() > 1e-3


def test_gates_lie_in_unit_interval_even_for_huge_inputs():
    weights = GRUWeights.random(3, 6, seed=1)
    x = np.random.default_rng(1).choice([-1e4, 1e4, 0.0], size=(50, 3))
    with np.errstate(all="raise"):
        for dtype in (np.float32, np.float64):
            trace = run_gru(weights, x.astype(dtype))
            for gate in (trace.r, trace.u):
                assert np.all((gate >= 0) & (gate <= 1))
            assert np.all(np.isfinite(trace.h)) and np.all(np.abs(trace.h) <= 1)


def test_sigmoid_is_stable_and_exact():
    z = np.array([-1e4, -50.0, -1.0, 0.0, 1.0, 50.0, 1e4])
    with np.errstate(all="raise"):
        s = sigmoid(z)
    np.testing.assert_allclose(s[1:-1], 1 / (1 + np.exp(-z[1:-1])), atol=1e-15)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5


def with_gate_bias(weights, gate, value):
    """Weights whose `gate` is pinned near 0 or 1 by a huge bias and no other input."""
    H = weights.hidden_size
    return weights.replace(**{f"U_{gate}": np.zeros_like(weights.U_r), f"W_{gate}": np.zeros((H, H)),
                              f"b_{gate}": np.full(H, value), f"c_{gate}": np.zeros(H)})


def test_update_gate_one_keeps_previous_state_exactly():
    weights = with_gate_bias(GRUWeights.random(2, 5, seed=0), "u", 1e4)
    h0 = np.random.default_rng(0).uniform(-1, 1, 5)
    trace = run_gru(weights, np.random.default_rng(1).standard_normal((20, 2)), h0)
    assert np.all(trace.u == 1.0)
    assert np.array_equal(trace.h, np.tile(h0, (20, 1)))


def test_update_gate_zero_gives_the_candidate():
    weights = with_gate_bias(GRUWeights.random(2, 5, seed=0), "u", -1e4)
    trace = run_gru(weights, np.random.default_rng(1).standard_normal((20, 2)), np.ones(5))
    assert np.all(trace.u == 0.0)
    np.testing.assert_allclose(trace.h, trace.candidate, atol=1e-15, rtol=0)


@pytest.mark.parametrize("reset_after", [True, False])
def test_reset_gate_zero_makes_candidate_ignore_the_past(reset_after):
    weights = with_gate_bias(GRUWeights.random(3, 4, seed=2), "r", -1e4)
    weights = weights.replace(c_g=np.zeros(4))  # with reset_after=False, c_g is outside the reset
    x = np.random.default_rng(2).standard_normal((1, 3))
    a = run_gru(weights, x, np.full(4, 0.9), reset_after=reset_after)
    b = run_gru(weights, x, np.full(4, -0.7), reset_after=reset_after)
    np.testing.assert_allclose(a.candidate, b.candidate, atol=1e-15)
    np.testing.assert_allclose(a.candidate[0], np.tanh(x[0] @ weights.U_g + weights.b_g), atol=1e-15)


def test_gate_overrides_pin_the_gates():
    weights = GRUWeights.random(2, 3, seed=5)
    x = np.random.default_rng(5).standard_normal((6, 2))
    h0 = np.array([0.5, -0.5, 0.25])
    kept = run_gru(weights, x, h0, u_override=1.0)
    assert np.array_equal(kept.h[-1], h0)
    taken = run_gru(weights, x, h0, u_override=0.0)
    np.testing.assert_allclose(taken.h, taken.candidate, atol=1e-15, rtol=0)
    forgot = run_gru(weights, x[:1], h0, r_override=np.zeros(3))
    np.testing.assert_allclose(forgot.candidate[0], np.tanh(x[0] @ weights.U_g + weights.b_g), atol=1e-15)
    with pytest.raises(ValueError, match="r_override.*\\[0, 1\\]"):
        run_gru(weights, x, r_override=1.5)


def test_explain_step_parts_add_up():
    weights = GRUWeights.random(3, 4, seed=8)
    x_t, h_prev = np.array([0.3, -1.0, 2.0]), np.array([0.1, -0.2, 0.3, 0.9])
    for reset_after in (True, False):
        s = explain_step(weights, x_t, h_prev, reset_after=reset_after)
        trace = run_gru(weights, x_t[None], h_prev, reset_after=reset_after)
        np.testing.assert_allclose(sigmoid(s.pre_r), s.r, atol=1e-14)
        np.testing.assert_allclose(sigmoid(s.pre_u), s.u, atol=1e-14)
        np.testing.assert_allclose(np.tanh(s.pre_g), s.candidate, atol=1e-14)
        np.testing.assert_allclose(s.h, trace.h[0], atol=0)
        np.testing.assert_allclose(s.h, s.u * h_prev + (1 - s.u) * s.candidate, atol=1e-14)


def test_h_prev_lines_up_with_h():
    weights = GRUWeights.random(1, 2, seed=0)
    trace = run_gru(weights, np.ones((4, 1)), np.array([0.5, 0.5]))
    assert np.array_equal(trace.h_prev[0], [0.5, 0.5]) and np.array_equal(trace.h_prev[1:], trace.h[:-1])


def test_pytorch_layout_round_trip_and_torch_module():
    weights = GRUWeights.random(3, 5, seed=4)
    again = GRUWeights.from_pytorch_layout(*weights.to_pytorch_layout())
    for name, value in weights.as_dict().items():
        assert np.array_equal(value, getattr(again, name)), name
    gru = weights_to_torch(weights)
    x = np.random.default_rng(0).standard_normal((2, 6, 3))
    with torch.no_grad():
        out, _ = gru(torch.from_numpy(x))
    np.testing.assert_allclose(run_gru(weights, x).h, out.numpy(), atol=1e-12)


def test_missing_biases_are_zero():
    weights = GRUWeights.from_pytorch_layout(np.ones((6, 1)), np.zeros((6, 2)))
    assert np.all(weights.b_r == 0) and np.all(weights.c_g == 0)


def test_random_weights_follow_pytorch_init_range_and_seed():
    a, b, c = GRUWeights.random(4, 16, seed=1), GRUWeights.random(4, 16, seed=1), GRUWeights.random(4, 16, seed=2)
    assert np.array_equal(a.W_u, b.W_u) and not np.array_equal(a.W_u, c.W_u)
    everything = np.concatenate([v.ravel() for v in a.as_dict().values()])
    assert np.abs(everything).max() <= 0.25 and everything.std() > 0.1  # U(−1/4, 1/4) for H = 16


def test_weights_are_read_only():
    weights = GRUWeights.random(1, 2)
    with pytest.raises(ValueError):
        weights.W_r[0, 0] = 1.0


def test_torch_bridge_rejects_what_it_cannot_show():
    with pytest.raises(ValueError, match="num_layers=2"):
        weights_from_torch(torch.nn.GRU(2, 3, num_layers=2))
    with pytest.raises(ValueError, match="bidirectional"):
        weights_from_torch(torch.nn.GRU(2, 3, bidirectional=True))
    with pytest.raises(ValueError, match="LSTM"):
        weights_from_torch(torch.nn.LSTM(2, 3))
    no_bias = weights_from_torch(torch.nn.GRU(2, 3, bias=False))
    assert np.all(no_bias.b_u == 0)


@pytest.mark.parametrize("field, value, message", [
    ("W_r", np.zeros((3, 2)), r"W_r: expected shape \(2, 2\).*got \(3, 2\)"),
    ("b_u", np.zeros(5), r"b_u: expected shape \(2,\).*got \(5,\)"),
    ("U_g", np.full((3, 2), np.nan), "U_g: contains NaN"),
    ("c_r", np.array([np.inf, 0]), "c_r: contains NaN or infinite"),
    ("W_g", [["a", "b"], ["c", "d"]], "W_g: expected numbers"),
])
def test_bad_weights_name_the_field(field, value, message):
    good = GRUWeights.random(3, 2).as_dict()
    with pytest.raises(ValueError, match=message):
        GRUWeights(**{**good, field: value})


@pytest.mark.parametrize("x, h0, message", [
    (np.zeros((5, 4)), None, r"x: expected shape \(T, 3\)"),
    (np.zeros(3), None, r"x: expected shape"),
    (np.zeros((0, 3)), None, "T ≥ 1"),
    (np.array([[1.0, np.nan, 0.0]]), None, "x: contains NaN"),
    (np.array([[1.0, np.inf, 0.0]]), None, "x: contains NaN or infinite"),
    (np.zeros((5, 3)), np.zeros(4), r"h0: expected shape \(2,\)"),
    (np.zeros((2, 5, 3)), np.zeros(2), r"h0: expected shape \(2, 2\)"),
    (np.zeros((5, 3)), np.array([np.nan, 0]), "h0: contains NaN"),
    ([["x", "y", "z"]], None, "x: expected numbers"),
])
def test_bad_input_names_the_problem(x, h0, message):
    with pytest.raises(ValueError, match=message):
        run_gru(GRUWeights.random(3, 2), x, h0)


def test_weights_stay_read_only_through_pickling():
    import pickle

    weights = pickle.loads(pickle.dumps(GRUWeights.random(2, 3, seed=0)))
    with pytest.raises(ValueError):
        weights.U_g[0, 0] = 1.0
