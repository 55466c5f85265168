"""Gates over time: a whole sequence through a GRU, animated in the browser, and a hand-tuning challenge."""

import streamlit as st

from gru_viz import challenge, presets, run_gru, sequences
from gru_viz.figures import caption_for, challenge_figure, trace_csv
from gru_viz.gates_chart import gates_chart, one_step_handoff
from gru_viz.safe_text import literal
from gru_viz.tasks import TASKS
from pages._chart import draw_figure, draw_gates_chart, gates_json, opened_cell
from pages._ui import URL, kept_in_session, link_settings, show_link_notices, text_in_link, trained_model

P = "got"
CUSTOM_MAX_CHARS = 3000  # room for 500 numbers like "-0.5, "; the link that carries them must reopen
DEFAULTS = {f"{P}_T": 100, f"{P}_text": sequences.DEFAULT_TEXT, f"{P}_custom": "0, 0, 1, 0, 0, 0, -1, 0, 0, 0",
            f"{P}_H": 8, f"{P}_seed": 0}  # settings whose widget a run may not draw (T while custom numbers show...)
FORMATS = {f"{P}_seq": sequences.PRESETS.get}  # a format_func's label is what the address bar holds
link = link_settings(P)  # before the widgets correct it
if st.session_state.get(f"{P}__custom_read") is None:  # the custom numbers travel in the link by hand (_ui.text_in_link)
    st.session_state[f"{P}__custom_read"] = True
    if link.params.get(f"{P}_custom"):
        st.session_state[f"{P}_custom"] = link.params[f"{P}_custom"][-1][:CUSTOM_MAX_CHARS]  # longer: a notice says so


@st.cache_data(max_entries=64, show_spinner=False)
def load_sequence(kind: str, T: int, seed: int, text: str, custom: str):
    """(x (T, D), channel names) for the chosen input; ValueError for bad custom numbers or text."""
    if kind == "custom":
        return sequences.parse_numbers(custom), ["x"]
    return sequences.preset_sequence(kind, T, seed, text)


@st.cache_resource(max_entries=8, show_spinner=False)  # few: each session keeps its own latest (built_for_me)
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
    return weights, trace, names, gates_json(gates_chart(trace, input_names=names))  # units as lines: in the chart


st.title("Gates over time")
notices = st.container()
st.caption("Feed a whole sequence through a GRU and watch r, u, the candidate ĥ and the state h. Press ▶ Play or drag "
           "the step slider on the chart: the numbers and the cell diagram below it follow. Click a heatmap cell to "
           "open that step and unit in One step.")

@st.fragment
def explorer():
    """Inputs, weights, the chart with the numbers at its step: a change here reruns only this part."""
    seq_col, w_col = st.columns(2, gap="large")
    with seq_col:
        kind = st.selectbox("input sequence", list(sequences.PRESETS), format_func=sequences.PRESETS.get,
                            key=f"{P}_seq", **URL)
        if kind == "custom":
            st.session_state.setdefault(f"{P}_custom", DEFAULTS[f"{P}_custom"])
            st.text_area(f"numbers, separated by commas (at most {sequences.MAX_LEN})", key=f"{P}_custom", height=80,
                         max_chars=CUSTOM_MAX_CHARS, persist_state="session")
        else:
            st.slider("length T", 1, sequences.MAX_LEN, DEFAULTS[f"{P}_T"], key=f"{P}_T", **URL)
        if kind == "text":
            st.text_input("text (each character becomes a one-hot input)", DEFAULTS[f"{P}_text"], key=f"{P}_text",
                          max_chars=sequences.MAX_LEN, **URL)
    with w_col:
        model = trained_model()
        options = list(presets.PRESETS) + (["trained"] if model is not None else [])
        if st.session_state.get(f"{P}_weights", "random") not in options:  # the trained model is gone
            st.session_state[f"{P}_weights"] = "random"
        w_kind = st.selectbox("weights", options, key=f"{P}_weights", format_func=weights_label, **URL)
        if w_kind != "trained":
            st.slider("hidden size H", 1, 32, DEFAULTS[f"{P}_H"], key=f"{P}_H", **URL)
            st.number_input("weight seed", 0, 9999, DEFAULTS[f"{P}_seed"], step=1, key=f"{P}_seed", **URL)
            st.caption(presets.DESCRIPTIONS[w_kind])

    def s(name):  # a setting whose widget this run did not draw keeps its default
        return st.session_state.get(f"{P}_{name}", DEFAULTS[f"{P}_{name}"])

    seq_key = (kind, int(s("T")), int(s("seed")), s("text"), s("custom") if kind == "custom" else "")
    text_in_link(f"{P}_custom", s("custom"), kind == "custom")
    try:
        load_sequence(*seq_key)
        st.session_state[f"{P}__good_seq"] = seq_key
    except ValueError as exc:
        st.error(f"That input cannot be used: {literal(exc, 200)}. Still showing the last sequence that worked.")
        seq_key = st.session_state.get(f"{P}__good_seq", ("sine", 100, 0, sequences.DEFAULT_TEXT, ""))
    if w_kind == "trained":
        st.info(f"Showing the trained model on an example of its task ({model.task or 'unknown task'}, "
                f"T = {model.seq_len}); the input choices apply to the other weights.")
        seq_key = ("task", model.seq_len, 0, "", model.key)
        weights_key = ("trained", model.weights.hidden_size, 0, model.key)
    else:
        weights_key = (w_kind, int(s("H")), int(s("seed")), None)
    weights, trace, names, spec = kept_in_session(f"{P}__built", (seq_key, weights_key),
                                                  lambda: build(seq_key, weights_key, model))
    T, H = trace.h.shape
    chart_slot = st.container()  # above the step slider, drawn once the slider has read the step (link included)
    if st.session_state.get(f"{P}_step", 0) > T - 1:  # a shorter sequence than before
        st.session_state[f"{P}_step"] = T - 1
    t = st.slider("step t (moves the chart's cursor too)", 0, T - 1, key=f"{P}_step", **URL) if T > 1 else 0
    with chart_slot:
        chart = draw_gates_chart(spec, key=f"{P}x_chart", step=t, alt=caption_for(trace, t),
                                 caption=caption_for(trace), step_key=f"{P}_step", can_open=True)
    if (cell := opened_cell(chart, T, H)) is not None:
        open_in_one_step(weights, trace, *cell, describe(seq_key, weights_key, model))
    # the CSV is written only when asked for (16 ms for T = 200, H = 16), in a thread of its own, with no rerun
    st.download_button("Download the whole trace (CSV)", lambda: trace_csv(trace, names), file_name="gru_trace.csv",
                       mime="text/csv", key=f"{P}x_csv", on_click="ignore")


def weights_label(kind: str) -> str:
    return "The model trained on the Train page" if kind == "trained" else presets.PRESETS[kind]


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
    # query_params={}: with no argument switch_page clears the address's parameters one by one, which Streamlit
    # refuses while widgets are bound to them; an empty mapping replaces them all at once (the settings persist)
    st.switch_page("pages/one-step.py", query_params={})


@st.fragment
def hand_tuning():
    """Set a one-unit GRU by hand until it remembers an impulse: drawn only while its box is open, so that its
    widgets do not slow every change of the explorer above (a page's element count costs each rerun's redraw)."""
    box = st.expander("Challenge: tune a one-unit GRU by hand", key=f"{P}_challenge", bind="query-params")
    if box.open:
        with box:
            challenge_body()


def challenge_body():
    # persist_state: a closed box draws none of these widgets, and a student's knobs must still be there when it opens
    level = st.radio("level", list(challenge.LEVELS), horizontal=True, key=f"{P}x_level",
                     format_func=lambda n: f"Level {n}", persist_state="session")
    st.markdown(challenge.LEVELS[level].goal)
    if st.button("Show a solution", key=f"{P}x_solve"):
        for name, value in challenge.SOLUTIONS[level].items():
            st.session_state[f"{P}x_knob_{name}"] = value
    cols = st.columns(3)
    knobs = {}
    for i, name in enumerate(challenge.KNOBS):
        st.session_state.setdefault(f"{P}x_knob_{name}", 1.0 if name == "U_g" else 0.0)
        knobs[name] = cols[i // 3].slider(name, -challenge.LIMIT, challenge.LIMIT, step=0.5, key=f"{P}x_knob_{name}",
                                         persist_state="session")
    result = challenge.judge(knobs, level)
    (st.success if result.passed else st.info)(result.message)
    st.progress(result.closeness, text=f"how close: {result.closeness:.0%}")
    goals = [challenge.HOLD] if level == 1 else [challenge.SECOND - 1, challenge.T - 1]
    draw_figure(challenge_figure(result.trace.h[:, 0], challenge.LEVELS[level].impulses, goals, 0.0),
                key=f"{P}x_challenge_chart", config={"displayModeBar": False},
                alt=f"h of the one-unit cell over {challenge.T} steps: {result.message}")

explorer()
show_link_notices(notices, link, {**FORMATS, f"{P}_weights": weights_label})
hand_tuning()
