"""gru_viz: the Streamlit entry point. Run: streamlit run app.py

The pages and their addresses are in pages/_nav.py. Page files are named after their address
(pages/one-step.py is /one-step): Streamlit serves pages/ in its old automatic mode until a
script calls st.navigation, and matching names let the first visitor's page hand over to the
navigation without a "page not found" (pages/_ui.py).
"""

import sys
import time

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from gru_viz.fairshare import classroom
from pages._nav import ROUTED, navigation
from pages._nodelay import send_at_once

# One process, one GIL: a script thread computing holds it for up to the switch interval each time the event loop
# (which sends every element of every session) wants it back. Python's 5 ms made a page of many elements wait
# 0.3-0.7 s for its messages under load (One step: p95 721 ms with 30 sessions, 75 ms at 1 ms).
sys.setswitchinterval(0.001)
send_at_once()
ctx = get_script_run_ctx()
session = ctx.session_id if ctx is not None else ""
wait = classroom.delay(session)  # a tab that used more than its share of a busy server waits its turn
if wait > 0:
    time.sleep(wait)  # holds no lock: the other sessions run meanwhile
    if wait >= 1:
        st.toast(f"The server is busy: this page waited {wait:.0f} s so that everyone gets a turn.")
st.session_state[ROUTED] = True
started = time.thread_time()  # this run's CPU: the script thread's own
try:
    navigation().run()
finally:  # also when the page stops or reruns (st.stop, st.rerun, a widget change) by raising
    classroom.charge(session, time.thread_time() - started)
