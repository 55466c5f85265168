"""gru_viz: the Streamlit entry point. Run: streamlit run app.py

The pages and their addresses are in pages/_nav.py. Page files are named after their address
(pages/one-step.py is /one-step): Streamlit serves pages/ in its old automatic mode until a
script calls st.navigation, and matching names let the first visitor's page hand over to the
navigation without a "page not found" (pages/_ui.py).
"""

import streamlit as st

from pages._nav import ROUTED, navigation

st.session_state[ROUTED] = True
navigation().run()
