"""Every sentence the Compare and Memory pages, and the training queue, build from numbers: pure functions.

Each says only what its numbers show: a tie is a tie, seeds that disagree are said to disagree, a cell that
learned nothing is said to have learned nothing, and "first to halve the error" is kept apart from "quicker
per step". The numbers come from gru_viz.comparison, gru_viz.memory and gru_viz.jobs.
"""

from __future__ import annotations

import math

import numpy as np

from gru_viz.comparison import CellRuns

CELL_NAMES = {"gru": "GRU", "lstm": "LSTM", "rnn": "plain RNN"}
WEIGHT_BLOCKS = {"gru": "3 weight blocks (reset gate, update gate, candidate)",
                 "lstm": "4 (input gate, forget gate, cell candidate, output gate)"}
NO_MEMORY_MEANING = ("the error of the best guess from the current input alone: a network must beat it to show "
                     "it remembers anything")
SAME = 1.1  # two medians within 10 % of each other are "about the same"
TINY = 0.01  # errors below 1 % of the no-memory error all count as "solved": a tie among them
FAR = 10.0  # a tenth of the others' error or less is "far ahead"
_NUMBER_WORDS = {2: "two", 3: "three", 4: "four"}


# --- small pieces ---------------------------------------------------------------------------------------------

def names(items) -> str:
    """"A", "A and B", "A, B and C"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def the(cells) -> str:
    """The cells' names with "the" before each: "the GRU and the LSTM"."""
    return names(f"the {CELL_NAMES[c]}" for c in cells)


def duration(seconds: float) -> str:
    """Seconds as a student reads them: "8 s", "90 s", "2 min", "3 min 20 s"."""
    s = max(0, round(seconds))
    if s < 120:
        return f"{s} s"
    minutes, rest = divmod(s, 60)
    rest = 10 * round(rest / 10)
    if rest == 60:
        minutes, rest = minutes + 1, 0
    return f"{minutes} min" + (f" {rest} s" if rest else "")


def share(x: float) -> str:
    """A retained share, in one format for every number a student compares: 35%, 0.42%, less than 0.01%."""
    if x >= 0.01:
        return f"{100 * x:.0f}%"
    if x >= 0.0001:
        return f"{100 * x:.2f}%"
    return "less than 0.01%"


def small(x: float) -> str:
    """A positive number of any size, two digits: 0.0067, 6×10⁻⁵, 3.5×10⁻¹⁸ (never Python's 6e-05)."""
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.2g}"
    mantissa, exponent = f"{x:.1e}".split("e")
    power = "10" + str(int(exponent)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return power if mantissa == "1.0" else f"{mantissa.rstrip('0').rstrip('.')}×{power}"


def times(ratio: float) -> str:
    """A large ratio: 45, or about 10¹³."""
    if ratio < 1000:
        return f"{ratio:,.0f}"
    superscripts = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    return "about 10" + str(int(math.log10(ratio))).translate(superscripts)


def _median(values) -> float:
    v = np.asarray([math.inf if x is None else x for x in values], dtype=np.float64)
    return float(np.median(v)) if v.size else math.nan


def _number(x: float, style: str) -> str:
    if math.isinf(x):
        return "never"
    return {"ms": f"{x:.3g}", "error": f"{x:.3g}", "steps": f"{x:.0f}", "s": f"{x:.1f}"}[style]


def spread_text(values, style: str) -> str:
    """Median and range of one value per seed ("never" counts as the largest): "7.7 (7.4–8.1)", "150 (100–never)"."""
    v = [math.inf if x is None else float(x) for x in values]
    median = _number(_median(v), style)
    low, high = _number(min(v), style), _number(max(v), style)
    return median if len(v) == 1 or low == high else f"{median} ({low}–{high})"


def _differ(a, b) -> bool:
    """Two cells' values, one per seed in the same seed order, differ clearly: one is lower by 10 % or more in EVERY
    seed. Seeds are paired: the same seed gives both the same batches, and trains them at nearly the same time."""
    a = np.asarray([math.inf if x is None else x for x in a], dtype=np.float64)
    b = np.asarray([math.inf if x is None else x for x in b], dtype=np.float64)
    with np.errstate(invalid="ignore"):  # inf against inf: neither is lower
        return bool(np.all(a * SAME <= b) and np.all(a < b) or np.all(b * SAME <= a) and np.all(b < a))


def _groups(cells: list[CellRuns], key) -> list[list[CellRuns]]:
    """Cells ordered by the median of key (one value per seed), grouped where neighbours do not clearly differ."""
    ordered = sorted(cells, key=lambda c: _median(key(c)))
    groups = [[ordered[0]]]
    for cell in ordered[1:]:
        if _differ(key(groups[-1][-1]), key(cell)):
            groups.append([cell])
        else:
            groups[-1].append(cell)
    return groups


def _seeds_phrase(n: int) -> str:
    return "in this run" if n == 1 else f"in all {n} seeds"


# --- the Compare page -----------------------------------------------------------------------------------------

def table(cells: list[CellRuns]) -> list[dict]:
    """One record per cell, short headings (it must fit a phone), numbers written out: median (range) over seeds."""
    shown = "MSE" if cells[0].metric == "mse" else "accuracy"
    n = len(cells[0].seeds)
    return [{"cell": CELL_NAMES[c.cell], "time per step (ms)": spread_text(c.ms_per_step, "ms"),
             f"final {shown}": spread_text(c.values, "error"),
             "halved the error": f"{c.halved} of {n} seed{'s' if n > 1 else ''}",
             "steps to halve": spread_text(c.steps_to_half, "steps"),
             "seconds to halve": spread_text(c.seconds_to_half, "s")} for c in cells]


def learned_sentence(cells: list[CellRuns], steps: int) -> str:
    """How many seeds of each cell halved the no-memory error."""
    n, k = len(cells[0].seeds), len(cells)
    every = "Both" if k == 2 else f"All {_NUMBER_WORDS.get(k, k)}"
    if all(c.halved == n for c in cells):
        return f"{every} halved the no-memory error {'in this run' if n == 1 else f'in every one of the {n} seeds'}."
    if all(c.halved == 0 for c in cells):
        where = "in this run" if n == 1 else f"in any of the {n} seeds"
        return (f"None of the {_NUMBER_WORDS.get(k, k)} halved the no-memory error {where} within {steps} steps, so "
                "this run cannot say which learns faster: train for more steps, or try a shorter sequence.")
    if n == 1:
        did = [c.cell for c in cells if c.halved]
        missed = [c.cell for c in cells if not c.halved]
        return f"Only {the(did)} halved the no-memory error within {steps} steps; {the(missed)} never did."
    parts = [f"{CELL_NAMES[c.cell]} in {c.halved} of {n}" if i == 0 else
             f"{CELL_NAMES[c.cell]} in {'none' if c.halved == 0 else 'all' if c.halved == n else c.halved}"
             for i, c in enumerate(sorted(cells, key=lambda c: -c.halved))]
    return f"Seeds in which each cell halved the no-memory error within {steps} steps: {names(parts)}."


def speed_sentence(cells: list[CellRuns]) -> str:
    """Time per training step, quickest first; an order only where it holds in every seed, ties said as ties."""
    n = len(cells[0].seeds)
    listed = ", ".join(f"{CELL_NAMES[c.cell]} {_number(_median(c.ms_per_step), 'ms')} ms"
                       for c in sorted(cells, key=lambda c: _median(c.ms_per_step)))
    head = f"Time per training step{' (median over ' + str(n) + ' seeds)' if n > 1 else ''}: {listed}."
    groups = _groups(cells, lambda c: c.ms_per_step)
    if len(groups) == 1:
        return head + (" No cell was quicker than another by 10% or more in every seed: per step they are level."
                       if n > 1 else " They are within 10% of each other: level.")
    first, last = groups[0], groups[-1]
    text = (" In every seed, " if n > 1 else " ") + the(c.cell for c in first)
    text += " was quickest" if len(first) == 1 else " were quickest, level with each other"
    if len(groups) == 3:
        text += f", {the(c.cell for c in groups[1])} in between"
    text += f" and {the(c.cell for c in last)} slowest"
    ratio = _median(last[0].ms_per_step) / _median(first[0].ms_per_step)
    if ratio >= 2 and len(first) == len(last) == 1:
        median = "median " if n > 1 else ""
        text += (f"; the {CELL_NAMES[last[0].cell]}'s {median}time per step is {ratio:.1f} times the "
                 f"{CELL_NAMES[first[0].cell]}'s")
    return head + _capital(text) + "."


def _capital(text: str) -> str:
    """The text with its first letter (after leading spaces) in capitals."""
    stripped = text.lstrip()
    return text[:len(text) - len(stripped)] + stripped[:1].upper() + stripped[1:]


def _seed_winner(a: float | None, b: float | None) -> str:
    """Who of two cells halved the error sooner in one seed: "a", "b", "tie" or "neither"."""
    if a is None and b is None:
        return "neither"
    if b is None or (a is not None and a * SAME <= b):
        return "a"
    if a is None or b * SAME <= a:
        return "b"
    return "tie"


def _how(winner: CellRuns, loser: CellRuns) -> str:
    """Why the winner got there first: fewer steps, quicker steps, or both."""
    fewer = _differ(winner.steps_to_half, loser.steps_to_half) and \
        _median(winner.steps_to_half) < _median(loser.steps_to_half)
    more = _differ(winner.steps_to_half, loser.steps_to_half) and not fewer
    quicker = _differ(winner.ms_per_step, loser.ms_per_step) and \
        _median(winner.ms_per_step) < _median(loser.ms_per_step)
    slower = _differ(winner.ms_per_step, loser.ms_per_step) and not quicker
    w = CELL_NAMES[winner.cell]
    if fewer and slower:
        return f" The {w} needed fewer steps, although each of its steps took longer."
    if fewer and quicker:
        return f" The {w} needed fewer steps, and each of them was quicker."
    if fewer:
        return f" The {w} needed fewer steps, at about the same time per step."
    if quicker and more:
        return f" The {w}'s steps were quicker, although it needed more of them."
    if quicker:
        return f" The {w}'s steps were quicker, with about as many of them."
    return ""


def claim_sentence(gru: CellRuns, lstm: CellRuns) -> str:
    """Whether "a GRU trains faster than an LSTM" (first to halve the no-memory error, by the clock) holds here."""
    n = len(gru.seeds)
    seeds = [_seed_winner(a, b) for a, b in zip(gru.seconds_to_half, lstm.seconds_to_half)]
    counted = {w: seeds.count(w) for w in ("a", "b", "tie", "neither")}
    claim = "The claim that a GRU trains faster than an LSTM"
    facts = (f" In steps, with the same batches, the GRU needed {spread_text(gru.steps_to_half, 'steps')} and the "
             f"LSTM {spread_text(lstm.steps_to_half, 'steps')}; in seconds of training, "
             f"{spread_text(gru.seconds_to_half, 's')} against {spread_text(lstm.seconds_to_half, 's')}.")
    if counted["neither"] == n:
        return f"{claim} cannot be judged from this run: neither halved the no-memory error."
    if counted["a"] == n:
        return (f"{claim} holds {_seeds_phrase(n)}: the GRU halved the no-memory error sooner by the clock"
                f"{'' if n == 1 else ' every time'}." + facts + _how(gru, lstm))
    if counted["b"] == n:
        return (f"{claim} does not hold {_seeds_phrase(n)}: the LSTM halved the no-memory error sooner by the "
                f"clock{'' if n == 1 else ' every time'}." + facts + _how(lstm, gru))
    if counted["tie"] == n:
        return (f"{claim} ends in a tie {_seeds_phrase(n)}: both halved the no-memory error within 10% of the "
                "same time." + facts)
    parts = [f"the GRU was sooner in {counted['a']}", f"the LSTM in {counted['b']}"]
    if counted["tie"]:
        parts.append(f"{counted['tie']} {'was a tie' if counted['tie'] == 1 else 'were ties'}")
    if counted["neither"]:
        parts.append(f"in {counted['neither']} neither got there")
    return (f"The seeds disagree on whether a GRU trains faster than an LSTM: {names(parts)} of the {n} seeds. "
            "No consistent winner, on this task with these settings." + facts)


def final_sentence(cells: list[CellRuns]) -> str:
    """The final validation errors, and whether one cell ended clearly lower, far lower, or in a tie."""
    metric = cells[0].metric
    shown = "MSE" if metric == "mse" else "accuracy"
    n = len(cells[0].seeds)
    listed = ", ".join(f"{CELL_NAMES[c.cell]} {spread_text(c.values, 'error')}" for c in cells)
    head = (f"Final validation {shown}{' (median and range over ' + str(n) + ' seeds)' if n > 1 else ''}: {listed}; "
            f"without memory, {cells[0].baseline:.3g}.")
    tiny = cells[0].baseline_error * TINY

    def errors(c: CellRuns) -> np.ndarray:
        return np.maximum(c.errors, tiny)  # every error below the tiny one is "solved": all equal

    solved = [c for c in cells if np.all(c.errors <= tiny)]
    groups = _groups(cells, errors)
    if len(solved) == len(cells):
        verdict = f" All of them solved it {_seeds_phrase(n)}: a tie."
    elif len(groups) == 1:
        verdict = (" None ended lower than the others by 10% or more in every seed: a tie on this measure."
                   if n > 1 else " They ended within 10% of each other: a tie on this measure.")
    elif len(groups[0]) > 1:
        who = the(c.cell for c in groups[0])
        verdict = f" {_capital(who)} ended about equally low, below the rest{' in every seed' if n > 1 else ''}."
    else:
        best, rest = groups[0][0], [c for c in cells if c is not groups[0][0]]
        far = all(errors(best).max() * FAR <= errors(c).min() for c in rest)
        verdict = (f" The {CELL_NAMES[best.cell]} ended far ahead, at a tenth of the others' error or less "
                   f"{'in this run' if n == 1 else 'in every seed'}." if far else
                   f" The {CELL_NAMES[best.cell]} ended lowest{' in every seed' if n > 1 else ''}.")
    stuck = [c.cell for c in cells if _median(c.errors) >= 0.9 * c.baseline_error]
    if stuck:
        who = the(stuck)
        verdict += (f" {_capital(who)} ended no better than a network without memory"
                    f"{' (median over the seeds)' if n > 1 else ''}.")
    return head + verdict


def blocks_sentence(gru: CellRuns, lstm: CellRuns, device: str) -> str:
    """Parameter counts and weight blocks, and what else decides the time per step."""
    return (f"The GRU has {gru.parameters:,} parameters to the LSTM's {lstm.parameters:,}: {WEIGHT_BLOCKS['gru']} "
            f"against {WEIGHT_BLOCKS['lstm']}. Time per step depends as much on how well PyTorch's kernels for "
            f"each cell are tuned for this machine's {device.upper()} as on that count.")


def evidence_sentence(n: int) -> str:
    """How much a run of n seeds can prove."""
    if n == 1:
        return ("One seed is weak evidence: run several seeds before drawing a conclusion. On CPU the same settings "
                "give the same losses again; the times vary with the machine's load.")
    return (f"{n} seeds on one task with one set of sizes: what holds here may not hold on another task, size or "
            "learning rate. On CPU the same seeds give the same losses again; the times vary with the machine's "
            "load, measured here for every cell in the same process, one seed after another.")


def verdict(cells: list[CellRuns], steps: int, device: str) -> list[str]:
    """What the whole comparison shows, as paragraphs."""
    by = {c.cell: c for c in cells}
    paragraphs = [learned_sentence(cells, steps) + " " + final_sentence(cells), speed_sentence(cells)]
    if "gru" in by and "lstm" in by:
        gru, lstm = by["gru"], by["lstm"]
        paragraphs.append(claim_sentence(gru, lstm) + " " + blocks_sentence(gru, lstm, device))
    paragraphs.append(evidence_sentence(len(cells[0].seeds)))
    return paragraphs


def no_memory_caption(value: float, how: str) -> str:
    """What the dashed no-memory line is, for one task."""
    return (f"No memory: {value:.3g}, {NO_MEMORY_MEANING}. Here that best guess is {how}.")


def dashed_line_caption(value: float, how: str) -> str:
    """Under a learning curve: what its dashed no-memory line is."""
    return (f"The dashed line, {value:.3g}, is the validation score of the best guess from the current input alone, "
            f"without memory: a network must beat it to show it remembers anything. Here that best guess is {how}.")


def run_failed(part, message: str) -> str:
    """Why a run ended early: the network that failed and the queue's message."""
    if part is None:
        return message
    cell, seed = part
    return f"the {CELL_NAMES[cell]} with seed {seed} ended early: {message}"


# --- the Memory page ------------------------------------------------------------------------------------------

def memory_summary(gru: float, rnn: float, key_step: int, T: int, before: tuple[float, float],
                   gru_learned: bool) -> str:
    """What the influence of the earliest key input says, trained GRU against trained RNN, either way round.

    before: the same two influences before training; gru_learned: whether the GRU halved the no-memory error.
    """
    text = (f"The earliest key input, at step {key_step}, lies {T - 1 - key_step} steps before the output is read. "
            f"After training it moves the GRU's output by {small(gru)} per unit of input and the plain RNN's by "
            f"{small(rnn)}")
    ratio = math.inf if rnn == 0 and gru > 0 else gru / rnn if rnn > 0 else 1.0
    if gru == 0 and rnn == 0:
        text += ": neither output depends on it at all"
    elif rnn == 0:
        text += ": in the RNN nothing of it arrives at all"
    elif gru == 0:
        text += ": in the GRU nothing of it arrives at all, while the RNN's output still depends on it"
    elif ratio >= FAR:
        text += f", {times(ratio)} times as much in the GRU"
    elif ratio <= 1 / FAR:
        text += f": the RNN's output depends on it {times(1 / ratio)} times as much as the GRU's"
    else:
        text += ", within a factor of 10 of each other"
    text += f" (before training: {small(before[0])} and {small(before[1])})."
    if ratio >= FAR and gru_learned:
        return text + " The information survived the gap in the trained GRU and faded away in the RNN."
    if ratio >= FAR:
        return text + (" But the GRU has not learned the task in this run, so this is sensitivity, not yet a memory "
                       "it uses: train longer and compare again.")
    if rnn > 0 and ratio <= 1 / FAR:
        return text + (" In this run the GRU did not keep that input better than the RNN: compare which of the two "
                       "learned the task, above.")
    return text + " Neither kept it much better in this run: train longer, or make the gap longer, and compare again."


def influence_caption(title: str, metric: str, gru: float, rnn: float, baseline: float, adding: bool) -> str:
    """The caption of the influence figure: the example, the scores, and what the no-memory number means."""
    shown = "MSE" if metric == "mse" else "accuracy"
    return (f"One {title.lower()} example; dotted grey lines mark its key inputs. Solid: after training "
            f"(validation {shown}: GRU {gru:.3g}, RNN {rnn:.3g}; without memory {baseline:.3g}, {NO_MEMORY_MEANING}). "
            "Dotted: the same networks before training. Log scale. The influence adds up all input channels of a "
            "step" + (": a trained GRU cares about every step's marker channel, since a mark there would add that "
                      "step's number." if adding else "."))


def retention_summary(unit: int, after: float, before: float, start: int, T: int) -> str:
    """The most retentive trained unit, before and after training, and what ∏u leaves out."""
    return (f"After training, unit {unit}, the most retentive, still holds {share(after)} of what it stored at step "
            f"{start - 1} at the last step, step {T - 1}; before training the same unit held {share(before)}. "
            "∏u follows only the direct path, the old state copied forward by the update gate. The old state also "
            "reaches later steps through the candidate, which reads h through W_g wherever the reset gate r lets "
            "it in, so ∏u is not the whole of a GRU's memory. A plain RNN has no update gate: it computes "
            "h = tanh(x U + h W + b) afresh at every step, so an old input reaches the output only through a long "
            "chain of multiplications by W and tanh slopes, which shrinks its influence step after step, as the "
            "curve above shows.")


# --- the training queue ---------------------------------------------------------------------------------------

def queue_policy(slots: int, budget_s: float | None, max_wait_s: float | None) -> str:
    """The queue's rules, as the pages state them."""
    text = (f"Training runs in separate processes, {'one' if slots == 1 else slots} at a time on this server, "
            "first come, first served. Each student has at most one run waiting or training: a new one replaces "
            "the old, and a whole comparison counts as one.")
    if budget_s is not None:
        text += f" A run trains for at most {duration(budget_s)}, then stops with what it has."
    text += " A run that nobody is looking at any more (its tab closed) is cancelled."
    if max_wait_s is not None:
        text += (f" When more than about {duration(max_wait_s)} of training is queued, the page asks you to try "
                 "again later.")
    return text


def queue_full(reason: str, wait_s: float, retry_s: float, max_waiting: int | None) -> str:
    """Why the queue refused a run, and when to try again."""
    why = (f"{max_waiting} runs are already waiting" if reason == "waiting" and max_waiting else
           f"about {duration(wait_s)} of training is queued ahead of you")
    return f"The server is busy: {why}. Try again in about {duration(retry_s)}."


def waiting(position: int, wait_s: float) -> str:
    """A queued run's place in line."""
    return (f"Waiting for a free training slot: number {position} in the queue, starting in about "
            f"{duration(wait_s)}.")


def too_long(estimate_s: float, budget_s: float) -> str:
    """Settings that cannot finish within the budget."""
    return (f"These settings would need about {duration(estimate_s)} of training here, more than the "
            f"{duration(budget_s)} one run may use on this server: use fewer seeds or steps, or a shorter sequence "
            "or a smaller network.")
