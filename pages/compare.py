"""GRU vs LSTM vs RNN: train the three on the same task with the same settings and compare, honestly."""

import streamlit as st

from gru_viz import comparison
from gru_viz.compare_figures import loss_curves
from gru_viz.explain import parameter_count
from gru_viz.tasks import TASKS
from pages import _ui  # noqa: F401  (routes first visitors through app.py's navigation)
from pages._runs import (choose_run, configs_from_settings, restore_settings, settings_fields, settings_form,
                         show_progress, show_run_facts)
from pages._ui import save_to_url, show_url_notices

P = "cmp"
# adding, T = 50, H = 16, 400 steps: all three finish in about 10 s on CPU, and the GRU solves it (seeds 0-2)
FIELDS = settings_fields(TASKS, "adding", 50, 16, 400)
restore_settings(P, FIELDS)

st.title("GRU vs LSTM vs RNN")
show_url_notices(P)
st.markdown(
    "A GRU is often said to train faster than an LSTM, because it has three blocks of weights instead of four and "
    "no separate cell state. Test the claim here: the three cells train on the **same task** with the **same hidden "
    "size, learning rate and seed**, so they see the same batches in the same order. Each one trains in its own "
    "process, and its clock counts only its own training loop."
)

task_name, submitted = settings_form(P, TASKS, "Compare", "sequence length T",
                                    "hidden size H (the same for all three)")
try:
    run = choose_run(P, configs_from_settings(P, comparison.COMPARED), submitted)
except ValueError as exc:
    st.error(f"Those settings cannot be trained: {exc}")
    save_to_url(P, FIELDS)
    st.stop()

task = TASKS[task_name]
H = st.session_state[f"{P}_H"]
counts = {c: parameter_count(c, task.input_size, H, task.output_size) for c in comparison.COMPARED}
st.caption(f"**{task.title}.** {task.why} With H = {H}: GRU {counts['gru']:,} parameters, "
           f"LSTM {counts['lstm']:,}, plain RNN {counts['rnn']:,} (read-out included).")

show_progress(P, run)
if run is None:
    st.info("Press **Compare** to train the three cells with these settings. Nobody has run them on this "
            "server yet (or the stored run was forgotten).", icon=":material/play_arrow:")
elif run.status == "error":
    st.error(f"This comparison failed: {run.error}. Press Compare to try again.")
elif run.status == "done":
    show_run_facts(P, run, comparison.COMPARED)
    outcomes = run.outcomes
    first = next(iter(outcomes.values()))
    curves = {cell: (o.curve.step, o.curve.loss, o.curve.seconds) for cell, o in outcomes.items()}
    loss_name = "cross-entropy" if first.result.metric == "accuracy" else "MSE"
    st.subheader("Learning curves")
    st.caption("Left: training loss against step, where all three saw the same batches. Right: the same losses "
               "against seconds of training, which is what 'trains faster' means in practice. Dashed: the loss of "
               "the best guess without memory. Log scale, so that small losses stay visible.")
    st.plotly_chart(loss_curves(curves, comparison.loss_baseline(first.result.config), loss_name,
                                first.result.config.steps), theme=None, key=f"{P}x_curves",
                    alt="Training loss of GRU, LSTM and RNN against step and against seconds")
    st.subheader("The numbers")
    rows = comparison.summary(outcomes)
    st.table(comparison.table(rows))
    st.caption("'Halve the error': the first validation (every 50 steps) with at most half the no-memory error "
               "(MSE, or 1 − accuracy). Time per step includes those validations, the same for all three.")
    st.subheader("What this run shows")
    st.markdown(comparison.verdict(rows))
save_to_url(P, FIELDS)
