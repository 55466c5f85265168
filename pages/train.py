"""Train a GRU: train one in PyTorch on a memory task, in a separate process, then look at its gates."""

import numpy as np
import streamlit as st

from gru_viz import jobs, run_gru, training, verdicts
from gru_viz.device import training_device
from gru_viz.explain import with_article
from gru_viz.figures import Marker, caption_for, learning_curve, saturation_figure
from gru_viz.gates_chart import gates_chart
from gru_viz.safe_text import literal
from gru_viz.tasks import TASKS
from gru_viz.trained import MAX_HIDDEN, TrainedModel
from pages._chart import draw_figure, draw_gates_chart, figure_json, gates_json
from pages._queue import policy_caption, submit, waiting_text
from pages._runs import settings_form, show_settings_notices
from pages._ui import kept_in_session, link_settings, trained_model

P = "tr"
link = link_settings(P)  # before the widgets correct it


@st.cache_resource(max_entries=4, show_spinner=False)  # few: each session keeps its own (kept_in_session)
def results_figures(model_key: str, _model: TrainedModel):
    """The gates on a task example (with training snapshots) and the gate-saturation plot, once per model.

    Keyed by TrainedModel.key: weights, task, seq_len, snapshots and facts, everything these figures show."""
    task = TASKS.get(_model.task)
    x, key = _model.example()
    trace = run_gru(_model.weights, x)
    markers = [Marker(int(k), "key input") for k in key[:6]]
    names = task.inputs if task else None
    gates = gates_chart(trace, input_names=names, markers=markers, snapshots=_model.snapshot_traces(x),
                        title=with_article(f"{task.title if task else 'sequence'} example", capital=True))
    many = task.batch(32, _model.seq_len, 1).x if task else x[None]  # (32, T, D)
    sample = run_gru(_model.weights, many)
    alt = caption_for(trace) + " (The final weights; a slider moves through training time.)"
    return gates_json(gates), alt, figure_json(saturation_figure(sample.r, sample.u))  # JSON once, not per rerun


st.title("Train a GRU")
notices = st.container()
device = training_device()  # asked of a child process: torch never loads into this server
where = (f"on **{device.upper()}**" if device in ("cpu", "cuda")
         else "on the GPU if this server has one, else on its CPU")
st.caption(f"Training runs in PyTorch in its own process, {where}, while this page keeps working. "
           f"At most {jobs.default_manager.max_running} run(s) at a time on this server; others wait in line.")

task_name, submitted = settings_form(P, TASKS, "Train", "sequence length T", "hidden size H", task="adding", T=50, H=16,
                                     steps=300)
st.markdown(f"**{TASKS[task_name].title}.** {TASKS[task_name].why}")
policy_caption()

if submitted:
    s = st.session_state
    try:
        config = training.TrainConfig.for_task(s[f"{P}_task"], seq_len=s[f"{P}_T"], hidden_size=s[f"{P}_H"],
                                               lr=float(s[f"{P}_lr"]), steps=s[f"{P}_steps"], seed=s[f"{P}_seed"])
        job = submit(config)  # replaces this session's previous run; None, with a notice, when the queue is full
        if job is not None:
            s[f"{P}__job"] = job
    except ValueError as exc:
        st.error(f"Those settings cannot be trained: {literal(exc, 200)}")


def progress():
    """Live progress of this session's run, redrawn twice a second until it ends."""
    job = st.session_state.get(f"{P}__job")
    if job is None:
        return
    job.poll()
    if job.status == "queued":
        st.info(waiting_text(job))
    events = job.events
    latest = job.latest
    if latest is not None:
        st.progress(latest.step / latest.steps, text=f"step {latest.step} of {latest.steps} · "
                    f"{latest.elapsed_s:.1f} s on {latest.device.upper()}")
        steps = [e.step for e in events if np.isfinite(e.loss)]
        # every event repeats the latest validation score: keep the steps where validation really ran
        val = [(e.step, e.val_metric) for e in events if e.val_metric is not None
               and (e.step % job.config.eval_every == 0 or e.finished)]
        draw_figure(learning_curve(steps, [e.loss for e in events if np.isfinite(e.loss)], [v[0] for v in val],
                                   [v[1] for v in val], latest.baseline, latest.metric, latest.steps),
                    key=f"{P}x_curve", alt=f"Learning curve up to step {latest.step}")
        st.caption(verdicts.dashed_line_caption(latest.baseline, TASKS[job.config.task].no_memory))
    if not job.finished:
        if st.button("Stop", key=f"{P}x_stop"):
            job.stop()
        return
    if st.session_state.get(f"{P}__shown") != job.id:
        st.session_state[f"{P}__shown"] = job.id
        if job.status == "error":
            st.session_state[f"{P}__message"] = ("error", job.error)
        elif job.result is not None:
            st.session_state["trained_model"] = TrainedModel.from_result(job.result)
            r = job.result
            st.session_state[f"{P}__message"] = ("success", f"Training {'stopped' if r.stopped else 'finished'} "
                                                 f"after {r.steps_done} steps in {r.seconds:.1f} s on {r.device}"
                                                 + (f": {job.message}." if job.ended_by == "budget" else "."))
        st.rerun()


job = st.session_state.get(f"{P}__job")
st.fragment(progress, run_every=0.5 if job is not None and not job.finished else None)()
kind, text = st.session_state.get(f"{P}__message", (None, ""))
if kind:
    (st.error if kind == "error" else st.success)(text)

model = trained_model()
if model is None:
    st.info("Train a model above, or load one you saved earlier.")
else:
    gates, alt, saturation = kept_in_session(f"{P}__figures", model.key, lambda: results_figures(model.key, model))
    meta = model.metadata  # checked on load (trained.check_metadata): metric is "mse" or "accuracy", numbers finite
    a, b, c = st.columns(3)
    if "value" in meta:
        a.metric(f"validation {meta['metric']}", f"{meta['value']:.4g}", f"baseline {meta['baseline']:.3g}",
                 delta_color="off")
    b.metric("training steps", meta.get("steps", "?"))
    diff = meta.get("numpy_vs_torch")  # measured by the training process; a loaded file's claim is not trusted
    c.metric("NumPy core vs PyTorch", "not checked" if diff is None else f"{diff:.1e}",
             "max |Δh| on the example" if diff is not None else "checked only for models trained here",
             delta_color="off")
    st.subheader("What its gates do on one example")
    st.caption("Dotted lines mark the task's key inputs. The training-time slider shows the same example under "
               "the weights as they were during training: watch the update gate learn to stay near 1 (keep) and "
               "dip only at the key inputs, where the state must take in something new.")
    draw_gates_chart(gates, key=f"{P}x_gates", step=0, alt=alt)  # no caption: it would not follow training time
    st.subheader("Gate saturation")
    st.caption("Each dot is one unit's gate over 32 examples: the share of steps it is shut (below 0.1) against "
               "the share it is open (above 0.9). Open means near 1: an open r lets the old state into the "
               "candidate, an open u keeps the old state. Top left: almost always open; bottom right: almost "
               "always shut; both corners are gates that barely change. Dots on the dotted diagonal x + y = 1, away "
               "from its ends, are switches: fully open or fully shut at almost every step, and they flip. Dots "
               "near the origin spend most steps in between.")
    draw_figure(saturation, key=f"{P}x_saturation", alt="Gate saturation per unit")
    open_col, save_col = st.columns(2)
    if open_col.button("Open this model in Gates over time", key=f"{P}x_open"):
        st.session_state["got_weights"] = "trained"
        st.switch_page("pages/gates-over-time.py", query_params={})  # {}: see open_in_one_step in that page
    save_col.download_button("Download the weights (.npz)", model.to_bytes(), file_name=f"gru_{model.digest}.npz",
                             mime="application/octet-stream", key=f"{P}x_download")

upload = st.file_uploader(f"Load a saved model (.npz of a GRU with at most {MAX_HIDDEN} units, at most 2 MB)",
                          type=["npz"], key=f"{P}x_upload")
if upload is not None and st.session_state.get(f"{P}__uploaded") != upload.file_id:
    st.session_state[f"{P}__uploaded"] = upload.file_id
    # Markdown: the file's name and the reason (which may quote the file) only inside code spans
    try:
        st.session_state["trained_model"] = TrainedModel.from_file(upload.getvalue())
        st.session_state[f"{P}__message"] = ("success", f"Loaded {literal(upload.name)}.")
    except ValueError as exc:
        st.session_state[f"{P}__message"] = ("error", f"{literal(upload.name)} cannot be loaded: "
                                                      f"{literal(exc, 300)}")
    st.rerun()
show_settings_notices(P, notices, link)
