"""Which units follow which feature of the text, and LSTMVis-style hypotheses by selection (pure NumPy).

Correlations are Pearson's r between one unit's state h[:, j] over the held-out characters and one feature of
those characters. Picking the best of H units inflates |r| even where nothing is learned, so every ranking comes
with chance levels: the same ranking on untrained networks of the same size, and the trained network against
the feature shifted in time (circularly), which keeps both signals' own rhythm but breaks their alignment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_viz.charmodel import CharModel
from gru_viz.text import FEATURES, Corpus, code_features, encode, passages

MIN_SHIFT = 200  # circular shifts move the feature at least this many characters


def correlations(states: np.ndarray, features: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pearson r of every unit (columns of states (T, H)) with every feature (T,); 0 where either is constant."""
    X = np.asarray(states, dtype=np.float64)  # (T, H)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"states: expected (T, H) with T ≥ 2, got {X.shape}")
    Xc = X - X.mean(axis=0)
    x_norm = np.sqrt((Xc**2).sum(axis=0))  # (H,)
    out = {}
    for name, f in features.items():
        f = np.asarray(f, dtype=np.float64)
        if f.shape != (X.shape[0],):
            raise ValueError(f"feature {name!r}: expected shape ({X.shape[0]},), got {f.shape}")
        fc = f - f.mean()
        denom = x_norm * np.sqrt((fc**2).sum())  # (H,)
        # a constant unit or feature has no correlation to speak of: r = 0 rather than nan
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(denom > 1e-12, (fc @ Xc) / np.where(denom > 1e-12, denom, 1.0), 0.0)
        out[name] = np.clip(r, -1.0, 1.0)
    return out


def ranking(r: np.ndarray) -> np.ndarray:
    """Unit indices from the strongest |r| to the weakest; ties keep the lower index first."""
    return np.argsort(-np.abs(np.asarray(r)), kind="stable")


def best_abs(states: np.ndarray, features: dict[str, np.ndarray]) -> dict[str, float]:
    """The largest |r| over the units, per feature."""
    return {name: float(np.abs(r).max()) for name, r in correlations(states, features).items()}


def shifted_best(states: np.ndarray, features: dict[str, np.ndarray], n: int = 20,
                 seed: int = 0) -> dict[str, np.ndarray]:
    """Per feature, the best |r| over the units against n circular shifts of the feature (the chance level)."""
    T = len(states)
    if T <= 2 * MIN_SHIFT:
        raise ValueError(f"need more than {2 * MIN_SHIFT} characters to shift, got {T}")
    shifts = np.random.default_rng(seed).integers(MIN_SHIFT, T - MIN_SHIFT, n)
    out = {name: np.empty(n) for name in features}
    for k, s in enumerate(shifts):
        for name, r in correlations(states, {f: np.roll(v, s) for f, v in features.items()}).items():
            out[name][k] = np.abs(r).max()
    return out


@dataclass(frozen=True)
class Hypothesis:
    """The units that are on inside a selected span and off around it, and where else they are all on."""

    span: tuple[int, int]  # [start, end) of the selection, character offsets
    threshold: float
    units: tuple[int, ...]  # unit indices, strongest contrast first
    signs: tuple[int, ...]  # +1: the unit is on when h > threshold; −1: when −h > threshold
    matches: tuple[tuple[int, int], ...]  # [start, end) runs where every selected unit is on
    margin: int  # characters looked at on each side of the span

    @property
    def found(self) -> bool:
        return bool(self.units)


MARGIN = 5  # characters on each side of a selection where its units must be off
THRESHOLD = 0.3  # LSTMVis's default: a unit is on above it


def select_units(h: np.ndarray, start: int, end: int, threshold: float = THRESHOLD, margin: int = MARGIN,
                 max_units: int = 8, min_length: int = 2) -> Hypothesis:
    """Units on (h above threshold, or below −threshold) at every character of [start, end) and off at every
    character of the `margin` characters before and after; then the runs of text where all of them are on.

    A unit counts in one direction only: its state must be above the threshold inside and not above it around
    (sign +1), or below −threshold inside and not below it around (sign −1). Units are ordered by the contrast
    between the weakest inside value and the strongest outside value; at most max_units are kept. Matches are
    runs of at least min_length characters (the selection itself included)."""
    h = np.asarray(h)  # (T, H); only the span, its margins and the chosen units are read (no copy of h)
    T = h.shape[0]
    if not 0 <= start < end <= T:
        raise ValueError(f"the selection must lie within the text: 0 ≤ start < end ≤ {T}, got [{start}, {end})")
    if not 0.0 <= threshold < 1.0:
        raise ValueError(f"threshold must lie in [0, 1), got {threshold}")
    margin = max(int(margin), 0)
    around = np.r_[max(start - margin, 0):start, end:min(end + margin, T)]  # indices outside the span
    inside_h = h[start:end].astype(np.float64)  # (n, H)
    around_h = h[around].astype(np.float64)  # (m, H)
    units, signs, contrasts = [], [], []
    for sign in (1, -1):
        inside_low = (sign * inside_h).min(axis=0)  # (H,) weakest inside
        outside_high = (sign * around_h).max(axis=0) if around.size else np.full(h.shape[1], -np.inf)
        ok = (inside_low > threshold) & (outside_high <= threshold)
        for j in np.flatnonzero(ok):
            units.append(int(j))
            signs.append(sign)
            contrasts.append(inside_low[j] - (outside_high[j] if around.size else threshold))
    order = np.argsort(-np.asarray(contrasts), kind="stable")[:max_units]
    units = tuple(units[k] for k in order)
    signs = tuple(signs[k] for k in order)
    matches: tuple[tuple[int, int], ...] = ()
    if units:
        on = np.all(h[:, units] * np.asarray(signs, dtype=h.dtype) > threshold, axis=1)  # (T,) every unit on
        matches = tuple((a, b) for a, b in runs(on) if b - a >= min_length)
    return Hypothesis(span=(start, end), threshold=float(threshold), units=units, signs=signs, matches=matches,
                      margin=margin)


def hypothesis_in_passage(h: np.ndarray, passage: tuple[int, int], span: tuple[int, int], threshold: float,
                          margin: int = MARGIN) -> tuple[Hypothesis, list[tuple[int, int]]]:
    """select_units for a span given relative to a passage [start, end) of the text; its matches anywhere in
    the text, and those inside the passage relative to its start (for marking them there)."""
    start, end = passage
    a, b = span
    hyp = select_units(h, start + a, start + b, threshold, margin=margin)
    in_view = [(max(s - start, 0), min(e, end) - start) for s, e in hyp.matches if s < end and e > start]
    return hyp, in_view


PROFILE = {  # what the characters of a match may be inside of: feature, test, words
    "brackets": ("bracket depth", lambda v: v > 0),
    "a string": ("inside a string", lambda v: v > 0),
    "a comment": ("inside a comment", lambda v: v > 0),
}


def match_profile(matches, features: dict[str, np.ndarray]) -> dict[str, tuple[float, float]]:
    """For brackets, strings and comments: the share of the matched characters inside them, and of all characters."""
    T = len(next(iter(features.values())))
    chosen = np.zeros(T, bool)
    for a, b in matches:
        chosen[a:b] = True
    out = {}
    for words, (name, test) in PROFILE.items():
        inside = test(np.asarray(features[name]))
        out[words] = (float(inside[chosen].mean()) if chosen.any() else 0.0, float(inside.mean()))
    return out


def example_span(h: np.ndarray, features: dict[str, np.ndarray], limit: int) -> tuple[int, int]:
    """A selection worth trying first: the first bracketed stretch (3+ characters) before `limit` whose units
    select_units finds, else the first bracketed stretch, else the first character."""
    depth = np.asarray(features["bracket depth"][:limit])
    stretches = [(a, b) for a, b in runs(depth > 0) if b - a >= 3]
    for a, b in stretches:
        if select_units(h, a, b).found:
            return a, b
    return stretches[0] if stretches else (0, 1)


def parse_pick(value, length: int) -> tuple[str, object] | None:
    """What a click in the text view asked for: ("cursor", i) or ("span", (a, b)) within a passage of `length`
    characters; None for anything else (the message comes from a browser, so it may be anything)."""
    if not isinstance(value, dict) or length < 1:
        return None
    cursor, span = value.get("cursor"), value.get("span")
    if isinstance(cursor, int) and not isinstance(cursor, bool):
        return "cursor", min(max(cursor, 0), length - 1)
    if (isinstance(span, list) and len(span) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in span)):
        return "span", clamp_span(span, length)
    return None


def clamp_span(span, length: int) -> tuple[int, int]:
    """A [start, end) selection made to fit a passage of `length` characters, at least one character long."""
    a, b = sorted(int(v) for v in span)
    a = min(max(a, 0), length - 1)
    return a, min(max(b, a + 1), length)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of every run of True in a 1-D boolean array."""
    m = np.asarray(mask, dtype=np.int8)
    edges = np.diff(np.r_[0, m, 0])
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


UNTRAINED_NETS = 3  # untrained networks behind the chance level
SHIFTS = 20  # circular shifts behind the other chance level


@dataclass(frozen=True)
class UnitAnalysis:
    """A model run over held-out text by the NumPy core, with each unit's correlation to each feature."""

    text: str  # the held-out text
    h: np.ndarray  # (T, H) float32 state after each character
    r: np.ndarray  # (T, H) float16 reset gate (display only)
    u: np.ndarray  # (T, H) float16 update gate (display only)
    features: dict  # name -> (T,) values
    r_trained: dict  # name -> (H,) Pearson r of each unit
    r_untrained: dict  # name -> (UNTRAINED_NETS,) best |r| of each untrained network
    r_shifted: dict  # name -> (SHIFTS,) best |r| of the trained units against a shifted feature
    bits_per_char: float  # the model's next-character loss on this text, by the NumPy core
    example: tuple[int, int]  # a selection to start from (see example_span)

    def best_unit(self, feature: str) -> int:
        return int(ranking(self.r_trained[feature])[0])


def _frozen(a: np.ndarray, dtype) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=dtype)
    a.flags.writeable = False
    return a


def chance_untrained(embed_size: int, hidden_size: int, text: str, n: int = UNTRAINED_NETS) -> dict[str, np.ndarray]:
    """Per feature, the best |r| over the units of n untrained networks of this size (seeds 0 … n−1)."""
    features = code_features(text)
    best = {name: np.empty(n) for name in features}
    for seed in range(n):
        h = CharModel.untrained(embed_size, hidden_size, seed).trace(text).h
        for name, value in best_abs(h, features).items():
            best[name][seed] = value
    return best


def stored_chance(model: CharModel, text: str) -> dict[str, np.ndarray] | None:
    """The untrained networks' chance level saved with the model, if it was measured on this very text."""
    saved = model.metadata.get("chance_untrained")
    try:
        if (saved["held_out"] != Corpus.digest_of(text) or saved["embed_size"] != model.embed_size
                or saved["hidden_size"] != model.hidden_size):
            return None
        best = {name: np.asarray(saved["best_abs"][name], dtype=np.float64) for name in FEATURES}
    except (KeyError, TypeError, ValueError):
        return None  # an older or damaged file: measure it again
    ok = all(v.ndim == 1 and v.size >= 1 and np.all((v >= 0) & (v <= 1)) for v in best.values())
    return best if ok else None


def analyse(model, text: str, untrained: dict[str, np.ndarray] | None = None) -> UnitAnalysis:
    """Run a CharModel over text with the NumPy core and rank its units against every feature of the text."""
    codes = encode(text)
    trace = model.trace(codes)
    features = code_features(text)
    if untrained is None:
        untrained = stored_chance(model, text) or chance_untrained(model.embed_size, model.hidden_size, text)
    return UnitAnalysis(
        text=text, h=_frozen(trace.h, np.float32), r=_frozen(trace.r, np.float16), u=_frozen(trace.u, np.float16),
        features={k: _frozen(v, np.float64) for k, v in features.items()},
        r_trained={k: _frozen(v, np.float64) for k, v in correlations(trace.h, features).items()},
        r_untrained={k: _frozen(v, np.float64) for k, v in untrained.items()},
        r_shifted={k: _frozen(v, np.float64) for k, v in shifted_best(trace.h, features, SHIFTS).items()},
        bits_per_char=model.bits_per_character(codes, trace.h),
        example=example_span(trace.h, features, passages(text)[0][1]))  # in the first passage the page shows
