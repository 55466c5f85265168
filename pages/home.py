"""Home: what a GRU is, its four equations, the cell, GRU vs LSTM, and a map of the app."""

from pathlib import Path

import streamlit as st

from gru_viz.explain import parameter_count
from pages import _ui  # noqa: F401  (routes first visitors through app.py's navigation)

ASSETS = Path(__file__).resolve().parent.parent / "assets"

st.title("Inside a Gated Recurrent Unit")
st.markdown(
    """
A recurrent network reads a sequence one step at a time and carries a **hidden state** *h* from
step to step: the only memory it has. A plain recurrent network rewrites that state completely at
every step, so what it saw thirty steps ago is washed out, and while learning, the error signal
that should reach back that far shrinks to nothing (the *vanishing gradient*).

The **Gated Recurrent Unit** (GRU), proposed by Kyunghyun Cho and colleagues in 2014, adds two
*gates*: numbers between 0 and 1, one per unit of the state, computed afresh at every step.
The **reset gate** *r* decides how much of the old state may shape the new proposal, and the
**update gate** *u* decides, unit by unit, whether to keep the old state or to take the proposal.
A unit whose update gate stays near 1 can hold a value unchanged for hundreds of steps.
"""
)

left, right = st.columns([1, 1], gap="large")
with left:
    st.subheader("The four equations")
    st.markdown("At step *t*, with input $x_t$ and the previous state $h_{t-1}$ (σ is the logistic function):")
    st.latex(r"r_t = \sigma(x_t U_r + h_{t-1} W_r)\qquad\text{reset gate}")
    st.latex(r"u_t = \sigma(x_t U_u + h_{t-1} W_u)\qquad\text{update gate}")
    st.latex(r"\hat h_t = \tanh\big(x_t U_g + (r_t \odot h_{t-1})\, W_g\big)\qquad\text{candidate}")
    st.latex(r"h_t = u_t \odot h_{t-1} + (1 - u_t) \odot \hat h_t\qquad\text{new state}")
    st.caption(
        "⊙ multiplies unit by unit. Each line also adds a bias (PyTorch keeps two per gate, b and c). "
        "PyTorch applies the reset gate after the recurrent product, "
        r"$r_t \odot (h_{t-1} W_g)$: the *One step* page lets you compare both conventions."
    )
with right:
    st.subheader("The cell")
    st.image(str(ASSETS / "gru_cell.svg"), width="stretch")
    st.caption(
        "Diagram of one GRU cell: x_t and h_{t−1} feed the reset gate r_t and update gate u_t; "
        "r_t scales h_{t−1} on its way into the tanh candidate ĥ_t; u_t mixes h_{t−1} and ĥ_t into h_t."
    )

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
