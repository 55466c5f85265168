"""The toy tasks: layouts, seeding, key steps, and baselines checked against many samples."""

import re

import numpy as np
import pytest

from gru_viz.tasks import RECALL_SYMBOLS, SINE_NOISE, TASKS, get_task

NAMES = ["adding", "recall", "flipflop", "sine"]


def test_registry_and_unknown_name():
    assert set(NAMES) <= set(TASKS)
    assert all(get_task(name) is TASKS[name] and TASKS[name].name == name for name in TASKS)
    with pytest.raises(ValueError, match="unknown task 'nope'.*adding.*recall.*flipflop.*sine"):
        get_task("nope")


@pytest.mark.parametrize("name", NAMES)
def test_shapes_dtypes_and_documentation(name):
    task = get_task(name)
    B, T = 5, 12
    b = task.batch(B, T, 0)
    assert b.x.shape == (B, T, task.input_size) and b.x.dtype == np.float32
    assert b.key.shape == (B, T) and b.key.dtype == bool
    x, y, key = b
    assert x is b.x and y is b.y and key is b.key
    if task.kind == "classification":
        assert task.metric == "accuracy" and task.higher_is_better
        assert b.y.dtype == np.int64 and b.y.shape == ((B, T) if task.per_step else (B,))
        assert b.y.min() >= 0 and b.y.max() < task.output_size
    else:
        assert task.metric == "mse" and not task.higher_is_better
        assert b.y.dtype == np.float32 and b.y.shape == ((B, T, task.output_size) if task.per_step
                                                          else (B, task.output_size))
    assert len(task.inputs) == task.input_size
    assert len(re.findall(r"[.!?](\s|$)", task.why)) == 2, task.why  # two sentences, as promised


@pytest.mark.parametrize("name", NAMES)
def test_seeds_reproduce_and_generators_advance(name):
    task = get_task(name)
    a, b, c = task.batch(4, 10, 7), task.batch(4, 10, 7), task.batch(4, 10, 8)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y) and np.array_equal(a.key, b.key)
    assert not np.array_equal(a.x, c.x)
    rng = np.random.default_rng(7)
    first, second = task.batch(4, 10, rng), task.batch(4, 10, rng)
    assert np.array_equal(first.x, a.x) and not np.array_equal(first.x, second.x)


@pytest.mark.parametrize("name", NAMES)
def test_key_steps_read_from_inputs_match_the_batch(name):
    task = get_task(name)
    b = task.batch(20, 16, 3)
    for i in range(20):
        assert np.array_equal(task.key_steps(b.x[i]), np.flatnonzero(b.key[i]))
    with pytest.raises(ValueError, match="one example of shape"):
        task.key_steps(b.x)


def binned_mean(x: np.ndarray, y: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Brute force: the mean of y in each bin of x, with the bin centres and counts."""
    idx = np.digitize(x, edges) - 1  # bin i holds edges[i] <= x < edges[i + 1]
    inside = (idx >= 0) & (idx < len(edges) - 1)
    counts = np.bincount(idx[inside], minlength=len(edges) - 1)
    sums = np.bincount(idx[inside], weights=y[inside], minlength=len(edges) - 1)
    return (edges[:-1] + edges[1:]) / 2, sums / np.maximum(counts, 1), counts


@pytest.mark.parametrize("name, T", [("adding", 2), ("adding", 9), ("adding", 30), ("recall", 12),
                                     ("flipflop", 1), ("flipflop", 30), ("sine", 30)])
def test_no_memory_baseline_is_the_monte_carlo_score_of_the_no_memory_predictor(name, T):
    task = get_task(name)
    b = task.batch(100_000 if name != "sine" else 20_000, T, 11)  # an independent sample, not the validation set
    mc = task.no_memory_score(b.x, b.y)
    assert abs(mc - task.baseline(T)) < 0.003, (mc, task.baseline(T))


def test_adding_without_memory_knows_only_a_second_mark_on_the_last_step():
    task, T = get_task("adding"), 6  # the second mark is on the last step one time in 3
    b = task.batch(300_000, T, 3)
    last, y = b.x[:, -1].astype(np.float64), b.y[:, 0].astype(np.float64)
    marked = last[:, 1] > 0.5
    assert abs(marked.mean() - 1 / 3) < 0.005
    assert abs(y[~marked].mean() - 1.0) < 0.005  # unmarked: nothing to go on, the average sum
    centres, means, counts = binned_mean(last[marked, 0], y[marked], np.linspace(0, 1, 11))
    np.testing.assert_allclose(means, centres + 0.5, atol=0.01)  # marked: its number plus the average first one
    np.testing.assert_allclose(task.no_memory_prediction(b.x[:5])[:, 0],
                               np.where(last[:5, 1] > 0.5, last[:5, 0] + 0.5, 1.0))
    assert task.baseline(T) == pytest.approx(1 / 3 / 12 + 2 / 3 / 6) and task.baseline(2) == pytest.approx(1 / 12)


def test_flipflop_without_memory_knows_only_the_step_with_a_command():
    task, T = get_task("flipflop"), 40
    b = task.batch(20_000, T, 5)
    set_, reset, y = b.x[..., 0] > 0.5, b.x[..., 1] > 0.5, b.y[..., 0]
    assert np.all(y[set_] == 1) and np.all(y[reset] == 0)  # a command tells y exactly
    quiet = ~(set_ | reset)
    assert abs(y[quiet].mean() - 0.5) < 0.005  # otherwise a fair coin
    for t in (1, 10, 39):  # whatever the step: knowing t would not help either
        assert abs(y[quiet[:, t], t].mean() - 0.5) < 0.02
    assert task.baseline(T) == pytest.approx(0.25 * 0.9 * 39 / 40)
    assert task.baseline(100) == pytest.approx(0.22275)  # the ≈ 0.22 a network without memory reaches


def test_recall_without_memory_is_a_blind_guess():
    task, T = get_task("recall"), 8
    b = task.batch(100_000, T, 6)
    assert np.all(b.x[:, -1] == b.x[0, -1])  # the last input is the same in every example
    frequencies = np.bincount(b.y, minlength=RECALL_SYMBOLS) / len(b.y)
    np.testing.assert_allclose(frequencies, 1 / RECALL_SYMBOLS, atol=0.005)
    # ties among equally likely answers count at their expected accuracy: 1/n on any set whatsoever
    assert task.no_memory_score(b.x[:7], b.y[:7]) == pytest.approx(1 / RECALL_SYMBOLS)


def test_sine_without_memory_is_the_conditional_mean_of_the_next_value():
    task = get_task("sine")
    b = task.batch(40_000, 50, 8)  # 2 million (sample, next value) pairs
    x, y = b.x[..., 0].ravel().astype(np.float64), b.y[..., 0].ravel().astype(np.float64)
    centres, means, counts = binned_mean(x, y, np.linspace(-1.2, 1.2, 49))
    ours = task.no_memory_prediction(centres.reshape(1, -1, 1))[0, :, 0]
    well = counts > 5000
    assert well.sum() > 30
    np.testing.assert_allclose(ours[well], means[well], atol=0.01)  # the integral agrees with brute force
    # and no binned predictor fitted on this sample does better than ours on another sample
    other = task.batch(40_000, 50, 9)
    xo, yo = other.x[..., 0].ravel().astype(np.float64), other.y[..., 0].ravel().astype(np.float64)
    binned = means[np.clip(np.digitize(xo, np.linspace(-1.2, 1.2, 49)) - 1, 0, 47)]
    ours_mse = task.no_memory_score(other.x, other.y)
    assert ours_mse <= np.mean((binned - yo) ** 2) + 1e-4
    assert 0.05 < task.baseline(50) < 0.065  # the ≈ 0.06 of the issue, against 0.5 for the best constant


def test_baselines_on_the_validation_set_match_the_issue():
    from gru_viz.training import VAL_SEED

    def val(name, T):
        task = get_task(name)
        return task, task.batch(512, T, np.random.default_rng([VAL_SEED, 1]))

    task, v = val("adding", 50)
    constant = task.score(np.ones_like(v.y), v.y)
    assert constant == pytest.approx(0.152, abs=0.0005)  # what the constant guess scores there, not 1/6
    assert task.no_memory_score(v.x, v.y) < constant  # the last mark makes it a little better still
    task, v = val("flipflop", 100)
    assert task.no_memory_score(v.x, v.y) == pytest.approx(0.22, abs=0.005)
    task, v = val("sine", 100)
    assert task.no_memory_score(v.x, v.y) == pytest.approx(0.06, abs=0.006)


def test_no_memory_prediction_refuses_bad_shapes():
    with pytest.raises(ValueError, match="expected shape"):
        get_task("adding").no_memory_prediction(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="expected shape"):
        get_task("sine").no_memory_prediction(np.zeros((3, 4, 2)))


def test_adding_marks_two_numbers_one_in_each_half():
    task = get_task("adding")
    T = 50
    b = task.batch(500, T, 1)
    assert np.all((b.x[:, :, 0] >= 0) & (b.x[:, :, 0] < 1))
    assert set(np.unique(b.x[:, :, 1])) == {0.0, 1.0}
    for x, y in zip(b.x, b.y):
        first, second = task.key_steps(x)
        assert first < T // 2 <= second
        np.testing.assert_allclose(y[0], x[first, 0] + x[second, 0], rtol=1e-6)


def test_recall_answer_is_the_flagged_first_symbol():
    task = get_task("recall")
    n, T = RECALL_SYMBOLS, 9
    b = task.batch(300, T, 2)
    assert task.output_size == n and task.baseline(T) == 1 / n
    symbols = b.x[:, :, :n]
    assert np.all(symbols[:, :-1].sum(-1) == 1) and np.all(symbols[:, -1] == 0)  # one symbol per step, none at the end
    assert np.array_equal(b.y, symbols[:, 0].argmax(-1))
    assert np.all(b.x[:, 0, n] == 1) and b.x[:, 1:, n].sum() == 0  # "remember this" only at step 0
    assert np.all(b.x[:, -1, n + 1] == 1) and b.x[:, :-1, n + 1].sum() == 0  # "answer now" only at the end
    assert all(task.key_steps(x).tolist() == [0, T - 1] for x in b.x)
    # the distractors really are symbols of the same alphabet, so the answer is not "the only symbol seen"
    assert np.mean(symbols[:, 1:-1].argmax(-1) != b.y[:, None]) > 0.5


def test_flipflop_output_follows_the_last_command():
    task = get_task("flipflop")
    b = task.batch(200, 40, 4)
    set_, reset = b.x[:, :, 0], b.x[:, :, 1]
    assert np.all(set_ * reset == 0) and np.all(set_[:, 0] + reset[:, 0] == 1)
    assert 0.05 < (set_ + reset)[:, 1:].mean() < 0.15  # sparse commands
    for x, y in zip(b.x, b.y):
        state = None
        for t in range(len(x)):  # the latch, step by step
            state = 1.0 if x[t, 0] else 0.0 if x[t, 1] else state
            assert y[t, 0] == state


def test_sine_targets_are_the_clean_next_value():
    task = get_task("sine")
    b = task.batch(2000, 60, 5)
    assert np.all(np.abs(b.y) <= 1)
    residual = b.x[:, 1:, 0] - b.y[:, :-1, 0]  # the input one step later is the target plus noise
    assert abs(residual.std() - SINE_NOISE) < 0.005 and abs(residual.mean()) < 0.005
    assert b.key.sum() == 0 and task.key_steps(b.x[0]).size == 0


def test_score_and_bad_arguments():
    adding, recall = get_task("adding"), get_task("recall")
    b = recall.batch(8, 5, 0)
    logits = np.eye(recall.output_size)[b.y] * 3.0  # (B, n) perfect answers
    assert recall.score(logits, b.y) == 1.0
    assert recall.score(np.roll(logits, 1, axis=-1), b.y) == 0.0
    a = adding.batch(8, 5, 0)
    assert adding.score(a.y, a.y) == 0.0 and adding.score(a.y + 0.5, a.y) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="prediction: expected shape"):
        adding.score(a.y[:, 0], a.y)
    with pytest.raises(ValueError, match="logits: expected shape"):
        recall.score(b.y, b.y)
    with pytest.raises(ValueError, match="seq_len of at least 2"):
        adding.batch(4, 1, 0)
    with pytest.raises(ValueError, match="batch_size"):
        adding.batch(0, 10, 0)
    with pytest.raises(ValueError, match="seq_len"):
        adding.baseline(0)
