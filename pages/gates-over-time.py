"""Gates over time: a whole sequence through a GRU, animated in the browser, and a hand-tuning challenge."""

import streamlit as st

from gru_viz import challenge, presets, run_gru, sequences
from gru_viz.figures import caption_for, challenge_figure, trace_csv
from gru_viz.gates_chart import gates_chart, one_step_handoff
from gru_viz.safe_text import literal
from gru_viz.tasks import TASKS
from gru_viz.urlstate import Field
from pages._chart import draw_figure, draw_gates_chart, opened_cell
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
def build(seq_key: tuple, weights_key: tuple, _trained=None):
    """The weights, the trace and its chart spec, built once per settings and shared read-only by every session.

    weights_key is (kind, H, seed, key); a trained model is passed unhashed, keyed by TrainedModel.key (weights,
    task, seq_len: everything that shapes the trace)."""
    if seq_key[0] == "task":  # a trained model is shown on an example of its own task
        x, names = _trained.example()[0], list(TASKS[_trained.task].inputs) if _trained.task else None
    else:
        x, names = load_sequence(*seq_key)
    kind, H, seed, _ = weights_key
    weights = _trained.weights if kind == "trained" else presets.preset_weights(kind, x.shape[1], H, seed)
    trace = run_gru(weights, x)
    return weights, trace, names, gates_chart(trace, input_names=names)  # units as lines: picked in the chart


st.title("Gates over time")
show_url_notices(P)
st.caption("Feed a whole sequence through a GRU and watch r, u, the candidate ĥ and the state h. Press ▶ Play or drag "
           "the step slider on the chart: the numbers and the cell diagram below it follow. Click a heatmap cell to "
           "open that step and unit in One step.")

@st.fragment
def explorer():
    """Inputs, weights, the chart with the numbers at its step: a change here reruns only this part."""
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
    weights, trace, names, spec = build(seq_key, weights_key, model)
    T, H = trace.h.shape
    s[f"{P}_step"] = t = min(int(s.get(f"{P}_step", 0)), T - 1)
    chart = draw_gates_chart(spec, key=f"{P}x_chart", step=t, alt=caption_for(trace, t), caption=caption_for(trace),
                             step_key=f"{P}_step", can_open=True)
    if (cell := opened_cell(chart, T, H)) is not None:
        open_in_one_step(weights, trace, *cell, describe(seq_key, weights_key, model))
    if T > 1:
        st.slider("step t (moves the chart's cursor too)", 0, T - 1, key=f"{P}_step")
    # the CSV is written only when asked for (16 ms for T = 200, H = 16), in a thread of its own, with no rerun
    st.download_button("Download the whole trace (CSV)", lambda: trace_csv(trace, names), file_name="gru_trace.csv",
                       mime="text/csv", key=f"{P}x_csv", on_click="ignore")
    save_to_url(P, FIELDS)


def describe(seq_key: tuple, weights_key: tuple, model) -> str:
    """The settings in plain words, for the page that opens a step of this chart."""
    kind, T, _, text, _ = seq_key
    if kind == "task":
        return f"Gates over time: the trained model ({model.task or 'unknown task'}) on an example of T = {T} steps"
    w_kind, H, w_seed, _ = weights_key
    sequence = {"custom": "your own numbers", "text": f"the text {text!r}"}.get(
        kind, f"{sequences.PRESETS[kind]}, T = {T}")
    return f"Gates over time: {sequence}; weights {presets.PRESETS[w_kind]}, H = {H}, seed {w_seed}"


def open_in_one_step(weights, trace, step: int, unit: int, source: str) -> None:
    """Hand one step of this chart to the One step page: the same weights, that step's input and state."""
    st.session_state["os__from_gates"] = one_step_handoff(weights, trace, step, unit, source)
    st.switch_page("pages/one-step.py")


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
    draw_figure(challenge_figure(result.trace.h[:, 0], challenge.LEVELS[level].impulses, goals, 0.0),
                key=f"{P}x_challenge_chart", config={"displayModeBar": False},
                alt=f"h of the one-unit cell over {challenge.T} steps: {result.message}")


explorer()
hand_tuning()
