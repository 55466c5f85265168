"""Gates over time: a whole sequence through a GRU, animated in the browser, and a hand-tuning challenge."""

import streamlit as st

from gru_viz import challenge, presets, sequences
from gru_viz.figures import challenge_figure, trace_csv
from pages._chart import draw_figure, opened_cell
from pages._gates import (CUSTOM_MAX_CHARS, DEFAULTS, P, describe, draw_chart, open_in_one_step, setting, settings,
                          step_slider, weight_options, weights_label)
from pages._ui import URL, link_settings, show_link_notices, text_in_link, trained_model

FORMATS = {f"{P}_seq": sequences.PRESETS.get}  # a format_func's label is what the address bar holds
link = link_settings(P)  # before the widgets correct it
if st.session_state.get(f"{P}__custom_read") is None:  # the custom numbers travel in the link by hand (_ui.text_in_link)
    st.session_state[f"{P}__custom_read"] = True
    if link.params.get(f"{P}_custom"):
        st.session_state[f"{P}_custom"] = link.params[f"{P}_custom"][-1][:CUSTOM_MAX_CHARS]  # longer: a notice says so


st.title("Gates over time")
notices = st.container()
st.caption("Feed a whole sequence through a GRU and watch r, u, the candidate ĥ and the state h. Press ▶ Play or drag "
           "the step slider on the chart: the numbers and the cell diagram below it follow. Click a heatmap cell to "
           "open that step and unit in One step.")

@st.fragment
def explorer():
    """Inputs, weights, the chart with the numbers at its step: a change here reruns only this part.

    After a session's first run every setting is in its state before the widgets are drawn, so the chart is sent
    first (the browser draws it while the widgets' messages still arrive: 15-20 ms sooner); on a first run the
    widgets read the link first."""
    controls, chart_slot, below = st.container(), st.container(), st.container()
    early = settings(st.session_state.get(f"{P}_seq"), st.session_state.get(f"{P}_weights"), trained_model())
    if early is not None and f"{P}_step" in st.session_state:
        with chart_slot:
            drawn = draw_chart(*early[:3], step_from=lambda T: st.session_state[f"{P}_step"] if T > 1 else 0)
    else:
        early = drawn = None
    with controls:
        kind, w_kind = settings_widgets()
        now = settings(kind, w_kind, trained_model())
        if now.problem:
            st.error(now.problem)
        if now.info:
            st.info(now.info)
    if drawn is not None and now[:3] != early[:3]:  # a widget corrected a setting (rare): draw the chart again
        st.rerun(scope="fragment")
    with below:
        if drawn is None:
            drawn = draw_chart(*now[:3], step_from=step_slider, slot=chart_slot)
        else:
            step_slider(drawn[1].h.shape[0])
        weights, trace, names, chart = drawn
        if (cell := opened_cell(chart, *trace.h.shape)) is not None:
            open_in_one_step(weights, trace, *cell, describe(now.seq_key, now.weights_key, now.model))
        # the CSV is written only when asked for (16 ms for T = 200, H = 16), in a thread of its own, with no rerun
        st.download_button("Download the whole trace (CSV)", lambda: trace_csv(trace, names),
                           file_name="gru_trace.csv", mime="text/csv", key=f"{P}x_csv", on_click="ignore")


def settings_widgets() -> tuple[str, str]:
    """The input and weight widgets (bound to the link); returns the input kind and the weights' kind."""
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
        options = weight_options(trained_model())
        if st.session_state.get(f"{P}_weights", "random") not in options:  # the trained model is gone
            st.session_state[f"{P}_weights"] = "random"
        w_kind = st.selectbox("weights", options, key=f"{P}_weights", format_func=weights_label, **URL)
        if w_kind != "trained":
            st.slider("hidden size H", 1, 32, DEFAULTS[f"{P}_H"], key=f"{P}_H", **URL)
            st.number_input("weight seed", 0, 9999, DEFAULTS[f"{P}_seed"], step=1, key=f"{P}_seed", **URL)
            st.caption(presets.DESCRIPTIONS[w_kind])
    text_in_link(f"{P}_custom", setting("custom"), kind == "custom")
    return kind, w_kind



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
hand_tuning()
show_link_notices(notices, link, {**FORMATS, f"{P}_weights": weights_label})  # after every widget read the link
