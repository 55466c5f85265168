"""Predict-then-reveal questions about one GRU step, generated from random values (pure).

Each question a student can answer by hand: the σ and tanh questions print enough reference values that
linear interpolation between them (and the symmetry rule) lands within the tolerance for every number drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_viz.core import GRUWeights, run_gru, sigmoid
from gru_viz.explain import fmt

SIGMA_AT = (0.0, 1.0, 2.0, 3.0, 4.0)  # σ(z) is printed for these z; |z| drawn ≤ 4
TANH_AT = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)  # tanh(z) printed for these z; |z| ≤ 3 by construction
SIGMA_TOLERANCE = 0.02  # interpolation between the printed values errs by at most 0.013
TANH_TOLERANCE = 0.03  # interpolation errs by at most 0.016, rounding z to 2 decimals adds 0.005
STATE_TOLERANCE = 0.01  # plain arithmetic: u h + (1 − u) ĥ


@dataclass(frozen=True)
class Question:
    """A question with a numeric answer, checked to within `tolerance`."""

    prompt: str  # Markdown with LaTeX
    answer: float
    tolerance: float
    explanation: str

    def check(self, guess: float) -> bool:
        return bool(np.isfinite(guess)) and abs(guess - self.answer) <= self.tolerance


def _one_unit_step(h_prev: float, *, xU_g: float, W_g: float = 0.0, r: float | None = None,
                   u: float | None = None):
    """One step of a one-unit GRU whose input term for the candidate is xU_g (x = 1, no biases)."""
    zero = np.zeros((1, 1))
    w = GRUWeights(U_r=zero, U_u=zero, U_g=[[xU_g]], W_r=zero, W_u=zero, W_g=[[W_g]],
                   b_r=[0.0], b_u=[0.0], b_g=[0.0], c_r=[0.0], c_u=[0.0], c_g=[0.0])
    return run_gru(w, [[1.0]], [h_prev], reset_after=False, r_override=r, u_override=u)


def _table(name: str, fn, at, rule: str) -> str:
    """'σ(0) = 0.500, σ(1) ≈ 0.731, … and σ(−z) = 1 − σ(z)': the reference values a question prints."""
    values = ", ".join(f"{name}({z:g}) {'=' if float(fn(z)) == round(float(fn(z)), 3) else '≈'} {float(fn(z)):.3f}"
                       for z in at)
    return f"{values}; {rule}"


SIGMA_TABLE = _table("σ", sigmoid, SIGMA_AT, "σ(−z) = 1 − σ(z)")
TANH_TABLE = _table("tanh", np.tanh, TANH_AT, "tanh(−z) = −tanh(z)")


def make_question(seed: int) -> Question:
    """One of three kinds of question, drawn with its numbers from `seed`."""
    rng = np.random.default_rng(seed)
    kind = int(rng.integers(3))
    if kind == 0:
        u, h_prev, cand = rng.uniform(0.05, 0.95), rng.uniform(-1, 1), rng.uniform(-0.99, 0.99)
        u, h_prev, cand = round(u, 2), round(h_prev, 2), round(cand, 2)  # |cand| ≤ 0.99: arctanh stays finite
        h = float(_one_unit_step(h_prev, xU_g=float(np.arctanh(cand)), u=u).h[0, 0])
        return Question(
            prompt=(f"The update gate is $u = {fmt(u)}$, the previous state $h_{{t-1}} = {fmt(h_prev)}$ and the "
                    f"candidate $\\hat h_t = {fmt(cand)}$. What is the new state $h_t$?"),
            answer=h, tolerance=STATE_TOLERANCE,
            explanation=(f"$h_t = u\\,h_{{t-1}} + (1-u)\\,\\hat h_t = {fmt(u)} \\times {fmt(h_prev)} + "
                         f"{fmt(1 - u)} \\times {fmt(cand)} = {fmt(h, 3)}$"))
    if kind == 1:
        z = round(float(rng.uniform(-4, 4)), 1)
        u = float(sigmoid(z))
        return Question(
            prompt=(f"The update gate's pre-activation (everything inside σ) is ${fmt(z, 1)}$. What is $u$? "
                    f"Reference values: {SIGMA_TABLE}."),
            answer=u, tolerance=SIGMA_TOLERANCE,
            explanation=f"$u = \\sigma({fmt(z, 1)}) = 1 / (1 + e^{{{fmt(-z, 1)}}}) = {fmt(u, 3)}$")
    r, h_prev = round(float(rng.uniform(0, 1)), 2), round(float(rng.uniform(-1, 1)), 2)
    w, xu = round(float(rng.uniform(-2, 2)), 1), round(float(rng.uniform(-1, 1)), 2)
    cand = float(_one_unit_step(h_prev, xU_g=xu, W_g=w, r=r).candidate[0, 0])
    return Question(
        prompt=(f"One unit, no biases: $x_t U_g = {fmt(xu)}$, $h_{{t-1}} = {fmt(h_prev)}$, $W_g = {fmt(w, 1)}$ "
                f"and the reset gate $r = {fmt(r)}$. What is the candidate "
                f"$\\hat h_t = \\tanh(x_t U_g + (r\\,h_{{t-1}}) W_g)$? "
                f"Reference values: {TANH_TABLE}."),
        answer=cand, tolerance=TANH_TOLERANCE,
        explanation=(f"$\\hat h_t = \\tanh({fmt(xu)} + {fmt(r)} \\times {fmt(h_prev)} \\times {fmt(w, 1)}) = "
                     f"\\tanh({fmt(xu + r * h_prev * w, 3)}) = {fmt(cand, 3)}$"))
