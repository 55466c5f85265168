"""Predict-then-reveal questions about one GRU step, generated from random values (pure)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_viz.core import GRUWeights, run_gru, sigmoid
from gru_viz.explain import fmt


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


def make_question(seed: int) -> Question:
    """One of three kinds of question, drawn with its numbers from `seed`."""
    rng = np.random.default_rng(seed)
    kind = int(rng.integers(3))
    if kind == 0:
        u, h_prev, cand = rng.uniform(0.05, 0.95), rng.uniform(-1, 1), rng.uniform(-1, 1)
        u, h_prev, cand = round(u, 2), round(h_prev, 2), round(cand, 2)
        h = float(_one_unit_step(h_prev, xU_g=float(np.arctanh(cand)), u=u).h[0, 0])
        return Question(
            prompt=(f"The update gate is $u = {fmt(u)}$, the previous state $h_{{t-1}} = {fmt(h_prev)}$ and the "
                    f"candidate $\\hat h_t = {fmt(cand)}$. What is the new state $h_t$?"),
            answer=h, tolerance=0.01,
            explanation=(f"$h_t = u\\,h_{{t-1}} + (1-u)\\,\\hat h_t = {fmt(u)} \\times {fmt(h_prev)} + "
                         f"{fmt(1 - u)} \\times {fmt(cand)} = {fmt(h, 3)}$"))
    if kind == 1:
        z = round(float(rng.uniform(-4, 4)), 1)
        u = float(sigmoid(z))
        return Question(
            prompt=(f"The update gate's pre-activation (everything inside σ) is ${fmt(z, 1)}$. "
                    "What is $u$? (σ(0) = 0.5, σ(2) ≈ 0.88, σ(4) ≈ 0.98)"),
            answer=u, tolerance=0.03,
            explanation=f"$u = \\sigma({fmt(z, 1)}) = 1 / (1 + e^{{{-z:g}}}) = {fmt(u, 3)}$")
    r, h_prev, w = round(float(rng.uniform(0, 1)), 2), round(float(rng.uniform(-1, 1)), 2), round(float(rng.uniform(-2, 2)), 1)
    xu = round(float(rng.uniform(-1, 1)), 2)
    cand = float(_one_unit_step(h_prev, xU_g=xu, W_g=w, r=r).candidate[0, 0])
    return Question(
        prompt=(f"One unit, no biases: $x_t U_g = {fmt(xu)}$, $h_{{t-1}} = {fmt(h_prev)}$, $W_g = {fmt(w, 1)}$ and the "
                f"reset gate $r = {fmt(r)}$. What is the candidate $\\hat h_t = \\tanh(x_t U_g + (r\\,h_{{t-1}}) W_g)$?"),
        answer=cand, tolerance=0.02,
        explanation=(f"$\\hat h_t = \\tanh({fmt(xu)} + {fmt(r)} \\times {fmt(h_prev)} \\times {fmt(w, 1)}) = "
                     f"\\tanh({fmt(xu + r * h_prev * w, 3)}) = {fmt(cand, 3)}$"))
