"""The sentences of the "Units in real text" page, built from the numbers they state (pure, no UI)."""

from __future__ import annotations

import math

import numpy as np

from gru_viz.explain import fmt

CHAR_NAMES = {" ": "␣ (space)", "\n": "↵ (new line)", "\t": "⇥ (tab)", "\x00": "¤ (other)"}


def char_label(ch: str) -> str:
    """A character as a table can show it: spaces, new lines and tabs get a visible sign."""
    if ch in CHAR_NAMES:
        return CHAR_NAMES[ch]
    return ch if ch.isprintable() else f"U+{ord(ch):04X}"


def said(ch: str) -> str:
    """A character inside a sentence: quoted, or named when it cannot be seen."""
    return char_label(ch) if ch in CHAR_NAMES or not ch.isprintable() else f"“{ch}”"


def visible(text: str, limit: int = 60) -> str:
    """A stretch of text on one line: new lines as ↵, tabs as ⇥, cut to `limit` characters with an ellipsis."""
    shown = text.replace("\n", "↵").replace("\t", "⇥")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def model_sentence(meta: dict, bits_here: float, held_out_chars: int, python: str) -> str:
    """What the model is, how it was trained and how well it predicts the held-out text here."""
    config = meta.get("config", {})
    H, steps = config.get("hidden_size", "?"), meta.get("steps", "?")
    trained_on = meta.get("train_chars")
    corpus = f"{trained_on / 1e6:.2f} million characters" if isinstance(trained_on, (int, float)) else "the text"
    seconds = meta.get("seconds")
    took = f" in {seconds:.0f} s on {str(meta.get('device', '?')).upper()}" if isinstance(seconds, (int, float)) else ""
    baseline = meta.get("baseline")
    base = (f"; guessing from letter frequencies alone needs {fmt(baseline)}" if isinstance(baseline, (int, float))
            else "")
    stopped = " (stopped early)" if meta.get("stopped") else ""
    return (f"A GRU with {H} units read {corpus} of Python {meta.get('python', '?')}'s standard library and "
            f"learned to predict the next character: {steps} training steps{took}{stopped}. On the "
            f"{held_out_chars:,} held-out characters below, read from this machine's Python {python}, it needs "
            f"{fmt(bits_here)} bits per character{base}.")


def parity_sentence(meta: dict) -> str:
    """The NumPy core against PyTorch, as measured when the model was trained."""
    diff = meta.get("numpy_vs_torch_max_abs_h")
    if not isinstance(diff, (int, float)) or not math.isfinite(diff):
        return "This file does not say how closely the NumPy core matched PyTorch."
    return (f"Every number on this page comes from our NumPy GRU. When the model was trained, it matched "
            f"PyTorch's nn.GRU to within {diff:.1e} (largest |Δh| over {meta.get('held_out_chars', 0):,} "
            f"held-out characters).")


def chance_sentence(feature: str, r: float, unit: int, untrained: np.ndarray, shifted: np.ndarray) -> str:
    """How the best unit's correlation compares with what chance gives, in both ways of measuring chance."""
    untrained, shifted = np.asarray(untrained, float), np.asarray(shifted, float)
    chance = max(float(untrained.max()), float(shifted.max()))
    head = f"Unit {unit} follows {feature} best: r = {fmt(r)}."
    levels = (f" By chance, the best of the same number of units reaches |r| = {fmt(untrained.max())} in an "
              f"untrained network (largest of {len(untrained)}), and {fmt(shifted.max())} when the trained "
              f"network is compared with the feature shifted in time (largest of {len(shifted)} shifts).")
    if abs(r) > chance:
        verdict = f" |r| = {fmt(abs(r))} is above both: training made this unit follow {feature}."
    else:
        verdict = (f" |r| = {fmt(abs(r))} is not above both, so this correlation may be chance, or come from the "
                   f"architecture rather than from training.")
    return head + levels + verdict


def hypothesis_sentence(units: tuple, signs: tuple, threshold: float, margin: int, matches: tuple,
                        span: tuple[int, int]) -> str:
    """What the selection found: no unit, or which units and where else they are all on."""
    if not units:
        return (f"No unit is beyond ±{fmt(threshold)} at every selected character and within it at the {margin} "
                f"characters on each side. Try a lower threshold or a shorter selection.")
    names = ", ".join(f"{u} (h {'>' if s > 0 else '<'} {'' if s > 0 else '−'}{fmt(threshold)})"
                      for u, s in zip(units, signs))
    count = len(units)
    others = [m for m in matches if not (m[0] < span[1] and span[0] < m[1])]
    where = (f"Together they are on in {len(others)} other place{'s' if len(others) != 1 else ''} of the held-out "
             f"text" + (":" if others else ", only around your selection."))
    return (f"{count} unit{'s' if count != 1 else ''} {'are' if count != 1 else 'is'} on inside the selection and "
            f"off in the {margin} characters around it: {names}. {where}")


def prediction_sentence(context: str, top: list[tuple[str, float]], actual: str | None, p_actual: float | None,
                        rank: int | None) -> str:
    """The model's guess for the character after `context`, and how it did on the real one."""
    guess, p = top[0]
    text = f"After “{visible(context, 30)}”, the model's best guess is {said(guess)} ({100 * p:.0f}%)."
    if actual is None:
        return text + " This is the last character of the text: there is nothing to check it against."
    if actual == guess:
        return text + " That is right."
    return text + (f" The real next character is {said(actual)}: the model gave it {100 * p_actual:.1f}% "
                   f"(its guess number {rank}).")


def retrain_seconds(steps: int, meta: dict) -> float | None:
    """Seconds a retrain of `steps` steps should take, scaled from the shipped model's measured time (None: unknown)."""
    seconds, done = meta.get("seconds"), meta.get("steps")
    if not (isinstance(seconds, (int, float)) and isinstance(done, int) and done > 0 and seconds > 0):
        return None
    return seconds / done * steps


def default_retrain_steps(choices: list[int], meta: dict, budget_s: float | None) -> int:
    """The most steps among `choices` expected to finish within one run's budget (the fewest if none does)."""
    fitting = [n for n in choices if budget_s is None or (retrain_seconds(n, meta) or 0.0) <= budget_s]
    return max(fitting) if fitting else min(choices)


def retrain_sentence(steps: int, meta: dict, this_machine: str, budget_s: float | None = None) -> str:
    """How long a retrain of `steps` steps takes, scaled from the shipped model's measured time, and the budget."""
    estimate = retrain_seconds(steps, meta)
    if estimate is None:
        return "The time of the shipped model's training is not known, so no estimate can be given."
    seconds, done = meta["seconds"], meta["steps"]
    where = meta.get("machine", "another machine")
    same = where == this_machine
    sentence = (f"{steps} steps take about {_duration(estimate)} on {'this machine' if same else where} "
                f"(measured: {done} steps in {seconds:.0f} s on {str(meta.get('device', 'cpu')).upper()}"
                f"{', here' if same else ''}), plus a few seconds to start, if no other training is queued."
                + ("" if same else " This server may be faster or slower."))
    if budget_s is not None and estimate > budget_s:
        reach = int(steps * budget_s / estimate)
        sentence += (f" This server stops every run after {_duration(budget_s)} of training, so at that pace this "
                     f"one would stop near step {reach} and show the model it has by then.")
    return sentence


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} minutes"


def profile_sentence(profile: dict[str, tuple[float, float]], matched_chars: int) -> str:
    """Where the matched characters lie: inside brackets, strings, comments, against the text as a whole."""
    if matched_chars == 0:
        return ""
    parts = [f"{100 * inside:.0f}% inside {what} ({100 * overall:.0f}% of all characters are)"
             for what, (inside, overall) in profile.items()]
    return (f"Of the {matched_chars:,} character{'s' if matched_chars != 1 else ''} where they are all on, "
            + ", ".join(parts[:-1]) + " and " + parts[-1] + ".")


def signed(v: float) -> str:
    """A correlation with its sign always shown, and a true minus: '+0.79', '−0.49'."""
    text = fmt(v)
    return text if text.startswith("−") or text in ("0.00", "—") else "+" + text
