"""Streamlit pieces of the One step page: the weight editor, the handoff from Gates over time, the quiz."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from gru_viz import quiz
from gru_viz.core import GRUWeights
from gru_viz.handoff import KEY as HANDOFF_KEY
from gru_viz.handoff import Handoff, read_handoff
from gru_viz.safe_text import literal
from pages._ui import cell_edits_only

WEIGHT_LIMIT = 1000.0


def handoff_banner(prefix: str) -> Handoff | None:
    """The cell Gates over time sent, with a banner and a way back; None (and a notice if it was bad) otherwise."""
    if HANDOFF_KEY not in st.session_state:
        return None
    try:
        handoff = read_handoff(st.session_state[HANDOFF_KEY])
    except ValueError as exc:
        del st.session_state[HANDOFF_KEY]
        st.warning(f"The step sent from Gates over time cannot be shown ({literal(exc, 200)}); showing One step's own cell.")
        return None
    with st.container(border=True):
        st.text(handoff.banner())  # plain text: the source names settings a user typed
        st.caption("Its weights, input and previous state come from Gates over time; the sizes, presets, weight "
                   "editor and input sliders of this page wait until you go back.")
        st.button("Back to One step's own cell", key=f"{prefix}x_back", on_click=st.session_state.pop,
                  args=(HANDOFF_KEY, None))
    return handoff


def weight_editor(prefix: str, base: GRUWeights, preset: str, seed: int) -> GRUWeights:
    """One editable table per gate, starting from `base`; the preset's weights if an edit cannot be used."""
    D, H = base.input_size, base.hidden_size
    with st.expander("Edit the weights (one table per gate: rows are inputs, states and biases; columns are units)"):
        st.caption("Rows x_i hold U, rows h_j hold W, and b, c are the two biases. Changing the preset, seed or "
                   "sizes starts again from that preset.")
        edited, tabs = {}, st.tabs(["reset gate r", "update gate u", "candidate g"])
        W = base.as_dict()
        for tab, gate in zip(tabs, ("r", "u", "g")):
            table = np.vstack([W[f"U_{gate}"], W[f"W_{gate}"], W[f"b_{gate}"], W[f"c_{gate}"]])  # (D + H + 2, H)
            rows = [f"x{i}" for i in range(D)] + [f"h{j}" for j in range(H)] + ["b", "c"]
            frame = pd.DataFrame(table, index=rows, columns=[f"unit {k}" for k in range(H)])
            with tab:  # edits of existing cells only: anything else is refused before Streamlit applies it
                key = cell_edits_only(f"{prefix}x_edit_{gate}_{preset}_{seed}_{D}_{H}", len(rows), list(frame.columns))
                out = st.data_editor(frame, key=key, width="stretch").to_numpy()
            edited.update({f"U_{gate}": out[:D], f"W_{gate}": out[D:D + H], f"b_{gate}": out[-2], f"c_{gate}": out[-1]})
    try:
        if max(float(np.abs(np.nan_to_num(np.asarray(v, float))).max()) for v in edited.values()) > WEIGHT_LIMIT:
            raise ValueError(f"keep every weight within ±{WEIGHT_LIMIT:g}")
        return base.replace(**edited)
    except ValueError as exc:
        st.error(f"Those weights cannot be used ({literal(exc, 200)}); showing the preset's weights instead.")
        return base


def vector_text(name: str, values) -> str:
    """'name = [a, b, …]' with three decimals and true minus signs, for st.text."""
    return f"{name} = [" + ", ".join(f"{v:.3f}".replace("-", "−") for v in np.asarray(values, float)) + "]"


@st.fragment
def self_check(prefix: str) -> None:
    """Predict, then reveal: a fresh question from random numbers, with a running score."""
    st.subheader("Predict, then reveal")
    score = st.session_state.setdefault(f"{prefix}__score", {"right": 0, "asked": 0, "seed": 1})
    question = quiz.make_question(score["seed"])
    st.markdown(question.prompt)
    guess = st.number_input("your answer", value=None, step=0.01, format="%.3f",
                            key=f"{prefix}x_guess_{score['seed']}")
    check, new = st.columns([1, 5])
    if check.button("Reveal", key=f"{prefix}x_reveal", disabled=guess is None):
        right = question.check(guess)
        if score.get("scored") != score["seed"]:  # one answer per question counts
            score["right"] += right
            score["asked"] += 1
            score["scored"] = score["seed"]
        (st.success if right else st.error)(("Right! " if right else "Not quite. ") + question.explanation
                                            + f" (Answers within ±{question.tolerance:g} count as right.)")
    if new.button("Next question", key=f"{prefix}x_next"):
        score["seed"] += 1
        st.rerun(scope="fragment")
    st.caption(f"Score this session: {score['right']} / {score['asked']}")
