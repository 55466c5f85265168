"""GRU vs LSTM vs RNN: train the three on the same task, with the same settings and several seeds, and compare."""

import streamlit as st

from gru_viz import comparison, runs, verdicts
from gru_viz.compare_figures import loss_curves
from gru_viz.explain import parameter_count
from gru_viz.tasks import TASKS
from gru_viz.safe_text import literal
from pages import _ui  # noqa: F401  (routes first visitors through app.py's navigation)
from pages._runs import (choose_run, configs_from_settings, settings_form, show_progress, show_run_facts,
                         show_settings_notices)
from pages._ui import link_settings

P = "cmp"
# adding, T = 50, H = 16, 400 steps, 5 seeds: the 15 networks train one after another in one process in about
# 30 s on the 2-core machine at light load (one thread; 95-115 s while other jobs loaded both cores), and the GRU
# halves the no-memory error in every seed
DEFAULTS = dict(task="adding", T=50, H=16, steps=400, seeds=5)
link = link_settings(P)  # before the widgets correct it

st.title("GRU vs LSTM vs RNN")
notices = st.container()
st.markdown(
    "A GRU is often said to train faster than an LSTM, because it has three blocks of weights instead of four and "
    "no separate cell state. Test the claim here: the three cells train on the **same task** with the **same hidden "
    "size and learning rate**, and each **seed** gives all three the same initial randomness and the same batches "
    "in the same order. Several seeds show how much of a difference is luck. All the networks of a comparison "
    "train one after another in one process, so every cell's clock runs under the same conditions."
)

task_name, submitted = settings_form(P, TASKS, "Compare", "sequence length T",
                                     "hidden size H (the same for all three)", **DEFAULTS)
try:
    run = choose_run(P, configs_from_settings(P, runs.COMPARED), submitted)
except ValueError as exc:
    st.error(f"Those settings cannot be trained: {literal(exc, 200)}")
    show_settings_notices(P, notices, link)
    st.stop()

task = TASKS[task_name]
H = st.session_state[f"{P}_H"]
counts = {c: parameter_count(c, task.input_size, H, task.output_size) for c in runs.COMPARED}
st.caption(f"**{task.title}.** {task.why} With H = {H}: GRU {counts['gru']:,} parameters, "
           f"LSTM {counts['lstm']:,}, plain RNN {counts['rnn']:,} (read-out included).")

show_progress(P, run)
if run is None:
    st.info("Press **Compare** to train the three cells with these settings. Nobody has run them on this "
            "server yet (or the stored run was forgotten).", icon=":material/play_arrow:")
elif run.status == "error":
    st.error(f"This comparison ended early: {verdicts.run_failed(run.failed, run.error)}. Press Compare to try "
             "again.")
elif run.status == "done":
    show_run_facts(P, run, runs.COMPARED)
    cells = comparison.summarise(run.outcomes)
    first = next(iter(run.outcomes.values())).result
    loss_name = "cross-entropy" if first.metric == "accuracy" else "MSE"
    st.subheader("Learning curves")
    st.caption("First: training loss against step; within a seed all three saw the same batches. Second: the same "
               "losses against seconds of training, which is what 'trains faster' means in practice. Lines: the "
               "median over the seeds; shaded: from the lowest to the highest seed. Dashed: the training loss of "
               "the best guess without memory. Log scale, so that small losses stay visible.")
    by_step, by_time = loss_curves(comparison.spreads(run.outcomes), comparison.loss_baseline(first.config),
                                   loss_name, first.config.steps)
    left, right = st.columns(2)  # side by side on a wide screen, one above the other on a phone
    left.plotly_chart(by_step, theme=None, key=f"{P}x_by_step",
                      alt="Training loss of GRU, LSTM and RNN against step: median and range over the seeds")
    right.plotly_chart(by_time, theme=None, key=f"{P}x_by_time",
                       alt="Training loss of GRU, LSTM and RNN against seconds of training: median and range")
    st.subheader("The numbers")
    st.table(verdicts.table(cells))
    st.caption("Median over the seeds, the range in brackets. 'Halve': reach, at a validation (every 50 steps), at "
               "most half the no-memory error (MSE, or 1 − accuracy); 'never' counts as the slowest. Time per step "
               "includes those validations, the same for all three. "
               + verdicts.no_memory_caption(first.baseline, task.no_memory))
    st.subheader("What this run shows")
    for paragraph in verdicts.verdict(cells, first.config.steps, first.device):
        st.markdown(paragraph)
show_settings_notices(P, notices, link)
