"""Streamlit helpers for the pages that train several cells side by side: the shared run store and progress."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from gru_viz import comparison, jobs
from gru_viz.comparison import CELL_NAMES, Run, RunStore
from gru_viz.tasks import TASKS
from gru_viz.urlstate import Field
from pages._ui import restore_from_url

MAX_STORED_RUNS = 8  # settings kept per server; a ninth forgets the oldest finished run
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1]


def settings_fields(tasks, task: str, T: int, H: int, steps: int) -> list[Field]:
    """The URL-backed settings of a page that trains several cells, with its defaults."""
    return [Field("task", task, choices=tuple(tasks)), Field("T", T, 2, 200), Field("H", H, 1, 64),
            Field("lr", 0.01, 1e-4, 0.1), Field("steps", steps, 10, 2000), Field("seed", 0, 0, 9999)]


def restore_settings(prefix: str, fields: list[Field]) -> None:
    """restore_from_url, then move a learning rate from a link onto the nearest stop of the slider, saying so."""
    restore_from_url(prefix, fields)
    lr = st.session_state[f"{prefix}_lr"]
    if lr not in LEARNING_RATES:  # a link may carry any rate in range; the slider has seven
        st.session_state[f"{prefix}_lr"] = min(LEARNING_RATES, key=lambda v: abs(v - lr))
        st.session_state.setdefault(f"{prefix}__notices", []).append(
            f"Link setting 'lr={lr:g}' is not one of the slider's rates; using {st.session_state[f'{prefix}_lr']:g}.")


def settings_form(prefix: str, tasks, button: str, T_label: str, H_label: str) -> tuple[str, bool]:
    """The settings form; returns the chosen task and whether it was submitted."""
    with st.form(f"{prefix}x_form"):
        left, right = st.columns(2)
        task = left.selectbox("task", tuple(tasks), format_func=lambda k: TASKS[k].title, key=f"{prefix}_task")
        left.slider(T_label, 2, 200, key=f"{prefix}_T")
        left.slider(H_label, 1, 64, key=f"{prefix}_H")
        right.select_slider("learning rate", LEARNING_RATES, key=f"{prefix}_lr")
        right.slider("training steps (batches of 64)", 10, 2000, step=10, key=f"{prefix}_steps")
        right.number_input("seed", 0, 9999, step=1, key=f"{prefix}_seed")
        return task, st.form_submit_button(button, type="primary")


def configs_from_settings(prefix: str, cells) -> dict:
    """One config per cell from the page's settings (ValueError when they cannot be trained)."""
    s = st.session_state
    return comparison.compare_configs(s[f"{prefix}_task"], int(s[f"{prefix}_T"]), int(s[f"{prefix}_H"]),
                                      int(s[f"{prefix}_steps"]), float(s[f"{prefix}_lr"]), int(s[f"{prefix}_seed"]),
                                      cells=cells)


@st.cache_resource(show_spinner=False)
def run_store() -> RunStore:
    """The runs of every session on this server, by settings: a class revisiting a page trains nothing."""
    return RunStore(MAX_STORED_RUNS)


def choose_run(prefix: str, configs: dict, submitted: bool) -> Run | None:
    """The run this page shows: started or reused on submit, fresh after "Run again", else a stored one."""
    store, s = run_store(), st.session_state
    first = next(iter(configs.values()))
    settings = comparison.settings_key(first)
    if s.pop(f"{prefix}__fresh", False):
        s[f"{prefix}__run"] = store.start(configs)
        s[f"{prefix}__reused"] = False
    elif submitted:
        s[f"{prefix}__run"], s[f"{prefix}__reused"] = store.get_or_start(configs)
    else:
        run = s.get(f"{prefix}__run")
        if run is None or run.settings != settings:
            s[f"{prefix}__run"] = store.find(settings, tuple(configs))
            s[f"{prefix}__reused"] = s[f"{prefix}__run"] is not None
    return s[f"{prefix}__run"]


def _progress(prefix: str) -> None:
    """Each job's place in the queue or its progress, redrawn until the run ends; then the whole page."""
    run = st.session_state.get(f"{prefix}__run")
    if run is None:
        return
    run.poll()
    for cell, status, position, done, seconds in run.progress():
        name = CELL_NAMES[cell]
        if status == "queued":
            st.progress(0.0, text=f"{name}: waiting for a free training slot, number {position} in the queue")
        elif done == 0:
            st.progress(0.0, text=f"{name}: starting its training process")
        else:
            st.progress(min(done, 1.0), text=f"{name}: {100 * done:.0f}% · {seconds:.1f} s of training")
    if run.status != "running" and st.session_state.get(f"{prefix}__drawn") != run.id:
        st.session_state[f"{prefix}__drawn"] = run.id
        st.rerun()


def show_progress(prefix: str, run: Run | None) -> None:
    """The progress fragment, polling twice a second only while the run trains."""
    if run is not None and run.status == "running":
        st.caption(f"Training runs in separate processes, at most {jobs.default_manager.max_running} at a time on "
                   "this server; other pages keep working meanwhile.")
    st.fragment(_progress, run_every=0.5 if run is not None and run.status == "running" else None)(prefix)


def _fresh(prefix: str) -> None:
    st.session_state[f"{prefix}__fresh"] = True


def show_run_facts(prefix: str, run: Run, cells) -> None:
    """Settings, seed, device and times of a finished run, whether it was stored, and a Run again button."""
    c = next(iter(run.configs.values()))
    first = run.outcomes[cells[0]].result
    when = dt.datetime.fromtimestamp(run.finished_at).strftime("%H:%M:%S")
    if st.session_state.get(f"{prefix}__reused"):
        st.info(f"Stored result from {when}"
                + (" (a run of the GRU vs LSTM vs RNN page)" if set(run.cells) != set(cells) else "")
                + ": nothing was retrained. Run again for a fresh run.", icon=":material/history:")
    times = ", ".join(f"{CELL_NAMES[k]} {run.outcomes[k].result.seconds:.2f} s" for k in cells)
    st.markdown(f"**This run:** task `{c.task}` · T = {c.seq_len} · H = {c.hidden_size} · {c.steps} steps of "
                f"{c.batch_size} sequences · Adam, learning rate {c.lr:g} · gradient clip {c.clip:g} · "
                f"seed {c.seed} · device **{first.device.upper()}** · training time {times} · "
                f"{run.wall_s:.1f} s wall clock from start to last result (queue and process starts included).")
    if run.previous:
        same = all(run.previous.get(k) == o.result.value for k, o in run.outcomes.items() if k in run.previous)
        st.caption("Same final metrics as the run before, to the last digit." if same else
                   "The final metrics differ from the run before (expected on a GPU, not on the CPU).")
    st.button("Run again", key=f"{prefix}x_again", on_click=_fresh, args=(prefix,), icon=":material/replay:",
              help="Train them again with these settings, ignoring the stored run.")
