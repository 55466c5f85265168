"""One step of a GRU sent from Gates over time to One step: checked before it is shown (pure).

Gates over time puts a dict in st.session_state["os__from_gates"] with the keys weights (GRUWeights),
x ((D,) input at that step), h_prev ((H,) state before it), step, unit and source (plain text that
describes the settings; parts of it come from the user, so it is only ever shown as plain text).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_viz.core import GRUWeights

KEY = "os__from_gates"
MAX_SIZE = 32  # the largest H and D Gates over time can send
MAX_SOURCE_CHARS = 300


@dataclass(frozen=True)
class Handoff:
    """A cell and the step of it to show."""

    weights: GRUWeights
    x: np.ndarray  # (D,)
    h_prev: np.ndarray  # (H,)
    step: int
    unit: int
    source: str  # plain text, never Markdown

    def banner(self) -> str:
        """One line saying what is shown (plain text)."""
        return f"Step {self.step}, unit {self.unit} of the GRU from Gates over time ({self.source})"


def _vector(name: str, value, size: int) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} is not a list of numbers") from None
    if arr.shape != (size,):
        raise ValueError(f"{name} has shape {arr.shape}, expected ({size},)")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _whole(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a whole number, got {type(value).__name__}")
    if not lo <= int(value) <= hi:
        raise ValueError(f"{name} = {int(value)} lies outside {lo}…{hi}")
    return int(value)


def plain(text: str, limit: int = MAX_SOURCE_CHARS) -> str:
    """Text made safe to show on one line: control characters dropped, at most `limit` characters."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in str(text)).strip()
    return cleaned if len(cleaned) <= limit else cleaned[:limit - 1] + "…"


def read_handoff(value) -> Handoff:
    """The handoff in `value`, or ValueError saying what is wrong with it."""
    if not isinstance(value, dict):
        raise ValueError(f"expected a dict, got {type(value).__name__}")
    missing = {"weights", "x", "h_prev", "step", "unit", "source"} - set(value)
    if missing:
        raise ValueError(f"missing {', '.join(sorted(missing))}")
    weights = value["weights"]
    if not isinstance(weights, GRUWeights):
        raise ValueError(f"weights must be GRUWeights, got {type(weights).__name__}")
    D, H = weights.input_size, weights.hidden_size
    if D > MAX_SIZE or H > MAX_SIZE:
        raise ValueError(f"the cell has D = {D}, H = {H}; One step shows at most {MAX_SIZE} of each")
    if not isinstance(value["source"], str):
        raise ValueError("source must be text")
    return Handoff(weights=weights.astype(np.float64), x=_vector("x", value["x"], D),
                   h_prev=_vector("h_prev", value["h_prev"], H), step=_whole("step", value["step"], 0, 10**9),
                   unit=_whole("unit", value["unit"], 0, H - 1), source=plain(value["source"]))
