"""Every sentence and figure of the "Units in real text" page, checked against the numbers it states."""

import numpy as np
import pytest

from gru_viz import unit_words as words
from gru_viz.text_figures import LEVELS, SHOWN, char_colours, legend_stops, ranking_figure, view_data

META = {"config": {"hidden_size": 128}, "steps": 3000, "train_chars": 1_468_076, "seconds": 141.4, "device": "cpu",
        "baseline": 4.4209, "python": "3.11.7", "numpy_vs_torch_max_abs_h": 2.1e-05, "held_out_chars": 19_970,
        "machine": "Intel(R) Xeon(R) Processor, 2 cores"}


def test_model_sentence_states_the_run_and_both_scores():
    text = words.model_sentence(META, 2.0118, 19_970, "3.12.1")
    assert "128 units" in text and "1.47 million characters of Python 3.11.7's" in text
    assert "3000 training steps in 141 s on CPU" in text and "19,970 held-out characters" in text
    assert "Python 3.12.1, it needs 2.01 bits per character" in text and "alone needs 4.42" in text
    assert "stopped early" in words.model_sentence({**META, "stopped": True}, 3.0, 10, "3.11")
    bare = words.model_sentence({}, 3.0, 10, "3.11")  # a file that says little still gives a true sentence
    assert "? units" in bare and "letter frequencies" not in bare and " in " not in bare.split(":")[1][:20]


def test_parity_sentence():
    assert "to within 2.1e-05" in words.parity_sentence(META) and "19,970" in words.parity_sentence(META)
    assert "does not say" in words.parity_sentence({}) and "does not say" in words.parity_sentence(
        {"numpy_vs_torch_max_abs_h": float("nan")})


@pytest.mark.parametrize("r, untrained, shifted, above", [
    (0.79, [0.16, 0.17], [0.1, 0.24], True),
    (-0.79, [0.16, 0.17], [0.1, 0.24], True),  # a unit that goes down with the feature follows it as much
    (0.71, [0.51, 0.5], [0.11], True),
    (0.45, [0.51, 0.5], [0.11], False),  # beats the shifted feature but not an untrained network
    (0.3, [0.2], [0.3], False),  # a tie is not "above"
])
def test_chance_sentence_verdicts(r, untrained, shifted, above):
    text = words.chance_sentence("bracket depth", r, 29, np.array(untrained), np.array(shifted))
    assert text.startswith(f"Unit 29 follows bracket depth best: r = {words.fmt(r)}.")
    assert f"|r| = {words.fmt(max(untrained))} in an untrained network (largest of {len(untrained)})" in text
    assert f"and {words.fmt(max(shifted))} when" in text and f"(largest of {len(shifted)} shifts)" in text
    assert ("training made this unit follow bracket depth" in text) == above
    assert ("may be chance" in text) == (not above)


def test_hypothesis_sentence_none_one_and_many():
    none = words.hypothesis_sentence((), (), 0.3, 10, (), (5, 9))
    assert none.startswith("No unit is beyond ±0.30") and "lower threshold" in none
    one = words.hypothesis_sentence((7,), (1,), 0.3, 10, ((5, 9),), (5, 9))
    assert one.startswith("1 unit is on") and "7 (h > 0.30)" in one and "0 other places" in one
    assert "only around your selection" in one
    two = words.hypothesis_sentence((7, 3), (1, -1), 0.5, 4, ((0, 3), (5, 9), (20, 25)), (5, 9))
    assert two.startswith("2 units are on") and "3 (h < −0.50)" in two and "in the 4 characters around" in two
    assert "in 2 other places of the held-out text:" in two
    single = words.hypothesis_sentence((7,), (1,), 0.3, 10, ((5, 9), (20, 25)), (5, 9))
    assert "in 1 other place of" in single


def test_prediction_sentence_right_wrong_and_at_the_end():
    top = [(" ", 0.34), ("e", 0.2)]
    assert words.prediction_sentence("x =", top, " ", 0.34, 1).endswith("␣ (space) (34%). That is right.")
    wrong = words.prediction_sentence("x =", top, "(", 0.012, 7)
    assert wrong.endswith("best guess is ␣ (space) (34%). The real next character is “(”: the model gave it 1.2% "
                          "(its guess number 7).")
    assert "is “e” (20%)" in words.prediction_sentence("x", [("e", 0.2)], None, None, None)
    assert "nothing to check" in words.prediction_sentence("x", top, None, None, None)
    short = words.prediction_sentence("a\nb", top, None, None, None)
    assert "“a↵b”" in short


def test_retrain_sentence_scales_the_measured_time():
    here = words.retrain_sentence(1000, META, META["machine"])
    assert here.startswith("1000 steps take about 47 s on this machine") and "3000 steps in 141 s on CPU, here" in here
    elsewhere = words.retrain_sentence(3000, META, "AMD EPYC, 64 cores")
    assert "about 2.4 minutes on Intel(R) Xeon(R) Processor, 2 cores" in elsewhere and "faster or slower" in elsewhere
    assert "not known" in words.retrain_sentence(100, {"seconds": 10}, "x")
    assert "stops" not in here and "stops" not in elsewhere  # no budget given: nothing said about one


def test_retrain_sentence_says_where_the_budget_stops_a_run():
    # META: 3000 steps in 141 s, i.e. 0.047 s per step
    over = words.retrain_sentence(3000, META, META["machine"], budget_s=60)
    assert "stops every run after 60 s of training" in over and "near step 1272 " in over
    assert "stops" not in words.retrain_sentence(1000, META, META["machine"], budget_s=60)  # 47 s: it fits
    assert "stops" not in words.retrain_sentence(3000, META, META["machine"], budget_s=142)  # 141.4 s: it fits


def test_the_default_retrain_is_the_longest_that_fits_the_budget():
    choices = [250, 500, 1000, 2000, 3000]
    assert words.default_retrain_steps(choices, META, 180) == 3000
    assert words.default_retrain_steps(choices, META, 60) == 1000
    assert words.default_retrain_steps(choices, META, 5) == 250  # none fits: the shortest
    assert words.default_retrain_steps(choices, META, None) == 3000
    assert words.default_retrain_steps(choices, {}, 60) == 3000  # time unknown: nothing to go by


def test_labels_for_invisible_characters():
    labels = [words.char_label(c) for c in " \n\tx\x00"]
    assert labels == ["␣ (space)", "↵ (new line)", "⇥ (tab)", "x", "¤ (other)"]
    assert words.char_label("\x07") == "U+0007"
    assert words.visible("a\n\tb") == "a↵⇥b" and words.visible("x" * 100, 10) == "x" * 9 + "…"


def test_char_colours_follow_the_scale_and_contrast():
    index, palette, light = char_colours(np.array([-1.0, 0.0, 1.0, np.nan, 5.0]), "h")
    assert len(palette) == len(light) == LEVELS and index == [0, 32, 63, 32, 63]  # nan → middle, clipped
    assert light[0] and light[63] and not light[32]  # dark blue and dark red ends carry white text
    gate_index, gate_palette, gate_light = char_colours(np.array([0.0, 1.0]), "u")
    assert gate_index == [0, 63] and gate_light[0] and not gate_light[63]  # Cividis: dark blue to yellow
    stops = legend_stops("r")
    assert [s[0] for s in stops] == [0.0, 0.25, 0.5, 0.75, 1.0] and all(s[1].startswith("#") for s in stops)


def test_view_data_carries_text_as_data():
    data = view_data("<b>&x</b>", np.zeros(9), "h", 2, (1, 4), [(5, 7)])
    assert data["text"] == "<b>&x</b>" and len(data["colour"]) == 9 and data["span"] == [1, 4]
    assert data["matches"] == [[5, 7]] and data["cursor"] == 2 and data["label"] == SHOWN["h"][0]


def test_ranking_figure_shows_units_and_both_chance_levels():
    fig = ranking_figure(np.array([0.1, -0.8, 0.3]), np.array([0.2, 0.25]), np.array([0.15]), "bracket depth")
    assert list(fig.data[0].y) == [0.8, 0.3, 0.1]
    assert [t.name for t in fig.data[1:]] == ["best unit of an untrained network: 0.25",
                                              "best unit, feature shifted in time: 0.15"]
    assert fig.layout.font.size >= 14


def test_profile_sentence_and_signed_numbers():
    profile = {"brackets": (0.855, 0.168), "a string": (0.27, 0.4), "a comment": (0.05, 0.09)}
    text = words.profile_sentence(profile, 1413)
    assert text == ("Of the 1,413 characters where they are all on, 86% inside brackets (17% of all characters are), "
                    "27% inside a string (40% of all characters are) and 5% inside a comment (9% of all characters "
                    "are).")
    assert words.profile_sentence(profile, 0) == "" and "Of the 1 character where" in words.profile_sentence(profile, 1)
    assert [words.signed(v) for v in (0.79, -0.49, 0.0, -0.001, float("nan"))] == ["+0.79", "−0.49", "0.00", "0.00",
                                                                                   "—"]
