"""gru_viz: the Streamlit entry point. Run: streamlit run app.py

Page files are named after their URL (pages/one-step.py is /one-step): until this script has run
once, Streamlit serves pages/ in its old automatic mode, and matching names let pages/_ui.py hand a
first visitor over to this navigation without a "page not found".
"""

import streamlit as st

st.set_page_config(page_title="gru_viz · see inside a GRU", page_icon="🔁", layout="wide")

PAGES = {
    "Start": [
        st.Page("pages/home.py", title="What is a GRU?", icon=":material/home:", url_path="home", default=True),
    ],
    "Lessons": [
        st.Page("pages/one-step.py", title="One step", icon=":material/biotech:", url_path="one-step"),
        st.Page("pages/gates-over-time.py", title="Gates over time", icon=":material/animation:", url_path="gates-over-time"),
    ],
    "Experiments": [
        st.Page("pages/train.py", title="Train a GRU", icon=":material/model_training:", url_path="train"),
        st.Page("pages/compare.py", title="GRU vs LSTM vs RNN", icon=":material/compare_arrows:", url_path="compare"),
        st.Page("pages/memory.py", title="Memory", icon=":material/memory:", url_path="memory"),
        st.Page("pages/units-in-text.py", title="Units in real text", icon=":material/code:",
                url_path="units-in-text"),
    ],
}

st.navigation(PAGES, position="sidebar", expanded=True).run()
