"""The hand-tuning challenge: set a one-unit GRU's weights so it remembers an impulse (pure)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_viz.core import GRUTrace, GRUWeights, run_gru

T = 60
HOLD = 50  # level 1: the impulse must still be half there this many steps later
SECOND = 30  # level 2: a second, opposite impulse arrives at this step
KNOBS = ("U_r", "W_r", "b_r", "U_u", "W_u", "b_u", "U_g", "W_g", "b_g")
LIMIT = 10.0  # slider range ±LIMIT


@dataclass(frozen=True)
class Level:
    """What the student must achieve, and the input sequence it is judged on."""

    number: int
    goal: str
    impulses: tuple[tuple[int, float], ...]  # (step, value)


LEVELS = {
    1: Level(1, f"After an impulse x = 1 at step 0 (and x = 0 after it), h must still hold at least half of "
                f"its value from step 0 at step {HOLD}.", ((0, 1.0),)),
    2: Level(2, f"Hold the first impulse until step {SECOND - 1}, then let the opposite impulse x = −1 at step "
                f"{SECOND} overwrite it: at the last step h must have flipped sign and hold at least half as much.",
             ((0, 1.0), (SECOND, -1.0))),
}


@dataclass(frozen=True)
class Result:
    """How the student's cell did: pass or not, a 0–1 closeness, and one sentence saying why."""

    passed: bool
    closeness: float
    message: str
    trace: GRUTrace


def sequence(level: int) -> np.ndarray:
    """The level's input, (T, 1)."""
    x = np.zeros((T, 1))
    for step, value in LEVELS[level].impulses:
        x[step, 0] = value
    return x


def weights_from_knobs(knobs: dict[str, float]) -> GRUWeights:
    """A one-unit GRU from the nine knobs (recurrent-side biases c are zero)."""
    m = {k: np.array([[float(knobs.get(k, 0.0))]]) for k in KNOBS if k[0] in "UW"}
    b = {k: np.array([float(knobs.get(k, 0.0))]) for k in KNOBS if k[0] == "b"}
    zero = np.zeros(1)
    return GRUWeights(**m, **b, c_r=zero, c_u=zero, c_g=zero)


def judge(knobs: dict[str, float], level: int) -> Result:
    """Run the level's sequence through the student's cell and say how close it came."""
    trace = run_gru(weights_from_knobs(knobs), sequence(level))
    h = trace.h[:, 0]
    first = float(h[0])
    if abs(first) < 0.2:
        return Result(False, min(abs(first) / 0.2, 1.0) * 0.2,
                      f"The impulse barely gets in: h at step 0 is {first:+.2f}. Let the candidate take the input "
                      "(a large U_g) and the update gate open (u small) when x = 1.", trace)
    if level == 1:
        kept = float(h[HOLD]) / first  # fraction of the first value still there, with its sign
        closeness = float(np.clip(kept / 0.5, 0, 1))
        if kept >= 0.5:
            return Result(True, 1.0, f"Level 1 passed: {kept:.0%} of the impulse is still in h at step {HOLD}.", trace)
        return Result(False, closeness, f"Only {max(kept, 0):.0%} of h's value at step 0 is left at step {HOLD}; "
                      "it needs 50%. Keep u near 1 while x = 0.", trace)
    held = float(h[SECOND - 1]) / first
    flipped = float(h[-1]) / first  # negative once the second impulse has taken over
    closeness = float(np.clip(0.5 * min(held / 0.5, 1) + 0.5 * min(max(-flipped, 0) / 0.5, 1), 0, 1))
    if held < 0.5:
        return Result(False, closeness, f"The first impulse fades before the second arrives ({max(held, 0):.0%} "
                      f"left at step {SECOND - 1}, 50% needed).", trace)
    if -flipped >= 0.5:
        return Result(True, 1.0, f"Level 2 passed: held {held:.0%} until step {SECOND - 1}, then flipped to "
                      f"{-flipped:.0%} of the opposite sign.", trace)
    return Result(False, closeness, f"The memory holds ({held:.0%}) but the second impulse does not overwrite it "
                  f"(at the end h is {h[-1]:+.2f}). The update gate must open for x = −1 as well.", trace)


# A solution for each level, found by hand with the page: shown on request and checked by the tests.
SOLUTIONS = {
    1: dict(U_r=0.0, W_r=0.0, b_r=5.0, U_u=-10.0, W_u=0.0, b_u=6.0, U_g=5.0, W_g=0.0, b_g=0.0),
    2: dict(U_r=0.0, W_r=0.0, b_r=5.0, U_u=4.0, W_u=10.0, b_u=-6.0, U_g=6.0, W_g=4.0, b_g=0.0),
}
