"""Plain-language sentences and small facts the pages show beside the numbers (pure, no UI)."""

from __future__ import annotations

import math

GATES_PER_CELL = {"rnn": 1, "gru": 3, "lstm": 4}  # blocks of (U, W, two biases) per layer


def parameter_count(cell: str, input_size: int, hidden_size: int) -> int:
    """Weights and biases in one layer, PyTorch-style (two bias vectors per block): k·H·(D + H + 2)."""
    if cell not in GATES_PER_CELL:
        raise ValueError(f"cell must be one of {sorted(GATES_PER_CELL)}, got {cell!r}")
    return GATES_PER_CELL[cell] * hidden_size * (input_size + hidden_size + 2)


def fmt(v: float, digits: int = 2) -> str:
    """A number as a student reads it: fixed digits, a true minus sign, no '-0.00'."""
    if not math.isfinite(v):
        return "—"
    text = f"{v:.{digits}f}"
    if float(text) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", "−")


def reset_sentence(r: float) -> str:
    """What a reset gate value does to the candidate."""
    pct = round(100 * r)
    if r < 0.1:
        return f"r = {fmt(r)}: the candidate almost ignores the previous state (only {pct}% of it gets in)."
    if r > 0.9:
        return f"r = {fmt(r)}: the candidate sees nearly all of the previous state ({pct}%)."
    return f"r = {fmt(r)}: the candidate sees {pct}% of what the previous state contributes."


def update_sentence(u: float) -> str:
    """What an update gate value does to the new state."""
    keep = round(100 * u)
    if u > 0.9:
        return f"u = {fmt(u)}: {keep}% of the previous state is kept; the cell is holding its memory."
    if u < 0.1:
        return f"u = {fmt(u)}: only {keep}% of the previous state is kept; the candidate overwrites it."
    return f"u = {fmt(u)}: the new state is {keep}% old state and {100 - keep}% candidate."


def candidate_sentence(candidate: float) -> str:
    """What the candidate value proposes."""
    if abs(candidate) > 0.9:
        return f"ĥ = {fmt(candidate)}: tanh is close to saturation; the proposal is a strong {'+' if candidate > 0 else '−'}1."
    return f"ĥ = {fmt(candidate)}: the new content proposed for this unit, always inside (−1, 1)."


def state_sentence(h_prev: float, h: float, u: float) -> str:
    """How the state moved in one step."""
    return (f"h = {fmt(u)} × {fmt(h_prev)} + {fmt(1 - u)} × ĥ = {fmt(h)}: "
            f"the state moved by {fmt(h - h_prev)}.")
