"""Memory: how far back an input still moves the output, in a GRU and in a plain RNN, before and after training."""

import streamlit as st

from gru_viz import comparison
from gru_viz.compare_figures import influence_figure, retention_figure
from gru_viz.tasks import TASKS
from pages import _ui  # noqa: F401  (routes first visitors through app.py's navigation)
from pages._runs import (choose_run, configs_from_settings, restore_settings, settings_fields, settings_form,
                         show_progress, show_run_facts)
from pages._ui import save_to_url, show_url_notices

P = "mem"
MEMORY_TASKS = ("adding", "recall")  # tasks with one early input that must survive to the end
# adding at T = 100: the first mark is on average 75 steps before the answer; measured on CPU at one thread,
# the GRU solves it in 400 steps (~5 s, seeds 0-2) while the RNN stays at the no-memory baseline
FIELDS = settings_fields(MEMORY_TASKS, "adding", 100, 32, 400)
restore_settings(P, FIELDS)


@st.cache_data(max_entries=16, show_spinner=False)
def analyse(run_id: int, _run):
    """The task example, each network's input influence on it, and the GRU's retention, once per run."""
    c = _run.configs["gru"]
    x, key = comparison.memory_example(c.task, c.seq_len)
    start = min(int(key[0]) + 1, c.seq_len - 1) if len(key) else 0  # the state right after the first key input
    gru = _run.outcomes["gru"]
    return (key, comparison.influences({k: _run.outcomes[k] for k in comparison.MEMORY_CELLS}, x), start,
            comparison.gru_retention(gru.result.params, x, start), comparison.gru_retention(gru.untrained, x, start))


st.title("Memory")
show_url_notices(P)
st.markdown(
    "Why do the gates matter? Train a GRU and a plain RNN on a task whose answer depends on an input far in the "
    "past, then ask each network: **if that input had been a little different, how much would the output "
    "change?** That is the gradient |∂y/∂xₜ|, drawn for every input step t, as in Distill's *Visualizing "
    "memorization in RNNs*. An input whose influence has fallen to almost nothing is, in effect, forgotten."
)

task_name, submitted = settings_form(P, MEMORY_TASKS, "Train both", "sequence length T (the gap grows with it)",
                                    "hidden size H")
st.caption("Settings that equal a run on the *GRU vs LSTM vs RNN* page reuse its GRU and RNN. Delayed recall "
           "needs more: about T = 20, H = 64 and 1000 steps.")
try:
    run = choose_run(P, configs_from_settings(P, comparison.MEMORY_CELLS), submitted)
except ValueError as exc:
    st.error(f"Those settings cannot be trained: {exc}")
    save_to_url(P, FIELDS)
    st.stop()

show_progress(P, run)
if run is None:
    st.info("Press **Train both** to train a GRU and a plain RNN with these settings (about half a minute "
            "with the defaults).", icon=":material/play_arrow:")
elif run.status == "error":
    st.error(f"This run failed: {run.error}. Press Train both to try again.")
elif run.status == "done":
    show_run_facts(P, run, comparison.MEMORY_CELLS)
    key, influence, start, kept, kept_before = analyse(run.id, run)
    values = {k: run.outcomes[k].result.value for k in comparison.MEMORY_CELLS}
    metric = "MSE" if run.outcomes["gru"].result.metric == "mse" else "accuracy"
    st.subheader("How much each input step moves the final output")
    st.caption(f"One {TASKS[task_name].title.lower()} example; dotted grey lines mark its key inputs. Solid: after "
               f"training (validation {metric}: GRU {values['gru']:.3g}, RNN {values['rnn']:.3g}, no memory "
               f"{run.outcomes['gru'].result.baseline:.3g}). Dotted: the same networks before training. Log scale. "
               "The influence adds up all input channels of a step"
               + (": a trained GRU cares about every step's marker channel, since a mark there would add that "
                  "step's number." if run.configs["gru"].task == "adding" else "."))
    st.plotly_chart(influence_figure(influence, key), theme=None, key=f"{P}x_influence",
                    alt="Influence of each input step on the output, GRU against plain RNN, on a log scale")
    st.markdown(comparison.memory_summary(influence, key))
    st.subheader("How much of a stored state survives: the update gate")
    st.caption("A GRU's new state is u ⊙ (old state) + (1 − u) ⊙ (candidate), so the share of the state stored "
               f"after step {start - 1} that is still there at step t is the product of u from step {start} to t. "
               "Shown for the four units of the trained GRU that keep the most; dotted: the same units before "
               "training.")
    st.plotly_chart(retention_figure(kept, kept_before, start), theme=None, key=f"{P}x_retention",
                    alt="Running product of the update gate for four units, trained and untrained")
    best = kept[-1].max()
    st.markdown(f"After training, the most retentive unit still holds **{best:.0%}** of what it stored at step "
                f"{start - 1} at the last step; before training the best unit held {kept_before[-1].max():.1g}. "
                "A plain RNN has no such gate: it computes h = tanh(x U + h W + b) afresh at every step, so an old "
                "input reaches the output only through a long chain of multiplications by W and tanh slopes, "
                "which shrinks its influence step after step, as the curve above shows.")
save_to_url(P, FIELDS)
