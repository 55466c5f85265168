"""Plain-language sentences and small facts the pages show beside the numbers (pure, no UI)."""

from __future__ import annotations

import math

GATES_PER_CELL = {"rnn": 1, "gru": 3, "lstm": 4}  # blocks of (U, W, two biases) per layer


def parameter_count(cell: str, input_size: int, hidden_size: int, output_size: int = 0) -> int:
    """Weights and biases of one layer, PyTorch-style (two bias vectors per block): k·H·(D + H + 2),
    plus a Linear read-out, H·O + O, when output_size > 0."""
    if cell not in GATES_PER_CELL:
        raise ValueError(f"cell must be one of {sorted(GATES_PER_CELL)}, got {cell!r}")
    H, O = hidden_size, output_size
    return GATES_PER_CELL[cell] * H * (input_size + H + 2) + H * O + O


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
    keep = round(100 * u)
    return (f"h moved from {fmt(h_prev)} to {fmt(h)}: a mix of {keep}% old state and "
            f"{100 - keep}% candidate.")


def _signed(v: float) -> str:
    """' + 0.12' or ' − 0.12', for chaining terms in an equation."""
    return f" {'−' if v < 0 else '+'} {fmt(abs(v))}"


def step_equations(terms, unit: int = 0, r_fixed: bool = False, u_fixed: bool = False) -> list[tuple[str, str]]:
    """(LaTeX, plain sentence) for r, u, the candidate and h of one unit, with the numbers of this step."""
    k = unit
    rows = []
    for gate, fixed, name in (("r", r_fixed, "r_t"), ("u", u_fixed, "u_t")):
        pre = getattr(terms, f"pre_{gate}")[k]
        value = getattr(terms, gate)[k]
        parts = (f"{fmt(terms.xU[gate][k])}{_signed(terms.b[gate][k])}{_signed(terms.hW[gate][k])}"
                 f"{_signed(terms.c[gate][k])}")
        if fixed:
            latex = rf"{name} = {fmt(value)} \quad\text{{(fixed by gate surgery; the formula would give }}\sigma({fmt(pre)}))"
        else:
            latex = (rf"{name} = \sigma(\underbrace{{{parts}}}_{{x U_{gate} + b_{gate} + h W_{gate} + c_{gate}}})"
                     rf" = \sigma({fmt(pre)}) = {fmt(value)}")
        rows.append((latex, reset_sentence(value) if gate == "r" else update_sentence(value)))
    inner = "r ⊙ (h W_g + c_g)" if terms.reset_after else "(r ⊙ h) W_g + c_g"
    latex_inner = r"r \odot (h W_g + c_g)" if terms.reset_after else r"(r \odot h) W_g + c_g"
    rows.append((
        rf"\hat h_t = \tanh(\underbrace{{{fmt(terms.xU['g'][k])}{_signed(terms.b['g'][k])}"
        rf"{_signed(terms.recurrent_g[k])}}}_{{x U_g + b_g + {latex_inner}}}) = \tanh({fmt(terms.pre_g[k])})"
        rf" = {fmt(terms.candidate[k])}",
        candidate_sentence(terms.candidate[k]) + f" The reset gate scaled the {inner} term to {fmt(terms.recurrent_g[k])}.",
    ))
    u = terms.u[k]
    rows.append((
        rf"h_t = \underbrace{{{fmt(u)}}}_{{u}} \times \underbrace{{{fmt(terms.h_prev[k])}}}_{{h_{{t-1}}}}"
        rf" + \underbrace{{{fmt(1 - u)}}}_{{1-u}} \times \underbrace{{{fmt(terms.candidate[k])}}}_{{\hat h_t}}"
        rf" = {fmt(terms.h[k])}",
        state_sentence(terms.h_prev[k], terms.h[k], u),
    ))
    return rows
