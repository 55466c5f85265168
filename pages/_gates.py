"""Gates over time's explorer: its settings (from the session's state or its widgets), the shared build of a trace and
its chart spec, the chart drawn at a step, and the hand-over of one step to One step."""

import contextlib
from typing import NamedTuple

import streamlit as st

from gru_viz import presets, run_gru, sequences
from gru_viz.figures import caption_for
from gru_viz.gates_chart import gates_chart, one_step_handoff
from gru_viz.safe_text import literal
from gru_viz.tasks import TASKS
from pages._chart import draw_gates_chart, gates_json
from pages._ui import URL, kept_in_session

P = "got"
CUSTOM_MAX_CHARS = 3000  # room for 500 numbers like "-0.5, "; the link that carries them must reopen
DEFAULTS = {f"{P}_T": 100, f"{P}_text": sequences.DEFAULT_TEXT, f"{P}_custom": "0, 0, 1, 0, 0, 0, -1, 0, 0, 0",
            f"{P}_H": 8, f"{P}_seed": 0}  # settings whose widget a run may not draw (T while custom numbers show...)


@st.cache_data(max_entries=64, show_spinner=False)
def load_sequence(kind: str, T: int, seed: int, text: str, custom: str):
    """(x (T, D), channel names) for the chosen input; ValueError for bad custom numbers or text."""
    if kind == "custom":
        return sequences.parse_numbers(custom), ["x"]
    return sequences.preset_sequence(kind, T, seed, text)


@st.cache_resource(max_entries=8, show_spinner=False)  # few: each session keeps its own latest (_ui.kept_in_session)
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


def weight_options(model) -> list[str]:
    return list(presets.PRESETS) + (["trained"] if model is not None else [])


def setting(name: str):
    """A setting from the session's state; one whose widget a run did not draw keeps its default."""
    return st.session_state.get(f"{P}_{name}", DEFAULTS[f"{P}_{name}"])


class Settings(NamedTuple):
    """What the chart is built from (seq_key, weights_key, model: the first three), and what to say about it."""

    seq_key: tuple
    weights_key: tuple
    model: object
    problem: str | None  # the input could not be used: the last one that worked is shown
    info: str | None  # the trained model is shown on its own task


def settings(kind, w_kind, model) -> Settings | None:
    """The settings for these choices, or None for choices not (yet) valid."""
    if kind not in sequences.PRESETS or w_kind not in weight_options(model):
        return None
    seq_key = (kind, int(setting("T")), int(setting("seed")), setting("text"),
               setting("custom") if kind == "custom" else "")
    problem = info = None
    try:
        load_sequence(*seq_key)
        st.session_state[f"{P}__good_seq"] = seq_key
    except ValueError as exc:
        problem = f"That input cannot be used: {literal(exc, 200)}. Still showing the last sequence that worked."
        seq_key = st.session_state.get(f"{P}__good_seq", ("sine", 100, 0, sequences.DEFAULT_TEXT, ""))
    if w_kind == "trained":
        info = (f"Showing the trained model on an example of its task ({model.task or 'unknown task'}, "
                f"T = {model.seq_len}); the input choices apply to the other weights.")
        return Settings(("task", model.seq_len, 0, "", model.key), ("trained", model.weights.hidden_size, 0, model.key),
                        model, problem, info)
    return Settings(seq_key, (w_kind, int(setting("H")), int(setting("seed")), None), model, problem, info)


def step_slider(T: int) -> int:
    """The Streamlit step slider (it moves the chart's cursor); draw_chart has clipped the step to T already."""
    return st.slider("step t (moves the chart's cursor too)", 0, T - 1, key=f"{P}_step", **URL) if T > 1 else 0


def draw_chart(seq_key, weights_key, model, *, step_from, slot=None):
    """Build (or find) the trace and draw its chart at the step step_from(T) gives; (weights, trace, names, chart)."""
    weights, trace, names, spec = kept_in_session(f"{P}__built", (seq_key, weights_key),
                                                  lambda: build(seq_key, weights_key, model))
    T = trace.h.shape[0]
    if st.session_state.get(f"{P}_step", 0) > T - 1:  # a shorter sequence than before
        st.session_state[f"{P}_step"] = T - 1
    t = step_from(T)
    with slot if slot is not None else contextlib.nullcontext():
        chart = draw_gates_chart(spec, key=f"{P}x_chart", step=t, alt=caption_for(trace, t),
                                 caption=caption_for(trace), step_key=f"{P}_step", can_open=True)
    return weights, trace, names, chart


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
