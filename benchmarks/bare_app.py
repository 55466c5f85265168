"""The baseline for benchmarks/bench_browser.py: the least a Streamlit page with a slider and a chart can cost.

Run: streamlit run benchmarks/bare_app.py
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.title("Bare page")
k = st.slider("frequency", 1, 20, 5, key="freq")
x = np.linspace(0.0, 1.0, 50)
st.plotly_chart(go.Figure(go.Scatter(x=x, y=np.sin(2 * np.pi * k * x), mode="lines"),
                          layout=dict(height=300, margin=dict(l=40, r=10, t=10, b=40))),
                key="chart")
