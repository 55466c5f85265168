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


@pytest.mark.parametrize("name", NAMES)
def test_baseline_is_the_score_of_the_best_constant(name):
    task = get_task(name)
    T = 30
    b = task.batch(40_000, T, 11)
    y = b.y.astype(np.float64)
    if task.kind == "classification":
        counts = np.bincount(b.y.ravel(), minlength=task.output_size) / b.y.size
        best = counts.max()  # the best constant answer is the most frequent class
        guess = np.zeros(b.y.shape + (task.output_size,))
        guess[..., int(task.constant_guess)] = 1.0
        assert abs(task.score(guess, b.y) - task.baseline(T)) < 0.01
        assert abs(best - task.baseline(T)) < 0.01
    else:
        best = y.mean()  # the constant that minimises the squared error
        assert abs(best - task.constant_guess) < 0.01
        assert abs(task.score(np.full_like(y, task.constant_guess), b.y) - task.baseline(T)) < 0.005
        assert abs(((y - best) ** 2).mean() - task.baseline(T)) < 0.005


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
    assert abs(task.baseline(T) - 1 / 6) < 1e-12


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
