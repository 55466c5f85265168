"""Memory: how far back an input still moves the output, in a GRU and in a plain RNN, before and after training."""

import streamlit as st

from gru_viz import memory, verdicts
from gru_viz.compare_figures import influence_figure, retention_figure
from gru_viz.comparison import halves_the_error
from gru_viz.tasks import TASKS
from gru_viz.safe_text import literal
from pages import _ui  # noqa: F401  (routes first visitors through app.py's navigation)
from pages._runs import (choose_run, configs_from_settings, settings_form, show_progress, show_run_facts,
                         show_settings_notices)
from pages._ui import link_settings

P = "mem"
# adding at T = 100: the first mark is on average 75 steps before the answer; measured on CPU at one thread,
# the GRU solves it in 400 steps (~7 s, seeds 0-2) while the RNN stays at the no-memory baseline
DEFAULTS = dict(task="adding", T=100, H=32, steps=400)
link = link_settings(P)  # before the widgets correct it


@st.cache_data(max_entries=16, show_spinner=False)
def analyse(run_id: int, seed: int, _run):
    """The example's key steps, each network's input influence (from its training process) and the GRU's retention."""
    gru = _run.outcomes[("gru", seed)]
    x, key = memory.memory_example(gru.result.config.task, gru.result.config.seq_len)
    start = memory.first_stored_step(key, len(x))
    influence = {(cell, trained): _run.outcomes[(cell, seed)].influence["trained" if trained else "untrained"]
                 for cell in memory.MEMORY_CELLS for trained in (True, False)}
    kept = memory.gru_retention(gru.result.params, x, start)  # (T, H)
    return key, influence, start, kept, memory.gru_retention(gru.untrained, x, start), memory.most_retentive(kept)


st.title("Memory")
notices = st.container()
st.markdown(
    "Why do the gates matter? Train a GRU and a plain RNN on a task whose answer depends on an input far in the "
    "past, then ask each network: **if that input had been a little different, how much would the output "
    "change?** That is the gradient |∂y/∂xₜ|, drawn for every input step t, as in Distill's *Visualizing "
    "memorization in RNNs*. An input whose influence has fallen to almost nothing is, in effect, forgotten."
)

task_name, submitted = settings_form(P, memory.MEMORY_TASKS, "Train both",
                                     "sequence length T (the gap grows with it)", "hidden size H", **DEFAULTS)
st.caption("Settings that equal a run on the *GRU vs LSTM vs RNN* page reuse its GRU and RNN of the same seed. "
           "Delayed recall needs more: about T = 20, H = 64 and 1000 steps.")
try:
    run = choose_run(P, configs_from_settings(P, memory.MEMORY_CELLS), submitted)
except ValueError as exc:
    st.error(f"Those settings cannot be trained: {literal(exc, 200)}")
    show_settings_notices(P, notices, link)
    st.stop()

show_progress(P, run)
seed = int(st.session_state[f"{P}_seed"])
if run is None:
    st.info("Press **Train both** to train a GRU and a plain RNN with these settings (about 10 s of training "
            "with the defaults, more when the server is busy).", icon=":material/play_arrow:")
elif run.status == "error":
    st.error(f"This run ended early: {verdicts.run_failed(run.failed, run.error)}. Press Train both to try again.")
elif run.status == "done":
    show_run_facts(P, run, memory.MEMORY_CELLS, seeds=(seed,))
    key, influence, start, kept, kept_before, units = analyse(run.id, seed, run)
    gru, rnn = (run.outcomes[(cell, seed)].result for cell in memory.MEMORY_CELLS)
    T = len(kept)
    st.subheader("How much each input step moves the final output")
    st.caption(verdicts.influence_caption(TASKS[task_name].title, gru.metric, gru.value, rnn.value, gru.baseline,
                                          gru.config.task == "adding"))
    st.plotly_chart(influence_figure(influence, key), theme=None, key=f"{P}x_influence",
                    alt="Influence of each input step on the output, GRU against plain RNN, on a log scale")
    k = int(key[0]) if len(key) else 0
    st.markdown(verdicts.memory_summary(influence[("gru", True)][k], influence[("rnn", True)][k], k, T,
                                        (influence[("gru", False)][k], influence[("rnn", False)][k]),
                                        halves_the_error(gru.value, gru.baseline, gru.metric)))
    st.subheader("How much of a stored state survives: the update gate")
    st.caption("A GRU's new state is u ⊙ (old state) + (1 − u) ⊙ (candidate), so the share of the state stored "
               f"after step {start - 1} that the update gate copies on to step t is the product of u from step "
               f"{start} to t. Shown for the {len(units)} units of the trained GRU that keep the most (solid); dotted: "
               "the same units before training.")
    st.plotly_chart(retention_figure(kept, kept_before, start, units), theme=None, key=f"{P}x_retention",
                    alt="Running product of the update gate for four units, trained and untrained")
    st.markdown(verdicts.retention_summary(int(units[0]), kept[-1, units[0]], kept_before[-1, units[0]], start, T))
show_settings_notices(P, notices, link)
