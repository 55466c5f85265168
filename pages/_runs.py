"""Streamlit helpers for the pages that train several networks side by side: settings, the shared store, progress."""

from __future__ import annotations

import datetime as dt

import numpy as np
import streamlit as st

from gru_viz import jobs, runs, verdicts
from gru_viz.runs import Run, RunStore
from gru_viz.tasks import TASKS
from gru_viz.trained import MAX_HIDDEN, MAX_SEQ_LEN
from gru_viz.verdicts import CELL_NAMES
from pages._queue import busy, over_budget, owner, policy_caption
from pages._ui import URL, show_link_notices

MAX_STORED_RUNS = 8  # settings kept per server; a ninth forgets the oldest finished run
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1]


def settings_form(prefix: str, tasks, button: str, T_label: str, H_label: str, *, task: str, T: int, H: int,
                  steps: int, seeds: int | None = None) -> tuple[str, bool]:
    """The training settings form (every setting in the link), with this page's defaults; returns the chosen task
    and whether it was submitted."""
    with st.form(f"{prefix}x_form"):
        left, right = st.columns(2)
        chosen = left.selectbox("task", tuple(tasks), index=tuple(tasks).index(task), format_func=task_title,
                                key=f"{prefix}_task", **URL)
        left.slider(T_label, 2, MAX_SEQ_LEN, T, key=f"{prefix}_T", **URL)
        left.slider(H_label, 1, MAX_HIDDEN, H, key=f"{prefix}_H", **URL)
        right.select_slider("learning rate", LEARNING_RATES, 0.01, key=f"{prefix}_lr", **URL)
        right.slider("training steps (batches of 64)", 10, 2000, steps, step=10, key=f"{prefix}_steps", **URL)
        if seeds:
            first, count = right.columns(2)
            first.number_input("first seed", 0, 9999, 0, step=1, key=f"{prefix}_seed", **URL)
            count.number_input("seeds", 1, 8, seeds, step=1, key=f"{prefix}_seeds", **URL,
                               help="Each seed trains every cell again from other initial weights and batches.")
        else:
            right.number_input("seed", 0, 9999, 0, step=1, key=f"{prefix}_seed", **URL)
        return chosen, st.form_submit_button(button, type="primary")


def task_title(name: str) -> str:
    return TASKS[name].title


def show_settings_notices(prefix: str, where, link: dict) -> None:
    """The link's settings this page could not take (the task shows its title in the address bar)."""
    show_link_notices(where, link, {f"{prefix}_task": task_title})


def configs_from_settings(prefix: str, cells) -> dict:
    """One config per (cell, seed) from the page's settings (ValueError when they cannot be trained)."""
    s = st.session_state
    return runs.compare_configs(s[f"{prefix}_task"], int(s[f"{prefix}_T"]), int(s[f"{prefix}_H"]),
                                int(s[f"{prefix}_steps"]), float(s[f"{prefix}_lr"]), int(s[f"{prefix}_seed"]),
                                cells=cells, seeds=int(s.get(f"{prefix}_seeds", 1)))


@st.cache_resource(show_spinner=False)
def run_store() -> RunStore:
    """The runs of every session on this server, by settings: a class revisiting a page trains nothing."""
    return RunStore(MAX_STORED_RUNS)


def choose_run(prefix: str, configs: dict, submitted: bool) -> Run | None:
    """The run this page shows: started or reused on submit, fresh after "Run again", else a stored one.

    Showing another session's run that still trains keeps it alive (the queue cancels runs nobody looks at).
    """
    store, s, me = run_store(), st.session_state, owner()
    settings = runs.settings_key(next(iter(configs.values())))
    old = s.get(f"{prefix}__run")
    shown = old is not None and old.settings == settings and set(configs) <= set(old.parts)
    run, reused = (old, s.get(f"{prefix}__reused", False)) if shown else (None, False)
    fresh = s.pop(f"{prefix}__fresh", False)
    stored = store.find(settings, tuple(configs))
    if submitted and stored is not None:
        run, reused = stored, True
    elif (fresh or submitted) and not over_budget(list(configs.values())):
        try:
            run, reused = store.start(configs, me), False
        except jobs.QueueFull as full:
            busy(full)
    if run is None and stored is not None:
        run, reused = stored, True
    if run is not old:
        if old is not None:
            old.unwatch(me)
        if run is not None:
            run.watch(me)  # nothing happens when this session submitted it
    s[f"{prefix}__run"], s[f"{prefix}__reused"] = run, reused
    return run


def _progress(prefix: str) -> None:
    """The run's place in the queue or its progress, redrawn until it ends; then the whole page."""
    run = st.session_state.get(f"{prefix}__run")
    if run is None:
        return
    run.poll()
    p = run.progress()
    if p is not None and p.status == "queued":
        st.progress(0.0, text=verdicts.waiting(p.position, p.wait_s))
    elif p is not None:
        cell, seed = p.current
        st.progress(min(p.fraction, 1.0), text=f"{p.part} of {p.parts} networks trained · now the "
                    f"{CELL_NAMES[cell]} with seed {seed}, {p.seconds:.1f} s in")
    if run.status != "running" and st.session_state.get(f"{prefix}__drawn") != run.id:
        st.session_state[f"{prefix}__drawn"] = run.id
        st.rerun()


def show_progress(prefix: str, run: Run | None) -> None:
    """The queue's rules, and the progress fragment, polling twice a second only while the run trains."""
    policy_caption()
    st.fragment(_progress, run_every=0.5 if run is not None and run.status == "running" else None)(prefix)


def _fresh(prefix: str) -> None:
    st.session_state[f"{prefix}__fresh"] = True


def show_run_facts(prefix: str, run: Run, cells, seeds=None) -> None:
    """Settings, seeds, device and times of the networks shown, whether they were stored, and a Run again button."""
    c = next(iter(run.configs.values()))
    seeds = tuple(seeds or run.seeds)
    first = run.outcomes[(cells[0], seeds[0])].result
    when = dt.datetime.fromtimestamp(run.finished_at).strftime("%H:%M:%S")
    if st.session_state.get(f"{prefix}__reused"):
        st.info(f"Stored result from {when}"
                + (" (a run of the GRU vs LSTM vs RNN page)" if set(run.cells) != set(cells) else "")
                + ": nothing was retrained. Run again for a fresh run.", icon=":material/history:")
    times = ", ".join(f"{CELL_NAMES[k]} {np.median([run.outcomes[(k, s)].result.seconds for s in seeds]):.2f} s"
                      for k in cells)
    seed_text = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}–{seeds[-1]}"
    st.markdown(f"**This run:** task `{c.task}` · T = {c.seq_len} · H = {c.hidden_size} · {c.steps} steps of "
                f"{c.batch_size} sequences · Adam, learning rate {c.lr:g} · gradient clip {c.clip:g} · "
                f"{seed_text} · device **{first.device.upper()}** · training time "
                f"{'per seed (median) ' if len(seeds) > 1 else ''}{times} · {run.wall_s:.1f} s wall clock from "
                "start to last result (queue and process start included).")
    shown = [(cell, seed) for cell in cells for seed in seeds]
    if run.previous and all(k in run.previous for k in shown):
        same = all(run.previous[k] == run.outcomes[k].result.value for k in shown)
        st.caption("Same final metrics as the run before, to the last digit." if same else
                   "The final metrics differ from the run before (expected on a GPU, not on the CPU).")
    st.button("Run again", key=f"{prefix}x_again", on_click=_fresh, args=(prefix,), icon=":material/replay:",
              help="Train them again with these settings, ignoring the stored run.")
