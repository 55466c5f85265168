"""The training queue as the pages use it: this session's place in it, and the policy's messages."""

from __future__ import annotations

import functools
import uuid

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from gru_viz import jobs, verdicts


def _session_active(session_id: str) -> bool:
    """Whether Streamlit still has this session connected (always True where no server runs, e.g. AppTest)."""
    from streamlit import runtime

    if not runtime.exists():
        return True  # no server to ask: the weak reference to the Owner in session state still tells
    return runtime.get_instance().is_active_session(session_id)


def owner() -> jobs.Owner:
    """This session in the queue, made once per session and kept in its state (the queue holds it weakly)."""
    s = st.session_state
    if "__queue_owner" not in s:
        ctx = get_script_run_ctx()
        session_id = ctx.session_id if ctx is not None else ""
        # the random part tells apart sessions that share an id (AppTest gives every session the same one)
        s["__queue_owner"] = jobs.Owner(f"{session_id}/{uuid.uuid4().hex[:8]}",
                                        alive=functools.partial(_session_active, session_id))
    return s["__queue_owner"]


def busy(full: jobs.QueueFull) -> None:
    """Say that the queue refused a run, and when to try again."""
    m = jobs.default_manager
    st.warning(verdicts.queue_full(full.reason, full.wait_s, full.retry_s, m.max_waiting),
               icon=":material/hourglass_top:")


def submit(configs) -> jobs.TrainingJob | None:
    """Queue a run for this session (it replaces the session's previous one); None when the queue is full."""
    try:
        return jobs.submit(configs, owner())
    except jobs.QueueFull as full:
        busy(full)
        return None


def over_budget(configs) -> bool:
    """Refuse, in words, settings that could not finish within one run's budget even on an idle machine."""
    m = jobs.default_manager
    estimate = m.estimate(configs, best=True)
    if m.budget_s is not None and estimate > m.budget_s:
        st.error(verdicts.too_long(estimate, m.budget_s), icon=":material/timer_off:")
        return True
    return False


def policy_caption() -> None:
    """The queue's rules, in words, under a page's settings."""
    m = jobs.default_manager
    st.caption(verdicts.queue_policy(m.max_running, m.budget_s, m.max_wait_s))


def waiting_text(job: jobs.TrainingJob) -> str:
    return verdicts.waiting(job.position, job.wait_s)
