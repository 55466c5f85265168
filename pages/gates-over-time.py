"""Gates over time: a whole sequence through a GRU, animated in the browser, and a hand-tuning challenge."""

import numpy as np
import pandas as pd
import streamlit as st

from gru_viz import challenge, presets, run_gru, sequences
from gru_viz.figures import caption_for, challenge_figure, gates_animation, trace_csv
from gru_viz.safe_text import literal
from gru_viz.tasks import TASKS
from gru_viz.urlstate import Field
from pages._ui import restore_from_url, save_to_url, show_url_notices, trained_model

P = "got"
CUSTOM_MAX_CHARS = 3000  # room for 500 numbers like "-0.5, "; the link that carries them must reopen
FIELDS = [Field("seq", "sine", choices=tuple(sequences.PRESETS)), Field("T", 100, 1, sequences.MAX_LEN),
          Field("text", sequences.DEFAULT_TEXT, max_chars=sequences.MAX_LEN),
          Field("custom", "0, 0, 1, 0, 0, 0, -1, 0, 0, 0", max_chars=CUSTOM_MAX_CHARS),
          Field("weights", "random", choices=(*presets.PRESETS, "trained")), Field("H", 8, 1, 32),
          Field("seed", 0, 0, 9999), Field("step", 0, 0, sequences.MAX_LEN - 1)]
restore_from_url(P, FIELDS)


@st.cache_data(max_entries=64, show_spinner=False)
def load_sequence(kind: str, T: int, seed: int, text: str, custom: str):
    """(x (T, D), channel names) for the chosen input; ValueError for bad custom numbers or text."""
    if kind == "custom":
        return sequences.parse_numbers(custom), ["x"]
    return sequences.preset_sequence(kind, T, seed, text)


@st.cache_resource(max_entries=32, show_spinner=False)
def build(seq_key: tuple, weights_key: tuple, units: tuple, _trained=None):
    """The trace and its animated figure, built once per settings and shared read-only by every session.

    weights_key is (kind, H, seed, key); a trained model is passed unhashed, keyed by TrainedModel.key (weights,
    task, seq_len: everything that shapes the trace)."""
    if seq_key[0] == "task":  # a trained model is shown on an example of its own task
        x, names = _trained.example()[0], list(TASKS[_trained.task].inputs) if _trained.task else None
    else:
        x, names = load_sequence(*seq_key)
    kind, H, seed, _ = weights_key
    weights = _trained.weights if kind == "trained" else presets.preset_weights(kind, x.shape[1], H, seed)
    trace = run_gru(weights, x)
    return trace, names, gates_animation(trace, units=units, input_names=names), trace_csv(trace, names)


st.title("Gates over time")
show_url_notices(P)
st.caption("Feed a whole sequence through a GRU and watch r, u, the candidate ĥ and the state h. Press ▶ Play under "
           "the chart: the animation runs in your browser.")

@st.fragment
def explorer():
    """Inputs, weights, the animated chart and the numbers: a change here reruns only this part."""
    restore_from_url(P, FIELDS)  # a fragment rerun skips the page's top: bring back settings of hidden widgets
    seq_col, w_col = st.columns(2, gap="large")
    with seq_col:
        kind = st.selectbox("input sequence", list(sequences.PRESETS), format_func=sequences.PRESETS.get,
                            key=f"{P}_seq")
        if kind == "custom":
            st.text_area(f"numbers, separated by commas (at most {sequences.MAX_LEN})", key=f"{P}_custom", height=80,
                         max_chars=CUSTOM_MAX_CHARS)
        else:
            st.slider("length T", 1, sequences.MAX_LEN, key=f"{P}_T")
        if kind == "text":
            st.text_input("text (each character becomes a one-hot input)", key=f"{P}_text",
                          max_chars=sequences.MAX_LEN)
    with w_col:
        model = trained_model()
        options = list(presets.PRESETS) + (["trained"] if model is not None else [])
        if st.session_state.get(f"{P}_weights") not in options:
            st.session_state[f"{P}_weights"] = "random"
        w_kind = st.selectbox("weights", options, key=f"{P}_weights", format_func=lambda k: (
            "The model trained on the Train page" if k == "trained" else presets.PRESETS[k]))
        if w_kind != "trained":
            st.slider("hidden size H", 1, 32, key=f"{P}_H")
            st.number_input("weight seed", 0, 9999, step=1, key=f"{P}_seed")
            st.caption(presets.DESCRIPTIONS[w_kind])

    s = st.session_state
    seq_key = (kind, int(s[f"{P}_T"]), int(s[f"{P}_seed"]), s[f"{P}_text"], s[f"{P}_custom"] if kind == "custom" else "")
    try:
        load_sequence(*seq_key)
        s[f"{P}__good_seq"] = seq_key
    except ValueError as exc:
        st.error(f"That input cannot be used: {literal(exc, 200)}. Still showing the last sequence that worked.")
        seq_key = s.get(f"{P}__good_seq", ("sine", 100, 0, sequences.DEFAULT_TEXT, ""))
    if w_kind == "trained":
        st.info(f"Showing the trained model on an example of its task ({model.task or 'unknown task'}, "
                f"T = {model.seq_len}); the input choices apply to the other weights.")
        seq_key = ("task", model.seq_len, 0, "", model.key)
        weights_key = ("trained", model.weights.hidden_size, 0, model.key)
    else:
        weights_key = (w_kind, int(s[f"{P}_H"]), int(s[f"{P}_seed"]), None)
    hidden = weights_key[1]
    units = tuple(st.multiselect("units drawn as lines", list(range(hidden)), default=list(range(min(hidden, 4))),
                                 max_selections=8, key=f"{P}x_units_{hidden}"))
    trace, names, figure, csv_text = build(seq_key, weights_key, units, model)
    T = trace.h.shape[0]
    st.plotly_chart(figure, theme=None, key=f"{P}x_chart", config={"displaylogo": False}, alt=caption_for(trace, 0))
    st.caption(caption_for(trace, 0) + (" Frames are subsampled to 100 for long sequences." if T > 100 else ""))
    step_numbers(trace, names, csv_text)
    save_to_url(P, FIELDS)


@st.fragment
def step_numbers(trace, names, csv_text):
    """The numbers at one step, and the whole trace as CSV."""
    st.subheader("The numbers at one step")
    T = trace.h.shape[0]
    st.session_state[f"{P}_step"] = min(int(st.session_state.get(f"{P}_step", 0)), T - 1)
    t = st.slider("step t", 0, T - 1, key=f"{P}_step") if T > 1 else 0
    table = pd.DataFrame({"h_(t−1)": trace.h_prev[t], "r": trace.r[t], "u": trace.u[t], "ĥ": trace.candidate[t],
                          "h_t": trace.h[t]}).rename_axis("unit")
    st.markdown(f"Input at step {t}: " + ", ".join(f"{n} = {v:.3f}" for n, v in zip(names, trace.x[t])))
    st.dataframe(table, width="stretch", height=min(38 + 35 * len(table), 400),  # column_config: no pandas Styler
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in table.columns})
    st.download_button("Download the whole trace (CSV)", csv_text, file_name="gru_trace.csv", mime="text/csv",
                       key=f"{P}x_csv")
    save_to_url(P, FIELDS)


@st.fragment
def hand_tuning():
    """Set a one-unit GRU by hand until it remembers an impulse."""
    st.subheader("Challenge: tune a one-unit GRU by hand")
    level = st.radio("level", list(challenge.LEVELS), horizontal=True, key=f"{P}x_level",
                     format_func=lambda n: f"Level {n}")
    st.markdown(challenge.LEVELS[level].goal)
    if st.button("Show a solution", key=f"{P}x_solve"):
        for name, value in challenge.SOLUTIONS[level].items():
            st.session_state[f"{P}x_knob_{name}"] = value
    cols = st.columns(3)
    knobs = {}
    for i, name in enumerate(challenge.KNOBS):
        st.session_state.setdefault(f"{P}x_knob_{name}", 1.0 if name == "U_g" else 0.0)
        knobs[name] = cols[i // 3].slider(name, -challenge.LIMIT, challenge.LIMIT, step=0.5, key=f"{P}x_knob_{name}")
    result = challenge.judge(knobs, level)
    (st.success if result.passed else st.info)(result.message)
    st.progress(result.closeness, text=f"how close: {result.closeness:.0%}")
    goals = [challenge.HOLD] if level == 1 else [challenge.SECOND - 1, challenge.T - 1]
    st.plotly_chart(challenge_figure(result.trace.h[:, 0], challenge.LEVELS[level].impulses, goals, 0.0),
                    theme=None, key=f"{P}x_challenge_chart", config={"displayModeBar": False},
                    alt=f"h of the one-unit cell over {challenge.T} steps: {result.message}")


explorer()
hand_tuning()
