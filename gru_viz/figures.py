"""Figure builders: pure functions from numbers to go.Figure, shared by every page (the animated gates chart
is built by gru_viz.gates_chart and drawn by the chart element in pages/_chart.py). A figure redrawn while
something runs is a plain dict instead: validating a go.Figure costs more than everything else in that redraw."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from gru_viz.core import GRUTrace

# Colour-blind safe scales: a sequential one for gates on [0, 1], a diverging one for states on [−1, 1].
GATE_SCALE = "Cividis"
STATE_SCALE = "RdBu_r"
LINE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
CURSOR_COLOUR = "#D55E00"
PANELS = (("r", "r  reset", GATE_SCALE, 0.0, 1.0),
          ("u", "u  update", GATE_SCALE, 0.0, 1.0),
          ("candidate", "ĥ  candidate", STATE_SCALE, -1.0, 1.0),
          ("h", "h  state", STATE_SCALE, -1.0, 1.0))


@dataclass(frozen=True)
class Marker:
    """A step worth pointing at (e.g. a marked input), drawn as a labelled line across the panels."""

    step: int
    label: str


def _f32(a) -> np.ndarray:
    """Figures carry float32: half the bytes of float64 and plenty for a colour or a pixel."""
    return np.asarray(a, dtype=np.float32)


def caption_for(trace: GRUTrace, step: int | None = None) -> str:
    """A one-paragraph text alternative for the gates figure, with its key numbers (and those of one step)."""
    T, H = trace.h.shape
    text = (f"Heatmaps of the reset gate, update gate, candidate and hidden state for {H} unit(s) over {T} steps. "
            f"Mean r = {trace.r.mean():.2f}, mean u = {trace.u.mean():.2f}; "
            f"h ranges from {trace.h.min():.2f} to {trace.h.max():.2f}.")
    if step is None:
        return text
    t = int(np.clip(step, 0, T - 1))
    return text + f" At step {t}: mean u = {trace.u[t].mean():.2f}, mean |h| = {np.abs(trace.h[t]).mean():.2f}."


def challenge_figure(h: np.ndarray, impulses, goal_steps, threshold: float, height: int = 260) -> go.Figure:
    """The one-unit state over time with the impulses marked and the level's checkpoints shaded."""
    h = _f32(h)
    steps = np.arange(len(h), dtype=np.float32)
    shapes = [dict(type="line", x0=s, x1=s, y0=-1.05, y1=1.05, line=dict(color="#009E73", dash="dot"))
              for s, _ in impulses]
    shapes += [dict(type="rect", x0=s - 0.5, x1=s + 0.5, y0=-1.05, y1=1.05, fillcolor="#E69F00", opacity=0.25,
                    line=dict(width=0)) for s in goal_steps]
    shapes += [dict(type="line", x0=0, x1=len(h) - 1, y0=v, y1=v, line=dict(color="#999999", dash="dash", width=1))
               for v in (threshold, -threshold) if v]
    return go.Figure(
        data=[dict(type="scatter", x=steps, y=h, mode="lines+markers", marker=dict(size=4),
                   line=dict(color=LINE_COLOURS[0], width=2), hovertemplate="t=%{x}: h=%{y:.3f}<extra></extra>")],
        layout=dict(template="plotly_white", height=height, margin=dict(l=50, r=10, t=10, b=40), shapes=shapes,
                    xaxis=dict(title=dict(text="time step t"), fixedrange=True),
                    yaxis=dict(title=dict(text="h"), range=[-1.05, 1.05], fixedrange=True), showlegend=False))


def trace_csv(trace: GRUTrace, input_names=None) -> str:
    """The whole trace as CSV: one row per step, one column per input, gate and unit."""
    T, H = trace.h.shape
    names = list(input_names) if input_names is not None else [f"x{k}" for k in range(trace.x.shape[1])]
    header = ["step", *[f"x[{n}]" for n in names]]
    blocks = [np.arange(T)[:, None], trace.x]
    for field in ("r", "u", "candidate", "h"):
        header += [f"{field}[{k}]" for k in range(H)]
        blocks.append(getattr(trace, field))
    table = np.hstack(blocks)  # (T, 1 + D + 4H)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")  # quotes names that hold commas or quotes
    writer.writerow(header)
    writer.writerows([str(int(row[0]))] + [f"{v:.6g}" for v in row[1:]] for row in table)
    return out.getvalue()


def learning_curve(steps, losses, val_steps, vals, baseline: float, metric: str, total_steps: int,
                   height: int = 300) -> dict:
    """Training loss and validation score against step; dashed: the validation score without memory.

    A Plotly figure as a dict (go.Figure(curve) validates it): redrawn twice a second while a model trains, and
    building a go.Figure took 12 ms, ten times the rest of the redraw."""
    data = [dict(type="scatter", x=_f32(steps), y=_f32(losses), mode="lines", name="training loss",
                 line=dict(color=LINE_COLOURS[0], width=2)),
            dict(type="scatter", x=_f32(val_steps), y=_f32(vals), mode="lines+markers", name=f"validation {metric}",
                 line=dict(color=LINE_COLOURS[1], width=2), yaxis="y2" if metric == "accuracy" else "y")]
    layout = dict(template="plotly_white", height=height, margin=dict(l=60, r=60, t=30, b=40),
                  xaxis=dict(title=dict(text="training step"), range=[0, max(total_steps, 1)]),
                  yaxis=dict(title=dict(text="loss" if metric == "accuracy" else "MSE"), rangemode="tozero"),
                  legend=dict(orientation="h", y=1.12, x=0),
                  shapes=[dict(type="line", xref="paper", x0=0, x1=1, y0=baseline, y1=baseline,
                               yref="y2" if metric == "accuracy" else "y", line=dict(dash="dash", color="#999999"))],
                  annotations=[dict(text=f"no memory: {baseline:.3g}", xref="paper", x=1, xanchor="right",
                                    y=baseline, yref="y2" if metric == "accuracy" else "y", showarrow=False,
                                    yanchor="bottom", font=dict(size=11, color="#666666"))])
    if metric == "accuracy":
        layout["yaxis2"] = dict(title=dict(text="accuracy"), overlaying="y", side="right", range=[0, 1.02])
    return dict(data=data, layout=layout)


def saturation_figure(r: np.ndarray, u: np.ndarray, height: int = 360) -> go.Figure:
    """Per unit, the share of steps each gate spends shut (below 0.1) against open (above 0.9), after Karpathy,
    Johnson & Fei-Fei (2015). The corners are gates that barely change (always open, top left; always shut,
    bottom right); switches lie along the diagonal x + y = 1 between them; the origin stays in between."""
    from gru_viz.analysis import gate_saturation

    data = []
    for gate, values, colour, symbol in (("r", r, "#D55E00", "circle"), ("u", u, "#0072B2", "diamond")):
        low, high = gate_saturation(values)
        units = np.arange(len(low))
        data.append(dict(type="scatter", x=_f32(low), y=_f32(high), mode="markers", name=f"{gate} gate",
                         customdata=units, marker=dict(size=11, color=colour, symbol=symbol, opacity=0.8,
                                                       line=dict(color="white", width=1)),
                         hovertemplate=f"{gate}, unit %{{customdata}}: below 0.1 %{{x:.0%}}, above 0.9 %{{y:.0%}}"
                                       "<extra></extra>"))
    return go.Figure(data=data, layout=dict(
        template="plotly_white", height=height, margin=dict(l=60, r=20, t=30, b=50),
        xaxis=dict(title=dict(text="share of steps shut (gate below 0.1)"), range=[-0.03, 1.03], tickformat=".0%"),
        yaxis=dict(title=dict(text="share of steps open (gate above 0.9)"), range=[-0.03, 1.03], tickformat=".0%"),
        shapes=[dict(type="line", x0=0, y0=1, x1=1, y1=0, line=dict(color="#bbbbbb", dash="dot"))],
        annotations=[dict(text=text, x=x, y=y, xanchor=xa, yanchor=ya, showarrow=False,
                          font=dict(size=12, color="#555555"))
                     for text, x, y, xa, ya in (("always open", 0.01, 1.0, "left", "top"),
                                                ("always shut", 1.0, 0.02, "right", "bottom"),
                                                ("switches", 0.52, 0.52, "left", "bottom"),
                                                ("in between", 0.01, 0.02, "left", "bottom"))],
        legend=dict(orientation="h", y=1.1, x=0)))
