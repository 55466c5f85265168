"""Comparison and memory: parameter counts, input influence, retention, multi-seed summaries and the run store.

The sentences built from these numbers are tested in test_verdicts.py.
"""

from dataclasses import replace

import numpy as np
import pytest
import torch

from gru_viz import comparison, memory, runs
from gru_viz.analysis import retention
from gru_viz.compare_figures import influence_figure, loss_curves, retention_figure
from gru_viz.core import run_gru
from gru_viz.explain import parameter_count
from gru_viz.jobs import Part
from gru_viz.runs import Curve, Outcome, RunStore
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
    got = memory.input_influence(cell, p, x)
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
        np.testing.assert_allclose(memory.input_influence("gru", p, x, output), np.abs(grad).sum(axis=1),
                                   rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("bad", [np.zeros((5, 3)), np.zeros(5), np.zeros((0, 2)), np.full((3, 2), np.nan)])
def test_input_influence_refuses_bad_inputs(bad):
    with pytest.raises(ValueError, match="x: expected"):
        memory.input_influence("gru", tiny_params("gru"), bad)


def test_retention_is_the_running_product_of_u():
    u = np.array([[0.9, 0.5], [0.8, 1.0], [0.5, 0.2], [1.0, 0.5]])
    # by hand, from step 1 on: rows 0 stay 1; 0.8, 1.0; 0.8·0.5, 1.0·0.2; 0.4·1.0, 0.2·0.5
    np.testing.assert_allclose(retention(u, start=1), [[1, 1], [0.8, 1.0], [0.4, 0.2], [0.4, 0.1]])
    np.testing.assert_allclose(retention(u)[-1], [0.9 * 0.8 * 0.5 * 1.0, 0.5 * 1.0 * 0.2 * 0.5])


def test_gru_retention_multiplies_the_update_gates_of_the_core():
    p = tiny_params("gru", H=3)
    x = np.random.default_rng(1).normal(size=(6, 2))
    u = run_gru(p.gru_weights(), x).u  # (6, 3)
    kept = memory.gru_retention(p, x, start=2)
    for t in range(6):
        expected = np.ones(3)
        for s in range(2, t + 1):
            expected = expected * u[s]
        np.testing.assert_allclose(kept[t], expected, rtol=1e-12)


def test_retention_units_and_the_first_stored_step():
    kept = np.array([[1.0, 1.0, 1.0], [0.9, 0.2, 0.95], [0.5, 0.1, 0.9]])
    assert memory.most_retentive(kept, 2).tolist() == [2, 0]
    assert memory.first_stored_step([3, 40], 50) == 4 and memory.first_stored_step([49], 50) == 49
    assert memory.first_stored_step([], 50) == 0


def test_compare_configs_differ_only_by_cell_and_seed_interleaved_by_seed():
    configs = runs.compare_configs("recall", 12, 5, 30, 0.003, 7, seeds=3)
    assert list(configs) == [(c, s) for s in (7, 8, 9) for c in ("gru", "lstm", "rnn")]
    dicts = [{k: v for k, v in c.as_dict().items() if k not in ("cell", "seed")} for c in configs.values()]
    assert all(d == dicts[0] for d in dicts)
    assert all(c.cell == cell and c.seed == seed for (cell, seed), c in configs.items())
    assert dicts[0]["seq_len"] == 12 and dicts[0]["hidden_size"] == 5 and dicts[0]["n_snapshots"] == 2
    assert len({runs.settings_key(c) for c in configs.values()}) == 1
    other = runs.compare_configs("recall", 12, 6, 30, 0.003, 7)
    assert runs.settings_key(other[("gru", 7)]) != runs.settings_key(configs[("gru", 7)])
    assert list(runs.compare_configs("adding", 5, 2, 10, 0.01, 0, cells=("gru", "rnn"))) == [("gru", 0), ("rnn", 0)]


@pytest.mark.parametrize("args", [("nope", 10, 4, 20, 0.01, 0), ("adding", 1, 4, 20, 0.01, 0),
                                  ("adding", 10, 0, 20, 0.01, 0), ("adding", 10, 4, 20, float("nan"), 0)])
def test_compare_configs_refuse_bad_settings(args):
    with pytest.raises(ValueError):
        runs.compare_configs(*args)
    with pytest.raises(ValueError, match="cell"):
        runs.compare_configs("adding", 10, 4, 20, 0.01, 0, cells=("gru", "transformer"))
    for seeds in (0, 101, 2.5, True):
        with pytest.raises(ValueError, match="seeds"):
            runs.compare_configs("adding", 10, 4, 20, 0.01, 0, seeds=seeds)


def quick_outcomes(cells=("gru", "lstm", "rnn"), seeds=1, **overrides) -> dict:
    """Really trained, tiny, in this process (no jobs), with the child's analysis done here."""
    settings = dict(task="adding", seq_len=10, hidden_size=4, steps=20, lr=0.01, seed=0) | overrides
    configs = runs.compare_configs(**settings, cells=cells, seeds=seeds)
    out = {}
    for key, config in configs.items():
        events = list(train(replace(config, device="cpu", eval_every=10, val_size=64)))
        result = events[-1].result
        out[key] = Outcome(result, Curve.from_run(result, events), 0.0, memory.child_analysis(result))
    return out


def test_summaries_over_seeds_from_real_runs():
    outcomes = quick_outcomes(seeds=2)
    cells = comparison.summarise(outcomes)
    assert [c.cell for c in cells] == ["gru", "lstm", "rnn"] and all(c.seeds == (0, 1) for c in cells)
    for c in cells:
        assert c.parameters == parameter_count(c.cell, 2, 4, 1) and c.steps == (20, 20) and c.metric == "mse"
        for i, seed in enumerate(c.seeds):
            o = outcomes[(c.cell, seed)]
            assert c.values[i] == o.result.value and c.baseline == o.result.baseline
            assert c.ms_per_step[i] == pytest.approx(1000 * o.result.seconds / 20)
            assert list(o.curve.val_step) == [0, 10, 20] and np.all(np.isfinite(o.curve.val_seconds))
            assert list(o.curve.step) == [10, 20] and np.all(np.diff(o.curve.seconds) > 0)
            assert o.untrained.step == 0 and o.result.params.step == 20
    assert cells[0].values[0] != cells[0].values[1]  # two seeds are two different networks
    spread = comparison.spreads(outcomes)
    gru = [outcomes[("gru", s)].curve for s in (0, 1)]
    np.testing.assert_allclose(spread["gru"].median, (gru[0].loss + gru[1].loss) / 2)
    np.testing.assert_allclose(spread["gru"].low, np.minimum(gru[0].loss, gru[1].loss))
    np.testing.assert_allclose(spread["gru"].seconds, (gru[0].seconds + gru[1].seconds) / 2)
    assert spread["gru"].step.tolist() == [10, 20]


def halving_outcome(vals, metric="mse", baseline=0.2):
    """An Outcome whose validation scores are given; only what halving() reads is real."""
    steps = np.arange(len(vals)) * 50
    curve = Curve(step=steps[1:], loss=np.ones(len(vals) - 1), seconds=steps[1:] / 10.0, val_step=steps,
                  val=np.array(vals), val_seconds=steps / 10.0)

    class Result:
        pass

    result = Result()
    result.metric, result.baseline = metric, baseline
    return Outcome(result, curve, 0.0)


def test_halving_is_the_first_validation_after_step_0_at_half_the_no_memory_error():
    assert comparison.halving(halving_outcome([0.05, 0.15, 0.1, 0.02])) == (100, 10.0)  # 0.1 = half of 0.2
    assert comparison.halving(halving_outcome([0.05, 0.15, 0.11])) is None  # step 0 does not count
    # accuracy: baseline 0.25 is an error of 0.75; half of it needs accuracy 0.625
    assert comparison.halving(halving_outcome([0.3, 0.6, 0.63], "accuracy", 0.25)) == (100, 10.0)
    assert comparison.loss_baseline(TrainConfig(task="recall", seq_len=8)) == pytest.approx(np.log(4))
    assert comparison.loss_baseline(TrainConfig(task="flipflop", seq_len=100)) == pytest.approx(0.22275)


def test_the_child_analysis_is_the_influence_of_the_memory_example():
    outcomes = quick_outcomes(cells=memory.MEMORY_CELLS)
    x, key = memory.memory_example("adding", 10)
    assert len(key) == 2
    for cell in memory.MEMORY_CELLS:
        o = outcomes[(cell, 0)]
        np.testing.assert_array_equal(o.influence["trained"], memory.input_influence(cell, o.result.params, x))
        np.testing.assert_array_equal(o.influence["untrained"], memory.input_influence(cell, o.untrained, x))
        assert o.influence["trained"].shape == (10,) and np.all(o.influence["trained"] >= 0)
    lstm = quick_outcomes(cells=("lstm",))[("lstm", 0)]
    assert lstm.influence is None  # the Memory page shows a GRU and an RNN only: nothing computed for the LSTM
    assert memory.child_analysis(quick_outcomes(cells=("gru",), task="sine")[("gru", 0)].result) is None


class FakeJob:
    """A job of several parts that trains at once, in this process: enough for the run and the store."""

    def __init__(self, configs, owner=None, analyse=None, fail: str | None = None, budget: bool = False):
        self.configs, self.owner, self.position, self.startup_s, self.wait_s = list(configs), owner, 0, 0.1, 0.0
        self.parts, self.watchers, self.error, self.message = [], [], "", ""
        for config in self.configs:
            part = Part(config)
            if config.cell == fail:
                part.status, part.message = "error", "boom"
            else:
                part.events = list(train(replace(config, device="cpu", val_size=32)))
                part.result, part.status = part.events[-1].result, "done"
                part.latest, part.extra = part.events[-1], analyse(part.result) if analyse else None
            self.parts.append(part)
        self.status = "error" if fail else "stopped" if budget else "done"
        self.message = "stopped after 90 s, the most one run may train on this server" if budget else ""
        self.current_part, self.steps_done = len(self.parts) - 1, sum(c.steps for c in self.configs)
        self.steps_total = self.steps_done

    finished = property(lambda self: self.status in ("done", "stopped", "error"))

    def poll(self):
        return []

    def stop(self):
        self.status = "stopped"

    def watch(self, owner):
        self.watchers.append(owner)

    def unwatch(self, owner):
        self.watchers.remove(owner)


def test_run_store_reuses_runs_by_settings_and_retries_failures():
    store, submitted = RunStore(max_entries=2), []

    def submit(configs, owner=None, analyse=None):
        submitted.append([(c.cell, c.seed) for c in configs])
        return FakeJob(configs, owner, analyse)

    configs = runs.compare_configs("flipflop", 6, 3, 10, 0.01, 0, seeds=2)
    run, reused = store.get_or_start(configs, "alice", submit)
    assert run.progress().parts == 6 and run.progress().fraction == 1.0
    run.poll()
    assert not reused and run.status == "done" and run.job is None and len(submitted) == 1  # ONE job, six parts
    assert submitted[0] == [("gru", 0), ("lstm", 0), ("rnn", 0), ("gru", 1), ("lstm", 1), ("rnn", 1)]
    assert run.cells == ("gru", "lstm", "rnn") and run.seeds == (0, 1) and set(run.outcomes) == set(configs)
    again, reused = store.get_or_start(configs, "bob", submit)
    assert reused and again is run and len(submitted) == 1
    memory_parts = runs.compare_configs("flipflop", 6, 3, 10, 0.01, 1, cells=memory.MEMORY_CELLS)
    assert store.get_or_start(memory_parts, "carol", submit) == (run, True)  # seed 1's GRU and RNN: a subset
    fresh = store.start(configs, "alice", submit)
    fresh.poll()
    assert fresh is not run and len(submitted) == 2 and fresh.previous == run.final_values()
    assert fresh.final_values() == run.final_values()  # the same numbers again on CPU
    for seed in (1, 2):  # two more settings: the oldest finished run is forgotten
        store.start(runs.compare_configs("flipflop", 6, 3, 10, 0.01, seed), None, submit).poll()
    assert store.find(fresh.settings, configs) is None and store.started == 4
    failing = store.start(configs, None, lambda c, owner=None, analyse=None: FakeJob(c, fail="lstm"))
    failing.poll()
    assert failing.status == "error" and failing.failed == ("lstm", 0) and failing.error == "boom"
    retried, reused = store.get_or_start(configs, None, submit)
    assert not reused and retried is not failing
    stopped = store.start(configs, None, lambda c, owner=None, analyse=None: FakeJob(c, budget=True))
    stopped.poll()
    assert stopped.status == "error" and stopped.failed is None and "90 s" in stopped.error


def test_a_run_passes_its_owner_and_watchers_to_its_job():
    jobs_made = []

    def submit(configs, owner=None, analyse=None):
        jobs_made.append(FakeJob(configs, owner, analyse))
        jobs_made[-1].status = "running"
        return jobs_made[-1]

    run = runs.Run(runs.compare_configs("adding", 4, 2, 10, 0.01, 0, cells=("gru",)), "alice", submit)
    job = jobs_made[0]
    assert job.owner == "alice" and job.parts[0].extra is not None  # the Memory analysis ran for the GRU
    run.watch("bob")
    run.unwatch("bob")
    assert job.watchers == []
    run.watch("bob")
    job.status = "done"
    run.poll()
    run.watch("carol")  # a finished run has no job left to keep alive
    assert job.watchers == ["bob"]


def test_figures_are_built_from_the_numbers():
    outcomes = quick_outcomes(seeds=2)
    by_step, by_time = loss_curves(comparison.spreads(outcomes), 1 / 6, "MSE", 20)
    for fig in (by_step, by_time):  # per cell: the range's two edges and the median
        assert len(fig.data) == 9 and fig.layout.yaxis.type == "log" and len(fig.layout.shapes) == 1
        assert sum(t.fill == "tonexty" for t in fig.data) == 3 and fig.layout.template.layout.paper_bgcolor == "white"
    assert tuple(by_step.layout.xaxis.range) == (0, 20) and by_step.layout.yaxis.range == by_time.layout.yaxis.range
    assert sum(bool(t.showlegend) for t in by_step.data) == 3 and not any(t.showlegend for t in by_time.data)
    assert by_time.layout.xaxis.range[1] >= max(float(s.seconds.max()) for s in comparison.spreads(outcomes).values())
    one = loss_curves(comparison.spreads(quick_outcomes()), 1 / 6, "MSE", 20)[0]
    assert len(one.data) == 3  # one seed: no band
    influence = {("gru", True): np.array([1e-8, 1e-3, 1.0]), ("rnn", True): np.array([0.0, 1e-2, 0.5])}
    fig = influence_figure(influence, key_steps=[1])
    assert fig.layout.yaxis.type == "log" and len(fig.layout.shapes) == 1 and fig.layout.shapes[0].x0 == 1
    assert fig.layout.yaxis.range[0] < -8 < 0 < fig.layout.yaxis.range[1]
    assert "10⁻⁸" in fig.layout.yaxis.ticktext and "10⁰" in fig.layout.yaxis.ticktext
    kept = np.linspace(1, 0.5, 12).reshape(6, 2)
    fig = retention_figure(kept, kept ** 4, start=1, units=[1, 0])
    assert len(fig.data) == 4 and tuple(fig.layout.yaxis.range) == (-0.02, 1.05)
    assert fig.data[0].name == fig.data[1].name == "unit 1" and fig.data[1].line.dash == "dot"
    assert [bool(t.showlegend) for t in fig.data] == [True, False, True, False]  # one legend entry per unit
    assert fig.layout.legend.y < 0 and fig.layout.legend.yanchor == "top"  # below the plot: it may wrap on a phone


@pytest.mark.parametrize("axis_range, labels", [([-1.1, -0.4], ["0.1", "0.2"]), ([-2.2, 0.1], ["0.01", "0.1", "1"]),
                                                ([-18.5, 0.2], ["10⁻¹⁸", "10⁻¹⁵", "10⁻¹²", "10⁻⁹", "10⁻⁶", "10⁻³",
                                                                "10⁰"]), ([-8.4, 0.4], ["10⁻⁸", "10⁻⁶", "10⁻⁴", "10⁻²",
                                                                                        "10⁰"])])
def test_log_ticks_are_labelled_in_full(axis_range, labels):
    from gru_viz.compare_figures import _log_ticks

    ticks = _log_ticks(axis_range)
    assert ticks["ticktext"] == labels and len(ticks["tickvals"]) == len(labels)
    assert all(axis_range[0] <= np.log10(v) <= axis_range[1] for v in ticks["tickvals"])
