"""gru_viz: the Streamlit entry point. Run: streamlit run app.py"""

import streamlit as st

st.set_page_config(page_title="gru_viz · see inside a GRU", page_icon="🔁", layout="wide")

PAGES = {
    "Start": [
        st.Page("pages/home.py", title="What is a GRU?", icon="🏠", url_path="home", default=True),
    ],
    "Lessons": [
        st.Page("pages/one_step.py", title="One step", icon="🔬", url_path="one-step"),
        st.Page("pages/gates_over_time.py", title="Gates over time", icon="🎞️", url_path="gates-over-time"),
    ],
    "Experiments": [
        st.Page("pages/train.py", title="Train a GRU", icon="🏋️", url_path="train"),
    ],
}

st.navigation(PAGES, position="sidebar", expanded=True).run()
