"""Home: what a GRU is, its four equations, the cell, GRU vs LSTM, and a map of the app."""

from pathlib import Path

import streamlit as st

from gru_viz import presets, sigmoid
from gru_viz.diagram import ASSET_RESET_AFTER
from gru_viz.explain import NOTATION_TABLE, OPEN_MEANING, memory_rule_sentence, parameter_count
from pages import _ui  # noqa: F401  (routes first visitors through app.py's navigation)

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DIAGRAM_PX = 860  # as on One step: at 1280×720 the column sets the width and the text stays ≥ 11 px

st.title("Inside a Gated Recurrent Unit")
st.markdown(
    """
A recurrent network reads a sequence one step at a time and carries a **hidden state** *h* from step to step:
the only memory it has. A plain recurrent network computes its whole state afresh at every step, squashed
through tanh, so the trace of an old input usually fades within a few dozen steps; and while it learns, the
error signal that should reach that far back tends to shrink towards nothing (the *vanishing gradient*).

The **Gated Recurrent Unit** (GRU), proposed by Kyunghyun Cho and colleagues in 2014, adds two *gates*: numbers
between 0 and 1, one per unit of the state, computed afresh at every step. The **reset gate** *r* decides how
much of the old state may shape the new proposal, the *candidate*; the **update gate** *u* decides, unit by
unit, how much of the old state to keep (a share *u*) and how much of the candidate to take (1 − *u*).
"""
)
st.markdown(OPEN_MEANING)
st.markdown(memory_rule_sentence(float(sigmoid(presets.GATE_BIAS)), presets.PRESETS["keeper"]))

st.subheader("The four equations")
st.markdown("At step *t*, with input $x_t$ and the previous state $h_{t-1}$ (σ is the logistic function, "
            "⊙ multiplies unit by unit), as in the article this app started from:")
st.latex(r"""\begin{aligned}
r_t &= \sigma(x_t U_r + h_{t-1} W_r) \\
u_t &= \sigma(x_t U_u + h_{t-1} W_u) \\
\hat h_t &= \tanh\big(x_t U_g + (r_t \odot h_{t-1})\, W_g\big) \\
h_t &= u_t \odot h_{t-1} + (1 - u_t) \odot \hat h_t
\end{aligned}""")
st.caption(
    "Reset gate, update gate, candidate, new state. Each of the first three lines also adds biases (PyTorch "
    "keeps two per line, b and c). PyTorch applies the reset gate after the recurrent product instead, "
    r"$r_t \odot (h_{t-1} W_g + c_g)$: the *One step* page lets you compare both conventions."
)

st.subheader("The cell")
st.container(width=DIAGRAM_PX).image(str(ASSETS / "gru_cell.svg"), width="stretch")
convention = "after" if ASSET_RESET_AFTER else "before"
st.caption(
    f"One GRU cell, drawn like the equations above (the reset gate acts {convention} W_g): x_t and h(t−1) feed "
    "the reset gate r and the update gate u; r scales h(t−1) on its way into the tanh candidate ĥ; u mixes "
    "h(t−1) and ĥ into the new state h_t."
)

st.subheader("Notation in other sources")
st.markdown("The same GRU goes by other letters elsewhere; these tables take you to the PyTorch documentation or a "
            "paper without getting lost.")
st.markdown(NOTATION_TABLE)

st.subheader("GRU and LSTM side by side")
D, H = 8, 64
gru, lstm, rnn = (parameter_count(c, D, H) for c in ("gru", "lstm", "rnn"))
st.markdown(
    f"""
| | plain RNN | GRU | LSTM |
|---|---|---|---|
| gates | none | 2: reset *r*, update *u* | 3: input, forget, output |
| states carried between steps | hidden *h* | hidden *h* | hidden *h* and cell *c* |
| parameters per layer (input size D, hidden size H) | H·(D + H + 2) | 3·H·(D + H + 2) | 4·H·(D + H + 2) |
| worked example, D = {D}, H = {H} | {rnn:,} | {gru:,} | {lstm:,} |

The GRU folds the LSTM's forget and input gates into one update gate (keep *u*, take 1 − *u*) and has
no separate cell state, so it has three blocks of weights where the LSTM has four: {gru:,} parameters
against {lstm:,} here, {100 * (1 - gru / lstm):.0f}% fewer. Whether that makes it train faster on a given
task is a question the *GRU vs LSTM vs RNN* page answers with a stopwatch.
"""
)

st.subheader("Where to go next")
st.markdown(
    """
1. **One step**: one time step under the microscope. Every equation with its live numbers, gate
   surgery (force *r* or *u* to 0 or 1), and a predict-then-reveal quiz.
2. **Gates over time**: feed a whole sequence and press Play to watch *r*, *u*, the candidate and
   *h* evolve; then tune a one-unit GRU by hand until it remembers an impulse for fifty steps.
3. **Train a GRU**: train one in PyTorch on a memory task and see what its gates learned, and how they
   learned it.
4. **GRU vs LSTM vs RNN**: train the three on the same task with the same seed and compare, stopwatch in
   hand, whether fewer gates really means faster training.
5. **Memory**: measure how much each past input still moves the output, in a GRU and in a plain RNN, and
   watch the update gate keep a value alive across a long gap.
"""
)
