"""One step: a small GRU at a single time step, every equation with its live numbers."""

import numpy as np
import pandas as pd
import streamlit as st

from gru_viz import explain_step, presets, quiz
from gru_viz.diagram import cell_svg
from gru_viz.explain import step_equations
from gru_viz.urlstate import Field
from pages._ui import cell_edits_only, restore_from_url, save_to_url, show_url_notices

P = "os"
SURGERY = ("formula", "0", "1", "slider")
FIELDS = [Field("H", 2, 1, 4), Field("D", 1, 1, 3), Field("preset", "random", choices=tuple(presets.PRESETS)),
          Field("seed", 0, 0, 9999), Field("convention", "after", choices=("after", "before")),
          *[Field(f"x{i}", 1.0, -3.0, 3.0) for i in range(3)], *[Field(f"h{i}", 0.5, -1.0, 1.0) for i in range(4)],
          Field("r_mode", "formula", choices=SURGERY), Field("r_val", 0.5, 0.0, 1.0),
          Field("u_mode", "formula", choices=SURGERY), Field("u_val", 0.5, 0.0, 1.0), Field("unit", 0, 0, 3)]
restore_from_url(P, FIELDS)

st.title("One step under the microscope")
show_url_notices(P)
st.caption("A GRU with at most four units, at a single time step t. Change anything and every number follows.")

setup, inputs, surgery = st.columns(3, gap="medium")
with setup:
    st.markdown("**The cell**")
    H = st.slider("hidden size H", 1, 4, key=f"{P}_H")
    D = st.slider("input size D", 1, 3, key=f"{P}_D")
    preset = st.selectbox("weights", list(presets.PRESETS), format_func=presets.PRESETS.get, key=f"{P}_preset")
    seed = st.number_input("seed", 0, 9999, step=1, key=f"{P}_seed")
    st.caption(presets.DESCRIPTIONS[preset])
    reset_after = st.radio("where the reset gate acts", ("after", "before"), key=f"{P}_convention", format_func={
        "after": "after the product: r ⊙ (h W_g) (PyTorch)", "before": "before the product: (r ⊙ h) W_g (Cho 2014)"
    }.get) == "after"
with inputs:
    st.markdown("**This step's inputs**")
    x = np.array([st.slider(f"x_t[{i}]", -3.0, 3.0, step=0.05, key=f"{P}_x{i}") for i in range(D)])
    h_prev = np.array([st.slider(f"h_(t−1)[{k}]", -1.0, 1.0, step=0.05, key=f"{P}_h{k}") for k in range(H)])
with surgery:
    st.markdown("**Gate surgery**: override a gate")
    overrides = {}
    for gate, name in (("r", "reset gate r"), ("u", "update gate u")):
        mode = st.segmented_control(name, SURGERY, key=f"{P}_{gate}_mode", format_func={
            "formula": "formula", "0": "0", "1": "1", "slider": "slider"}.get) or "formula"
        value = st.slider(f"{gate} value", 0.0, 1.0, step=0.01, key=f"{P}_{gate}_val", disabled=mode != "slider")
        overrides[gate] = None if mode == "formula" else float(mode) if mode in "01" else value

base = presets.preset_weights(preset, D, H, int(seed))
with st.expander("Edit the weights (one table per gate: rows are inputs, states and biases; columns are units)"):
    st.caption("Rows x_i hold U, rows h_j hold W, and b, c are the two biases. Changing the preset, seed or sizes "
               "starts again from that preset.")
    edited, tabs = {}, st.tabs(["reset gate r", "update gate u", "candidate g"])
    for tab, gate in zip(tabs, ("r", "u", "g")):
        W = base.as_dict()
        table = np.vstack([W[f"U_{gate}"], W[f"W_{gate}"], W[f"b_{gate}"], W[f"c_{gate}"]])  # (D + H + 2, H)
        rows = [f"x{i}" for i in range(D)] + [f"h{j}" for j in range(H)] + ["b", "c"]
        frame = pd.DataFrame(table, index=rows, columns=[f"unit {k}" for k in range(H)])
        with tab:
            key = cell_edits_only(f"{P}x_edit_{gate}_{preset}_{seed}_{D}_{H}", len(rows), list(frame.columns))
            out = st.data_editor(frame, key=key, width="stretch").to_numpy()
        edited.update({f"U_{gate}": out[:D], f"W_{gate}": out[D:D + H], f"b_{gate}": out[-2], f"c_{gate}": out[-1]})
try:
    if max(float(np.abs(np.nan_to_num(np.asarray(v, float))).max()) for v in edited.values()) > 1000:
        raise ValueError("keep every weight within ±1000; beyond that every gate is simply 0 or 1")
    weights = base.replace(**edited)
except ValueError as exc:
    st.error(f"Those weights cannot be used ({exc}); showing the preset's weights instead.")
    weights = base

terms = explain_step(weights, x, h_prev, reset_after=reset_after, r_override=overrides["r"], u_override=overrides["u"])
natural = explain_step(weights, x, h_prev, reset_after=reset_after)
other = explain_step(weights, x, h_prev, reset_after=not reset_after,
                     r_override=overrides["r"], u_override=overrides["u"])

st.divider()
eq_col, fig_col = st.columns([1, 1], gap="large")
with eq_col:
    unit = st.segmented_control("show the equations of unit", list(range(H)), key=f"{P}_unit") if H > 1 else 0
    unit = min(int(unit or 0), H - 1)
    for latex, sentence in step_equations(terms, unit, overrides["r"] is not None, overrides["u"] is not None):
        st.latex(latex)
        st.markdown(f"↳ {sentence}")
    if overrides["r"] is not None or overrides["u"] is not None:
        st.info(f"Gate surgery changed this step: without it, h_t would be {np.round(natural.h, 3).tolist()}; "
                f"with it, h_t is {np.round(terms.h, 3).tolist()}.")
    diff = np.abs(terms.h - other.h).max()
    st.caption(f"The other convention ({'before' if reset_after else 'after'} the product) gives h_t = "
               f"{np.round(other.h, 3).tolist()}: a difference of at most {diff:.4f}. It vanishes when r = 1 "
               "or when c_g = 0 and h_(t−1) W_g is zero.")
with fig_col:
    values = dict(x=x, h_prev=h_prev, r=terms.r, u=terms.u, candidate=terms.candidate, h=terms.h)
    st.image(cell_svg(values), width="stretch", caption="The cell with this step's values: gates coloured on "
             "[0, 1], states on [−1, 1]; each box shows its numbers.")
    table = pd.DataFrame({"h_(t−1)": h_prev, "r": terms.r, "u": terms.u, "ĥ": terms.candidate, "h_t": terms.h})
    st.dataframe(table.rename_axis("unit").style.format("{:.3f}"), width="stretch")


@st.fragment
def self_check():
    """Predict, then reveal: a fresh question from random numbers, with a running score."""
    st.subheader("Predict, then reveal")
    score = st.session_state.setdefault(f"{P}__score", {"right": 0, "asked": 0, "seed": 1})
    question = quiz.make_question(score["seed"])
    st.markdown(question.prompt)
    guess = st.number_input("your answer", value=None, step=0.01, format="%.3f", key=f"{P}x_guess_{score['seed']}")
    check, new = st.columns([1, 5])
    if check.button("Reveal", key=f"{P}x_reveal", disabled=guess is None):
        right = question.check(guess)
        if score.get("scored") != score["seed"]:  # one answer per question counts
            score["right"] += right
            score["asked"] += 1
            score["scored"] = score["seed"]
        (st.success if right else st.error)(("Right! " if right else "Not quite. ") + question.explanation)
    if new.button("Next question", key=f"{P}x_next"):
        score["seed"] += 1
        st.rerun(scope="fragment")
    st.caption(f"Score this session: {score['right']} / {score['asked']}")


self_check()
save_to_url(P, FIELDS)
