"""One step: a small GRU at a single time step, every equation with its live numbers."""

import numpy as np
import pandas as pd
import streamlit as st

from gru_viz import explain, explain_step, presets
from gru_viz.diagram import cell_svg
from pages._one_step import handoff_banner, self_check, vector_text, weight_editor
from pages._ui import URL, link_settings, show_link_notices

P = "os"
SURGERY = ("formula", "0", "1", "slider")
X_MAX = 3.0
DIAGRAM_PX = 860  # at most this wide; at 1280×720 the column (820 px) sets it, keeping its text ≥ 11 px
link = link_settings(P)  # before the widgets correct it

st.title("One step under the microscope")
notices = st.container()
handoff = handoff_banner(P)
if handoff is None:
    st.caption("A GRU with at most four units, at a single time step t. Change anything and every number follows.")

controls = st.grid(3, min_column_width=250)  # three across from 1280 px; the gate buttons never clipped
setup, inputs, surgery = controls.cell(), controls.cell(), controls.cell()
with setup:
    st.markdown("**The cell**")
    if handoff is None:
        H = st.slider("hidden size H", 1, 4, 2, key=f"{P}_H", **URL)
        D = st.slider("input size D", 1, 3, 1, key=f"{P}_D", **URL)
        preset = st.selectbox("weights", list(presets.PRESETS), format_func=presets.PRESETS.get, key=f"{P}_preset",
                              **URL)
        seed = int(st.number_input("seed", 0, 9999, 0, step=1, key=f"{P}_seed", **URL))
        st.caption(presets.DESCRIPTIONS[preset])
    else:
        H, D = handoff.weights.hidden_size, handoff.weights.input_size
        st.text(f"hidden size H = {H}, input size D = {D}")
    reset_after = st.radio("the reset gate acts after or before the product with W_g", ("after", "before"),
                           key=f"{P}_convention", captions=("r ⊙ (h W_g + c_g), as in PyTorch",
                                                            "(r ⊙ h) W_g + c_g, as in Cho et al. 2014"),
                           **URL) == "after"  # captions, not a format_func: the link then says os_convention=before
with inputs:
    st.markdown("**This step's inputs**")
    if handoff is None:
        x = np.array([st.slider(f"x_t[{i}]", -X_MAX, X_MAX, 1.0, step=0.05, key=f"{P}_x{i}", **URL) for i in range(D)])
        h_prev = np.array([st.slider(f"h_(t−1)[{k}]", -1.0, 1.0, 0.5, step=0.05, key=f"{P}_h{k}",
                                     **URL) for k in range(H)])
    else:
        x, h_prev = handoff.x, handoff.h_prev
        st.text(vector_text("x_t", x))
        st.text(vector_text("h_(t−1)", h_prev))
with surgery:
    st.markdown("**Gate surgery**: override a gate")
    overrides = {}
    for gate, name in (("r", "reset gate r"), ("u", "update gate u")):
        mode = st.segmented_control(name, SURGERY, default="formula", key=f"{P}_{gate}_mode", **URL) or "formula"
        value = st.slider(f"{gate} value", 0.0, 1.0, 0.5, step=0.01, key=f"{P}_{gate}_val", disabled=mode != "slider",
                          **URL)
        overrides[gate] = None if mode == "formula" else float(mode) if mode in "01" else value

if handoff is None:
    weights = weight_editor(P, presets.preset_weights(preset, D, H, seed), preset, seed)
    st.caption(presets.range_sentence(weights, preset, -X_MAX, X_MAX))
else:
    weights = handoff.weights

terms = explain_step(weights, x, h_prev, reset_after=reset_after, r_override=overrides["r"], u_override=overrides["u"])
natural = explain_step(weights, x, h_prev, reset_after=reset_after)
other = explain_step(weights, x, h_prev, reset_after=not reset_after,
                     r_override=overrides["r"], u_override=overrides["u"])

st.divider()
values = dict(x=x, h_prev=h_prev, r=terms.r, u=terms.u, candidate=terms.candidate, h=terms.h)
st.container(width=DIAGRAM_PX).image(cell_svg(values, reset_after=reset_after), width="stretch", caption=(
    "The cell with this step's values, wired as the convention chosen above. Gates are coloured on [0, 1]; the "
    "input and the states on [−1, 1] (beyond it, the end colour). Each box is coloured by its mean over units"
    + (" and shows its first four numbers." if max(H, D) > 4 else ".")))

grid = st.grid(2, min_column_width=380, gap="medium")
with grid.cell():
    if handoff is not None:
        unit = st.selectbox("show the equations of unit", list(range(H)), index=handoff.unit,
                            key=f"{P}x_hand_unit_{handoff.step}_{handoff.unit}")
    elif H > 1:
        unit = st.segmented_control("show the equations of unit", list(range(H)), default=0, key=f"{P}_unit", **URL)
    else:
        unit = 0
    unit = min(int(unit or 0), H - 1)
    for latex, sentence in explain.step_equations(terms, unit, overrides["r"] is not None,
                                                  overrides["u"] is not None):
        st.latex(latex)
        st.markdown(f"↳ {sentence}")
with grid.cell():
    if overrides["r"] is not None or overrides["u"] is not None:
        st.info(explain.surgery_sentence(natural.h, terms.h))
    table = pd.DataFrame({"h_(t−1)": h_prev, "r": terms.r, "u": terms.u, "ĥ": terms.candidate, "h_t": terms.h})
    # a column format, not a pandas Styler: the Styler took 4-7 ms of every rerun's server time to write its cells
    three = {name: st.column_config.NumberColumn(format="%.3f") for name in table.columns}
    st.dataframe(table.rename_axis("unit"), column_config=three, width="stretch", height=min(38 + 35 * H, 400))
    st.caption(explain.convention_sentence(terms, other, weights.W_g))
    st.caption(explain.OPEN_MEANING)

with st.expander("Notation: this app's letters in PyTorch's documentation and in the papers"):
    st.markdown(explain.NOTATION_TABLE)

self_check(P)
show_link_notices(notices, link, {f"{P}_preset": presets.PRESETS.get})
