"""Input sequences, strict parsing of custom numbers, and URL settings."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_viz import sequences


@pytest.mark.parametrize("name", [p for p in sequences.PRESETS if p != "custom"])
def test_presets_have_the_asked_length_and_are_finite(name):
    x, names = sequences.preset_sequence(name, 137, seed=4)
    assert x.shape[0] == 137 and x.shape[1] == len(names) and np.all(np.isfinite(x))


def test_impulse_is_a_single_one_and_random_walk_is_seeded():
    x, _ = sequences.preset_sequence("impulse", 20)
    assert x.sum() == 1.0 and np.count_nonzero(x) == 1
    a, _ = sequences.preset_sequence("random_walk", 50, seed=1)
    b, _ = sequences.preset_sequence("random_walk", 50, seed=1)
    c, _ = sequences.preset_sequence("random_walk", 50, seed=2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_text_becomes_one_hot_rows_over_its_alphabet():
    x, names = sequences.one_hot_text("abca")
    assert names == ["a", "b", "c"]
    assert np.array_equal(x.argmax(axis=1), [0, 1, 2, 0]) and np.all(x.sum(axis=1) == 1)


@pytest.mark.parametrize("text, values", [
    ("1, 2, 3", [1, 2, 3]), ("  -1.5;2e-3\n+4 ", [-1.5, 0.002, 4]), ("0", [0]), (".5, 5.", [0.5, 5.0]),
])
def test_parse_numbers_accepts_plain_numbers(text, values):
    np.testing.assert_allclose(sequences.parse_numbers(text)[:, 0], values)


@pytest.mark.parametrize("text, message", [
    ("", "no numbers found"),
    ("   ,, ", "no numbers found"),
    ("1, 2, banana", "number 3 \\('banana'\\) is not a number"),
    ("1, nan", "number 2 is 'nan': only finite"),
    ("inf", "only finite"),
    ("-Infinity", "only finite"),
    ("1e400", "too large"),
    ("20000", "too large"),
    ("0x10", "is not a number"),
    ("1_000", "is not a number"),
    ("１２", "is not a number"),  # full-width digits
    ("__import__('os')", "is not a number"),
    (", ".join(["1"] * 501), "501 numbers given; at most 500"),
    ("1," * 20_000, "characters long"),  # a huge paste is refused before parsing
])
def test_parse_numbers_names_the_problem(text, message):
    with pytest.raises(ValueError, match=message):
        sequences.parse_numbers(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parse_numbers_never_crashes_on_any_text(text):
    try:
        x = sequences.parse_numbers(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert x.ndim == 2 and x.shape[1] == 1 and np.all(np.isfinite(x)) and np.all(np.abs(x) <= sequences.MAX_ABS)
