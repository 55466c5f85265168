"""Plain-language sentences and small facts the pages show beside the numbers (pure, no UI)."""

from __future__ import annotations

import math

import numpy as np

from gru_viz.core import sigmoid

GATES_PER_CELL = {"rnn": 1, "gru": 3, "lstm": 4}  # blocks of (U, W, two biases) per layer

# One meaning of "open" for the whole app: the gate lets through what it multiplies.
OPEN_MEANING = ("A gate is **open** when its value is near 1 and lets through what it multiplies (an open reset "
                "gate *r* lets the old state into the candidate; an open update gate *u* keeps the old state), and "
                "**shut** when its value is near 0.")

# Where this app's letters sit in PyTorch's documentation and in the papers: two narrow Markdown tables in plain
# text, not LaTeX, so that their cells wrap on a phone.
_TO_PYTORCH = (
    ("this app", "PyTorch (torch.nn.GRU)"),
    ("reset gate *r*", "*r*"),
    ("update gate *u*; *u* ≈ 1 keeps the old state", "*z*, same role"),
    ("candidate *ĥ*", '*n* (the "new gate")'),
    ("input weights *U_r*, *U_u*, *U_g*, used as *x U*", "*W_ir*, *W_iz*, *W_in*, used as *W x*: each is our *U* "
                                                          "transposed"),
    ("recurrent weights *W_r*, *W_u*, *W_g*, used as *h W*", "*W_hr*, *W_hz*, *W_hn*"),
    ("biases *b* (input side), *c* (recurrent side)", "*b_ir*, *b_iz*, *b_in* and *b_hr*, *b_hz*, *b_hn*"),
    ("where *r* acts", "after the product: *r* ⊙ (*W_hn h* + *b_hn*)"),
)
_TO_PAPERS = (
    ("this app", "Cho et al. 2014", "Chung et al. 2014, some courses"),
    ("reset gate *r*", "*r*", "*r*"),
    ("update gate *u*", "*z*, same role", "*z*, **opposite role**: *z* ≈ 1 takes the candidate, so their *z* is our "
                                          "1 − *u*"),
    ("candidate *ĥ*", "*h̃*", "*h̃*"),
    ("input weights *U_r*, *U_u*, *U_g*", "*W_r*, *W_z*, *W*", "*W_r*, *W_z*, *W*"),
    ("recurrent weights *W_r*, *W_u*, *W_g*", "*U_r*, *U_z*, *U*: the letters are swapped", "*U_r*, *U_z*, *U*"),
    ("biases *b*, *c*", "left out of the equations", "left out of the equations"),
    ("where *r* acts", "before the product: *U* (*r* ⊙ *h*)", "before the product"),
)


def _markdown_table(rows) -> str:
    return "\n".join(["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0]),
                      *("| " + " | ".join(row) + " |" for row in rows[1:])])


NOTATION_TABLE = _markdown_table(_TO_PYTORCH) + "\n\nAnd in the papers:\n\n" + _markdown_table(_TO_PAPERS)

_VOWEL_LETTER_NAMES = set("AEFHILMNORSX")  # letters whose spoken name starts with a vowel: "an LSTM", "an RNN"
_CONSONANT_SOUNDS = ("uni", "use", "usu", "uti", "one", "once", "eu", "ewe")  # "a unit", "a one-hot"
_VOWEL_SOUNDS = ("hour", "honest", "honour", "honor", "heir")  # silent h


def with_article(noun: str, capital: bool = False) -> str:
    """'a' or 'an' before noun, by how its first word sounds: 'an adding problem', 'a unit', 'an LSTM'."""
    text = noun.strip()
    word = text.split()[0] if text else ""
    letters = "".join(ch for ch in word if ch.isalnum())
    lower = letters.lower()
    if letters[:2].isupper() or (len(letters) == 1 and letters.isupper()):  # an acronym, read letter by letter
        an = letters[0] in _VOWEL_LETTER_NAMES
    elif lower[:1].isdigit():
        an = lower.startswith(("8", "11", "18")) and not lower.startswith(("800", "8000"))
    else:
        vowel = lower[:1] in tuple("aeiou") and not lower.startswith(_CONSONANT_SOUNDS)
        an = vowel or lower.startswith(_VOWEL_SOUNDS)
    article = "an" if an else "a"
    return f"{article.capitalize() if capital else article} {text}"


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


def percent(share: float) -> str:
    """A share as a whole percentage, without claiming 0% or 100% for what is only nearly so."""
    pct = round(100 * share)
    if pct == 0 and share > 0:
        return "under 1%"
    if pct == 100 and share < 1:
        return "over 99%"
    return f"{pct}%"


# ---------------------------------------------------------------- one step, unit by unit


def reset_sentence(r: float, reset_after: bool = True) -> str:
    """What a reset gate value does to the candidate, in the convention shown."""
    share = percent(r)
    if reset_after:
        what = (f"this unit's candidate receives {share} of what reaches it from the old state through W_g, "
                f"and {share} of c_g")
    else:
        what = f"{share} of this unit's old value h_(t−1) goes on through W_g into every unit's candidate"
    state = ", open" if r > 0.9 else ", shut" if r < 0.1 else ""
    return f"r = {fmt(r)}{state}: {what}."


def update_sentence(u: float) -> str:
    """What an update gate value does to the new state."""
    old, new = percent(u), percent(1 - u)
    if u > 0.9:
        return (f"u = {fmt(u)}, open: {old} of the old state is kept and {new} of the candidate taken: at this "
                "step the unit holds on to its memory.")
    if u < 0.1:
        return f"u = {fmt(u)}, shut: {old} of the old state is kept; the candidate ({new}) overwrites it."
    return f"u = {fmt(u)}: the new state is {old} old state and {new} candidate."


def candidate_sentence(candidate: float) -> str:
    """What the candidate value proposes."""
    if abs(candidate) > 0.9:
        sign = "+" if candidate > 0 else "−"
        return f"ĥ = {fmt(candidate)}: tanh is close to saturation; the proposal is close to {sign}1."
    return f"ĥ = {fmt(candidate)}: the new content proposed for this unit (tanh keeps it inside (−1, 1))."


def reset_effect_sentence(terms, unit: int) -> str:
    """Where the reset gate acted on this unit's candidate, with its numbers, in either convention."""
    k = unit
    if terms.reset_after:
        inner = terms.hW["g"][k] + terms.c["g"][k]
        return (f"The reset gate scaled h_(t−1) W_g + c_g = {fmt(inner)} by r = {fmt(terms.r[k])} "
                f"to {fmt(terms.recurrent_g[k])}.")
    scaled = terms.recurrent_g[k] - terms.c["g"][k]
    return (f"Each old unit j entered as r_j × h_j before W_g: (r ⊙ h_(t−1)) W_g = {fmt(scaled)} "
            f"(it would be {fmt(terms.hW['g'][k])} with every r = 1); c_g = {fmt(terms.c['g'][k])} is added unscaled.")


def state_sentence(h_prev: float, h: float, u: float) -> str:
    """How the state moved in one step."""
    return (f"h moved from {fmt(h_prev)} to {fmt(h)}: {percent(u)} of the old state plus "
            f"{percent(1 - u)} of the candidate.")


def _term(v: float) -> str:
    """A number as a factor: negative ones in parentheses."""
    return f"({fmt(v)})" if fmt(v).startswith("−") else fmt(v)


def _sum(values) -> list[str]:
    """'a + b − c + d' for a chain of numbers; split in two when the numbers are long (so lines stay narrow)."""
    parts = [fmt(values[0])] + [f"{'−' if v < 0 else '+'} {fmt(abs(v))}" for v in values[1:]]
    if max(len(fmt(v)) for v in values) <= 5:  # every term |v| < 10: one line fits a phone
        return [" ".join(parts)]
    half = (len(parts) + 1) // 2
    return [" ".join(parts[:half]), " ".join(parts[half:])]


def _aligned(lhs: str, lines: list[str]) -> str:
    """lhs = line 1, then = line 2 ..., one under the other, aligned at the equals sign."""
    body = [f"{lhs} &{lines[0]}"] + [f"&{line}" for line in lines[1:]]
    return r"\begin{aligned}" + r" \\ ".join(body) + r"\end{aligned}"


def _wrapped(fn: str, chain: list[str]) -> list[str]:
    """= fn(chain...), over as many lines as chain has, with a big bracket so the lines read as one call."""
    if len(chain) == 1:
        return [rf"= {fn}({chain[0]})"]
    return [rf"= {fn}\big({chain[0]}"] + [rf"\qquad {part}" for part in chain[1:-1]] + [rf"\qquad {chain[-1]}\big)"]


def step_equations(terms, unit: int = 0, r_fixed: bool = False, u_fixed: bool = False) -> list[tuple[str, str]]:
    """(LaTeX, plain sentence) for r, u, the candidate and h of one unit: the formula, then the same with this
    step's numbers under it, then the result, each on its own line so that a narrow column shows all of it."""
    k = unit
    rows = []
    for gate, fixed, name in (("r", r_fixed, "r_t"), ("u", u_fixed, "u_t")):
        pre, value = getattr(terms, f"pre_{gate}")[k], getattr(terms, gate)[k]
        if fixed:
            latex = _aligned(name, [rf"= {fmt(value)}\quad\text{{(gate surgery)}}",
                                    rf"\phantom{{=}}\ \text{{the formula gives }}\sigma({fmt(pre)}) = "
                                    rf"{fmt(float(sigmoid(pre)))}"])
        else:
            numbers = _sum([terms.xU[gate][k], terms.b[gate][k], terms.hW[gate][k], terms.c[gate][k]])
            latex = _aligned(name, [rf"= \sigma(x_t U_{gate} + b_{gate} + h_{{t-1}} W_{gate} + c_{gate})",
                                    *_wrapped(r"\sigma", numbers), rf"= \sigma({fmt(pre)}) = {fmt(value)}"])
        rows.append((latex, reset_sentence(value, terms.reset_after) if gate == "r" else update_sentence(value)))

    xg, bg = terms.xU["g"][k], terms.b["g"][k]
    if terms.reset_after:
        formula = [r"= \tanh\big(x_t U_g + b_g", r"\qquad + r_t \odot (h_{t-1} W_g + c_g)\big)"]
        head = _sum([xg, bg])
        product = rf"+ {_term(terms.r[k])} \times {_term(terms.hW['g'][k] + terms.c['g'][k])}"
        numbers = [f"{head[0]} {product}"] if len(head) == 1 else [*head, product]
    else:
        formula = [r"= \tanh\big(x_t U_g + b_g", r"\qquad + (r_t \odot h_{t-1}) W_g + c_g\big)"]
        numbers = _sum([xg, bg, terms.recurrent_g[k] - terms.c["g"][k], terms.c["g"][k]])
    latex = _aligned(r"\hat h_t", [*formula, *_wrapped(r"\tanh", numbers),
                                   rf"= \tanh({fmt(terms.pre_g[k])}) = {fmt(terms.candidate[k])}"])
    rows.append((latex, candidate_sentence(terms.candidate[k]) + " " + reset_effect_sentence(terms, k)))

    u = terms.u[k]
    latex = _aligned("h_t", [r"= u_t\, h_{t-1} + (1 - u_t)\, \hat h_t",
                             rf"= {fmt(u)} \times {_term(terms.h_prev[k])} + {fmt(1 - u)} \times "
                             rf"{_term(terms.candidate[k])}",
                             rf"= {fmt(terms.h[k])}"])
    rows.append((latex, state_sentence(terms.h_prev[k], terms.h[k], u)))
    return rows


# ---------------------------------------------------------------- the two conventions


def convention_gap(r, h_prev, W_g, c_g) -> np.ndarray:
    """(H,) candidate pre-activation, reset-after minus reset-before: r ⊙ (h W_g + c_g) − ((r ⊙ h) W_g + c_g)."""
    r, h_prev, W_g, c_g = (np.asarray(a, dtype=float) for a in (r, h_prev, W_g, c_g))
    return r * (h_prev @ W_g + c_g) - ((r * h_prev) @ W_g + c_g)  # (H,)


CONVENTION_RULE = (
    "The two conventions give the same candidate for every old state when every r is 1. Otherwise they differ in "
    "two ways: after the product, unit k's own r_k scales everything that reaches unit k through W_g, and c_g too; "
    "before it, each old unit j is scaled by its own r_j on its way into W_g, and c_g is not scaled. So when all "
    "units have the same r (always, with one unit), the difference is (r − 1)·c_g whatever h_(t−1) and W_g are: "
    "zero only when r = 1 or c_g = 0. When the r differ, the two agree only where those effects happen to cancel.")


def convention_sentence(this, other, W_g, tol: float = 5e-4) -> str:
    """What switching the convention would change at this step, and why (this, other: StepTerms)."""
    other_name = "after the product" if other.reset_after else "before the product"
    gap = np.abs(convention_gap(this.r, this.h_prev, W_g, this.c["g"]))  # (H,)
    h_diff = float(np.max(np.abs(this.h - other.h)))
    same_r = float(np.ptp(this.r)) < 1e-12
    if float(np.max(gap)) <= tol:
        if float(np.min(this.r)) >= 1 - 1e-12:
            why = "every r is 1"
        elif same_r and float(np.max(np.abs(this.c["g"]))) <= tol:
            why = "every unit has the same r and c_g = 0"
        else:
            why = "the two differences cancel at these numbers"
        head = (f"The other convention ({other_name}) gives the same candidate here (to within {tol:g}), "
                f"because {why}.")
    else:
        where = ", ".join(fmt(v, 3) for v in gap[:8]) + (", …" if gap.size > 8 else "")
        head = (f"The other convention ({other_name}) gives h_t = [{', '.join(fmt(v, 3) for v in other.h[:8])}"
                f"{', …' if other.h.size > 8 else ''}]: at most {fmt(h_diff, 4)} away. Inside tanh the candidates "
                f"differ by [{where}] (absolute values, unit by unit).")
        if h_diff <= tol:
            head += " h_t barely changes because u is close to 1, so the candidate hardly counts."
    return head + " " + CONVENTION_RULE


def surgery_sentence(natural_h, forced_h) -> str:
    """What gate surgery changed in h_t."""
    natural, forced = np.asarray(natural_h, float), np.asarray(forced_h, float)
    show = lambda a: "[" + ", ".join(fmt(v, 3) for v in a[:8]) + (", …" if a.size > 8 else "") + "]"  # noqa: E731
    if np.allclose(natural, forced, atol=5e-4, rtol=0):
        return f"Gate surgery leaves h_t as it was here ({show(forced)}): the gate already had that value."
    return f"Gate surgery changed this step: without it, h_t would be {show(natural)}; with it, h_t is {show(forced)}."


# ---------------------------------------------------------------- how long a kept value lasts


def memory_rule(u: float) -> dict[str, float]:
    """For a unit whose update gate stays at u (and whose candidate proposes 0): the half-life in steps,
    the share left after 100 steps, and the u that keeps half for 300 steps."""
    if not 0 < u < 1:
        raise ValueError(f"u must lie strictly between 0 and 1, got {u}")
    return {"u": u, "half_life": math.log(0.5) / math.log(u), "left_after_100": u ** 100,
            "u_for_300": 0.5 ** (1 / 300)}


def memory_rule_sentence(u: float, preset_label: str) -> str:
    """The uⁿ rule with the numbers of one preset's resting update gate."""
    m = memory_rule(u)
    return (f"If a unit's update gate stays at *u* and its candidate proposes 0, every step multiplies the stored "
            f"value by *u*: after *n* steps, *u*ⁿ of it is left. (If the candidate proposes some other constant "
            f"value, it is the gap between *h* and that value that shrinks this way.) With the *{preset_label}* "
            f"preset at rest (x = 0, h = 0), u = {m['u']:.3f}: half of a value is gone after about "
            f"{m['half_life']:.0f} steps and {m['left_after_100']:.0%} is left after 100. Keeping half of it for "
            f"300 steps takes u ≥ {m['u_for_300']:.4f}.")
