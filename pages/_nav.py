"""The app's pages and their addresses, for app.py's navigation (and for a first visitor's page, see pages/_ui.py)."""

import streamlit as st

ROUTED = "__routed"  # set by app.py on every run: a page that does not find it was run without the navigation


def navigation():
    """st.navigation over every page: sections, titles, icons and the addresses the app writes."""
    # the app's own icon: without one, the browser's tab shows the page's material icon, which the frontend
    # fetches from Google's font server (a request a classroom firewall blocks)
    st.set_page_config(page_title="gru_viz · see inside a GRU", page_icon="🔁", layout="wide")
    home = "pages/home.py"
    pages = {
        "Start": [
            st.Page(home, title="What is a GRU?", icon=":material/home:", url_path="start", default=True),
            # the home page lives at "/"; "/home" is kept as an address that opens it too
            st.Page(home, title="What is a GRU?", icon=":material/home:", url_path="home", visibility="hidden"),
        ],
        "Lessons": [
            st.Page("pages/one-step.py", title="One step", icon=":material/biotech:", url_path="one-step"),
            st.Page("pages/gates-over-time.py", title="Gates over time", icon=":material/animation:",
                    url_path="gates-over-time"),
        ],
        "Experiments": [
            st.Page("pages/train.py", title="Train a GRU", icon=":material/model_training:", url_path="train"),
            st.Page("pages/compare.py", title="GRU vs LSTM vs RNN", icon=":material/compare_arrows:",
                    url_path="compare"),
            st.Page("pages/memory.py", title="Memory", icon=":material/memory:", url_path="memory"),
            st.Page("pages/units-in-text.py", title="Units in real text", icon=":material/code:",
                    url_path="units-in-text"),
        ],
    }
    return st.navigation(pages, position="sidebar", expanded=True)
