"""Comparison and memory: parameter counts, input influence, retention, summaries, verdicts and the run store."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from gru_viz import comparison
from gru_viz.analysis import retention
from gru_viz.compare_figures import influence_figure, loss_curves, retention_figure
from gru_viz.comparison import Curve, Outcome, Row, RunStore
from gru_viz.core import run_gru
from gru_viz.explain import parameter_count
from gru_viz.training import Snapshot, TrainConfig, build_model, train


def tiny_params(cell: str, D: int = 2, H: int = 3, O: int = 1, seed: int = 0) -> Snapshot:
    """The parameters of a freshly built model, with biases made non-zero so that every term is tested."""
    torch.manual_seed(seed)
    model = build_model(cell, D, H, O)
    rnn, out = model["rnn"], model["readout"]

    def grab(p):
        return p.detach().numpy().copy()

    return Snapshot(step=0, weight_ih=grab(rnn.weight_ih_l0) * 3, weight_hh=grab(rnn.weight_hh_l0) * 3,
                    bias_ih=grab(rnn.bias_ih_l0), bias_hh=grab(rnn.bias_hh_l0),
                    readout_weight=grab(out.weight), readout_bias=grab(out.bias))


def numpy_output(cell: str, p: Snapshot, x: np.ndarray) -> np.ndarray:
    """The read-out after the last step, computed without torch: the NumPy core for a GRU, by hand for an RNN."""
    if cell == "gru":
        h = run_gru(p.gru_weights(), x).h[-1]  # (H,)
    else:
        w_ih, w_hh, b = (np.asarray(a, np.float64) for a in (p.weight_ih, p.weight_hh, p.bias_ih + p.bias_hh))
        h = np.zeros(w_hh.shape[0])
        for x_t in x:
            h = np.tanh(w_ih @ x_t + w_hh @ h + b)
    return p.readout_weight.astype(np.float64) @ h + p.readout_bias  # (O,)


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
@pytest.mark.parametrize("D, H, O", [(1, 1, 1), (2, 16, 1), (6, 64, 4), (3, 7, 0)])
def test_parameter_counts_match_pytorch(cell, D, H, O):
    model = build_model(cell, D, H, max(O, 1))
    layer = model["rnn"] if O == 0 else model  # O = 0: the recurrent layer alone
    assert parameter_count(cell, D, H, O) == sum(p.numel() for p in layer.parameters())


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_input_influence_matches_central_finite_differences(cell):
    p = tiny_params(cell)
    x = np.random.default_rng(3).normal(size=(5, 2))  # T = 5, D = 2
    eps = 1e-6
    grad = np.zeros_like(x)
    for t in range(5):
        for d in range(2):
            up, down = x.copy(), x.copy()
            up[t, d] += eps
            down[t, d] -= eps
            grad[t, d] = (numpy_output(cell, p, up)[0] - numpy_output(cell, p, down)[0]) / (2 * eps)
    expected = np.abs(grad).sum(axis=1)  # (T,)
    got = comparison.input_influence(cell, p, x)
    assert got.shape == (5,)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
    assert expected.min() > 1e-4  # every step matters a little here: the check is not comparing zeros


def test_input_influence_picks_the_predicted_output_or_the_one_asked_for():
    p = tiny_params("gru", D=2, H=3, O=3, seed=1)
    x = np.random.default_rng(0).normal(size=(4, 2))
    chosen = int(np.argmax(numpy_output("gru", p, x)))
    eps = 1e-6
    for output in (None, (chosen + 1) % 3):
        k = chosen if output is None else output
        grad = np.zeros_like(x)
        for t in range(4):
            for d in range(2):
                up, down = x.copy(), x.copy()
                up[t, d] += eps
                down[t, d] -= eps
                grad[t, d] = (numpy_output("gru", p, up)[k] - numpy_output("gru", p, down)[k]) / (2 * eps)
        np.testing.assert_allclose(comparison.input_influence("gru", p, x, output), np.abs(grad).sum(axis=1),
                                   rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("bad", [np.zeros((5, 3)), np.zeros(5), np.zeros((0, 2)), np.full((3, 2), np.nan)])
def test_input_influence_refuses_bad_inputs(bad):
    with pytest.raises(ValueError, match="x: expected"):
        comparison.input_influence("gru", tiny_params("gru"), bad)


def test_retention_is_the_running_product_of_u():
    u = np.array([[0.9, 0.5], [0.8, 1.0], [0.5, 0.2], [1.0, 0.5]])
    # by hand, from step 1 on: rows 0 stay 1; 0.8, 1.0; 0.8·0.5, 1.0·0.2; 0.4·1.0, 0.2·0.5
    np.testing.assert_allclose(retention(u, start=1), [[1, 1], [0.8, 1.0], [0.4, 0.2], [0.4, 0.1]])
    np.testing.assert_allclose(retention(u)[-1], [0.9 * 0.8 * 0.5 * 1.0, 0.5 * 1.0 * 0.2 * 0.5])


def test_gru_retention_multiplies_the_update_gates_of_the_core():
    p = tiny_params("gru", H=3)
    x = np.random.default_rng(1).normal(size=(6, 2))
    u = run_gru(p.gru_weights(), x).u  # (6, 3)
    kept = comparison.gru_retention(p, x, start=2)
    for t in range(6):
        expected = np.ones(3)
        for s in range(2, t + 1):
            expected = expected * u[s]
        np.testing.assert_allclose(kept[t], expected, rtol=1e-12)


def test_compare_configs_differ_only_by_cell():
    configs = comparison.compare_configs("recall", 12, 5, 30, 0.003, 7)
    assert list(configs) == ["gru", "lstm", "rnn"]
    dicts = [{k: v for k, v in c.as_dict().items() if k != "cell"} for c in configs.values()]
    assert dicts[0] == dicts[1] == dicts[2]
    assert [c.cell for c in configs.values()] == ["gru", "lstm", "rnn"]
    assert dicts[0]["seed"] == 7 and dicts[0]["seq_len"] == 12 and dicts[0]["hidden_size"] == 5
    assert len({comparison.settings_key(c) for c in configs.values()}) == 1
    other = comparison.compare_configs("recall", 12, 5, 30, 0.003, 8)
    assert comparison.settings_key(other["gru"]) != comparison.settings_key(configs["gru"])


@pytest.mark.parametrize("args", [("nope", 10, 4, 20, 0.01, 0), ("adding", 1, 4, 20, 0.01, 0),
                                  ("adding", 10, 0, 20, 0.01, 0), ("adding", 10, 4, 20, float("nan"), 0)])
def test_compare_configs_refuse_bad_settings(args):
    with pytest.raises(ValueError):
        comparison.compare_configs(*args)
    with pytest.raises(ValueError, match="cell"):
        comparison.compare_configs("adding", 10, 4, 20, 0.01, 0, cells=("gru", "transformer"))


def row(cell, ms, seconds_to_half, value, steps_to_half=100, metric="mse", baseline=1 / 6):
    return Row(cell=cell, parameters=parameter_count(cell, 2, 16, 1), steps=300, seconds=ms * 0.3,
               ms_per_step=ms, metric=metric, value=value, baseline=baseline,
               steps_to_half=steps_to_half if seconds_to_half is not None else None, seconds_to_half=seconds_to_half)


def test_verdict_names_the_fastest_cell_and_what_the_run_shows():
    rows = [row("gru", 6.1, 1.3, 0.0017), row("lstm", 2.2, None, 0.152), row("rnn", 2.4, None, 0.151)]
    text = comparison.verdict(rows)
    assert "Per training step the LSTM was quickest (2.20 ms" in text
    assert "the GRU was first to halve the no-memory error" in text and "LSTM and plain RNN never did" in text
    assert "best final validation MSE was the GRU's" in text and "holds in this run" in text
    assert "weak evidence" in text and "977" in text and "1,297" in text  # GRU and LSTM parameters, D=2 H=16 O=1


def test_verdict_says_so_when_the_lstm_wins_or_nothing_learns():
    rows = [row("gru", 3.0, 2.0, 0.01), row("lstm", 4.0, 1.5, 0.005), row("rnn", 1.0, None, 0.16)]
    text = comparison.verdict(rows)
    assert "plain RNN was quickest" in text and "does not hold in this run" in text
    assert "the LSTM was first" in text and "best final validation MSE was the LSTM's" in text
    rows = [row("gru", 3.0, None, 0.16), row("lstm", 4.0, None, 0.165), row("rnn", 1.0, None, 0.17)]
    text = comparison.verdict(rows)
    assert "None of the three halved the no-memory error within 300 steps" in text
    assert "cannot be judged" in text


def test_verdict_reads_accuracy_the_right_way_up():
    rows = [row(c, 2.0, None, acc, metric="accuracy", baseline=0.25) for c, acc in
            (("gru", 0.3), ("lstm", 0.9), ("rnn", 0.5))]
    assert "best final validation accuracy was the LSTM's" in comparison.verdict(rows)


def quick_outcomes(cells=("gru", "lstm", "rnn"), **overrides) -> dict[str, Outcome]:
    """Really trained, tiny, in this process (no jobs)."""
    settings = dict(task="adding", seq_len=10, hidden_size=4, steps=20, lr=0.01, seed=0) | overrides
    configs = comparison.compare_configs(**settings, cells=cells)
    out = {}
    for cell, config in configs.items():
        events = list(train(replace(config, device="cpu", eval_every=10, val_size=64)))
        out[cell] = Outcome(events[-1].result, Curve.from_run(events[-1].result, events), 0.0)
    return out


def test_summary_and_table_from_real_runs():
    outcomes = quick_outcomes()
    rows = comparison.summary(outcomes)
    assert [r.cell for r in rows] == ["gru", "lstm", "rnn"]
    for r, (cell, o) in zip(rows, outcomes.items()):
        assert r.parameters == parameter_count(cell, 2, 4, 1) and r.steps == 20
        assert r.ms_per_step == pytest.approx(1000 * o.result.seconds / 20)
        assert list(o.curve.val_step) == [0, 10, 20] and np.all(np.isfinite(o.curve.val_seconds))
        assert list(o.curve.step) == [10, 20] and np.all(np.diff(o.curve.seconds) > 0)
        assert o.untrained.step == 0 and o.result.params.step == 20
    records = comparison.table(rows)
    assert records[1]["cell"] == "LSTM" and records[1]["parameters"] == str(parameter_count("lstm", 2, 4, 1))
    assert all(isinstance(v, str) for r in records for v in r.values())


def test_influences_and_memory_summary_on_real_networks():
    outcomes = quick_outcomes(cells=comparison.MEMORY_CELLS)
    x, key = comparison.memory_example("adding", 10)
    assert len(key) == 2
    found = comparison.influences(outcomes, x)
    assert set(found) == {("gru", True), ("gru", False), ("rnn", True), ("rnn", False)}
    assert all(v.shape == (10,) and np.all(v >= 0) for v in found.values())
    text = comparison.memory_summary(found, key)
    assert f"at step {key[0]}" in text and f"lies {9 - key[0]} steps before" in text


def test_memory_summary_states_the_contrast_or_its_absence():
    T = 50
    strong = {("gru", True): np.ones(T), ("rnn", True): np.logspace(-14, 0, T),
              ("gru", False): np.ones(T), ("rnn", False): np.ones(T)}
    text = comparison.memory_summary(strong, [0])
    assert "about 10¹⁴ times less" in text and "survived the gap in the GRU" in text
    weak = {**strong, ("rnn", True): np.full(T, 0.5)}
    assert "contrast is small" in comparison.memory_summary(weak, [0])


class FakeJob:
    """A job that trains at once, in this process: enough for the store's bookkeeping."""

    def __init__(self, config: TrainConfig, fail: bool = False):
        self.config, self.position, self.startup_s, self.error, self.message = config, 0, 0.1, "", ""
        if fail:
            self.status, self.error, self.events, self.result, self.latest = "error", "boom", [], None, None
            return
        self.events = list(train(replace(config, device="cpu", val_size=32)))
        self.latest, self.result, self.status = self.events[-1], self.events[-1].result, "done"

    finished = property(lambda self: self.status in ("done", "stopped", "error"))

    def poll(self):
        return []

    def stop(self):
        self.status = "stopped"


def test_run_store_reuses_runs_by_settings_and_retries_failures():
    store, submitted = RunStore(max_entries=2), []

    def submit(config):
        submitted.append(config.cell)
        return FakeJob(config)

    configs = comparison.compare_configs("flipflop", 6, 3, 10, 0.01, 0)
    run, reused = store.get_or_start(configs, submit)
    run.poll()
    assert not reused and run.status == "done" and submitted == ["gru", "lstm", "rnn"] and run.jobs == {}
    again, reused = store.get_or_start(configs, submit)
    assert reused and again is run and len(submitted) == 3
    memory = {c: configs[c] for c in comparison.MEMORY_CELLS}  # GRU and RNN only: a subset of the comparison
    assert store.get_or_start(memory, submit) == (run, True)
    fresh = store.start(configs, submit)
    fresh.poll()
    assert fresh is not run and len(submitted) == 6 and fresh.previous == run.final_values()
    assert fresh.final_values() == run.final_values()  # the same numbers again on CPU
    for seed in (1, 2):  # two more settings: the oldest finished run is forgotten
        store.start(comparison.compare_configs("flipflop", 6, 3, 10, 0.01, seed), submit).poll()
    assert store.find(fresh.settings, configs) is None and store.started == 4
    failing = store.start(configs, lambda c: FakeJob(c, fail=c.cell == "lstm"))
    failing.poll()
    assert failing.status == "error" and "LSTM" in failing.error and "boom" in failing.error
    retried, reused = store.get_or_start(configs, submit)
    assert not reused and retried is not failing


def test_figures_are_built_from_the_numbers():
    outcomes = quick_outcomes()
    curves = {c: (o.curve.step, o.curve.loss, o.curve.seconds) for c, o in outcomes.items()}
    fig = loss_curves(curves, 1 / 6, "MSE", 20)
    assert len(fig.data) == 6 and fig.layout.yaxis.type == "log" and tuple(fig.layout.xaxis.range) == (0, 20)
    assert fig.layout.template.layout.paper_bgcolor == "white" and len(fig.layout.shapes) == 2
    influence = {("gru", True): np.array([1e-8, 1e-3, 1.0]), ("rnn", True): np.array([0.0, 1e-2, 0.5])}
    fig = influence_figure(influence, key_steps=[1])
    assert fig.layout.yaxis.type == "log" and len(fig.layout.shapes) == 1 and fig.layout.shapes[0].x0 == 1
    assert fig.layout.yaxis.range[0] < -8 < 0 < fig.layout.yaxis.range[1]
    kept = np.linspace(1, 0.5, 12).reshape(6, 2)
    fig = retention_figure(kept, kept ** 4, start=1, n_units=2)
    assert len(fig.data) == 4 and tuple(fig.layout.yaxis.range) == (-0.02, 1.05)
