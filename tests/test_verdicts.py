"""Every generated sentence of the Compare and Memory pages and of the queue, on its edge cases."""

import re

import pytest

from gru_viz import verdicts
from gru_viz.comparison import CellRuns
from gru_viz.explain import parameter_count, with_article
from gru_viz.tasks import TASKS


def cell(name, values, ms, steps_to_half, seconds_to_half=None, metric="mse", baseline=0.15) -> CellRuns:
    """One cell over len(values) seeds; seconds to halve default to steps × ms (None where it never did)."""
    n = len(values)
    ms = ms if isinstance(ms, (list, tuple)) else [ms] * n
    steps_to_half = steps_to_half if isinstance(steps_to_half, (list, tuple)) else [steps_to_half] * n
    if seconds_to_half is None:
        seconds_to_half = [None if s is None else s * m / 1000 for s, m in zip(steps_to_half, ms)]
    return CellRuns(cell=name, parameters=parameter_count(name, 2, 16, 1), metric=metric, baseline=baseline,
                    seeds=tuple(range(n)), steps=(400,) * n, values=tuple(values), ms_per_step=tuple(ms),
                    steps_to_half=tuple(steps_to_half), seconds_to_half=tuple(seconds_to_half))


# --- small pieces ---------------------------------------------------------------------------------------------

def test_every_task_title_gets_the_right_article():  # the Train page's example title (explain.with_article)
    for task in TASKS.values():
        title = with_article(f"{task.title} example")
        assert title.startswith("an " if task.title[0] in "AEIOU" else "a ")
    assert with_article("Adding problem example", capital=True) == "An Adding problem example"
    assert with_article("sequence example", capital=True) == "A sequence example"


@pytest.mark.parametrize("x, text", [(0.0067, "0.0067"), (6.04e-5, "6×10⁻⁵"), (3.5e-18, "3.5×10⁻¹⁸"), (1e-6, "10⁻⁶"),
                                     (0.2, "0.2"), (0.0, "0"), (2.5e5, "2.5×10⁵")])
def test_small_numbers_are_written_for_students(x, text):
    assert verdicts.small(x) == text


def test_small_formatters():
    assert verdicts.names(["A"]) == "A" and verdicts.names(["A", "B"]) == "A and B"
    assert verdicts.names(["A", "B", "C"]) == "A, B and C"
    assert [verdicts.duration(s) for s in (0, 8.4, 90, 119, 125, 200, 3599)] == [
        "0 s", "8 s", "90 s", "119 s", "2 min", "3 min 20 s", "60 min"]
    assert verdicts.times(45.2) == "45" and verdicts.times(2.3e13) == "about 10¹³"
    assert verdicts.spread_text([7.7], "ms") == "7.7" and verdicts.spread_text([7.4, 7.7, 8.1], "ms") == "7.7 (7.4–8.1)"
    assert verdicts.spread_text([100, None, 150], "steps") == "150 (100–never)"
    assert verdicts.spread_text([None, None], "s") == "never" and verdicts.spread_text([2, 2], "steps") == "2"


@pytest.mark.parametrize("x, text", [(0.35, "35%"), (1.0, "100%"), (0.01, "1%"), (0.0042, "0.42%"),
                                     (3e-18, "less than 0.01%"), (0.0, "less than 0.01%")])
def test_retention_shares_use_one_format(x, text):
    assert verdicts.share(x) == text


# --- the Compare page -----------------------------------------------------------------------------------------

def test_table_writes_medians_and_ranges_over_the_seeds():
    rows = verdicts.table([cell("gru", [0.001, 0.002, 0.004], [7.0, 7.5, 8.0], [100, 150, 200]),
                           cell("lstm", [0.15, 0.15, 0.002], 2.4, [None, None, 300])])
    assert rows[0]["cell"] == "GRU" and rows[0]["time per step (ms)"] == "7.5 (7–8)"
    assert rows[0]["final MSE"] == "0.002 (0.001–0.004)" and rows[0]["seconds to halve"] == "1.1 (0.7–1.6)"
    assert rows[0]["halved the error"] == "3 of 3 seeds" and rows[0]["steps to halve"] == "150 (100–200)"
    assert rows[1]["halved the error"] == "1 of 3 seeds" and rows[1]["steps to halve"] == "never (300–never)"
    assert all(isinstance(v, str) for r in rows for v in r.values())
    one = verdicts.table([cell("rnn", [0.3], 3.0, [None], metric="accuracy", baseline=0.25)])
    assert one[0]["halved the error"] == "0 of 1 seed" and one[0]["final accuracy"] == "0.3"


def test_learned_sentence_names_every_cell_that_halved_the_error():
    n5 = dict(values=[0.01] * 5, ms=2.0)
    everyone = [cell(c, steps_to_half=100, **n5) for c in ("gru", "lstm", "rnn")]
    assert verdicts.learned_sentence(everyone, 400) == ("All three halved the no-memory error in every one of the 5 "
                                                        "seeds.")
    nobody = [cell(c, steps_to_half=None, **n5) for c in ("gru", "lstm", "rnn")]
    text = verdicts.learned_sentence(nobody, 400)
    assert text.startswith("None of the three halved the no-memory error in any of the 5 seeds within 400 steps")
    mixed = [cell("gru", steps_to_half=[100] * 5, **n5), cell("lstm", steps_to_half=[100, 200, None, None, None], **n5),
             cell("rnn", steps_to_half=None, **n5)]
    assert verdicts.learned_sentence(mixed, 400) == (
        "Seeds in which each cell halved the no-memory error within 400 steps: GRU in 5 of 5, LSTM in 2 and "
        "plain RNN in none.")
    # one seed, two of three got there: the second is named too (the old verdict forgot it)
    one = [cell("gru", [0.01], 6.0, [100]), cell("lstm", [0.01], 2.0, [300]), cell("rnn", [0.16], 2.2, [None])]
    assert verdicts.learned_sentence(one, 400) == (
        "Only the GRU and the LSTM halved the no-memory error within 400 steps; the plain RNN never did.")
    assert verdicts.learned_sentence(one[:2], 400) == "Both halved the no-memory error in this run."


def test_speed_sentence_orders_by_time_per_step_in_every_seed_and_says_ties():
    clear = [cell("gru", [0.01] * 3, [7.6, 7.7, 8.0], 100), cell("lstm", [0.1] * 3, [2.3, 2.4, 2.5], None),
             cell("rnn", [0.1] * 3, [3.0, 3.1, 3.2], None)]
    assert verdicts.speed_sentence(clear) == (
        "Time per training step (median over 3 seeds): LSTM 2.4 ms, plain RNN 3.1 ms, GRU 7.7 ms. In every seed, the "
        "LSTM was quickest, the plain RNN in between and the GRU slowest; the GRU's median time per step is 3.2 times "
        "the LSTM's.")
    tie = [clear[0], clear[1], cell("rnn", [0.1] * 3, [2.35, 2.45, 2.6], None)]
    assert ("In every seed, the LSTM and the plain RNN were quickest, level with each other and the GRU slowest."
            in verdicts.speed_sentence(tie))
    # the machine's load drifts: a seed can be slow for everyone, but each seed's pair still ranks them
    drift = [cell("gru", [0.1] * 3, [5.2, 11.0, 16.5], None), cell("lstm", [0.1] * 3, [1.6, 4.2, 7.9], None)]
    assert "In every seed, the LSTM was quickest and the GRU slowest" in verdicts.speed_sentence(drift)
    split = [cell("gru", [0.1] * 3, [2.0, 3.0, 4.0], None), cell("lstm", [0.1] * 3, [3.5, 2.5, 3.7], None)]
    assert verdicts.speed_sentence(split).endswith("No cell was quicker than another by 10% or more in every seed: "
                                                   "per step they are level.")
    close = [cell("gru", [0.1], [2.0], None), cell("lstm", [0.1], [2.1], None)]  # one seed, 5 % apart
    assert verdicts.speed_sentence(close) == ("Time per training step: GRU 2 ms, LSTM 2.1 ms. They are within 10% of "
                                              "each other: level.")
    one = [cell("gru", [0.1], [6.0], None), cell("lstm", [0.1], [2.0], None)]
    assert verdicts.speed_sentence(one).endswith(" The LSTM was quickest and the GRU slowest; the GRU's time per step "
                                                 "is 3.0 times the LSTM's.")


def test_claim_holds_in_every_seed_and_says_why_when_the_gru_is_slower_per_step():
    # the case: the GRU halves the error first by the clock, yet each of its steps takes 3 times as long
    gru = cell("gru", [0.002] * 3, [7.5, 7.7, 8.0], [50, 50, 100])
    lstm = cell("lstm", [0.15] * 3, [2.3, 2.4, 2.5], [400, 350, None])
    text = verdicts.claim_sentence(gru, lstm)
    assert text.startswith("The claim that a GRU trains faster than an LSTM holds in all 3 seeds: the GRU halved the "
                           "no-memory error sooner by the clock every time.")
    assert "The GRU needed fewer steps, although each of its steps took longer." in text
    assert "the GRU needed 50 (50–100) and the LSTM 400 (350–never)" in text


def test_claim_fails_in_every_seed():
    gru = cell("gru", [0.01] * 3, 7.7, [200, 250, 300])
    lstm = cell("lstm", [0.01] * 3, 2.4, [200, 250, 300])
    text = verdicts.claim_sentence(gru, lstm)
    assert "does not hold in all 3 seeds: the LSTM halved the no-memory error sooner by the clock every time" in text
    assert "The LSTM's steps were quicker, with about as many of them." in text


def test_claim_with_seeds_that_disagree_names_no_winner():
    gru = cell("gru", [0.01] * 5, 3.0, [100, 100, 100, None, 300])
    lstm = cell("lstm", [0.01] * 5, 3.0, [300, 300, 100, None, 100])
    text = verdicts.claim_sentence(gru, lstm)
    assert text.startswith("The seeds disagree on whether a GRU trains faster than an LSTM: the GRU was sooner in 2, "
                           "the LSTM in 1, 1 was a tie and in 1 neither got there of the 5 seeds. No consistent winner")
    assert "holds" not in text


def test_claim_ties_and_unjudgeable_runs():
    gru = cell("gru", [0.01] * 3, 3.0, [100, 150, 200])
    lstm = cell("lstm", [0.01] * 3, 3.1, [100, 150, 200])  # the same steps, 3 % apart in time: ties
    assert "ends in a tie in all 3 seeds" in verdicts.claim_sentence(gru, lstm)
    none = cell("gru", [0.16] * 3, 3.0, None), cell("lstm", [0.16] * 3, 2.0, None)
    assert verdicts.claim_sentence(*none) == ("The claim that a GRU trains faster than an LSTM cannot be judged from "
                                              "this run: neither halved the no-memory error.")
    one = verdicts.claim_sentence(cell("gru", [0.01], 6.0, [100]), cell("lstm", [0.16], 2.0, [None]))
    assert "holds in this run: the GRU halved the no-memory error sooner by the clock." in one


def test_final_sentence_never_names_a_winner_of_a_tie():
    perfect = [cell(c, [1.0] * 3, 2.0, 100, metric="accuracy", baseline=0.25) for c in ("gru", "lstm", "rnn")]
    text = verdicts.final_sentence(perfect)
    assert "All of them solved it in all 3 seeds: a tie." in text and "lowest" not in text and "ahead" not in text
    assert text.startswith("Final validation accuracy (median and range over 3 seeds): GRU 1, LSTM 1, plain RNN 1; "
                           "without memory, 0.25.")
    solved = [cell("gru", [0.0009, 0.001, 0.0012], 2.0, 100), cell("lstm", [0.0011, 0.0013, 0.0014], 2.0, 100)]
    assert "solved it" in verdicts.final_sentence(solved)  # both below 1 % of the no-memory error
    overlap = [cell("gru", [0.05, 0.08, 0.11], 2.0, 100), cell("lstm", [0.06, 0.09, 0.1], 2.0, 100)]
    assert "None ended lower than the others by 10% or more in every seed: a tie" in verdicts.final_sentence(overlap)
    crossed = [cell("gru", [0.05, 0.09], 2.0, 100), cell("lstm", [0.09, 0.05], 2.0, 100)]  # each wins one seed
    assert "a tie on this measure" in verdicts.final_sentence(crossed)


def test_final_sentence_says_far_ahead_lowest_and_no_better_than_no_memory():
    far = [cell("gru", [0.001, 0.002, 0.003], 7.0, 100), cell("lstm", [0.15, 0.16, 0.15], 2.0, None),
           cell("rnn", [0.15, 0.152, 0.151], 2.2, None)]
    text = verdicts.final_sentence(far)
    assert "The GRU ended far ahead, at a tenth of the others' error or less in every seed." in text
    assert "The LSTM and the plain RNN ended no better than a network without memory (median over the seeds)." in text
    lower = [cell("gru", [0.02, 0.025, 0.03], 7.0, 100), cell("lstm", [0.05, 0.06, 0.07], 2.0, 100)]
    assert verdicts.final_sentence(lower).endswith("The GRU ended lowest in every seed.")
    solved = [cell("gru", [0.001] * 3, 7.0, 100), cell("lstm", [0.0011] * 3, 2.0, 100), cell("rnn", [0.1] * 3, 2, None)]
    close = [cell("gru", [0.02] * 3, 7.0, 100), cell("lstm", [0.021] * 3, 2.0, 100), cell("rnn", [0.1] * 3, 2, None)]
    for pair in (solved, close):  # two below the rest and level with each other: neither is named the winner
        text = verdicts.final_sentence(pair)
        assert "The GRU and the LSTM ended about equally low, below the rest in every seed." in text


def test_whole_verdict_keeps_speed_learning_and_evidence_apart():
    cells = [cell("gru", [0.002] * 5, 7.7, 100), cell("lstm", [0.15] * 5, 2.4, None),
             cell("rnn", [0.15] * 5, 3.0, None)]
    paragraphs = verdicts.verdict(cells, 400, "cpu")
    assert len(paragraphs) == 4
    assert "halved" in paragraphs[0] and paragraphs[1].startswith("Time per training step")
    assert "3 weight blocks (reset gate, update gate, candidate) against 4 (input gate, forget gate, cell candidate, "
    "output gate)" in paragraphs[2] and "977 parameters to the LSTM's 1,297" in paragraphs[2]
    assert "this machine's CPU" in paragraphs[2]
    assert paragraphs[3].startswith("5 seeds on one task") and "gate blocks" not in " ".join(paragraphs)
    assert verdicts.evidence_sentence(1).startswith("One seed is weak evidence")
    memory_only = verdicts.verdict(cells[::2], 400, "cuda")  # no LSTM: no claim about it
    assert len(memory_only) == 3 and "LSTM" not in " ".join(memory_only)


def test_no_memory_caption_and_run_failures():
    text = verdicts.no_memory_caption(0.0561, TASKS["sine"].no_memory)
    assert text.startswith("No memory: 0.0561, the error of the best guess from the current input alone: a network "
                           "must beat it to show it remembers anything.") and "numerical integration" in text
    dashed = verdicts.dashed_line_caption(0.161, TASKS["adding"].no_memory)
    assert dashed.startswith("The dashed line, 0.161, is the validation score of the best guess from the current "
                             "input alone, without memory: a network must beat it to show it remembers anything. "
                             "Here that best guess is the average sum, 1, unless")
    assert verdicts.run_failed(("rnn", 3), "the loss became nan") == ("the plain RNN with seed 3 ended early: the "
                                                                      "loss became nan")
    assert verdicts.run_failed(None, "cancelled") == "cancelled"


# --- the Memory page ------------------------------------------------------------------------------------------

def test_memory_summary_reads_the_contrast_both_ways():
    far = verdicts.memory_summary(1.0, 1e-14, 3, 50, (0.2, 1e-6), gru_learned=True)
    assert far.startswith("The earliest key input, at step 3, lies 46 steps before the output is read.")
    assert "about 10¹⁴ times as much in the GRU (before training: 0.2 and 10⁻⁶)." in far and "e-" not in far
    assert far.endswith("The information survived the gap in the trained GRU and faded away in the RNN.")
    unlearned = verdicts.memory_summary(1.0, 1e-14, 3, 50, (0.2, 1e-6), gru_learned=False)
    assert "survived" not in unlearned and "has not learned the task in this run" in unlearned
    reverse = verdicts.memory_summary(1e-6, 0.5, 3, 50, (0.1, 0.1), gru_learned=False)  # not "a small contrast"
    assert "the RNN's output depends on it about 10⁵ times as much as the GRU's" in reverse
    assert "small" not in reverse and "survived" not in reverse and "did not keep that input better" in reverse
    similar = verdicts.memory_summary(0.3, 0.1, 0, 20, (0.3, 0.1), gru_learned=True)
    assert "within a factor of 10 of each other" in similar and similar.endswith("and compare again.")
    zeros = verdicts.memory_summary(0.0, 0.0, 0, 5, (0.0, 0.0), gru_learned=False)
    assert "neither output depends on it at all" in zeros
    assert "in the RNN nothing of it arrives at all" in verdicts.memory_summary(0.1, 0.0, 0, 5, (0.1, 0.1), True)
    only_rnn = verdicts.memory_summary(0.0, 0.1, 0, 5, (0.1, 0.1), False)
    assert "in the GRU nothing of it arrives at all" in only_rnn and "did not keep that input better" in only_rnn


def test_retention_summary_compares_the_same_unit_in_one_format_and_names_the_candidate_path():
    text = verdicts.retention_summary(7, 0.35, 3e-18, 4, 100)
    assert "unit 7, the most retentive, still holds 35% of what it stored at step 3 at the last step, step 99" in text
    assert "before training the same unit held less than 0.01%" in text
    numbers = re.findall(r"\d[\d.e-]*%|less than 0.01%", text)
    assert all(n.endswith("%") for n in numbers) and "e-" not in text
    assert "through the candidate" in text and "W_g" in text and "reset gate" in text


def test_influence_caption_says_what_no_memory_means():
    text = verdicts.influence_caption("Adding problem", "mse", 0.0012, 0.16, 0.147, adding=True)
    assert text.startswith("One adding problem example") and "without memory 0.147, the error of the best guess" in text
    assert "marker channel" in text
    assert "marker" not in verdicts.influence_caption("Delayed recall", "accuracy", 1.0, 0.3, 0.25, adding=False)


# --- the queue ------------------------------------------------------------------------------------------------

def test_queue_sentences():
    policy = verdicts.queue_policy(1, 90.0, 180.0)
    assert "one at a time" in policy and "at most one run waiting or training" in policy
    assert "a whole comparison counts as one" in policy and "at most 90 s," in policy and "about 3 min " in policy
    assert "tab closed" in policy
    assert "at most" not in verdicts.queue_policy(2, None, None).split("one run waiting")[1]
    assert verdicts.queue_full("waiting", 300, 95, 30) == ("The server is busy: 30 runs are already waiting. Try "
                                                           "again in about 95 s.")
    assert verdicts.queue_full("wait", 250, 70, 30) == ("The server is busy: about 4 min 10 s of training is queued "
                                                        "ahead of you. Try again in about 70 s.")
    assert verdicts.waiting(2, 12.4) == ("Waiting for a free training slot: number 2 in the queue, starting in about "
                                         "12 s.")
    assert verdicts.too_long(400, 90).startswith("These settings would need about 6 min 40 s of training here, more "
                                                 "than the 90 s one run may use")
