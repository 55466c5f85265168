"""The hand-tuning challenge: set a one-unit GRU's weights so it remembers an impulse (pure).

Memory is judged as the difference the impulses make: the same cell runs once with the level's impulses and
once without any, and only h(with) − h(without) counts. A cell that settles to the same value either way
(every knob 0 and b_g = 5, say) remembers nothing and fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_viz.core import GRUTrace, GRUWeights, run_gru
from gru_viz.explain import fmt

T = 60
HOLD = 50  # level 1: the impulse's effect must still be half there this many steps later
SECOND = 30  # level 2: a second, identical impulse arrives at this step
MIN_EFFECT = 0.2  # at step 0 the impulse must move h at least this much
KNOBS = ("U_r", "W_r", "b_r", "U_u", "W_u", "b_u", "U_g", "W_g", "b_g")
LIMIT = 10.0  # slider range ±LIMIT


@dataclass(frozen=True)
class Level:
    """What the student must achieve, and the input sequence it is judged on."""

    number: int
    goal: str
    impulses: tuple[tuple[int, float], ...]  # (step, value)


_EFFECT = "the impulse's effect: h with the impulse minus h in the same cell fed only zeros"
LEVELS = {
    1: Level(1, f"An impulse x = 1 arrives at step 0 (x = 0 after it). At step {HOLD}, {_EFFECT}, must still be at "
                "least half of what it was at step 0. Shut the update gate (u near 0) to let the impulse in, "
                "then keep it open (u near 1) to hold it.", ((0, 1.0),)),
    2: Level(2, f"Build a toggle: the same impulse x = 1 arrives at step 0 and again at step {SECOND}. Hold the "
                f"first until step {SECOND - 1} (at least half of its effect), then let the second one flip the "
                f"memory: at the last step the effect must have the opposite sign and at least half the size. The "
                "candidate must now propose the opposite of what h holds, so it has to see h: that is the reset "
                "gate's job, with a negative W_g.", ((0, 1.0), (SECOND, 1.0))),
}


@dataclass(frozen=True)
class Result:
    """How the student's cell did: pass or not, a 0–1 closeness, and one sentence saying why."""

    passed: bool
    closeness: float
    message: str
    trace: GRUTrace  # with the impulses
    baseline: GRUTrace  # the same cell fed only zeros

    @property
    def effect(self) -> np.ndarray:
        """(T,) h with the impulses minus h without them."""
        return self.trace.h[:, 0] - self.baseline.h[:, 0]


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


def _pct(share: float) -> str:
    return f"{share:.0%}".replace("-", "−")


def judge(knobs: dict[str, float], level: int) -> Result:
    """Run the level's sequence, and zeros, through the student's cell and say how close it came."""
    weights = weights_from_knobs(knobs)
    trace, baseline = run_gru(weights, sequence(level)), run_gru(weights, np.zeros((T, 1)))
    effect = trace.h[:, 0] - baseline.h[:, 0]  # (T,)
    first = float(effect[0])

    def result(passed: bool, closeness: float, message: str) -> Result:
        return Result(passed, float(np.clip(closeness, 0, 1)), message, trace, baseline)

    if abs(first) < MIN_EFFECT:
        return result(False, abs(first) / MIN_EFFECT * 0.2,
                      f"The impulse barely gets in: at step 0 it moves h by only {fmt(first)} (h with the impulse "
                      f"minus h without it; {MIN_EFFECT:g} needed). Let the candidate take the input (a large U_g) "
                      "and shut the update gate (u near 0) when x = 1, so the candidate replaces the state.")
    if level == 1:
        kept = float(effect[HOLD]) / first  # share of the step-0 effect still there, with its sign
        if kept >= 0.5:
            return result(True, 1.0, f"Level 1 passed: at step {HOLD} the impulse still moves h by "
                                      f"{fmt(effect[HOLD])}, {_pct(kept)} of its effect at step 0.")
        return result(False, 0.2 + 0.8 * max(kept, 0) / 0.5,
                      f"At step {HOLD} the impulse moves h by only {fmt(effect[HOLD])}, {_pct(kept)} of its effect "
                      "at step 0; it needs 50%. Keep the update gate open (u near 1) while x = 0.")
    held = float(effect[SECOND - 1]) / first
    flipped = float(effect[-1]) / first  # negative once the second impulse has flipped the memory
    closeness = 0.2 + 0.4 * min(max(held, 0) / 0.5, 1) + 0.4 * min(max(-flipped, 0) / 0.5, 1)
    if held < 0.5:
        return result(False, closeness, f"The first impulse fades before the second arrives: at step {SECOND - 1} it "
                                        f"moves h by {fmt(effect[SECOND - 1])}, {_pct(held)} of its effect at step 0 "
                                        "(50% needed).")
    if -flipped >= 0.5:
        return result(True, 1.0, f"Level 2 passed: the first impulse's effect was still {_pct(held)} at step "
                                 f"{SECOND - 1}, and after the second one it is {_pct(flipped)} at the last step: "
                                 "the memory flipped.")
    return result(False, closeness, f"The memory holds ({_pct(held)} at step {SECOND - 1}), but the second impulse "
                                    f"does not flip it: at the last step the effect is {fmt(effect[-1])}, "
                                    f"{_pct(flipped)} of the first; it must reach −50%. Let the old state into the "
                                    "candidate (r open at the impulse) through a negative W_g.")


# A solution for each level, checked by the tests: u shuts (near 0) at each impulse so the candidate gets in, and
# stays open (σ(6) ≈ 0.998) in between; in level 2 the reset gate opens only at an impulse, so the candidate
# sees the stored value there and, through W_g = −6, proposes its opposite, while in between r ≈ 0 keeps the
# candidate near 0 and the state just decays by u each step.
SOLUTIONS = {
    1: dict(U_r=0.0, W_r=0.0, b_r=5.0, U_u=-10.0, W_u=0.0, b_u=6.0, U_g=5.0, W_g=0.0, b_g=0.0),
    2: dict(U_r=10.0, W_r=0.0, b_r=-5.0, U_u=-10.0, W_u=0.0, b_u=6.0, U_g=3.0, W_g=-6.0, b_g=0.0),
}
