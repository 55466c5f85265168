"""The small lesson modules: every sentence they generate checked against the maths and against the core GRU."""

import math
import re

import numpy as np
import pytest

from gru_viz import GRUWeights, challenge, explain_step, presets, quiz, run_gru, sigmoid
from gru_viz.explain import (CONVENTION_RULE, NOTATION_TABLE, OPEN_MEANING, convention_gap, convention_sentence, fmt,
                             memory_rule, memory_rule_sentence, reset_effect_sentence, step_equations,
                             surgery_sentence, with_article)
from gru_viz.handoff import Handoff, plain, read_handoff

def numbers(text: str) -> list[float]:
    """The decimal numbers in text, with their signs ('0.19 − 0.28' → [0.19, −0.28])."""
    return [float(v) * (-1 if sign == "−" else 1) for sign, v in re.findall(r"(−?)\s?(\d+\.\d+)", text)]


def weights_2x2(W_g, c_g=(0.0, 0.0), b_r=(0.0, 0.0)) -> GRUWeights:
    """Two units, one input: only the candidate's recurrent weights and the reset gate's bias chosen."""
    w = GRUWeights.random(1, 2, seed=0)
    return w.replace(W_g=np.array(W_g, float), c_g=np.array(c_g, float), b_r=np.array(b_r, float),
                     c_r=np.zeros(2), W_r=np.zeros((2, 2)), U_r=np.zeros((1, 2)))


# ---------------------------------------------------------------- "open" and the notation map


def test_open_means_near_one_everywhere():
    assert "open** when its value is near 1" in OPEN_MEANING and "**shut** when its value is near 0" in OPEN_MEANING
    assert "open update gate *u* keeps the old state" in OPEN_MEANING


def test_notation_table_maps_every_letter():
    pytorch, papers = NOTATION_TABLE.split("And in the papers:")
    rows = {}
    for table, columns in ((pytorch, 2), (papers, 3)):
        lines = table.strip().splitlines()
        assert len(lines) >= 8 and all(line.count("|") == columns + 1 for line in lines)
        for line in lines[2:]:
            rows.setdefault(line.split("|")[1].strip().split(";")[0], []).append(line)
    assert "*z*, same role |" in rows["update gate *u*"][0]
    assert "*z*, same role | *z*, **opposite role**" in rows["update gate *u*"][1] and "1 − *u*" in papers
    assert "*n*" in rows["candidate *ĥ*"][0] and "*h̃*" in rows["candidate *ĥ*"][1]
    recurrent = [line for key, lines in rows.items() if key.startswith("recurrent weights") for line in lines]
    assert "*W_hr*" in recurrent[0] and "*U_r*, *U_z*, *U*: the letters are swapped" in recurrent[1]
    assert "*b_ir*" in pytorch and "*b_hn*" in pytorch and "transposed" in pytorch
    # PyTorch's z plays our u's role: h' = (1 − z) n + z h, i.e. z = 1 keeps the old state, as u = 1 does here
    w = GRUWeights.random(2, 3, seed=4)
    kept = run_gru(w, np.ones((1, 2)), np.array([0.3, -0.2, 0.9]), u_override=1.0).h[0]
    np.testing.assert_allclose(kept, [0.3, -0.2, 0.9])


@pytest.mark.parametrize("noun, expected", [
    ("Adding problem", "an Adding problem"), ("adding problem", "an adding problem"), ("LSTM", "an LSTM"),
    ("RNN", "an RNN"), ("GRU", "a GRU"), ("unit", "a unit"), ("one-hot input", "a one-hot input"),
    ("hour", "an hour"), ("Flip-flop (latch)", "a Flip-flop (latch)"), ("Delayed recall", "a Delayed recall"),
    ("Noisy sine, next step", "a Noisy sine, next step"), ("input", "an input"), ("int", "an int"),
    ("8-step task", "an 8-step task"), ("18-step task", "an 18-step task"), ("5-step task", "a 5-step task"),
    ("sequence", "a sequence"), ("usual case", "a usual case"), ("umbrella", "an umbrella")])
def test_with_article(noun, expected):
    assert with_article(noun) == expected
    assert with_article(noun, capital=True) == expected[0].upper() + expected[1:]


# ---------------------------------------------------------------- the equations, line by line


def aligned_lines(latex: str) -> list[str]:
    assert latex.startswith(r"\begin{aligned}") and latex.endswith(r"\end{aligned}")
    return latex[len(r"\begin{aligned}"):-len(r"\end{aligned}")].split(r" \\ ")


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("preset", list(presets.PRESETS))
def test_substituted_numbers_add_up_to_what_the_core_computes(preset, reset_after):
    weights = presets.preset_weights(preset, 3, 4, seed=5)
    terms = explain_step(weights, [3.0, -3.0, 3.0], [-1.0, 1.0, -1.0, 1.0], reset_after=reset_after)
    for k in range(4):
        rows = step_equations(terms, k)
        for row, gate in zip(rows[:2], "ru"):
            lines = aligned_lines(row[0])
            assert sum(numbers(" ".join(lines[1:-1]))) == pytest.approx(getattr(terms, f"pre_{gate}")[k], abs=0.03)
            assert lines[-1].endswith(f"= {fmt(getattr(terms, gate)[k])}")
        lines = aligned_lines(rows[2][0])
        shown = numbers(" ".join(lines[2:-1]))
        if reset_after:  # x U_g + b_g + r × (h W_g + c_g)
            total = sum(shown[:-2]) + shown[-2] * shown[-1]
            assert shown[-2] == pytest.approx(terms.r[k], abs=0.005)
        else:  # x U_g + b_g + (r ⊙ h) W_g + c_g: c_g stands alone, unscaled
            total = sum(shown)
            assert shown[-1] == pytest.approx(terms.c["g"][k], abs=0.005)
        assert total == pytest.approx(terms.pre_g[k], abs=0.05)
        assert lines[-1].endswith(f"= {fmt(terms.candidate[k])}")
        h_lines = aligned_lines(rows[3][0])
        u, h_prev, _, cand = numbers(h_lines[1])
        assert u * h_prev + (1 - u) * cand == pytest.approx(terms.h[k], abs=0.02)
        assert h_lines[-1] == f"&= {fmt(terms.h[k])}"


def test_long_numbers_are_split_over_two_lines():
    weights = GRUWeights.random(3, 2, seed=0)
    weights = weights.replace(U_r=np.full((3, 2), 300.0), b_r=np.full(2, -900.0))
    terms = explain_step(weights, [3.0, 3.0, 3.0], [0.5, 0.5])
    lines = aligned_lines(step_equations(terms, 0)[0][0])
    assert len(lines) == 4 and lines[1].startswith(r"&= \sigma\big(2700.00") and lines[2].endswith(r"\big)")
    assert all(len(line) < 60 for line in lines)


def test_gate_surgery_rows_say_what_the_formula_would_give():
    weights = GRUWeights.random(2, 2, seed=1)
    terms = explain_step(weights, [0.3, -0.4], [0.2, -0.1], u_override=1.0)
    natural = explain_step(weights, [0.3, -0.4], [0.2, -0.1])
    row = step_equations(terms, 0, u_fixed=True)[1][0]
    assert "gate surgery" in row and f"= {fmt(natural.u[0])}" in row and r"u_t &= 1.00" in row


def test_reset_sentences_follow_the_convention():
    weights = weights_2x2([[1, 1], [-1, -1]], c_g=[0.3, -0.2], b_r=[-1, 1])
    after = explain_step(weights, [0.5], [0.5, 0.5], reset_after=True)
    before = explain_step(weights, [0.5], [0.5, 0.5], reset_after=False)
    text = reset_effect_sentence(after, 0)
    inner, r, scaled = numbers(text)
    assert inner == pytest.approx(after.hW["g"][0] + after.c["g"][0], abs=0.005)
    assert scaled == pytest.approx(r * inner, abs=0.01)
    text = reset_effect_sentence(before, 0)
    assert "c_g = 0.30 is added unscaled" in text and "scaled the (r ⊙ h) W_g + c_g" not in text
    assert numbers(text.split("W_g = ")[1])[0] == pytest.approx(before.recurrent_g[0] - 0.3, abs=0.005)
    assert "every unit's candidate" in step_equations(before, 0)[0][1]  # r_k scales h_k, for every unit
    assert "this unit's candidate receives" in step_equations(after, 0)[0][1]


# ---------------------------------------------------------------- the two conventions


def test_the_issues_counterexample_differs_although_h_w_g_is_zero():
    r, h, W_g = np.array([0.3, 0.8]), np.array([0.5, 0.5]), np.array([[1.0, 1.0], [-1.0, -1.0]])
    np.testing.assert_allclose(h @ W_g, 0)  # h_(t−1) W_g = 0 and c_g = 0 ...
    gap = convention_gap(r, h, W_g, np.zeros(2))
    assert np.abs(gap).max() > 0.1  # ... and still the two conventions differ
    np.testing.assert_allclose(gap, [-0.5 * (0.3 - 0.8), -0.5 * (0.3 - 0.8)])  # Σ_j (r_k − r_j) h_j W_jk
    weights = weights_2x2(W_g, b_r=[-1, 1])  # r ≈ (0.27, 0.73)
    this = explain_step(weights, [0.0], h, reset_after=True)
    other = explain_step(weights, [0.0], h, reset_after=False)
    sentence = convention_sentence(this, other, weights.W_g)
    assert "gives h_t = [" in sentence and "same candidate here" not in sentence
    assert float(np.abs(this.h - other.h).max()) > 0.01
    assert "h_(t−1) W_g is zero" not in sentence and "h_(t−1) W_g is zero" not in CONVENTION_RULE


def test_the_rule_holds_numerically():
    rng = np.random.default_rng(0)
    for _ in range(200):
        H = int(rng.integers(1, 5))
        h, W_g, c_g = rng.uniform(-1, 1, H), rng.normal(size=(H, H)), rng.normal(size=H)
        np.testing.assert_allclose(convention_gap(np.ones(H), h, W_g, c_g), 0, atol=1e-12)  # every r = 1
        r = float(rng.uniform())
        np.testing.assert_allclose(convention_gap(np.full(H, r), h, W_g, c_g), (r - 1) * c_g, atol=1e-12)
        np.testing.assert_allclose(convention_gap(np.full(H, r), h, W_g, np.zeros(H)), 0, atol=1e-12)
        # and the gap is exactly what the core computes inside tanh in the two conventions
        w = GRUWeights.random(1, H, seed=int(rng.integers(1000))).replace(W_g=W_g, c_g=c_g)
        a, b = (explain_step(w, [0.4], h, reset_after=flag) for flag in (True, False))
        np.testing.assert_allclose(a.pre_g - b.pre_g, convention_gap(a.r, h, W_g, c_g), atol=1e-9)
    assert "(r − 1)·c_g whatever h_(t−1) and W_g" in CONVENTION_RULE and "every r is 1" in CONVENTION_RULE


@pytest.mark.parametrize("case, why", [("r_one", "every r is 1"), ("one_unit", "same r and c_g = 0")])
def test_the_sentence_says_why_they_agree(case, why):
    if case == "r_one":
        weights, h, override = GRUWeights.random(2, 3, seed=2), [0.4, -0.9, 0.1], 1.0
        x = [0.2, 0.1]
    else:
        weights, h, override, x = GRUWeights.random(1, 1, seed=2).replace(c_g=np.zeros(1)), [0.7], None, [0.3]
    this = explain_step(weights, x, h, reset_after=True, r_override=override)
    other = explain_step(weights, x, h, reset_after=False, r_override=override)
    sentence = convention_sentence(this, other, weights.W_g)
    assert "same candidate here" in sentence and why in sentence


def test_u_one_hides_the_difference_and_the_sentence_says_so():
    weights = weights_2x2([[1, 1], [-1, -1]], b_r=[-1, 1])
    this = explain_step(weights, [0.0], [0.5, 0.5], u_override=1.0)
    other = explain_step(weights, [0.0], [0.5, 0.5], reset_after=False, u_override=1.0)
    sentence = convention_sentence(this, other, weights.W_g)
    assert "at most 0.0000 away" in sentence and "u is close to 1" in sentence


def test_surgery_sentence():
    assert surgery_sentence([0.1, 0.2], [0.1, 0.2]).startswith("Gate surgery leaves h_t as it was")
    assert "without it, h_t would be [0.100, 0.200]; with it, h_t is [0.500, 0.200]" in surgery_sentence(
        [0.1, 0.2], [0.5, 0.2])


# ---------------------------------------------------------------- how long a value lasts


def test_memory_rule_matches_a_real_one_unit_gru():
    u = float(sigmoid(presets.GATE_BIAS))
    rule = memory_rule(u)
    zero = np.zeros((1, 1))
    w = GRUWeights(U_r=zero, U_u=zero, U_g=zero, W_r=zero, W_u=zero, W_g=zero, b_r=[0.0], b_u=[presets.GATE_BIAS],
                   b_g=[0.0], c_r=[0.0], c_u=[0.0], c_g=[0.0])  # candidate 0, u = σ(4) at every step
    h = run_gru(w, np.zeros((300, 1)), [1.0]).h[:, 0]  # h[n − 1]: after n steps
    assert h[round(rule["half_life"]) - 1] == pytest.approx(0.5, abs=0.01)
    assert h[99] == pytest.approx(rule["left_after_100"], rel=1e-4)
    assert 30 < rule["half_life"] < 45 and rule["u_for_300"] ** 300 == pytest.approx(0.5)
    assert rule["u_for_300"] > 0.997 > u  # the keeper preset cannot hold a value for hundreds of steps
    # the keeper preset really has that u at rest, in every unit
    for H in (1, 4, 8):
        keeper = presets.preset_weights("keeper", 2, H, seed=3)
        np.testing.assert_allclose(explain_step(keeper, [0.0, 0.0], np.zeros(H)).u, u)
    sentence = memory_rule_sentence(u, "Keeps its memory")
    assert f"u = {u:.3f}" in sentence and f"about {rule['half_life']:.0f} steps" in sentence
    assert f"{rule['left_after_100']:.0%} is left after 100" in sentence and "*u*ⁿ" in sentence
    with pytest.raises(ValueError):
        memory_rule(1.0)


# ---------------------------------------------------------------- presets


@pytest.mark.parametrize("name", list(presets.PRESETS))
def test_preset_captions_state_the_gate_at_rest(name):
    caption = presets.DESCRIPTIONS[name]
    assert "whatever comes in" not in caption and "hover around 0.5" not in caption
    for H, D in ((1, 1), (4, 3), (32, 8)):
        weights = presets.preset_weights(name, D, H, seed=H)
        rest = explain_step(weights, np.zeros(D), np.zeros(H))
        if name == "random":
            bound = 1 / math.sqrt(H)
            assert all(np.abs(v).max() <= bound for v in weights.as_dict().values())  # PyTorch's U(−1/√H, 1/√H)
            continue
        gate = presets.WATCHED[name][0]
        claimed = float(re.search(rf"{gate} = σ\(−?\d+\) ≈ (\d\.\d+)", caption).group(1))
        np.testing.assert_allclose(getattr(rest, gate), claimed, atol=0.5 * 10 ** -len(str(claimed).split(".")[1]))


def test_gate_range_is_exact_over_the_sliders_box():
    rng = np.random.default_rng(1)
    for name in presets.PRESETS:
        for H, D in ((1, 1), (2, 3), (4, 3)):
            weights = presets.preset_weights(name, D, H, seed=int(rng.integers(10_000)))
            for gate in "ru":
                lo, hi = presets.gate_range(weights, gate, -3, 3)
                # the corners of the box reach the bounds; points inside stay within them
                corners = np.array(np.meshgrid(*[[-3.0, 3.0]] * D, *[[-1.0, 1.0]] * H)).reshape(D + H, -1).T
                inside = np.hstack([rng.uniform(-3, 3, (500, D)), rng.uniform(-1, 1, (500, H))])
                for points, exact in ((corners, True), (inside, False)):
                    trace = run_gru(weights, points[:, None, :D], points[:, D:])  # (B, 1, D), (B, H)
                    values = getattr(trace, gate)
                    assert values.min() >= lo - 1e-9 and values.max() <= hi + 1e-9
                    if exact:
                        assert values.min() == pytest.approx(lo, abs=1e-9) and values.max() == pytest.approx(hi, abs=1e-9)


def test_range_sentence_names_the_gates_each_preset_sets():
    weights = presets.preset_weights("keeper", 3, 4, seed=0)
    lo, hi = presets.gate_range(weights, "u", -3, 3)
    sentence = presets.range_sentence(weights, "keeper", -3, 3)
    assert f"u stays between {lo:.3f} and {hi:.3f}" in sentence and "x_t in [−3, 3]" in sentence
    assert "r stays" in presets.range_sentence(weights, "random", -3, 3)


# ---------------------------------------------------------------- quiz


def interpolate(z: float, table: dict[float, float], odd: bool) -> float:
    """What a student reads off the printed values: linear interpolation, and the symmetry rule for z < 0."""
    a = abs(z)
    xs = sorted(table)
    value = float(np.interp(a, xs, [table[x] for x in xs]))
    if z >= 0:
        return value
    return -value if odd else 1 - value


def printed_table(prompt: str, name: str) -> dict[float, float]:
    return {float(z): float(v) for z, v in re.findall(rf"{name}\((\d+(?:\.\d+)?)\) [=≈] (\d\.\d+)", prompt)}


def test_make_question_never_crashes_and_accepts_its_own_answer():
    kinds = set()
    for seed in range(6000):
        q = quiz.make_question(seed)
        assert math.isfinite(q.answer) and q.check(q.answer) and not q.check(float("nan"))
        assert not q.check(q.answer + 2 * q.tolerance + 0.01)
        kinds.add(q.tolerance)
    assert kinds == {quiz.STATE_TOLERANCE, quiz.SIGMA_TOLERANCE, quiz.TANH_TOLERANCE}


def test_sigma_question_passes_a_student_who_interpolates():
    checked = 0
    for seed in range(3000):
        q = quiz.make_question(seed)
        if "pre-activation" not in q.prompt:
            continue
        z = numbers(q.prompt.split("$")[1])[0]
        table = printed_table(q.prompt, "σ")
        assert sorted(table) == [0, 1, 2, 3, 4] and abs(z) <= 4
        assert q.check(interpolate(z, table, odd=False)), (z, interpolate(z, table, odd=False), q.answer)
        checked += 1
    assert checked > 500
    table = printed_table(quiz.SIGMA_TABLE, "σ")  # and for every z the question can draw, not just these seeds
    for z in np.round(np.arange(-4, 4.05, 0.1), 1):
        assert abs(interpolate(z, table, odd=False) - float(sigmoid(z))) <= quiz.SIGMA_TOLERANCE


def test_tanh_question_gives_reference_values_enough_to_pass():
    checked = 0
    for seed in range(3000):
        q = quiz.make_question(seed)
        if "candidate $\\hat h_t = \\tanh" not in q.prompt:
            continue
        xu, h_prev, w, r = (numbers(part)[0] for part in q.prompt.split("$")[1:8:2])
        table = printed_table(q.prompt, "tanh")
        z = xu + r * h_prev * w
        assert abs(z) <= max(table)
        for student_z in (z, round(z, 2)):  # exact, or rounded to two decimals by hand
            assert q.check(interpolate(student_z, table, odd=True)), (seed, z, q.answer)
        checked += 1
    assert checked > 500


def test_state_question_is_the_update_equation():
    q = next(quiz.make_question(s) for s in range(100) if "update gate is" in quiz.make_question(s).prompt)
    u, h_prev, cand = numbers(q.prompt)
    assert q.answer == pytest.approx(u * h_prev + (1 - u) * cand, abs=1e-12)


# ---------------------------------------------------------------- the hand-tuning challenge

CHEATS = {  # cells with no memory of the impulse (or none that gets in)
    "all zero": {}, "b_g = 5": {"b_g": 5.0}, "b_g = −5, u open": {"b_g": -5.0, "b_u": 10.0},
    "copies the input": {"U_g": 5.0, "b_u": -10.0}, "u always open": {"U_g": 10.0, "b_u": 10.0},
    "b_g = 5, u shut": {"b_g": 5.0, "b_u": -10.0},
}


@pytest.mark.parametrize("level", list(challenge.LEVELS))
def test_every_shipped_solution_passes_and_no_cheat_does(level):
    result = challenge.judge(challenge.SOLUTIONS[level], level)
    assert result.passed and result.message.startswith(f"Level {level} passed")
    for name, knobs in CHEATS.items():
        cheat = challenge.judge(knobs, level)
        assert not cheat.passed, name
        assert 0 <= cheat.closeness < 1 and "passed" not in cheat.message


@pytest.mark.parametrize("level", list(challenge.LEVELS))
def test_solutions_use_the_update_gate_as_the_lesson_teaches(level):
    trace = challenge.judge(challenge.SOLUTIONS[level], level).trace
    impulses = [step for step, _ in challenge.LEVELS[level].impulses]
    calm = [t for t in range(challenge.T) if t not in impulses]
    assert trace.u[impulses, 0].max() < 0.05  # u shuts at an impulse: the candidate takes over
    assert trace.u[calm, 0].min() > 0.99  # and stays open in between: the state is kept
    if level == 2:  # the reset gate opens only at the impulses, where the candidate must see h to invert it
        assert trace.r[impulses, 0].min() > 0.99 and trace.r[calm, 0].max() < 0.01


def test_b_g_5_is_judged_by_the_difference_the_impulse_makes():
    result = challenge.judge({"b_g": 5.0}, 1)
    assert abs(result.trace.h[challenge.HOLD, 0]) > 0.5  # h sits at tanh(5)·(1 − u)… with or without the impulse
    np.testing.assert_allclose(result.effect, 0, atol=1e-12)
    assert "moves h by only 0.00" in result.message


def test_messages_state_the_measured_effect():
    for level in challenge.LEVELS:
        for knobs in (challenge.SOLUTIONS[1], challenge.SOLUTIONS[2], {"U_g": 5.0, "b_u": -10.0},
                      {"U_g": 5.0, "W_g": 4.0}):
            result = challenge.judge(knobs, level)
            effect = result.effect
            if "moves h by" in result.message:
                shown = numbers(result.message.split("moves h by")[1])[0]
                assert any(shown == float(fmt(v).replace("−", "-")) for v in effect[[0, challenge.HOLD,
                                                                                      challenge.SECOND - 1]])
            measured = re.sub(r"needs 50%|50% needed|reach −50%", "", result.message)  # the thresholds
            for pct in re.findall(r"(−?\d+)%", measured):
                share = int(pct.replace("−", "-")) / 100
                assert any(abs(share - effect[t] / effect[0]) <= 0.005
                           for t in (challenge.HOLD, challenge.SECOND - 1, challenge.T - 1))
    wrong = challenge.judge(challenge.SOLUTIONS[1], 2)
    assert not wrong.passed and "does not flip it" in wrong.message


def test_challenge_calls_u_near_one_open():
    texts = [level.goal for level in challenge.LEVELS.values()]
    texts += [challenge.judge(k, lvl).message for k in ({}, {"U_g": 5.0, "b_u": -10.0}) for lvl in (1, 2)]
    joined = " ".join(texts)
    assert "open (u near 1)" in joined and "shut the update gate (u near 0)" in joined.lower()
    assert not re.search(r"open \(u (near 0|small)\)|u small", joined)


# ---------------------------------------------------------------- the handoff from Gates over time


def good_handoff(**changes):
    weights = GRUWeights.random(32, 32, seed=1)
    value = dict(weights=weights, x=np.zeros(32), h_prev=np.full(32, 0.1), step=7, unit=31, source="sine wave")
    value.update(changes)
    return value


def test_read_handoff_accepts_a_good_one():
    handoff = read_handoff(good_handoff())
    assert isinstance(handoff, Handoff) and handoff.unit == 31 and handoff.x.shape == (32,)
    assert handoff.banner() == "Step 7, unit 31 of the GRU from Gates over time (sine wave)"


@pytest.mark.parametrize("changes, message", [
    ({"weights": "w"}, "GRUWeights"), ({"x": np.zeros(3)}, "x has shape"), ({"h_prev": [math.nan] * 32}, "NaN"),
    ({"unit": 32}, "outside"), ({"unit": True}, "whole number"), ({"step": -1}, "outside"), ({"source": 5}, "text"),
    ({"weights": GRUWeights.random(1, 33)}, "at most 32"), ({"x": "abc"}, "x")])
def test_read_handoff_refuses_bad_ones(changes, message):
    with pytest.raises(ValueError, match=message):
        read_handoff(good_handoff(**changes))
    with pytest.raises(ValueError, match="missing"):
        read_handoff({"weights": GRUWeights.random(1, 1)})
    with pytest.raises(ValueError, match="dict"):
        read_handoff(None)


def test_source_is_kept_plain_and_short():
    assert plain("a\nb\x00c") == "a b c"
    assert len(plain("x" * 1000)) == 300 and plain("x" * 1000).endswith("…")
    assert read_handoff(good_handoff(source="**bold** [x](javascript:alert(1))")).source == \
        "**bold** [x](javascript:alert(1))"  # kept verbatim: the page shows it with st.text, never as Markdown
